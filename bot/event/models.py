"""The conference as stored: one event per database, loaded from the event file.

Translatable texts are stored as JSON objects {language: text}; `bot.i18n.pick` chooses one.
Sessions keep their stable ids across imports (reminders and feedback hang on them); a session
that disappears from the file is marked cancelled, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, String, Table, false
from sqlalchemy.orm import relationship

from bot.db import Base, JSONType, UTCDateTime

Translations = dict[str, str]


class Event(Base):
    __tablename__ = "event"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSONType, nullable=False)
    short_name: Translations = Column(JSONType, nullable=False)
    host: Translations = Column(JSONType, nullable=False)
    organiser: Translations = Column(JSONType, nullable=False)
    description: Translations = Column(JSONType, nullable=False)
    outcomes: Translations = Column(JSONType, nullable=False, default=dict)
    timezone: str = Column(String(64), nullable=False)
    languages: list[str] = Column(JSONType, nullable=False)
    default_language: str = Column(String(16), nullable=False)
    website: str | None = Column(String(300))
    hashtag: str | None = Column(String(100))
    exhibition: dict[str, Any] | None = Column(JSONType)
    imported_at: datetime = Column(UTCDateTime, nullable=False)
    source_hash: str = Column(String(64), nullable=False)


class Venue(Base):
    __tablename__ = "venue"
    id: int = Column(Integer, primary_key=True)
    name: Translations = Column(JSONType, nullable=False)
    address: Translations = Column(JSONType, nullable=False)
    latitude: float = Column(Float, nullable=False)
    longitude: float = Column(Float, nullable=False)
    directions: Translations = Column(JSONType, nullable=False)
    transport: Translations = Column(JSONType, nullable=False)
    google_place_id: str | None = Column(String(200))


class Room(Base):
    __tablename__ = "room"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSONType, nullable=False)
    floor: Translations | None = Column(JSONType)
    description: Translations | None = Column(JSONType)
    position: int = Column(Integer, nullable=False, default=0)
    # No longer in the event file; kept because cancelled sessions still name it.
    retired: bool = Column(Boolean, nullable=False, default=False, server_default=false())


class Day(Base):
    __tablename__ = "day"
    id: str = Column(String(64), primary_key=True)
    date: date = Column(Date, nullable=False)  # unique among the days in use (the loader checks)
    label: Translations = Column(JSONType, nullable=False)
    position: int = Column(Integer, nullable=False, default=0)
    retired: bool = Column(Boolean, nullable=False, default=False, server_default=false())


session_speaker = Table(
    "session_speaker",
    Base.metadata,
    Column("session_id", String(64), ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", String(64), ForeignKey("speaker.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)


class Speaker(Base):
    __tablename__ = "speaker"
    id: str = Column(String(64), primary_key=True)
    name: str = Column(String(200), nullable=False)
    aliases: list[str] = Column(JSONType, nullable=False, default=list)
    kind: str = Column(String(20), nullable=False, default="person")
    title: Translations = Column(JSONType, nullable=False, default=dict)
    organisation: Translations = Column(JSONType, nullable=False, default=dict)
    bio: Translations = Column(JSONType, nullable=False, default=dict)
    position: int = Column(Integer, nullable=False, default=0)
    sessions: list[Session] = relationship(
        "Session", secondary=session_speaker, back_populates="speakers", order_by="Session.starts_at"
    )


class Session(Base):
    __tablename__ = "session"
    id: str = Column(String(64), primary_key=True)
    number: int | None = Column(Integer)
    label: Translations | None = Column(JSONType)
    title: Translations = Column(JSONType, nullable=False)
    description: Translations = Column(JSONType, nullable=False, default=dict)
    kind: str = Column(String(20), nullable=False)
    starts_at: datetime = Column(UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Column(UTCDateTime, nullable=False)
    day_id: str = Column(String(64), ForeignKey("day.id"), nullable=False)
    room_id: str | None = Column(String(64), ForeignKey("room.id"))
    topics: dict[str, list[str]] = Column(JSONType, nullable=False, default=dict)
    public: bool = Column(Boolean, nullable=False, default=True)
    cancelled: bool = Column(Boolean, nullable=False, default=False)
    position: int = Column(Integer, nullable=False, default=0)
    updated_at: datetime = Column(UTCDateTime, nullable=False)
    room: Room | None = relationship("Room", lazy="joined")
    day: Day = relationship("Day", lazy="joined")
    speakers: list[Speaker] = relationship(
        "Speaker",
        secondary=session_speaker,
        back_populates="sessions",
        lazy="selectin",
        order_by=session_speaker.c.position,
    )


class Delegation(Base):
    __tablename__ = "delegation"
    id: str = Column(String(8), primary_key=True)
    name: Translations = Column(JSONType, nullable=False)
    group: str | None = Column(String(64))
    position: int = Column(Integer, nullable=False, default=0)


class Exhibitor(Base):
    __tablename__ = "exhibitor"
    id: str = Column(String(64), primary_key=True)
    name: str = Column(String(200), nullable=False)
    description: Translations = Column(JSONType, nullable=False, default=dict)
    booth: str | None = Column(String(64))
    website: str | None = Column(String(300))
    position: int = Column(Integer, nullable=False, default=0)


class Faq(Base):
    __tablename__ = "faq"
    id: str = Column(String(64), primary_key=True)
    topic: str = Column(String(32), nullable=False, index=True)
    question: Translations = Column(JSONType, nullable=False)
    answer: Translations = Column(JSONType, nullable=False)
    keywords: dict[str, list[str]] = Column(JSONType, nullable=False, default=dict)
    verified_answer: Translations | None = Column(JSONType)  # for verified delegates only
    position: int = Column(Integer, nullable=False, default=0)


class Place(Base):
    """A point of interest near the venue; the event file lists them under `places`."""

    __tablename__ = "place"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSONType, nullable=False)
    category: str = Column(String(32), nullable=False, index=True)
    latitude: float = Column(Float, nullable=False)
    longitude: float = Column(Float, nullable=False)
    address: Translations = Column(JSONType, nullable=False, default=dict)
    note: Translations = Column(JSONType, nullable=False, default=dict)
    keywords: dict[str, list[str]] = Column(JSONType, nullable=False, default=dict)
    position: int = Column(Integer, nullable=False, default=0)


