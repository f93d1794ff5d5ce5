"""Claiming updates: the first replica to claim an update handles it; the others skip it.

A claim is a lease: if the replica that took an update dies before finishing it, another delivery of
the same update is handled once the lease has run out (so a crash loses nothing that is redelivered).
Each ledger (one per process) signs its claims, so giving an update back never frees another
replica's claim. Wall-clock time, not the event clock: leases are about processes, not the conference.

Errors are not swallowed here: a claim that raised is not a claim (bot.telegram.gate decides what
happens to the update then).
"""

from __future__ import annotations

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


def _now() -> datetime:
    return datetime.now(timezone.utc)


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.owner = uuid.uuid4().hex
        self._claims = 0

    async def claim(self, update_id: int) -> bool:
        """True if this replica should handle the update: nobody has, their lease ran out, or the
        unfinished claim is this ledger's own (an update handled again after an outage)."""
        now = _now()
        try:
            async with self.database.session() as db:
                db.add(HandledUpdate(update_id=update_id, claimed_at=now, done=False, claimed_by=self.owner))
        except IntegrityError:
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
        async with self.database.session() as db:
            await db.execute(update(HandledUpdate).where(HandledUpdate.update_id == update_id).values(done=True))

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
