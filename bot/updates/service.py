"""Claiming updates: the first replica to claim an update handles it; the others skip it.

A claim is a lease: if the replica that took an update dies before finishing it, another delivery of
the same update is handled once the lease has run out (so a crash loses nothing that is redelivered).
Each ledger (one per process) signs its claims, so giving an update back never frees another
replica's claim. Wall-clock time, not the event clock: leases are about processes, not the conference.

Errors are not swallowed here: a claim that raised is not a claim (bot.telegram.gate decides what
happens to the update then).

Marking an update done is batched: the mark rides in the next claim's transaction (one write
transaction per update instead of two, which is what SQLite's single writer is short of), or is
written on its own DONE_DELAY later when no claim comes, and at shutdown (`flush`). Until then this
ledger knows the update is done (a redelivery to it is not handled again); another replica would
only see it unfinished, which matters after LEASE, far longer than DONE_DELAY.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database, affected, log_failure
from bot.updates.models import HandledUpdate

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
KEEP = timedelta(days=2)
PRUNE_EVERY = 1000
DONE_DELAY = 0.5  # seconds a done-mark waits for the next claim to carry it


def _now() -> datetime:
    return datetime.now(timezone.utc)


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.owner = uuid.uuid4().hex
        self._claims = 0
        self._done: set[int] = set()  # handled here, not yet marked done in the database
        # Marks being written: taken out of _done first, so that two transactions (a claim and the
        # delayed flush) never update the same rows (on PostgreSQL they deadlocked, a second each).
        self._writing: set[int] = set()
        self._flush: asyncio.Task[None] | None = None

    async def claim(self, update_id: int) -> bool:
        """True if this replica should handle the update: nobody has, their lease ran out, or the
        unfinished claim is this ledger's own (an update handled again after an outage). The
        done-marks waiting (see `done`) are written in the same transaction."""
        if update_id in self._done or update_id in self._writing:
            return False  # handled here already; its done-mark is on its way
        now = _now()
        marks = self._take_marks()
        try:
            async with self.database.session() as db:
                if marks:
                    await db.execute(update(HandledUpdate).where(HandledUpdate.update_id.in_(marks)).values(done=True))
                db.add(HandledUpdate(update_id=update_id, claimed_at=now, done=False, claimed_by=self.owner))
            self._writing.difference_update(marks)
        except BaseException as error:
            self._give_back(marks)  # rolled back with the claim: written with the next one or soon
            if marks:
                self._flush_soon()
            if not isinstance(error, IntegrityError):
                raise
            async with self.database.session() as db:
                taken = await db.execute(
                    update(HandledUpdate)
                    .where(
                        HandledUpdate.update_id == update_id, HandledUpdate.done.is_(False),
                        or_(HandledUpdate.claimed_at < now - LEASE, HandledUpdate.claimed_by == self.owner),
                    )
                    .values(claimed_at=now, claimed_by=self.owner)
                )
            return bool(affected(taken))
        self._claims += 1
        if self._claims % PRUNE_EVERY == 0:
            await self._prune_quietly(now - KEEP)
        return True

    async def done(self, update_id: int) -> None:
        """Notes the update handled; the mark is written with the next claim or DONE_DELAY later."""
        self._done.add(update_id)
        self._flush_soon()

    def _flush_soon(self) -> None:
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._flush_later(), name="ledger-done-marks")

    async def flush(self) -> None:
        """Writes the waiting done-marks now (at shutdown; raises what the database raised)."""
        marks = self._take_marks()
        if not marks:
            return
        try:
            async with self.database.session() as db:
                await db.execute(update(HandledUpdate).where(HandledUpdate.update_id.in_(marks)).values(done=True))
        except BaseException:
            self._give_back(marks)
            raise
        self._writing.difference_update(marks)

    def _take_marks(self) -> tuple[int, ...]:
        marks = tuple(sorted(self._done))
        self._done.clear()
        self._writing.update(marks)
        return marks

    def _give_back(self, marks: tuple[int, ...]) -> None:
        self._writing.difference_update(marks)
        self._done.update(marks)

    async def close(self) -> None:
        """Stops the delayed writer and writes what waits (a failure is logged: the claims then
        stay until their lease runs out, which only matters for a redelivery)."""
        if self._flush is not None and not self._flush.done():
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush
        try:
            await self.flush()
        except Exception:
            log_failure(log, "the handled-update ledger's done-marks could not be written")

    async def _flush_later(self) -> None:
        await asyncio.sleep(DONE_DELAY)
        try:
            await self.flush()
        except Exception:
            log_failure(log, "the handled-update ledger's done-marks could not be written (tried again with the next claim)")

    async def release(self, update_id: int) -> None:
        """Gives back this ledger's unfinished claim on an update (its handling failed and will be
        retried, here or by another replica); another replica's claim is never touched."""
        async with self.database.session() as db:
            await db.execute(delete(HandledUpdate).where(
                HandledUpdate.update_id == update_id, HandledUpdate.done.is_(False), HandledUpdate.claimed_by == self.owner,
            ))

    async def taken_elsewhere(self, update_id: int) -> bool:
        """True when another replica holds or finished the update (so this one may stay silent)."""
        async with self.database.session() as db:
            row = (await db.execute(select(HandledUpdate.claimed_by).where(HandledUpdate.update_id == update_id))).first()
        return row is not None and row.claimed_by != self.owner

    async def prune(self, before: datetime) -> int:
        async with self.database.session() as db:
            result = await db.execute(delete(HandledUpdate).where(HandledUpdate.claimed_at < before))
        return affected(result)

    async def _prune_quietly(self, before: datetime) -> None:
        """Housekeeping after a successful claim: its failure must not turn the claim into an error."""
        try:
            await self.prune(before)
        except Exception:
            log_failure(log, "pruning the handled-update ledger failed")
