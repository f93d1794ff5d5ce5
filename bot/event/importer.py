"""Loads a validated event into the database as one idempotent upsert keyed by stable ids.

Sessions are updated in place so that reminders and feedback attached to them survive an edit;
a session that is no longer in the file is marked cancelled, never deleted. Rooms, days, speakers
and sessions a schedule export brought (source "schedule", bot/schedule) are left to that import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.event.models import (
    EVENT_FILE,
    Day,
    Delegation,
    Event,
    Exhibitor,
    Faq,
    Place,
    Room,
    Session,
    Speaker,
    Venue,
    session_speaker,
)
from bot.event.schema import EventData, SessionInfo
from bot.event.service import event_changed


class ImportRefused(Exception):
    """The file is valid but cannot be loaded into this database (e.g. another event is there)."""


@dataclass
class ImportSummary:
    event_id: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    same_file: bool = False  # byte for byte the file imported last time: running bots need not reload

    def line(self) -> str:
        total = len(self.created) + len(self.updated) + len(self.unchanged) + len(self.restored)
        return (
            f"imported {self.event_id}: {total} session{'' if total == 1 else 's'} ({len(self.created)} new, "
            f"{len(self.updated) + len(self.restored)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.cancelled)} cancelled)" + ("; the file is the same as last time" if self.same_file else "")
        )


_SESSION_FIELDS = ("number", "label", "title", "description", "kind", "starts_at", "ends_at", "day_id", "room_id", "topics", "public")


def _session_values(info: SessionInfo, position: int) -> dict[str, Any]:
    return {
        "number": info.number, "label": info.label, "title": info.title, "description": info.description,
        "kind": info.kind, "starts_at": info.starts_at, "ends_at": info.ends_at, "day_id": info.day_id,
        "room_id": info.room_id, "topics": info.topics, "public": info.public, "position": position,
    }


async def _upsert_all(db: AsyncSession, model: Any, rows: list[dict[str, Any]], missing: str) -> None:
    """Inserts or updates `rows` by id; rows no longer in the file are deleted, or retired when
    cancelled sessions may still point at them (`missing` = "delete" | "retire"). Rows a schedule
    import owns are not the file's to remove."""
    owned = model.source == EVENT_FILE if hasattr(model, "source") else true()
    existing = {obj.id: obj for obj in (await db.execute(select(model).where(owned))).scalars()}
    for position, values in enumerate(rows):
        obj = existing.pop(values["id"], None)
        if obj is None:
            obj = model(position=position, **values)
            db.add(obj)
        else:
            for key, value in values.items():
                setattr(obj, key, value)
            obj.position = position
        if missing == "retire":
            obj.retired = False
    for obj in existing.values():
        if missing == "retire":
            obj.retired = True
        else:
            await db.delete(obj)


async def _import(db: AsyncSession, data: EventData, now: datetime, replace: bool) -> ImportSummary:
    info = data.event
    current = (await db.execute(select(Event))).scalars().all()
    others = [e for e in current if e.id != info.id]
    if others and not replace and not all(e.from_schedule for e in others):
        raise ImportRefused(
            f"this database holds the event {others[0].id!r}; the file describes {info.id!r}. "
            "Use another DATABASE_URL for another conference."
        )
    for other in others:
        await db.delete(other)
    event = next((e for e in current if e.id == info.id), None) or Event(id=info.id)
    same_file = event.source_hash == data.source_hash
    for key in ("name", "short_name", "host", "organiser", "description", "outcomes", "timezone", "languages", "default_language", "website", "hashtag"):
        setattr(event, key, getattr(info, key))
    event.exhibition, event.source_hash = data.exhibition, data.source_hash
    event.from_schedule, event.session_overrides = False, data.session_overrides or None
    if not same_file:
        event.imported_at = now  # a new version: every replica reloads its snapshot
    db.add(event)

    venue = (await db.execute(select(Venue))).scalars().first() or Venue()
    for key, value in vars(data.venue).items():
        setattr(venue, key, value)
    db.add(venue)

    await _upsert_all(db, Room, [{"id": r.id, "name": r.name, "floor": r.floor, "description": r.description} for r in data.rooms], "retire")
    await _upsert_all(db, Day, [{"id": d.id, "date": d.date, "label": d.label} for d in data.days], "retire")
    await _upsert_all(db, Speaker, [vars(s).copy() for s in data.speakers], "delete")
    await _upsert_all(db, Delegation, [vars(d).copy() for d in data.delegations], "delete")
    await _upsert_all(db, Exhibitor, [vars(e).copy() for e in data.exhibitors], "delete")
    # paraphrases train the model (nlu.generate); the bot never shows them
    await _upsert_all(db, Faq, [{k: v for k, v in vars(f).items() if k != "paraphrases"} for f in data.faq], "delete")
    await _upsert_all(db, Place, [vars(p).copy() for p in data.places], "delete")
    await db.flush()

    summary = ImportSummary(event_id=info.id, same_file=same_file)
    in_file = {s.id for s in data.sessions}
    existing = {
        s.id: s for s in (await db.execute(select(Session))).scalars() if s.source == EVENT_FILE or s.id in in_file
    }
    for position, s in enumerate(data.sessions):
        values = _session_values(s, position)
        row = existing.pop(s.id, None)
        if row is None:
            db.add(Session(id=s.id, cancelled=False, updated_at=now, **values))
            summary.created.append(s.id)
            continue
        changed = any(getattr(row, k) != values[k] for k in _SESSION_FIELDS)
        if row.starts_at != s.starts_at:
            summary.moved.append(s.id)
        for key, value in values.items():
            setattr(row, key, value)
        row.source = EVENT_FILE
        if row.cancelled:
            row.cancelled, row.updated_at = False, now
            summary.restored.append(s.id)
        elif changed:
            row.updated_at = now
            summary.updated.append(s.id)
        else:
            summary.unchanged.append(s.id)
    for row in existing.values():
        if not row.cancelled:
            row.cancelled, row.updated_at = True, now
            summary.cancelled.append(row.id)
    await db.flush()

    ours = select(Session.id).where(Session.source == EVENT_FILE)
    await db.execute(delete(session_speaker).where(session_speaker.c.session_id.in_(ours)))
    links = [
        {"session_id": s.id, "speaker_id": sid, "position": i}
        for s in data.sessions for i, sid in enumerate(dict.fromkeys(s.speaker_ids))
    ]
    if links:
        await db.execute(session_speaker.insert(), links)
    return summary


async def import_event(database: Database, data: EventData, now: datetime, *, replace: bool = False) -> ImportSummary:
    """Upserts the event in one transaction: all of it is loaded, or nothing changes."""
    async with database.session() as db:
        summary = await _import(db, data, now, replace)
    event_changed()
    return summary


async def has_event(database: Database) -> bool:
    async with database.session() as db:
        return (await db.execute(select(Event.id).limit(1))).first() is not None
