"""Reminders as rows: nothing about them lives only in memory, so restarts neither lose nor repeat them.

A Reminder does not store when it is due: that is computed from the session's current start and the
delegate's current lead time (a join), so a session moved by re-importing the event file, or a new
lead time, moves its reminders without any bookkeeping.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint

from bot.db import Base, UTCDateTime

# Reminder.status
WAITING = "waiting"  # not yet due
QUEUED = "queued"  # handed to the outbox (queued_for: the session start it announced)
MISSED = "missed"  # the session started before it could be sent (the bot was down, the delegate inactive)
SESSION_CANCELLED = "session_cancelled"  # the session was cancelled; the delegate was told once

# EventReminder.status
SCHEDULED, RELEASED, WITHDRAWN, LAPSED = "scheduled", "released", "withdrawn", "lapsed"


class Reminder(Base):
    """One delegate's subscription to one session."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("user_id", "session_id"),
        Index("ix_reminder_status_session", "status", "session_id"),
        {"sqlite_autoincrement": True},  # ids are never reused: they are part of outbox dedupe keys
    )

    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, ForeignKey("delegate.user_id", ondelete="CASCADE"), nullable=False)
    session_id: str = Column(String(64), ForeignKey("session.id", ondelete="CASCADE"), nullable=False)
    status: str = Column(String(20), nullable=False, default=WAITING)
    via_day: str | None = Column(String(64))  # subscribed with a whole day
    queued_for: datetime | None = Column(UTCDateTime)  # the start announced (queued) or missed
    moved_from: datetime | None = Column(UTCDateTime)  # the first start announced, when the session moved since
    created_at: datetime = Column(UTCDateTime, nullable=False)
    queued_at: datetime | None = Column(UTCDateTime)


class EventReminder(Base):
    """An organiser's reminder for everyone: "Day 2 starts in 30 minutes" (a day or one session)."""

    __tablename__ = "event_reminder"

    id: int = Column(Integer, primary_key=True)
    day_id: str | None = Column(String(64), ForeignKey("day.id", ondelete="CASCADE"))
    session_id: str | None = Column(String(64), ForeignKey("session.id", ondelete="CASCADE"))
    minutes_before: int = Column(Integer, nullable=False)
    status: str = Column(String(16), nullable=False, default=SCHEDULED, index=True)
    created_by: int | None = Column(BigInteger)  # the organiser's user id; None from the command line
    created_at: datetime = Column(UTCDateTime, nullable=False)
    released_at: datetime | None = Column(UTCDateTime)
    recipients: int | None = Column(Integer)
