"""Feedback as rows: who opened a session, who was asked, and each delegate's one vote per session.

A prompt row is written in the same transaction as its outbox message, so a restart or a second
replica never asks twice; a vote is unique per (delegate, session) and a new rating replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, String, Text, UniqueConstraint

from bot.db import Base, UTCDateTime


class SessionOpened(Base):
    """A delegate looked at a session's details before it ended: they count as an attendee."""

    __tablename__ = "feedback_opened"
    __table_args__ = (UniqueConstraint("user_id", "session_id"),)

    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, ForeignKey("delegate.user_id", ondelete="CASCADE"), nullable=False)
    session_id: str = Column(String(64), ForeignKey("session.id", ondelete="CASCADE"), nullable=False, index=True)
    opened_at: datetime = Column(UTCDateTime, nullable=False)


class FeedbackPrompt(Base):
    """The rating question was queued for this delegate and session (once, ever)."""

    __tablename__ = "feedback_prompt"
    __table_args__ = (UniqueConstraint("user_id", "session_id"),)

    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, ForeignKey("delegate.user_id", ondelete="CASCADE"), nullable=False)
    session_id: str = Column(String(64), ForeignKey("session.id", ondelete="CASCADE"), nullable=False, index=True)
    queued_at: datetime = Column(UTCDateTime, nullable=False)


class FeedbackVote(Base):
    """One delegate's rating of one session, with their comment; `comment_wanted_until` is set while
    the bot waits for the comment ("Add a comment" pressed) and read by the next text message."""

    __tablename__ = "feedback_vote"
    __table_args__ = (
        UniqueConstraint("user_id", "session_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, ForeignKey("delegate.user_id", ondelete="CASCADE"), nullable=False)
    session_id: str = Column(String(64), ForeignKey("session.id", ondelete="CASCADE"), nullable=False, index=True)
    rating: int = Column(Integer, nullable=False)
    comment: str | None = Column(Text)
    comment_wanted_until: datetime | None = Column(UTCDateTime)
    created_at: datetime = Column(UTCDateTime, nullable=False)
    updated_at: datetime = Column(UTCDateTime, nullable=False)
