"""Agenda queries: what is on, when, where and who, answered from an in-memory snapshot.

The snapshot is rebuilt whenever an import changes the event, so the reply path never walks the
whole schema and organisers never have to restart the bot. Whether it changed is one tiny query (the
event row's version), asked at most once per RECHECK_SECONDS: an import or a schedule sync in this
process (`event_changed`) makes every snapshot recheck at once; another replica's is seen within
RECHECK_SECONDS. Before, each question read the version three or four times.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import Database
from bot.event.models import (
    SCHEDULE,
    Day,
    Delegation,
    Event,
    Exhibitor,
    Faq,
    Place,
    Room,
    Session,
    Speaker,
    Track,
    Venue,
)

Text = dict[str, str]


@dataclass(frozen=True)
class RoomView:
    id: str
    name: Text


@dataclass(frozen=True)
class TrackView:
    id: str
    name: Text


@dataclass(frozen=True)
class DayView:
    id: str
    date: date
    label: Text
    index: int  # 1-based position in the event


@dataclass(frozen=True)
class SpeakerView:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    title: Text
    organisation: Text
    bio: Text
    session_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionView:
    id: str
    number: int | None
    label: Text | None
    title: Text
    description: Text
    kind: str
    starts_at: datetime
    ends_at: datetime
    day_id: str
    room: RoomView | None
    topics: dict[str, list[str]]
    speaker_ids: tuple[str, ...]
    cancelled: bool
    public: bool
    withheld: bool = False  # details for verified delegates were left out of this view
    # From a schedule export (bot/schedule); empty for sessions of the event file.
    imported: bool = False
    subtitle: Text = field(default_factory=dict)
    track: TrackView | None = None
    language: str | None = None  # the language the talk is given in
    url: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (title, url)

    def is_running(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class FaqView:
    id: str
    topic: str
    question: Text
    answer: Text
    keywords: dict[str, list[str]]
    verified_answer: Text | None = None
    withheld: bool = False  # verified_answer was left out of this view


@dataclass(frozen=True)
class PlaceView:
    id: str
    name: Text
    category: str
    latitude: float
    longitude: float
    address: Text
    note: Text
    keywords: dict[str, list[str]]


@dataclass(frozen=True)
class VenueView:
    name: Text
    address: Text
    latitude: float
    longitude: float
    directions: Text
    transport: Text


@dataclass(frozen=True)
class EventSnapshot:
    id: str
    name: Text
    short_name: Text
    host: Text
    organiser: Text
    description: Text
    outcomes: Text
    timezone: str
    languages: tuple[str, ...]
    default_language: str
    website: str | None
    exhibition: dict[str, Any] | None
    venue: VenueView
    days: tuple[DayView, ...]
    sessions: tuple[SessionView, ...]
    speakers: dict[str, SpeakerView]
    delegations: tuple[tuple[str, Text, str | None], ...]
    exhibitors: tuple[tuple[str, str, Text, str | None], ...]
    faq: tuple[FaqView, ...]
    rooms: dict[str, RoomView] = field(default_factory=dict)
    version: str = ""
    places: tuple[PlaceView, ...] = ()
    verified: bool = True  # False: the view for delegates not (yet) verified, see public_view
    tracks: dict[str, TrackView] = field(default_factory=dict)

    @property
    def has_schedule(self) -> bool:
        """The programme (or part of it) comes from a schedule export: searched, browsed by track."""
        return any(s.imported for s in self.sessions)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


def fold(text: str) -> str:
    """Lower case without accents or punctuation, for matching what people type."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", text).strip()


RECHECK_SECONDS = 1.0
_changes = 0  # imports committed in this process (see event_changed)


def event_changed() -> None:
    """An import or a schedule sync committed in this process: every snapshot rechecks the version
    on its next use instead of trusting its last check for up to RECHECK_SECONDS."""
    global _changes
    _changes += 1


