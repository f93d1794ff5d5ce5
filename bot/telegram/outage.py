"""Updates that met a database outage are handled again once the database is back, not lost.

A PostgreSQL restart or failover takes seconds; an update handled in those seconds fails in every
handler that touches the database. Instead of apologising and dropping the delegate's question, the
error handler notes the update, and the update processor (still holding that chat's turn, so order
is kept) waits for the database and handles the update again. Only when the database stays away
longer than MAX_WAIT does the delegate get an apology.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.db import Database
from bot.metrics import Metrics
from bot.updates.service import UpdateLedger

log = logging.getLogger(__name__)
MAX_WAIT = 120.0  # seconds without a database before the delegate is told
MAX_ATTEMPTS = 5


class OutageRetry:
    def __init__(self, database: Database, ledger: UpdateLedger | None, metrics: Metrics | None = None, max_wait: float = MAX_WAIT) -> None:
        self.database = database
        self.metrics = metrics
        self.ledger = ledger
        self.max_wait = max_wait
        self._failed: set[int] = set()

    def note(self, update: object) -> bool:
        """Marks an update for another try; False when it cannot be retried (not an Update)."""
        if not isinstance(update, Update):
            return False
        if update.update_id not in self._failed:
            self._failed.add(update.update_id)
            log.warning("database unavailable while handling update %s: it will be handled again when the database is back", update.update_id)
        return True

    async def after(self, update: object, process: Callable[[object], Awaitable[None]], give_up: Callable[[object], Awaitable[None]]) -> None:
        """Called once an update's handling finished: handles it again while it was noted."""
        if not isinstance(update, Update):
            return
        attempts = 0
        while update.update_id in self._failed:
            self._failed.discard(update.update_id)
            attempts += 1
            if attempts > MAX_ATTEMPTS or not await self._wait_for_database():
                log.error("update %s dropped: the database stayed unavailable", update.update_id)
                await give_up(update)
                return
            if self.ledger is not None:
                await self.ledger.release(update.update_id)
            if self.metrics is not None:
                self.metrics.updates_retried += 1
            log.info("database is back: handling update %s again (attempt %d)", update.update_id, attempts + 1)
            await process(update)

    async def _wait_for_database(self) -> bool:
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self.max_wait, 0.25
        while not await self.database.available():
            if loop.time() + pause > deadline:
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
        return True
