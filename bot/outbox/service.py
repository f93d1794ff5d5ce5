"""Queueing messages for the dispatcher. Callers pass their own database session so that a message
is queued in the same transaction as the change that causes it (a ticket answered, a broadcast
confirmed): either both happen or neither does."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.reply import Reply
from bot.db import affected
from bot.outbox import payload
from bot.outbox.models import CANCELLED, FAILED, PENDING, SENDING, SENT, OutboxMessage

PRIORITY_REPLY, PRIORITY_REMINDER, PRIORITY_HELPDESK, PRIORITY_BROADCAST = 10, 20, 30, 100
BULK = 100  # batches larger than this are inserted with one statement executed many times
ERASED_CHAT = 0  # an erased row's chat: no chat has this id
ERASED_KEY = "erased:"  # an erased row's dedupe key is this and its id (unique, and names nobody)
C = OutboxMessage.__table__.c  # the columns, for in_() (typed for mypy, unlike the mapped attributes)


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
        total += max(affected(result) or 0, 0)
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
    return affected(result)


def _selected(
    stmt: Any, *, chat_id: int | None, source_id: str | None, dedupe_key: str | None, dedupe_prefix: str | None,
    ids: Collection[int] | None,
) -> Any:
    """`stmt` narrowed to the rows every given selector picks; refuses to pick the whole table."""
    selectors = {
        OutboxMessage.chat_id: chat_id, OutboxMessage.source_id: source_id, OutboxMessage.dedupe_key: dedupe_key,
    }
    if all(v is None for v in selectors.values()) and dedupe_prefix is None and ids is None:
        raise ValueError("say which outbox rows: chat_id, source_id, dedupe_key, dedupe_prefix or ids")
    for column, value in selectors.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if dedupe_prefix is not None:
        stmt = stmt.where(OutboxMessage.dedupe_key.startswith(dedupe_prefix))
    if ids is not None:
        stmt = stmt.where(C.id.in_(list(ids)))
    return stmt


_NOT_SENT_YET: Any = case((C.status.in_([PENDING, SENDING]), CANCELLED), else_=C.status)


async def erase(
    db: AsyncSession, *, chat_id: int | None = None, source_id: str | None = None, dedupe_key: str | None = None,
    dedupe_prefix: str | None = None, ids: Collection[int] | None = None,
) -> int:
    """/forget: rows sent (or to be sent) to a person's chat, or about them, keep nothing of them.

    The row stays, so a broadcast's counts stay right, but loses its chat, its text, its key (which
    may name the person) and its Telegram message ids. A row not sent yet is cancelled; so is one
    being sent (its Telegram call may still arrive, but its outcome is not recorded). Selectors
    combine like `cancel`'s. Returns how many rows were erased."""
    stmt = _selected(update(OutboxMessage), chat_id=chat_id, source_id=source_id, dedupe_key=dedupe_key, dedupe_prefix=dedupe_prefix, ids=ids)
    result = await db.execute(
        stmt.values(
            status=_NOT_SENT_YET, chat_id=ERASED_CHAT, payload=[], dedupe_key=literal(ERASED_KEY).concat(cast(OutboxMessage.id, String)),
            telegram_message_ids=None, last_error=None, claimed_by=None, claimed_until=None,
        ).execution_options(synchronize_session=False)
    )
    return affected(result)


async def blank(
    db: AsyncSession, *, source_id: str | None = None, dedupe_key: str | None = None, dedupe_prefix: str | None = None,
    ids: Collection[int] | None = None,
) -> int:
    """Drops the text of rows about a person sent to someone else (a moderator's card) but keeps
    the delivery record (chat, key, message ids), so that the feature can still edit the message it
    sent. A row not sent yet is cancelled, as by `erase`."""
    stmt = _selected(update(OutboxMessage), chat_id=None, source_id=source_id, dedupe_key=dedupe_key, dedupe_prefix=dedupe_prefix, ids=ids)
    result = await db.execute(
        stmt.values(status=_NOT_SENT_YET, payload=[], last_error=None).execution_options(synchronize_session=False)
    )
    return affected(result)


async def replace_payload(db: AsyncSession, dedupe_key: str, replies: list[Reply] | tuple[Reply, ...]) -> int:
    """New text for a queued or sent row (an anonymised group post): sent as is if still pending."""
    result = await db.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key).values(payload=payload.dump(replies))
        .execution_options(synchronize_session=False)
    )
    return affected(result)


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
    row_id: int = 0


async def deliveries(db: AsyncSession, dedupe_prefix: str) -> list[Delivery]:
    """The messages whose dedupe key starts with `dedupe_prefix`, in queue order."""
    rows = await db.execute(
        select(OutboxMessage.dedupe_key, OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.telegram_message_ids, OutboxMessage.id)
        .where(OutboxMessage.dedupe_key.startswith(dedupe_prefix)).order_by(OutboxMessage.id)
    )
    return [Delivery(key, chat, status, tuple(ids or ()), row_id) for key, chat, status, ids, row_id in rows.all()]


async def depth(db: AsyncSession) -> int:
    result = await db.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_([PENDING, SENDING])))
    return int(result.scalar() or 0)
