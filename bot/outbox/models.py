"""The outbox: every message the bot sends on its own (reminder, broadcast, helpdesk reply) is a
row first, then delivered by the dispatcher within Telegram's limits: retried, never lost or doubled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Text

from bot.db import Base, UTCDateTime

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
EXPIRED = "expired"  # not sent: its moment had passed (expires_at) before it could go out


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before", "priority"),)

    id: int = Column(Integer, primary_key=True)
    kind: str = Column(String(32), nullable=False)  # reminder, broadcast, helpdesk, notice, ...
    source_id: str | None = Column(String(64), index=True)  # e.g. the broadcast id, for progress counts
    dedupe_key: str = Column(String(200), nullable=False, unique=True)  # enqueueing twice is a no-op
    chat_id: int = Column(BigInteger, nullable=False, index=True)
    payload: list[dict[str, Any]] = Column(JSON, nullable=False)  # serialised Replies (bot.outbox.payload)
    priority: int = Column(Integer, nullable=False, default=100)  # lower goes first
    not_before: datetime = Column(UTCDateTime, nullable=False)
    expires_at: datetime | None = Column(UTCDateTime)  # not sent after this (e.g. a session already under way)
    status: str = Column(String(16), nullable=False, default=PENDING)
    attempts: int = Column(Integer, nullable=False, default=0)
    claimed_by: str | None = Column(String(64))
    claimed_until: datetime | None = Column(UTCDateTime)
    last_error: str | None = Column(Text)
    created_at: datetime = Column(UTCDateTime, nullable=False)
    sent_at: datetime | None = Column(UTCDateTime)
    telegram_message_ids: list[int] | None = Column(JSON)


class SendBudgetState(Base):
    """The shared sending budget's state (bot/outbox/budget.py): one row per budget, a few numbers
    that pyrate-limiter's GCRA reads and advances under this row's lock."""

    __tablename__ = "send_budget"

    name: str = Column(String(64), primary_key=True)
    state: str = Column(String(200), nullable=False)  # the algorithm's numbers, comma-separated
