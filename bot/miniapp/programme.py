"""The programme as the Mini App shows it: a day's sessions, filtered and searched, one page at a time.

Pure functions over an EventSnapshot (no I/O), so a programme of FOSDEM's size (900 talks) costs a
list comprehension per request, and the tests and the benchmark call them directly.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.event.service import DayView, EventSnapshot, SessionView, find_sessions

PAGE_SIZE = 60  # sessions per page: a day of FOSDEM (about 450 talks) loads in eight pages, as the delegate scrolls
MAX_QUERY = 200


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


KIND_LABELS: dict[str, str] = {
    "session": N_("Session"), "panel": N_("Panel"), "talk": N_("Talk"), "keynote": N_("Keynote"),
    "workshop": N_("Workshop"), "lightning": N_("Lightning talk"), "ceremony": N_("Ceremony"),
    "break": N_("Break"), "meal": N_("Meal"), "registration": N_("Registration"), "social": N_("Social event"),
    "exhibition": N_("Exhibition"), "other": N_("Other"),
}


@dataclass(frozen=True)
class Filters:
    """What the delegate asked the programme for; empty strings mean "any"."""

    day: str = ""
    track: str = ""
    room: str = ""
    kind: str = ""
    query: str = ""

    @classmethod
    def of(cls, params: dict[str, str]) -> Filters:
        def value(name: str, limit: int = 64) -> str:
            return str(params.get(name) or "").strip()[:limit]

        return cls(value("day"), value("track", 120), value("room"), value("kind"), " ".join(value("q", MAX_QUERY).split()))


@dataclass(frozen=True)
class Page:
    """One page of the programme: the sessions shown, how many match in all, where the next page starts."""

    sessions: tuple[SessionView, ...]
    total: int
    offset: int
    next_offset: int | None
    day: DayView | None  # None while searching (the search spans the whole event)


@dataclass(frozen=True)
class Facets:
    """The choices of the filters, for the sessions of the day shown."""

    tracks: tuple[str, ...]
    rooms: tuple[tuple[str, dict[str, str]], ...]  # (room id, room name)
    kinds: tuple[str, ...]


def track_of(session: SessionView) -> str | None:
    """The session's track: the schedule import (bot/schedule, FOSDEM-style) brings one; the event
    file has none, and then the filter is not offered."""
    track = getattr(session, "track", None)
    return str(track) if track else None


Search = Callable[[EventSnapshot, str], Awaitable[list[SessionView]]]


async def search_sessions(snap: EventSnapshot, query: str) -> list[SessionView]:
    """The search of a programme written in the event file: the chat's ("sessions about crisis",
    "session 2"), best first (an imported programme is searched by the schedule's full-text index:
    MiniApp.search). It compares every title, so its results are kept per event version and query:
    paging through them (and the next delegate asking the same) does not search again."""
    key = (snap.version, snap.verified, query)
    ids = _searched.get(key)
    if ids is None:
        ids = tuple(s.id for _, s in find_sessions(snap, query, limit=len(snap.sessions)))
        _searched[key] = ids
        while len(_searched) > SEARCH_CACHE:
            _searched.popitem(last=False)
    by_id = {s.id: s for s in snap.sessions}
    return [by_id[i] for i in ids if i in by_id]


SEARCH_CACHE = 256
_searched: OrderedDict[tuple[str, bool, str], tuple[str, ...]] = OrderedDict()


def default_day(snap: EventSnapshot, now: datetime) -> DayView | None:
    """Today while the event runs, else its first day (or its last, once it is over)."""
    if not snap.days:
        return None
    today = snap.local_date(now)
    for day in snap.days:
        if day.date == today:
            return day
    return snap.days[-1] if today > snap.days[-1].date else snap.days[0]


def programme(
    snap: EventSnapshot, filters: Filters, now: datetime, offset: int = 0, limit: int = PAGE_SIZE, searched: Sequence[SessionView] = (),
) -> Page:
    """The sessions that match, in programme order (cancelled ones included: they show as cancelled);
    with a query in the filters, those `searched` found for it, best first."""
    day = None
    if filters.query:
        found = list(searched)
    else:
        day = next((d for d in snap.days if d.id == filters.day), None) or default_day(snap, now)
        found = [s for s in snap.sessions if day is not None and s.day_id == day.id]
    matching = [s for s in found if _matches(s, filters)]
    offset = max(0, min(offset, len(matching)))
    shown = tuple(matching[offset : offset + limit])
    after = offset + len(shown)
    return Page(shown, len(matching), offset, after if after < len(matching) else None, day)


def _matches(s: SessionView, filters: Filters) -> bool:
    if filters.track and track_of(s) != filters.track:
        return False
    if filters.room and (s.room is None or s.room.id != filters.room):
        return False
    return not filters.kind or s.kind == filters.kind


def facets(snap: EventSnapshot, day: DayView | None) -> Facets:
    sessions = [s for s in snap.sessions if day is None or s.day_id == day.id]
    tracks = sorted({t for s in sessions if (t := track_of(s))}, key=str.casefold)
    rooms = {s.room.id: s.room.name for s in sessions if s.room is not None}
    ordered_rooms = tuple((rid, room.name) for rid, room in snap.rooms.items() if rid in rooms)
    kinds = tuple(dict.fromkeys(s.kind for s in sessions))
    return Facets(tuple(tracks), ordered_rooms, kinds)


def kind_label(kind: str) -> str:
    """The untranslated label of a kind of session (the caller translates it), or the kind itself."""
    return KIND_LABELS.get(kind, kind)
