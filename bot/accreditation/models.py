"""Accreditation codes, stored hashed, and the failed attempts that rate-limit guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, String

from bot.db import Base, UTCDateTime


class AccessCode(Base):
    """One code: who it is for (a delegation), and who used it. The code itself is never stored."""

    __tablename__ = "access_code"
    id: int = Column(Integer, primary_key=True)
    code_hash: str = Column(String(64), nullable=False, unique=True)
    hint: str = Column(String(8), nullable=False)  # the last characters, to tell codes apart in lists
    delegation_id: str = Column(String(8), nullable=False, index=True)
    batch: str = Column(String(40), nullable=False)
    created_at: datetime = Column(UTCDateTime, nullable=False)
    used_by: int | None = Column(BigInteger, index=True)
    used_at: datetime | None = Column(UTCDateTime)
    revoked_at: datetime | None = Column(UTCDateTime)


class CodeAttempt(Base):
    """A wrong code typed by a user; recent ones slow that user down (persisted across restarts and replicas)."""

    __tablename__ = "code_attempt"
    __table_args__ = (Index("ix_code_attempt_user_at", "user_id", "at"),)
    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, nullable=False)
    at: datetime = Column(UTCDateTime, nullable=False)
