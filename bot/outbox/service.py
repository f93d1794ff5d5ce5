"""Queueing messages for the dispatcher. Callers pass their own database session so that a message
is queued in the same transaction as the change that causes it (a ticket answered, a broadcast
confirmed): either both happen or neither does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.reply import Reply
from bot.outbox import payload
from bot.outbox.models import CANCELLED, FAILED, PENDING, SENDING, SENT, OutboxMessage

PRIORITY_REPLY, PRIORITY_REMINDER, PRIORITY_HELPDESK, PRIORITY_BROADCAST = 10, 20, 30, 100
BULK = 100  # batches larger than this are inserted with one statement executed many times


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    replies: tuple[Reply, ...]
    kind: str
    dedupe_key: str
    not_before: datetime
    source_id: str | None = None
    priority: int = PRIORITY_BROADCAST
    expires_at: datetime | None = None


async def enqueue(db: AsyncSession, messages: list[Outgoing], now: datetime) -> int:
    """Queues messages; one whose dedupe_key is already queued is skipped. Returns how many were new."""
    if not messages:
        return 0
    rows = [
        {
            "kind": m.kind, "source_id": m.source_id, "dedupe_key": m.dedupe_key, "chat_id": m.chat_id,
            "payload": payload.dump(m.replies), "priority": m.priority, "not_before": m.not_before,
            "expires_at": m.expires_at, "status": PENDING, "attempts": 0, "created_at": now,
        }
        for m in messages
    ]
    dialect = db.bind.dialect.name if db.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if len(rows) > BULK:
        return await _enqueue_many(db, insert, rows)
    total = 0
    for start in range(0, len(rows), 500):
        stmt = insert(OutboxMessage).values(rows[start : start + 500]).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await db.execute(stmt)
        total += max(result.rowcount or 0, 0)
    return total


async def _enqueue_many(db: AsyncSession, insert: Any, rows: list[dict[str, Any]]) -> int:
    """A big batch (a broadcast): one statement executed for many rows. Compiling a multi-row VALUES
    costs about a millisecond a row, which for 10 000 recipients held the write lock for 10 s. The
    driver cannot count skipped rows of an executemany (asyncpg), so the keys already queued are
    counted first, in the same transaction."""
    keys = list(dict.fromkeys(row["dedupe_key"] for row in rows))
    existing = 0
    for start in range(0, len(keys), 1000):
        found = await db.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys[start : start + 1000])))
        existing += int(found.scalar() or 0)
    stmt = insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    for start in range(0, len(rows), 1000):
        await db.execute(stmt, rows[start : start + 1000])
    return len(keys) - existing


async def cancel(
    db: AsyncSession, *, source_id: str | None = None, dedupe_prefix: str | None = None,
    chat_id: int | None = None, kind: str | None = None,
) -> int:
    """Cancels messages not yet sent (a cancelled broadcast, a reminder removed, a delegate's /forget)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == PENDING)
    if source_id is not None:
        stmt = stmt.where(OutboxMessage.source_id == source_id)
    if dedupe_prefix is not None:
        stmt = stmt.where(OutboxMessage.dedupe_key.startswith(dedupe_prefix))
    if chat_id is not None:
        stmt = stmt.where(OutboxMessage.chat_id == chat_id)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    result = await db.execute(stmt.values(status=CANCELLED).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


async def counts(db: AsyncSession, source_id: str) -> dict[str, int]:
    """How many of a source's messages are in each status (pending, sending, sent, failed, cancelled)."""
    result = await db.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.source_id == source_id).group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in result.all()}


async def blocked(db: AsyncSession, source_id: str) -> int:
    """How many of a source's messages failed because the delegate blocked the bot (the dispatcher
    records those as failed with an error starting "blocked:")."""
    result = await db.execute(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.source_id == source_id, OutboxMessage.status == FAILED, OutboxMessage.last_error.startswith("blocked:"))
    )
    return int(result.scalar() or 0)


async def sent_since(db: AsyncSession, source_id: str, since: datetime) -> int:
    result = await db.execute(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.source_id == source_id, OutboxMessage.status == SENT, OutboxMessage.sent_at >= since)
    )
    return int(result.scalar() or 0)


@dataclass(frozen=True)
class Delivery:
    """Where a queued message stands: its Telegram message ids once sent (to edit it later)."""

    dedupe_key: str
    chat_id: int
    status: str
    message_ids: tuple[int, ...]


async def deliveries(db: AsyncSession, dedupe_prefix: str) -> list[Delivery]:
    """The messages whose dedupe key starts with `dedupe_prefix`, in queue order."""
    rows = await db.execute(
        select(OutboxMessage.dedupe_key, OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.telegram_message_ids)
        .where(OutboxMessage.dedupe_key.startswith(dedupe_prefix)).order_by(OutboxMessage.id)
    )
    return [Delivery(key, chat, status, tuple(ids or ())) for key, chat, status, ids in rows.all()]


async def depth(db: AsyncSession) -> int:
    result = await db.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_([PENDING, SENDING])))
    return int(result.scalar() or 0)
