"""The outbox table as the dispatcher sees it: claim due rows, keep the claim alive, record outcomes.

A row is claimed by moving it from "pending" to "sending" with a claim token and a lease
(`claimed_until`). The claim is atomic on both databases: PostgreSQL locks the chosen rows with
`FOR UPDATE SKIP LOCKED`, so two replicas never pick the same row and never wait for each other;
SQLite has a single writer, so one `UPDATE ... WHERE id IN (SELECT ... LIMIT n)` statement is the claim.
A process renews the leases of the rows it holds; a row whose lease ran out belongs to a process that
died, and goes back to "pending" for anyone to take.
"""

from __future__ import annotations

import itertools
import os
import socket
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, not_, or_, select, update

from bot.answers.reply import Reply
from bot.db import Database, affected
from bot.outbox import payload
from bot.outbox.models import EXPIRED, PENDING, SENDING, OutboxMessage


def new_worker_id() -> str:
    """Unique per dispatcher instance; readable in the table (host, pid) for whoever investigates."""
    host = socket.gethostname().replace("_", "-").replace("%", "-")[:24]
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Claimed:
    """A row this process now holds: what to send, to whom, and until when it is worth sending."""

    id: int
    chat_id: int
    kind: str
    replies: tuple[Reply, ...]
    expires_at: datetime | None
    not_before: datetime
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed row: sent, failed, expired, or released (back to pending)."""

    id: int
    status: str
    at: datetime
    message_ids: tuple[int, ...] = ()
    error: str | None = None


class OutboxStore:
    """Claims and outcomes for one dispatcher (one worker id); knows SQL, not Telegram."""

    def __init__(self, database: Database, worker_id: str | None = None) -> None:
        self.database = database
        self.worker_id = worker_id or new_worker_id()
        self._batches = itertools.count(1)

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime, exclude_chats: Collection[int] = ()
    ) -> list[Claimed]:
        """Takes up to `limit` due rows (priority, then due time, then queue order), skipping the
        chats in `exclude_chats` (this process already holds rows for them, to be sent in order)."""
        if limit <= 0:
            return []
        token = f"{self.worker_id}/{next(self._batches)}"
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now)
            .where(or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))
            .order_by(OutboxMessage.priority, OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
        )
        if exclude_chats:
            due = due.where(OutboxMessage.chat_id.notin_(list(exclude_chats)))
        claim = dict(status=SENDING, claimed_by=token, claimed_until=lease_until, attempts=OutboxMessage.attempts + 1)
        async with self.database.session() as db:
            if self.database.is_sqlite:
                await db.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery())).values(**claim)
                    .execution_options(synchronize_session=False)
                )
            else:
                ids = list((await db.execute(due.with_for_update(skip_locked=True))).scalars())
                if not ids:
                    return []
                await db.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**claim)
                    .execution_options(synchronize_session=False)
                )
            rows = (await db.execute(
                select(OutboxMessage)
                .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_by == token)
                .order_by(OutboxMessage.priority, OutboxMessage.not_before, OutboxMessage.id)
            )).scalars().all()
            return [
                Claimed(r.id, r.chat_id, r.kind, tuple(payload.load(r.payload)), r.expires_at, r.not_before, r.attempts)
                for r in rows
            ]

    async def renew(self, lease_until: datetime) -> int:
        """Extends the lease of every row this worker holds (called well within the lease)."""
        async with self.database.session() as db:
            result = await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_by.like(f"{self.worker_id}/%"))
                .values(claimed_until=lease_until)
                .execution_options(synchronize_session=False)
            )
            return affected(result)

    async def held_ids(self) -> set[int]:
        """The rows this worker holds right now (in "sending" under one of its claim tokens)."""
        async with self.database.session() as db:
            rows = await db.execute(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_by.like(f"{self.worker_id}/%"))
            )
            return set(rows.scalars())

    async def reclaim_stuck(self, now: datetime) -> int:
        """Rows left in "sending" by a process that died (lease over) become pending again.

        A row that was in a Telegram call at that moment may have been delivered: it is sent again.
        That is the only way the outbox sends twice, and the number is bounded by the dead
        process's calls in flight (see Dispatcher)."""
        async with self.database.session() as db:
            result = await db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == SENDING,
                    OutboxMessage.claimed_until < now,
                    not_(OutboxMessage.claimed_by.like(f"{self.worker_id}/%")),
                )
                .values(status=PENDING, claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            return affected(result)

    async def expire(self, now: datetime) -> int:
        """Pending rows whose moment has passed (a reminder for a session already under way)."""
        async with self.database.session() as db:
            result = await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == PENDING, and_(OutboxMessage.expires_at.is_not(None), OutboxMessage.expires_at <= now))
                .values(status=EXPIRED, last_error="expired before it could be sent")
                .execution_options(synchronize_session=False)
            )
            return affected(result)

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Writes outcomes in one transaction. A released row goes back to pending, unclaimed."""
        if not outcomes:
            return
        table = OutboxMessage.__table__
        finished = [
            {"b_id": o.id, "b_status": o.status, "b_at": o.at if o.status != PENDING else None,
             "b_ids": list(o.message_ids) or None, "b_error": o.error}
            for o in outcomes
        ]
        stmt = (
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.status == SENDING)
            .values(
                status=bindparam("b_status"), sent_at=bindparam("b_at"), telegram_message_ids=bindparam("b_ids"),
                last_error=bindparam("b_error"), claimed_by=None, claimed_until=None,
            )
        )
        async with self.database.session() as db:
            await db.execute(stmt, finished)

    async def release_all(self) -> int:
        """Everything this worker still holds goes back to pending (a clean stop)."""
        async with self.database.session() as db:
            result = await db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_by.like(f"{self.worker_id}/%"))
                .values(status=PENDING, claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            return affected(result)
