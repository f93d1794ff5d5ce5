"""Helpdesk tickets: every question the assistant could not answer, kept until a person does.

Also the helpdesk console's accounts and login sessions. A ticket's post in the helpdesk group is
tracked here (relay_*): queued in the outbox, then its Telegram message id once sent, and what the
post currently shows, so that the post is edited when the ticket is answered or its delegate is
forgotten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, String, Text, false

from bot.db import Base, UTCDateTime

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATUSES = (OPEN, ANSWERED, CLOSED)
NOT_HELPFUL = "not_helpful"  # the reason of a ticket opened with "This didn't answer my question"


class Ticket(Base):
    __tablename__ = "ticket"
    id: int = Column(Integer, primary_key=True)
    user_id: int | None = Column(BigInteger, index=True)  # None once the delegate used /forget
    chat_id: int | None = Column(BigInteger)
    delegate_name: str | None = Column(String(200))
    language: str = Column(String(16), nullable=False)
    text: str = Column(Text, nullable=False)
    reason: str = Column(String(32), nullable=False)  # low confidence, out_of_scope, human_handoff, ...
    intent: str | None = Column(String(64))
    confidence: float | None = Column(Float)
    ranking: list[Any] = Column(JSON, nullable=False, default=list)
    context: list[Any] = Column(JSON, nullable=False, default=list)
    status: str = Column(String(16), nullable=False, default=OPEN, index=True)
    created_at: datetime = Column(UTCDateTime, nullable=False, index=True)
    answered_at: datetime | None = Column(UTCDateTime)
    answer: str | None = Column(Text)
    answered_by: str | None = Column(String(200))
    label_intent: str | None = Column(String(64))
    relay_chat_id: int | None = Column(BigInteger)
    relay_message_id: int | None = Column(BigInteger)
    # 0006: the "didn't answer" button, closing, labelling and the group post's life cycle.
    turn_id: int | None = Column(Integer, unique=True)  # the answered turn a "didn't answer" ticket is about
    topic: str | None = Column(String(100))  # what the assistant answered, for "didn't answer" tickets
    closed_at: datetime | None = Column(UTCDateTime)
    closed_by: str | None = Column(String(200))
    new_faq: bool = Column(Boolean, nullable=False, default=False)
    labelled_by: str | None = Column(String(200))
    labelled_at: datetime | None = Column(UTCDateTime)
    relay_queued_at: datetime | None = Column(UTCDateTime)
    relay_shown: str | None = Column(String(32))  # the state the group post shows ("open", "answered:anon", ...)


class HelpdeskAgent(Base):
    """A person who may log in to the helpdesk console (`python -m bot helpdesk add-agent NAME`)."""

    __tablename__ = "helpdesk_agent"
    id: int = Column(Integer, primary_key=True)
    name: str = Column(String(100), nullable=False, unique=True)
    password_hash: str = Column(String(255), nullable=False)  # argon2id
    active: bool = Column(Boolean, nullable=False, default=True)
    # Organisers also see the organisers' pages (broadcasts, the live picture, training); 0060.
    organiser: bool = Column(Boolean, nullable=False, default=False, server_default=false())
    created_at: datetime = Column(UTCDateTime, nullable=False)


class HelpdeskSession(Base):
    """A console login. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "helpdesk_session"
    id: int = Column(Integer, primary_key=True)
    token_hash: str = Column(String(64), nullable=False, unique=True)
    agent_id: int = Column(Integer, ForeignKey("helpdesk_agent.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token: str = Column(String(64), nullable=False)
    created_at: datetime = Column(UTCDateTime, nullable=False)
    expires_at: datetime = Column(UTCDateTime, nullable=False)


class LoginFailure(Base):
    """A failed console login (or one being checked), counted per name and per address for a while
    (bot.helpdesk.throttle). Both are stored as SHA-256 hashes."""

    __tablename__ = "helpdesk_login_failure"
    __table_args__ = (
        Index("ix_helpdesk_login_failure_name_at", "name_key", "at"),
        Index("ix_helpdesk_login_failure_address_at", "address_key", "at"),
    )
    id: int = Column(Integer, primary_key=True)
    name_key: str = Column(String(64), nullable=False)
    address_key: str = Column(String(64), nullable=False)
    at: datetime = Column(UTCDateTime, nullable=False, index=True)
