"""What the schedule sync remembers between runs and replicas: the source's validators and health,
each sync's outcome (its id keys the change alerts), and the lease that lets one replica sync."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, String, Text, false

from bot.db import Base, UTCDateTime


class ScheduleSource(Base):
    """One schedule URL: the conditional-request validators and whether it is failing."""

    __tablename__ = "schedule_source"
    id: int = Column(Integer, primary_key=True)
    url: str = Column(String(1000), nullable=False, unique=True)
    etag: str | None = Column(String(300))
    last_modified: str | None = Column(String(100))
    content_hash: str | None = Column(String(64))
    checked_at: datetime | None = Column(UTCDateTime)  # the last attempt, whatever its outcome
    succeeded_at: datetime | None = Column(UTCDateTime)  # the last good programme came from here then
    failing_since: datetime | None = Column(UTCDateTime)
    last_error: str | None = Column(Text)
    failure_reported: bool = Column(Boolean, nullable=False, default=False, server_default=false())
    failures: int = Column(Integer, nullable=False, default=0)  # in a row


class ScheduleSync(Base):
    """A sync (or `import-schedule`) that changed the programme: what changed, for the record and
    as the key of the alerts it queued (one per delegate per sync)."""

    __tablename__ = "schedule_sync"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are part of outbox dedupe keys
    id: int = Column(Integer, primary_key=True)
    at: datetime = Column(UTCDateTime, nullable=False)
    source: str = Column(String(1000), nullable=False)
    summary: dict[str, Any] = Column(JSON, nullable=False)  # {"moved": 3, "cancelled": 1, ...}
    alerts: int = Column(Integer, nullable=False, default=0)


class Lease(Base):
    """Work that one replica at a time may do (the schedule sync): whoever holds an unexpired lease."""

    __tablename__ = "lease"
    name: str = Column(String(64), primary_key=True)
    holder: str = Column(String(100), nullable=False)
    until: datetime = Column(UTCDateTime, nullable=False)
