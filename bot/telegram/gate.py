"""The gate every update passes: claimed once across replicas, handled, marked done; handled again
after a database outage; never handled when its claim could not be made.

The claim runs here, around PTB's `process_update`, not as a handler: an error in a handler group
goes to the error handler and PTB carries on with the next group, so a claim made there fails open
(two replicas answer). Here a claim that raised means no handler runs at all:
- an outage or a lost race (SQLite's "database is locked", PostgreSQL's serialization failures)
  is waited out and the claim tried again, while the chat's turn is held, so order is kept;
- any other error is logged once, this replica's claim (if it was made) is given back, and the claim
  is tried a few more times; then the update is left to a redelivery or another replica, and the
  delegate is told to try again unless another replica has taken it meanwhile.

An update whose handling met an outage (noted by the error handler) is handled again once the
database is back, in its chat's turn; only when the database stays away longer than `max_wait`
does the delegate get an apology instead.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update

from bot.db import Database, is_outage, is_transient
from bot.metrics import Metrics
from bot.updates.service import UpdateLedger

log = logging.getLogger(__name__)
MAX_WAIT = 120.0  # seconds without a database before the delegate is told
MAX_ATTEMPTS = 5  # handlings of one update that met an outage
FAULT_TRIES = 5  # claims that raised an unexpected error before the update is given up (about 1.5 s)


class Claim(enum.Enum):
    OURS = "ours"
    TAKEN = "taken"  # another replica has it
    FAILED = "failed"  # could not be decided: nothing runs


class UpdateGate:
    def __init__(
        self, ledger: UpdateLedger, database: Database, metrics: Metrics,
        give_up: Callable[[object], Awaitable[None]], max_wait: float = MAX_WAIT,
    ) -> None:
        self.ledger = ledger
        self.database = database
        self.metrics = metrics
        self.give_up = give_up
        self.max_wait = max_wait
        self._failed: set[int] = set()

    def handle_again(self, update: object) -> bool:
        """The error handler saw a database outage (or a lost race) while handling `update`: handle it
        again once the database answers. False when it cannot be retried (not an Update)."""
        if not isinstance(update, Update):
            return False
        if update.update_id not in self._failed:
            self._failed.add(update.update_id)
            log.warning("database unavailable while handling update %s: it will be handled again when the database is back", update.update_id)
        return True

    async def run(
        self, update: object, first: Coroutine[Any, Any, Any], again: Callable[[object], Coroutine[Any, Any, Any]],
    ) -> None:
        """Runs `first` (PTB's processing of `update`) if this replica wins the claim, and `again(update)`
        as often as an outage requires; closes `first` unrun otherwise."""
        if not isinstance(update, Update):
            await first
            return
        uid, handling, attempt = update.update_id, first, 1
        while True:
            claim = await self._claim(uid)
            if claim is not Claim.OURS:
                handling.close()
                if claim is Claim.TAKEN:
                    log.info("update %s is handled by another replica: skipped", uid)
                elif not await self._taken_elsewhere(uid):
                    await self.give_up(update)
                return
            self._failed.discard(uid)
            await handling
            if uid not in self._failed:
                await self._mark_done(uid)
                return
            self._failed.discard(uid)
            attempt += 1
            if attempt > MAX_ATTEMPTS or not await self._wait_for_database():
                log.error("update %s dropped: the database stayed unavailable", uid)
                await self.give_up(update)
                return
            self.metrics.updates_retried += 1
            log.info("database is back: handling update %s again (attempt %d)", uid, attempt)
            handling = again(update)

    async def _claim(self, uid: int) -> Claim:
        """Tries until the claim is decided: a transient failure for up to `max_wait`, any other
        failure FAULT_TRIES times (it may yet be a passing one), giving back a half-made claim."""
        loop = asyncio.get_running_loop()
        deadline, pause, faults = loop.time() + self.max_wait, 0.05, 0
        while True:
            try:
                return Claim.OURS if await self.ledger.claim(uid) else Claim.TAKEN
            except Exception as error:
                if is_transient(error):
                    if pause == 0.05:
                        log.warning("update %s: its claim must wait (%s)", uid, "database unavailable" if is_outage(error) else "a concurrent writer")
                else:
                    faults += 1
                    if faults == 1:
                        log.error("update %s: its claim failed, so no handler runs for it here", uid, exc_info=error)
                    await self._release(uid)
                    if faults >= FAULT_TRIES:
                        return Claim.FAILED
                if loop.time() + pause > deadline:
                    log.error("update %s: no claim after %.0f s, so no handler runs for it here", uid, self.max_wait)
                    return Claim.FAILED
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _release(self, uid: int) -> None:
        try:
            await self.ledger.release(uid)
        except Exception as error:  # the claim expires by itself after its lease
            log.warning("update %s: its claim could not be given back (%s)", uid, type(error).__name__)

    async def _taken_elsewhere(self, uid: int) -> bool:
        try:
            return await self.ledger.taken_elsewhere(uid)
        except Exception:
            return False  # unknown: better an apology too many than a question lost in silence

    async def _mark_done(self, uid: int) -> None:
        try:
            await self.ledger.done(uid)
        except Exception as error:
            # Handled; only its bookkeeping failed. Handling it again would answer twice; the claim
            # stays until its lease runs out, which only matters for a redelivery.
            log.warning("update %s handled, but it could not be marked done (%s)", uid, type(error).__name__)

    async def _wait_for_database(self) -> bool:
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self.max_wait, 0.25
        while not await self.database.available():
            if loop.time() + pause > deadline:
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
        return True
