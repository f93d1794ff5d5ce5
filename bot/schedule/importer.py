"""Imports a parsed schedule into the event, in one transaction, and says what changed.

Talks are matched to the sessions of earlier imports by guid, else by the export's id, else by slug
and title, so a talk keeps its session id (and its reminders) when the export renumbers it. A talk
that leaves the export is cancelled, never deleted, and stays cancelled until an export brings it
back. Rooms, days, tracks and speakers the schedule brought are retired or removed when no longer
used; those of the event file are never touched. Into a database without an event, the export
creates one (title, acronym, time zone; English by default) so a schedule alone is enough to start.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload

from bot.db import Database
from bot.event.models import SCHEDULE, Day, Event, Room, Session, Speaker, Track, Venue, session_speaker
from bot.event.service import event_changed
from bot.i18n import UI_LANGUAGES
from bot.schedule.common import kind_of
from bot.schedule.schema import Schedule, Talk, fold, slug

ALERTED = ("new", "moved", "room", "cancelled", "restored")  # what delegates and organisers are told about


class ScheduleRefused(Exception):
    """The export cannot be imported as it is; nothing was changed."""


@dataclass(frozen=True)
class Change:
    """What happened to one session: any of "new", "moved", "room", "cancelled", "restored"."""

    session_id: str
    kinds: tuple[str, ...]
    title: str
    old_start: datetime | None = None
    new_start: datetime | None = None
    old_room: str | None = None  # room ids
    new_room: str | None = None


@dataclass
class ScheduleChanges:
    event_id: str
    talks: int
    changes: list[Change] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # other edits (title, abstract, speakers): not alerted
    created_event: bool = False
    timezone: str = "UTC"  # the event's: where times are shown

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if kind in c.kinds)

    @property
    def summary(self) -> dict[str, int]:
        counts = {kind: self.count(kind) for kind in ALERTED}
        counts["updated"] = len(self.updated)
        return counts

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.updated or self.created_event)

    def line(self) -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in self.summary.items() if n) or "nothing changed"
        made = "; the event was created from the export" if self.created_event else ""
        return f"schedule for {self.event_id}: {self.talks} talks ({counts}){made}"


def _unique(base: str, taken: set[str]) -> str:
    base = base[:60]
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base[:56]}-{n}", n + 1
    taken.add(ident)
    return ident


def _digest(schedule: Schedule) -> str:
    return hashlib.sha256("\n".join(t.identity for t in schedule.talks).encode("utf-8")).hexdigest()


def _new_event(schedule: Schedule, zone: str, now: datetime) -> Event:
    title = schedule.title or schedule.acronym or "Conference"
    text = {"en": title}
    return Event(
        id=slug(schedule.acronym or title, 64), name=text, short_name={"en": schedule.acronym or title}, host={},
        organiser={}, description=text, outcomes={}, timezone=zone, languages=list(UI_LANGUAGES), default_language="en",
        website=schedule.base_url, imported_at=now, source_hash=_digest(schedule), from_schedule=True,
    )


def _new_venue(schedule: Schedule) -> Venue:
    """What an export says of the venue (often nothing): no coordinates, so no map pin is sent."""
    name = schedule.venue or schedule.city or schedule.title or ""
    return Venue(name={"en": name}, address={"en": schedule.city or ""}, latitude=0.0, longitude=0.0, directions={}, transport={})


async def _days(db: AsyncSession, dates: list[date], lang: str) -> dict[date, str]:
    """The event's day for each date the talks fall on: the event file's day if it has one."""
    rows = list((await db.execute(select(Day).order_by(Day.retired, Day.date))).scalars())
    by_date: dict[date, Day] = {}
    for d in rows:
        by_date.setdefault(d.date, d)
    taken = {d.id for d in rows}
    for n, on in enumerate(dates, start=1):
        day = by_date.get(on)
        if day is None:
            day = by_date[on] = Day(id=_unique(f"day-{on.isoformat()}", taken), date=on, source=SCHEDULE)
            db.add(day)
        if day.source == SCHEDULE:
            day.label, day.position, day.retired = {lang: f"Day {n}", "id": f"Hari {n}", "ms": f"Hari {n}"}, n, False
    for d in rows:
        if d.source == SCHEDULE and d.date not in dates:
            d.retired = True
    return {on: by_date[on].id for on in dates}


async def _named(db: AsyncSession, model: Any, prefix: str, names: list[str], lang: str, own: Any) -> dict[str, str]:
    """Rooms or tracks by folded name: an existing one of the same name (the event file's room
    "Grand Ballroom" is the export's "Grand Ballroom"), else a new one; ours unused are retired."""
    rows = list((await db.execute(select(model))).scalars())
    by_name: dict[str, Any] = {}
    for row in rows:
        for value in (row.name or {}).values():
            by_name.setdefault(fold(value), row)
    taken = {row.id for row in rows}
    result: dict[str, str] = {}
    for position, name in enumerate(names):
        row = by_name.get(fold(name))
        if row is None:
            row = by_name[fold(name)] = model(id=_unique(f"{prefix}-{slug(name)}", taken), name={lang: name}, position=position)
            if own is not None:
                row.source = own
            db.add(row)
        if own is None or row.source == own:
            row.retired, row.position = False, position
        result[fold(name)] = row.id
    used = set(result.values())
    for row in rows:
        if row.id not in used and (own is None or row.source == own):
            row.retired = True
    return result


async def _speakers(db: AsyncSession, talks: tuple[Talk, ...], lang: str) -> dict[str, str]:
    """Speaker ids by the export's person key; names and biographies follow the export."""
    rows = list((await db.execute(select(Speaker))).scalars())
    ours = {s.external_id: s for s in rows if s.source == SCHEDULE and s.external_id}
    taken = {s.id for s in rows}
    result: dict[str, str] = {}
    position = 0
    for talk in talks:
        for person in talk.persons:
            row = ours.get(person.key)
            if row is None:
                row = ours[person.key] = Speaker(
                    id=_unique(f"sp-{slug(person.name)}", taken), name=person.name, aliases=[], kind="person",
                    title={}, organisation={}, bio={}, source=SCHEDULE, external_id=person.key,
                )
                db.add(row)
            if person.key not in result:
                row.name, row.position = person.name, position
                position += 1
            if person.bio:
                row.bio = {lang: person.bio}
            result[person.key] = row.id
    return result


def _text(lang: str, value: str) -> dict[str, str]:
    return {lang: value} if value else {}


def _description(talk: Talk) -> str:
    if talk.abstract and talk.description and talk.description not in talk.abstract:
        return f"{talk.abstract}\n\n{talk.description}"
    return talk.abstract or talk.description


class _Matcher:
    """Finds the session an export's talk was imported as: guid, else export id, else identity."""

    def __init__(self, rows: list[Session]) -> None:
        self.by_guid = {r.guid: r for r in rows if r.guid}
        self.by_id = {r.external_id: r for r in rows if r.external_id}
        self.by_identity = {r.identity: r for r in rows if r.identity}
        self.used: set[str] = set()

    def find(self, talk: Talk) -> Session | None:
        candidates = [self.by_guid.get(talk.guid) if talk.guid else None]
        if talk.export_id:
            by_id = self.by_id.get(talk.export_id)
            # The same id under another guid is another talk: frab renumbers, guids stay.
            if by_id is not None and not (talk.guid and by_id.guid and by_id.guid != talk.guid):
                candidates.append(by_id)
        candidates.append(self.by_identity.get(talk.identity))
        row = next((r for r in candidates if r is not None and r.id not in self.used), None)
        if row is not None:
            self.used.add(row.id)
        return row


async def apply_schedule(db: AsyncSession, schedule: Schedule, now: datetime, *, timezone: str | None = None) -> ScheduleChanges:
    """Writes the schedule into the open transaction `db` and returns what changed."""
    if not schedule.talks:
        raise ScheduleRefused("the export lists no usable talk; importing it would cancel the whole programme")
    event = (await db.execute(select(Event))).scalars().first()
    created = event is None
    if event is None:
        event = _new_event(schedule, timezone or schedule.timezone or "UTC", now)
        db.add(event)
        if (await db.execute(select(Venue.id))).first() is None:
            db.add(_new_venue(schedule))
    elif timezone and event.from_schedule:
        event.timezone = timezone
    zone, lang = ZoneInfo(event.timezone), event.default_language
    talks = tuple(sorted(schedule.talks, key=lambda t: (t.starts_at, t.room or "", t.title)))
    day_of = await _days(db, sorted({t.starts_at.astimezone(zone).date() for t in talks}), lang)
    room_of = await _named(db, Room, "room", list(dict.fromkeys(t.room for t in talks if t.room)), lang, SCHEDULE)
    track_of = await _named(db, Track, "track", list(dict.fromkeys(t.track for t in talks if t.track)), lang, None)
    speaker_of = await _speakers(db, talks, lang)
    await db.flush()

    # Without their room, day and speakers: 5 000 sessions load in a fraction of the time.
    everything: list[Session] = list((await db.execute(select(Session).options(noload("*")))).scalars())
    rows = [r for r in everything if r.source == SCHEDULE]
    taken = {r.id for r in everything}
    matcher = _Matcher(rows)
    result = ScheduleChanges(event_id=event.id, talks=len(talks), created_event=created, timezone=event.timezone)
    links: list[dict[str, Any]] = []
    for position, talk in enumerate(talks):
        values: dict[str, Any] = {
            "title": {lang: talk.title}, "description": _text(lang, _description(talk)),
            "subtitle": _text(lang, talk.subtitle) or None, "kind": kind_of(talk.type, talk.title),
            "starts_at": talk.starts_at, "ends_at": talk.ends_at, "day_id": day_of[talk.starts_at.astimezone(zone).date()],
            "room_id": room_of.get(fold(talk.room)) if talk.room else None,
            "track_id": track_of.get(fold(talk.track)) if talk.track else None,
            "language": talk.language, "url": talk.url, "topics": {lang: [talk.type]} if talk.type else {},
            "links": [{"title": link.title, "url": link.url} for link in talk.links] or None,
            "identity": talk.identity[:250], "guid": (talk.guid or "")[:100] or None,
            "external_id": (talk.export_id or "")[:100] or None,
        }
        row = matcher.find(talk)
        if row is None:
            ident = _unique(f"talk-{slug(talk.export_id or talk.slug or talk.title, 50)}", taken)
            # Positions only order talks that start together: new ones go last, old ones never shift.
            row = Session(id=ident, source=SCHEDULE, cancelled=False, public=True, updated_at=now,
                          position=len(everything) + position, **values)
            db.add(row)
            result.changes.append(Change(ident, ("new",), talk.title, new_start=talk.starts_at, new_room=values["room_id"]))
        else:
            _update(row, values, talk, now, result)
        speakers = list(dict.fromkeys(speaker_of[p.key] for p in talk.persons))
        links += [{"session_id": row.id, "speaker_id": sid, "position": i} for i, sid in enumerate(speakers)]
    protected = {k for p in schedule.problems for k in p.keys}
    for row in rows:
        if row.id in matcher.used or row.cancelled or protected & {row.guid, row.external_id}:
            continue
        row.cancelled, row.updated_at = True, now
        title = next(iter((row.title or {}).values()), row.id)
        result.changes.append(Change(row.id, ("cancelled",), title, old_start=row.starts_at, old_room=row.room_id))
    await db.flush()
    in_export = select(Session.id).where(Session.source == SCHEDULE, Session.cancelled.is_(False))
    await db.execute(delete(session_speaker).where(session_speaker.c.session_id.in_(in_export)))
    if links:
        await db.execute(session_speaker.insert(), links)
    linked = select(session_speaker.c.speaker_id)
    await db.execute(delete(Speaker).where(Speaker.source == SCHEDULE, Speaker.id.notin_(linked)).execution_options(synchronize_session=False))
    if result.changed and not created:
        # A new programme: every replica reloads its snapshot (a new version even within the same instant).
        event.imported_at = max(now, event.imported_at + timedelta(milliseconds=1))
    return result


def _update(row: Session, values: dict[str, Any], talk: Talk, now: datetime, result: ScheduleChanges) -> None:
    kinds = []
    if row.cancelled:
        kinds.append("restored")
    if row.starts_at != values["starts_at"]:
        kinds.append("moved")
    if row.room_id != values["room_id"]:
        kinds.append("room")
    old_start, old_room = row.starts_at, row.room_id
    edited = False
    for key, value in values.items():
        if getattr(row, key) != value:  # assigning an equal JSON value would still write the row
            setattr(row, key, value)
            edited = True
    if row.cancelled:
        row.cancelled = False
    if kinds:
        row.updated_at = now
        result.changes.append(Change(row.id, tuple(kinds), talk.title, old_start, talk.starts_at, old_room, values["room_id"]))
    elif edited:
        row.updated_at = now
        result.updated.append(row.id)


class _DryRun(Exception):
    def __init__(self, changes: ScheduleChanges) -> None:
        self.changes = changes


async def import_schedule(
    database: Database, schedule: Schedule, now: datetime, *, timezone: str | None = None, dry_run: bool = False
) -> ScheduleChanges:
    """All of it in one transaction; with dry_run the changes are computed and rolled back (--diff)."""
    try:
        async with database.session() as db:
            changes = await apply_schedule(db, schedule, now, timezone=timezone)
            if dry_run:
                raise _DryRun(changes)
    except _DryRun as done:
        return done.changes
    event_changed()  # this process's snapshots recheck the event's version at once
    return changes