class EventService:
    """Read-only questions about the event; everything returned is immutable."""

    def __init__(self, database: Database, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.database = database
        self.recheck_seconds = recheck_seconds
        self._snapshot: EventSnapshot | None = None
        self._public: EventSnapshot | None = None
        self._lock = asyncio.Lock()
        self._checked_at = -float("inf")
        self._checked_changes = -1

    async def snapshot(self) -> EventSnapshot:
        now = time.monotonic()
        if self._snapshot is not None and self._checked_changes == _changes and now - self._checked_at < self.recheck_seconds:
            return self._snapshot
        changes = _changes
        async with self.database.session() as db:
            version = (await db.execute(select(Event.source_hash, Event.imported_at))).first()
        if version is None:
            raise LookupError("no event has been imported")
        key = f"{version[0]}@{version[1].isoformat()}"
        if self._snapshot is None or self._snapshot.version != key:
            async with self._lock:
                if self._snapshot is None or self._snapshot.version != key:
                    self._snapshot = await self._load(key)
        self._checked_at, self._checked_changes = now, changes
        return self._snapshot

    async def view(self, verified: bool) -> EventSnapshot:
        """The snapshot as a delegate may see it: everything when verified, else public_view."""
        snap = await self.snapshot()
        if verified:
            return snap
        if self._public is None or self._public.version != snap.version:
            self._public = public_view(snap)
        return self._public

    async def _load(self, version: str) -> EventSnapshot:
        async with self.database.session() as db:
            event = (await db.execute(select(Event))).scalars().one()
            venue = (await db.execute(select(Venue))).scalars().one()
            rooms = {r.id: RoomView(r.id, r.name) for r in (await db.execute(
                select(Room).where(Room.retired.is_(False)).order_by(Room.position))).scalars()}
            days = tuple(
                DayView(d.id, d.date, d.label, i + 1)
                for i, d in enumerate((await db.execute(select(Day).where(Day.retired.is_(False)).order_by(Day.date))).scalars())
            )
            tracks = {t.id: TrackView(t.id, t.name) for t in (await db.execute(
                select(Track).where(Track.retired.is_(False)).order_by(Track.position))).scalars()}
            overrides = event.session_overrides or {}
            sessions = tuple(
                _overridden(SessionView(
                    s.id, s.number, s.label, s.title, s.description or {}, s.kind, s.starts_at, s.ends_at, s.day_id,
                    rooms.get(s.room_id) if s.room_id else None, s.topics or {},
                    tuple(sp.id for sp in s.speakers), s.cancelled, s.public, imported=s.source == SCHEDULE,
                    subtitle=s.subtitle or {}, track=tracks.get(s.track_id) if s.track_id else None, language=s.language,
                    url=s.url, links=tuple((link.get("title", ""), link["url"]) for link in s.links or () if link.get("url")),
                ), overrides.get(s.id))
                for s in (await db.execute(select(Session).order_by(Session.starts_at, Session.position))).scalars()
            )
            by_speaker: dict[str, list[str]] = {}
            for s in sessions:
                if not s.cancelled:
                    for sid in s.speaker_ids:
                        by_speaker.setdefault(sid, []).append(s.id)
            speakers = {
                sp.id: SpeakerView(sp.id, sp.name, sp.kind, tuple(sp.aliases or ()), sp.title or {}, sp.organisation or {}, sp.bio or {}, tuple(by_speaker.get(sp.id, ())))
                for sp in (await db.execute(select(Speaker).order_by(Speaker.position))).scalars()
            }
            delegations = tuple((d.id, d.name, d.group) for d in (await db.execute(select(Delegation).order_by(Delegation.position))).scalars())
            exhibitors = tuple((e.id, e.name, e.description, e.booth) for e in (await db.execute(select(Exhibitor).order_by(Exhibitor.position))).scalars())
            faq = tuple(FaqView(f.id, f.topic, f.question, f.answer, f.keywords or {}, f.verified_answer or None) for f in (await db.execute(select(Faq).order_by(Faq.position))).scalars())
            places = tuple(
                PlaceView(p.id, p.name, p.category, p.latitude, p.longitude, p.address or {}, p.note or {}, p.keywords or {})
                for p in (await db.execute(select(Place).order_by(Place.position))).scalars()
            )
        return EventSnapshot(
            id=event.id, name=event.name, short_name=event.short_name, host=event.host, organiser=event.organiser,
            description=event.description, outcomes=event.outcomes or {}, timezone=event.timezone,
            languages=tuple(event.languages), default_language=event.default_language, website=event.website,
            exhibition=event.exhibition,
            venue=VenueView(venue.name, venue.address, venue.latitude, venue.longitude, venue.directions, venue.transport),
            days=days, sessions=sessions, speakers=speakers, delegations=delegations, exhibitors=exhibitors,
            faq=faq, rooms=rooms, version=version, places=places, tracks=tracks,
        )


def _overridden(s: SessionView, override: dict[str, Any] | None) -> SessionView:
    """An imported session with the event file's `session_overrides` laid over it: its texts win
    language by language (a translation adds a language, the others stay as exported)."""
    if not override:
        return s
    changes: dict[str, Any] = {}
    for key in ("title", "description", "label"):
        if key in override:
            changes[key] = {**(getattr(s, key) or {}), **override[key]}
    if "topics" in override:
        changes["topics"] = {**s.topics, **override["topics"]}
    if "public" in override:
        changes["public"] = bool(override["public"])
    return replace(s, **changes)


def as_seen_by(s: SessionView, verified: bool) -> SessionView:
    """A session as a delegate may see it: without room and description when it is `public: false`
    and the delegate is not verified."""
    return s if verified or s.public else replace(s, room=None, description={}, withheld=True)


def public_view(snap: EventSnapshot) -> EventSnapshot:
    """What a delegate who is not verified may see: FAQ answers without their verified_answer, and
    sessions marked `public: false` without room and description; `withheld` marks what was cut so
    that the answer can say how to verify."""
    faq = tuple(replace(f, verified_answer=None, withheld=True) if f.verified_answer else f for f in snap.faq)
    sessions = tuple(as_seen_by(s, verified=False) for s in snap.sessions)
    return replace(snap, faq=faq, sessions=sessions, verified=False)


# --- pure queries over a snapshot (no I/O; easy to test and to reuse) -------------------------

def active_sessions(snap: EventSnapshot) -> list[SessionView]:
    return [s for s in snap.sessions if not s.cancelled]


def session_by_id(snap: EventSnapshot, session_id: str) -> SessionView | None:
    return next((s for s in snap.sessions if s.id == session_id), None)


def sessions_on(snap: EventSnapshot, day_id: str) -> list[SessionView]:
    return [s for s in active_sessions(snap) if s.day_id == day_id]


def day_by_id(snap: EventSnapshot, day_id: str) -> DayView | None:
    return next((d for d in snap.days if d.id == day_id), None)


@dataclass(frozen=True)
class NowNext:
    running: list[SessionView]
    upcoming: list[SessionView]  # the next start time's sessions
    before_event: bool
    after_event: bool


def now_and_next(snap: EventSnapshot, now: datetime) -> NowNext:
    sessions = active_sessions(snap)
    running = [s for s in sessions if s.is_running(now)]
    later = [s for s in sessions if s.starts_at > now]
    upcoming = [s for s in later if s.starts_at == later[0].starts_at] if later else []
    return NowNext(
        running=running, upcoming=upcoming,
        before_event=bool(sessions) and now < sessions[0].starts_at,
        after_event=bool(sessions) and now >= max(s.ends_at for s in sessions),
    )


def speaker_names(speaker: SpeakerView) -> list[str]:
    return [speaker.name, *speaker.aliases]


def find_speakers(snap: EventSnapshot, query: str, limit: int = 3) -> tuple[SpeakerView | None, list[SpeakerView]]:
    """(the speaker meant, if clear; otherwise the closest candidates) for an id, name or alias."""
    if query in snap.speakers:
        return snap.speakers[query], []
    q = fold(query)
    if not q:
        return None, []
    scored: list[tuple[float, SpeakerView]] = []
    for sp in snap.speakers.values():
        best = 0.0
        for name in speaker_names(sp):
            n = fold(name)
            if not n:
                continue
            if q == n:
                return sp, []
            words = set(n.split())
            if len(q) >= 3 and (re.search(rf"\b{re.escape(q)}\b", n) or re.search(rf"\b{re.escape(n)}\b", q)):
                best = max(best, 0.9)
            elif set(q.split()) & words - {"pak", "bu", "ibu", "mr", "mrs", "ms", "dr", "the", "of"}:
                best = max(best, 0.75)
            best = max(best, difflib.SequenceMatcher(None, q, n).ratio())
        scored.append((best, sp))
    scored.sort(key=lambda x: -x[0])
    if scored and scored[0][0] >= 0.88 and (len(scored) == 1 or scored[1][0] < 0.7):
        return scored[0][1], []
    return None, [sp for score, sp in scored[:limit] if score >= 0.5]


def session_words(session: SessionView) -> list[str]:
    words: list[str] = []
    for texts in (session.title, session.label or {}, session.description):
        words.extend(texts.values())
    for items in session.topics.values():
        words.extend(items)
    return words


def find_sessions(snap: EventSnapshot, query: str, limit: int = 5) -> list[tuple[float, SessionView]]:
    """Sessions matching a topic, title word or number ("session 2", "crisis", "krisis"), best first."""
    q = fold(query)
    if not q:
        return []
    number = re.search(r"\b(\d{1,2})\b", q)
    scored: list[tuple[float, SessionView]] = []
    q_words = {w for w in q.split() if len(w) > 2} - _STOP
    for s in active_sessions(snap):
        score = 0.0
        if number and s.number == int(number.group(1)):
            score = 1.0 if s.kind in ("session", "ceremony") or not s.label else 0.9
        for phrase in session_words(s):
            f = fold(phrase)
            if not f:
                continue
            if q == f or (len(q) >= 4 and re.search(rf"\b{re.escape(q)}\b", f)):
                score = max(score, 0.95 if q == f else 0.85)
            elif len(f) >= 4 and re.search(rf"\b{re.escape(f)}\b", q):
                score = max(score, 0.8)
            overlap = q_words & (set(f.split()) - _STOP)
            if overlap:
                score = max(score, 0.5 + 0.1 * min(len(overlap), 3))
            elif len(q) >= 5:
                ratio = difflib.SequenceMatcher(None, q, f).ratio()
                if ratio > 0.75:
                    score = max(score, ratio - 0.1)
        if score > 0:
            scored.append((score, s))
    scored.sort(key=lambda x: (-x[0], x[1].starts_at))
    return scored[:limit]


_STOP = {
    "the", "and", "session", "sesi", "tentang", "about", "for", "with", "dan", "yang", "untuk", "dengan",
    "dalam", "pada", "of", "in", "on", "di", "ke", "dari", "digital", "diplomacy", "diplomasi", "what", "when",
    "where", "jam", "berapa", "kapan", "apa", "is", "time", "acara", "sesinya", "topic", "topik", "panel",
}


