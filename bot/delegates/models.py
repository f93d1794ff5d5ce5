"""People who talk to the assistant, and the roles granted to Telegram users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, UniqueConstraint

from bot.db import Base, UTCDateTime


class Delegate(Base):
    __tablename__ = "delegate"
    user_id: int = Column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: int = Column(BigInteger, nullable=False)
    first_name: str | None = Column(String(200))
    last_name: str | None = Column(String(200))
    username: str | None = Column(String(100))
    language: str = Column(String(16), nullable=False)
    language_chosen: bool = Column(Boolean, nullable=False, default=False)
    delegation_id: str | None = Column(String(8), index=True)
    consent: bool = Column(Boolean, nullable=False, default=False)
    verified: bool = Column(Boolean, nullable=False, default=False)
    reminder_lead_minutes: int | None = Column(Integer)
    active: bool = Column(Boolean, nullable=False, default=True)
    first_seen: datetime = Column(UTCDateTime, nullable=False)
    last_seen: datetime = Column(UTCDateTime, nullable=False)


class RoleGrant(Base):
    """A role given from the CLI (`python -m bot roles add organiser ID`); ORGANISER_IDS adds more."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, nullable=False, index=True)
    role: str = Column(String(32), nullable=False)
    granted_at: datetime = Column(UTCDateTime, nullable=False)
