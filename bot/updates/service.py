"""Claiming updates: the first replica to claim an update handles it; the others skip it.

A claim is a lease: if the replica that took an update dies before finishing it, another delivery of
the same update is handled once the lease has run out (so a crash loses nothing that is redelivered).
Wall-clock time, not the event clock: leases are about processes, not about the conference.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.updates.models import HandledUpdate

LEASE = timedelta(seconds=60)
KEEP = timedelta(days=2)
PRUNE_EVERY = 1000


def _now() -> datetime:
    return datetime.now(timezone.utc)


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._claims = 0

    async def claim(self, update_id: int) -> bool:
        """True if this replica should handle the update (nobody has, or their lease ran out)."""
        now = _now()
        try:
            async with self.database.session() as db:
                db.add(HandledUpdate(update_id=update_id, claimed_at=now, done=False))
        except IntegrityError:
            async with self.database.session() as db:
                taken = await db.execute(
                    update(HandledUpdate)
                    .where(HandledUpdate.update_id == update_id, HandledUpdate.done.is_(False), HandledUpdate.claimed_at < now - LEASE)
                    .values(claimed_at=now)
                )
            return bool(taken.rowcount)
        self._claims += 1
        if self._claims % PRUNE_EVERY == 0:
            await self.prune(now - KEEP)
        return True

    async def done(self, update_id: int) -> None:
        async with self.database.session() as db:
            await db.execute(update(HandledUpdate).where(HandledUpdate.update_id == update_id).values(done=True))

    async def release(self, update_id: int) -> None:
        """Gives an unfinished update back (its handling failed midway and will be retried)."""
        async with self.database.session() as db:
            await db.execute(delete(HandledUpdate).where(HandledUpdate.update_id == update_id, HandledUpdate.done.is_(False)))

    async def prune(self, before: datetime) -> int:
        async with self.database.session() as db:
            result = await db.execute(delete(HandledUpdate).where(HandledUpdate.claimed_at < before))
        return int(result.rowcount or 0)
