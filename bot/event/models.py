"""The conference as stored: one event per database, loaded from the event file, a schedule export
(bot/schedule), or both: `source` says which importer owns a room, day, speaker or session, so that
neither cancels or retires what the other brought.

Translatable texts are stored as JSON objects {language: text}; `bot.i18n.pick` chooses one.
Sessions keep their stable ids across imports (reminders and feedback hang on them); a session
that disappears from the file is marked cancelled, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Float, ForeignKey, Integer, String, Table, false
from sqlalchemy.orm import relationship

from bot.db import Base, UTCDateTime

Translations = dict[str, str]
EVENT_FILE, SCHEDULE = "event", "schedule"  # the `source` of rows: which importer owns them


class Event(Base):
    __tablename__ = "event"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSON, nullable=False)
    short_name: Translations = Column(JSON, nullable=False)
    host: Translations = Column(JSON, nullable=False)
    organiser: Translations = Column(JSON, nullable=False)
    description: Translations = Column(JSON, nullable=False)
    outcomes: Translations = Column(JSON, nullable=False, default=dict)
    timezone: str = Column(String(64), nullable=False)
    languages: list[str] = Column(JSON, nullable=False)
    default_language: str = Column(String(16), nullable=False)
    website: str | None = Column(String(300))
    hashtag: str | None = Column(String(100))
    exhibition: dict[str, Any] | None = Column(JSON)
    imported_at: datetime = Column(UTCDateTime, nullable=False)
    source_hash: str = Column(String(64), nullable=False)
    # Created by a schedule import alone (no event file yet): an event file may take its place.
    from_schedule: bool = Column(Boolean, nullable=False, default=False, server_default=false())
    # The event file's `session_overrides`: {session id: {field: value}} laid over imported sessions.
    session_overrides: dict[str, dict[str, Any]] | None = Column(JSON)


class Venue(Base):
    __tablename__ = "venue"
    id: int = Column(Integer, primary_key=True)
    name: Translations = Column(JSON, nullable=False)
    address: Translations = Column(JSON, nullable=False)
    latitude: float = Column(Float, nullable=False)
    longitude: float = Column(Float, nullable=False)
    directions: Translations = Column(JSON, nullable=False)
    transport: Translations = Column(JSON, nullable=False)
    google_place_id: str | None = Column(String(200))


class Room(Base):
    __tablename__ = "room"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSON, nullable=False)
    floor: Translations | None = Column(JSON)
    description: Translations | None = Column(JSON)
    position: int = Column(Integer, nullable=False, default=0)
    # No longer in the event file; kept because cancelled sessions still name it.
    retired: bool = Column(Boolean, nullable=False, default=False, server_default=false())
    source: str = Column(String(16), nullable=False, default=EVENT_FILE, server_default=EVENT_FILE)


class Day(Base):
    __tablename__ = "day"
    id: str = Column(String(64), primary_key=True)
    date: date = Column(Date, nullable=False)  # unique among the days in use (the loader checks)
    label: Translations = Column(JSON, nullable=False)
    position: int = Column(Integer, nullable=False, default=0)
    retired: bool = Column(Boolean, nullable=False, default=False, server_default=false())
    source: str = Column(String(16), nullable=False, default=EVENT_FILE, server_default=EVENT_FILE)


class Track(Base):
    """A schedule's track ("Databases", "Security"): for browsing and searching a large programme."""

    __tablename__ = "track"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSON, nullable=False)
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
    aliases: list[str] = Column(JSON, nullable=False, default=list)
    kind: str = Column(String(20), nullable=False, default="person")
    title: Translations = Column(JSON, nullable=False, default=dict)
    organisation: Translations = Column(JSON, nullable=False, default=dict)
    bio: Translations = Column(JSON, nullable=False, default=dict)
    position: int = Column(Integer, nullable=False, default=0)
    source: str = Column(String(16), nullable=False, default=EVENT_FILE, server_default=EVENT_FILE)
    external_id: str | None = Column(String(200), index=True)  # the export's person code, id or folded name
    sessions: list[Session] = relationship(
        "Session", secondary=session_speaker, back_populates="speakers", order_by="Session.starts_at"
    )


class Session(Base):
    __tablename__ = "session"
    id: str = Column(String(64), primary_key=True)
    number: int | None = Column(Integer)
    label: Translations | None = Column(JSON)
    title: Translations = Column(JSON, nullable=False)
    description: Translations = Column(JSON, nullable=False, default=dict)
    kind: str = Column(String(20), nullable=False)
    starts_at: datetime = Column(UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Column(UTCDateTime, nullable=False)
    day_id: str = Column(String(64), ForeignKey("day.id"), nullable=False)
    room_id: str | None = Column(String(64), ForeignKey("room.id"))
    topics: dict[str, list[str]] = Column(JSON, nullable=False, default=dict)
    public: bool = Column(Boolean, nullable=False, default=True)
    cancelled: bool = Column(Boolean, nullable=False, default=False)
    position: int = Column(Integer, nullable=False, default=0)
    updated_at: datetime = Column(UTCDateTime, nullable=False)
    source: str = Column(String(16), nullable=False, default=EVENT_FILE, server_default=EVENT_FILE)
    # From a schedule export: who the talk is across exports (guid, else the export's id, else slug + title).
    identity: str | None = Column(String(250), index=True)
    guid: str | None = Column(String(100), index=True)
    external_id: str | None = Column(String(100))
    subtitle: Translations | None = Column(JSON)
    track_id: str | None = Column(String(64), ForeignKey("track.id"))
    language: str | None = Column(String(16))  # the language the talk is given in
    url: str | None = Column(String(500))
    links: list[dict[str, str]] | None = Column(JSON)
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
    name: Translations = Column(JSON, nullable=False)
    group: str | None = Column(String(64))
    position: int = Column(Integer, nullable=False, default=0)


class Exhibitor(Base):
    __tablename__ = "exhibitor"
    id: str = Column(String(64), primary_key=True)
    name: str = Column(String(200), nullable=False)
    description: Translations = Column(JSON, nullable=False, default=dict)
    booth: str | None = Column(String(64))
    website: str | None = Column(String(300))
    position: int = Column(Integer, nullable=False, default=0)


class Faq(Base):
    __tablename__ = "faq"
    id: str = Column(String(64), primary_key=True)
    topic: str = Column(String(32), nullable=False, index=True)
    question: Translations = Column(JSON, nullable=False)
    answer: Translations = Column(JSON, nullable=False)
    keywords: dict[str, list[str]] = Column(JSON, nullable=False, default=dict)
    verified_answer: Translations | None = Column(JSON)  # for verified delegates only
    position: int = Column(Integer, nullable=False, default=0)


class Place(Base):
    """A point of interest near the venue; the event file lists them under `places`."""

    __tablename__ = "place"
    id: str = Column(String(64), primary_key=True)
    name: Translations = Column(JSON, nullable=False)
    category: str = Column(String(32), nullable=False, index=True)
    latitude: float = Column(Float, nullable=False)
    longitude: float = Column(Float, nullable=False)
    address: Translations = Column(JSON, nullable=False, default=dict)
    note: Translations = Column(JSON, nullable=False, default=dict)
    keywords: dict[str, list[str]] = Column(JSON, nullable=False, default=dict)
    position: int = Column(Integer, nullable=False, default=0)


