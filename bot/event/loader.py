"""Reads and validates an event file as a whole, reporting every problem with its path and line.

A file is either accepted completely (an EventData) or refused with the full list of problems, so
an organiser fixes them all in one go and a bad file never half-changes the database.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel import Locale, UnknownLocaleError

from bot.event.geo import distance_m
from bot.event.schema import (
    FAQ_TOPICS,
    PLACE_CATEGORIES,
    SESSION_KINDS,
    SPEAKER_KINDS,
    DayInfo,
    DelegationInfo,
    EventData,
    EventInfo,
    ExhibitorInfo,
    FaqInfo,
    PlaceInfo,
    RoomInfo,
    SessionInfo,
    SpeakerInfo,
    Text,
    TextList,
    VenueInfo,
)

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# The fields of each part of the file (docs/event-format.md); anything else is reported, with a guess.
FIELDS: dict[str, tuple[str, ...]] = {
    "event": ("id", "name", "short_name", "host", "organiser", "description", "outcomes", "timezone", "languages",
              "default_language", "website", "hashtag"),
    "venue": ("name", "address", "latitude", "longitude", "directions", "transport", "google_place_id"),
    "rooms": ("id", "name", "floor", "description"),
    "days": ("id", "date", "label"),
    "sessions": ("id", "number", "label", "title", "description", "kind", "start", "end", "room", "topics", "keywords",
                 "speakers", "public"),
    "speakers": ("id", "name", "kind", "aliases", "title", "organisation", "bio"),
    "delegations": ("id", "name", "group"),
    "exhibitors": ("id", "name", "description", "booth", "website"),
    "exhibition": ("title", "description", "room", "hours"),
    "exhibition.hours": ("day", "start", "end"),
    "faq": ("id", "topic", "question", "answer", "verified_answer", "keywords", "paraphrases"),
    "places": ("id", "name", "category", "latitude", "longitude", "address", "note", "keywords"),
    "session_overrides": ("id", "title", "label", "description", "topics", "keywords", "public"),
}
# Words organisers use for a field the format names otherwise.
FIELD_SYNONYMS = {
    "role": "title", "position": "title", "job_title": "title", "affiliation": "organisation",
    "organization": "organisation", "organizer": "organiser", "time_zone": "timezone", "tz": "timezone",
    "lat": "latitude", "lng": "longitude", "lon": "longitude", "long": "longitude", "begin": "start",
    "starts": "start", "start_time": "start", "finish": "end", "ends": "end", "end_time": "end", "type": "kind",
    "speaker": "speakers", "location": "room", "tags": "keywords", "biography": "bio", "alias": "aliases",
    "summary": "description", "abstract": "description", "lang": "languages", "language": "default_language",
    "short": "short_name", "shortname": "short_name", "acronym": "short_name", "topic": "topics",
}
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.path}: {self.message}{where}" if self.path else f"{self.message}{where}"


class EventFileError(Exception):
    """The event file was refused; `problems` lists every reason."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


class _Missing:
    pass


MISSING: Any = _Missing()


MAX_VALUES = 500_000  # far beyond any conference; stops alias bombs ("billion laughs") early
MERGE_TAG = "tag:yaml.org,2002:merge"
_Composer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~10x faster


class _TooLarge(Exception):
    pass


@dataclass
class _Document:
    """The parsed file: plain values, the line of every path, and the source text of every scalar
    (so `id: 010` stays "010" and `name: no` stays "no" instead of YAML 1.1's 8 and False)."""

    value: Any
    lines: dict[str, int]
    raw: dict[str, str]
    problems: list[Problem]


def _compose(text: str) -> _Document:
    """Parses YAML into plain values plus a map from path (`sessions[3].end`) to line number."""
    doc = _Document(None, {}, {}, [])
    constructor = yaml.SafeLoader("")
    count = 0
    open_nodes: set[int] = set()

    def scalar(node: yaml.ScalarNode, path: str | None) -> Any:
        if not node.style and path is not None:  # plain (unquoted); libyaml says "" where PyYAML says None
            doc.raw[path] = node.value
        try:
            return constructor.construct_object(node)
        except Exception:  # noqa: BLE001 (any constructor failure: 2019-02-30, `!!timestamp soon`, `!!int abc`)
            # e.g. 2019-02-30 or `!!int abc`: keep the text, the field's own check says what is wrong
            constructor.recursive_objects.clear()
            return node.value

    def build(node: yaml.Node, path: str) -> Any:
        nonlocal count
        count += 1
        if count > MAX_VALUES:
            raise _TooLarge
        doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return scalar(node, path)
        if id(node) in open_nodes:
            doc.problems.append(Problem(path, "refers to itself (an alias inside its own anchor)", node.start_mark.line + 1))
            return None
        open_nodes.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [build(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
            return mapping(cast(yaml.MappingNode, node), path)
        finally:
            open_nodes.discard(id(node))

    def mapping(node: yaml.MappingNode, path: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # `<<: *defaults`: explicit keys win, whatever their order
                sources = build(value_node, path)
                for source in sources if isinstance(sources, list) else [sources]:
                    if isinstance(source, dict):
                        for key, value in source.items():
                            merged.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                doc.problems.append(Problem(path, "a key must be a plain word, not a list or mapping", key_node.start_mark.line + 1))
                continue
            key = str(scalar(key_node, None))
            child = f"{path}.{key}" if path else key
            if key in result:
                doc.problems.append(Problem(child, "appears twice", key_node.start_mark.line + 1))
            doc.lines[child] = value_node.start_mark.line + 1
            result[key] = build(value_node, child)
        return {**merged, **result}

    root = yaml.compose(text, Loader=_Composer)
    if root is None:
        doc.value = {}
        return doc
    try:
        doc.value = build(root, "")
    except _TooLarge:
        doc.problems.append(Problem("", f"the file expands to more than {MAX_VALUES} values (aliases repeated?)", None))
        doc.value = {}
    except RecursionError:
        doc.problems.append(Problem("", "nested too deeply", None))
        doc.value = {}
    return doc


class _Validator:
    """Walks the parsed document, collecting problems instead of stopping at the first."""

    def __init__(self, lines: dict[str, int], raw: dict[str, str] | None = None) -> None:
        self.lines = lines
        self.raw = raw or {}
        self.problems: list[Problem] = []
        self.languages: list[str] = ["en"]
        self.default_language = "en"

    def line_of(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            parent = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
            path = "" if parent == path else parent
        return self.lines.get("")

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, self.line_of(path)))

    def fields(self, obj: dict[str, Any], path: str, known: tuple[str, ...]) -> None:
        """Reports keys the format does not know: a misspelt `speaker:` would otherwise drop data silently."""
        for key in obj:
            if key in known:
                continue
            guess = FIELD_SYNONYMS.get(key.lower()) or next(iter(difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.7)), None)
            hint = f"; did you mean {guess!r}?" if guess in known else f" (known: {', '.join(known)})"
            self.problem(f"{path}.{key}", f"unknown field{hint}")

    # --- scalar fields -------------------------------------------------------------------------
    def get(self, obj: dict[str, Any], path: str, key: str, required: bool = True) -> Any:
        if key not in obj or obj[key] is None:
            if required:
                self.problem(f"{path}.{key}" if path else key, "is required")
            return MISSING
        return obj[key]

    def as_written(self, value: Any, path: str) -> str:
        """A scalar as the organiser wrote it: YAML 1.1 reads `010` as 8 and `no` as False."""
        return value if isinstance(value, str) else self.raw.get(path, str(value))

    def string(self, obj: dict[str, Any], path: str, key: str, required: bool = True, max_length: int = 200) -> str | None:
        value = self.get(obj, path, key, required)
        where = f"{path}.{key}" if path else key
        if value is MISSING:
            return None
        if isinstance(value, (dict, list)):
            self.problem(where, "must be a single value, not a list or mapping")
            return None
        text = self.as_written(value, where).strip()
        if required and not text:
            self.problem(where, "must not be empty")
            return None
        if len(text) > max_length:
            self.problem(where, f"is {len(text)} characters long; at most {max_length}")
            return None
        return text or None

    def ident(self, obj: dict[str, Any], path: str, key: str = "id", max_length: int = 64) -> str | None:
        value = self.string(obj, path, key, max_length=max_length)
        if value is not None and not ID_PATTERN.match(value):
            self.problem(f"{path}.{key}", f"{value!r} is not a valid id (letters, digits, - _ . ; at most {max_length})")
            return None
        return value

    def number(self, obj: dict[str, Any], path: str, key: str, low: float, high: float) -> float | None:
        value = self.get(obj, path, key)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"{path}.{key}", f"{value!r} is not a number")
            return None
        if not low <= value <= high:
            self.problem(f"{path}.{key}", f"{value} is outside [{low:g}, {high:g}]")
            return None
        return float(value)

    def choice(self, obj: dict[str, Any], path: str, key: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.string(obj, path, key, required=default is None)
        if value is None:
            return default
        if value not in options:
            self.problem(f"{path}.{key}", f"{value!r} is not one of: {', '.join(options)}")
            return default
        return value

    def text(self, obj: dict[str, Any], path: str, key: str, required: bool = True) -> Text | None:
        """A translatable text: a plain string (default language) or {language: string}."""
        value = self.get(obj, path, key, required)
        where = f"{path}.{key}" if path else key
        if value is MISSING:
            return None
        if isinstance(value, (str, int, float, bool, date)):
            result = {self.default_language: self.as_written(value, where).strip()}
        elif isinstance(value, dict):
            result = {}
            for lang, item in value.items():
                if lang not in self.languages:
                    self.problem(f"{where}.{lang}", f"language {lang!r} is not in event.languages")
                    continue
                if not isinstance(item, (str, int, float, bool, date)):
                    self.problem(f"{where}.{lang}", "must be text")
                    continue
                result[lang] = self.as_written(item, f"{where}.{lang}").strip()
        else:
            self.problem(where, "must be text or a mapping of language to text")
            return None
        if not result.get(self.default_language):
            self.problem(where, f"has no text in the default language ({self.default_language})")
            return None
        return {k: v for k, v in result.items() if v}

    def text_list(self, obj: dict[str, Any], path: str, key: str) -> TextList:
        value = obj.get(key)
        where = f"{path}.{key}"
        if value is None:
            return {}
        if isinstance(value, list):
            if any(isinstance(item, (list, dict)) for item in value):
                self.problem(where, "must be a list of words or a mapping of language to list")
                return {}
            return {self.default_language: [w for i, item in enumerate(value) if (w := self.as_written(item, f"{where}[{i}]").strip())]}
        if not isinstance(value, dict):
            self.problem(where, "must be a list of words or a mapping of language to list")
            return {}
        result: TextList = {}
        for lang, items in value.items():
            if lang not in self.languages:
                self.problem(f"{where}.{lang}", f"language {lang!r} is not in event.languages")
            elif not isinstance(items, list) or not all(isinstance(i, (str, int, float, bool)) for i in items):
                self.problem(f"{where}.{lang}", "must be a list of words")
            else:
                words = (self.as_written(item, f"{where}.{lang}[{i}]").strip() for i, item in enumerate(items))
                result[lang] = [w for w in words if w]
        return result

    def string_list(self, obj: dict[str, Any], path: str, key: str) -> list[str]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(i, (str, int, float, bool)) for i in value):
            self.problem(f"{path}.{key}", "must be a list of strings")
            return []
        words = (self.as_written(item, f"{path}.{key}[{i}]").strip() for i, item in enumerate(value))
        return [w for w in words if w]

    def mapping(self, doc: dict[str, Any], key: str, required: bool = True) -> dict[str, Any] | None:
        value = doc.get(key)
        if value is None:
            if required:
                self.problem(key, "section is required")
            return None
        if not isinstance(value, dict):
            self.problem(key, "must be a mapping of fields")
            return None
        self.fields(value, key, FIELDS[key])
        return value

    def items(self, doc: dict[str, Any], key: str, required: bool = True) -> list[tuple[str, dict[str, Any]]]:
        value = doc.get(key)
        if value is None:
            if required:
                self.problem(key, "section is required")
            return []
        if not isinstance(value, list):
            self.problem(key, "must be a list")
            return []
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(f"{key}[{i}]", "must be a mapping of fields")
            else:
                self.fields(item, f"{key}[{i}]", FIELDS[key])
                result.append((f"{key}[{i}]", item))
        return result

    def unique(self, entries: list[tuple[str, T | None]], id_of: Callable[[T], str]) -> list[T]:
        seen: dict[str, str] = {}
        kept: list[T] = []
        for path, entry in entries:
            if entry is None:
                continue
            key = id_of(entry)
            if key in seen:
                self.problem(f"{path}.id", f"{key!r} is already used by {seen[key]}")
                continue
            seen[key] = path
            kept.append(entry)
        return kept


def _local_instant(value: Any, zone: ZoneInfo) -> datetime | None:
    """A session's start or end: a date and a time, local to the event unless an offset is given."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if not isinstance(value, str) or ":" not in value:  # a bare date is not a time of day
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("T", " "))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):  # a day is a date; a time on it is a mistake
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _as_time(value: Any) -> time | None:
    """A local time of day such as "09:00" (no offset: the event's time zone applies)."""
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 09:00 as a sexagesimal integer
        return time(value // 60, value % 60) if 0 <= value < 24 * 60 else None
    try:
        parsed = time.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None


def _languages(v: _Validator, obj: dict[str, Any]) -> list[str]:
    languages = v.string_list(obj, "event", "languages")
    if "languages" in obj and not languages and not any(p.path == "event.languages" for p in v.problems):
        v.problem("event.languages", "lists no language; at least the default one")
    for i, lang in enumerate(languages):
        try:
            Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            v.problem(f"event.languages[{i}]", f"{lang!r} is not a known locale")
        if lang in languages[:i]:
            v.problem(f"event.languages[{i}]", f"{lang!r} is listed twice")
    return list(dict.fromkeys(languages)) or ["en"]


def _event(v: _Validator, doc: dict[str, Any]) -> tuple[EventInfo | None, ZoneInfo]:
    zone = ZoneInfo("UTC")
    obj = v.mapping(doc, "event")
    if obj is None:
        return None, zone
    languages = _languages(v, obj)
    default = v.string(obj, "event", "default_language", required=False, max_length=16) or languages[0]
    if default not in languages:
        v.problem("event.default_language", f"{default!r} is not in event.languages")
        default = languages[0]  # check the texts against a language that is there: one problem, not hundreds
    v.languages, v.default_language = languages, default
    tz_name = v.string(obj, "event", "timezone", max_length=64)
    if tz_name:
        try:
            zone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            v.problem("event.timezone", f"{tz_name!r} is not an IANA time zone (e.g. Asia/Jakarta)")
            tz_name = None
    ident = v.ident(obj, "event")
    texts = {k: v.text(obj, "event", k) for k in ("name", "host", "organiser", "description")}
    short = v.text(obj, "event", "short_name", required=False) or texts["name"]
    outcomes = v.text(obj, "event", "outcomes", required=False) or {}
    website = v.string(obj, "event", "website", False, max_length=300)
    hashtag = v.string(obj, "event", "hashtag", False, max_length=100)
    if ident is None or tz_name is None or any(t is None for t in texts.values()) or short is None:
        return None, zone
    return (
        EventInfo(
            id=ident, short_name=short, outcomes=outcomes, timezone=tz_name, languages=languages,
            default_language=default, website=website, hashtag=hashtag, **texts,  # type: ignore[arg-type]
        ),
        zone,
    )


def _venue(v: _Validator, doc: dict[str, Any]) -> VenueInfo | None:
    obj = v.mapping(doc, "venue")
    if obj is None:
        return None
    texts = {k: v.text(obj, "venue", k) for k in ("name", "address", "directions", "transport")}
    lat = v.number(obj, "venue", "latitude", -90, 90)
    lon = v.number(obj, "venue", "longitude", -180, 180)
    place_id = v.string(obj, "venue", "google_place_id", False)
    if lat is None or lon is None or any(t is None for t in texts.values()):
        return None
    return VenueInfo(latitude=lat, longitude=lon, google_place_id=place_id, **texts)  # type: ignore[arg-type]


def _room(v: _Validator, path: str, obj: dict[str, Any]) -> RoomInfo | None:
    ident, name = v.ident(obj, path), v.text(obj, path, "name")
    floor, description = v.text(obj, path, "floor", False), v.text(obj, path, "description", False)
    if ident is None or name is None:
        return None
    return RoomInfo(ident, name, floor, description)


def _day(v: _Validator, path: str, obj: dict[str, Any]) -> DayInfo | None:
    """A day with a readable id and date, even when its label has a problem (`label` is then empty)."""
    ident, label = v.ident(obj, path), v.text(obj, path, "label")
    raw = v.get(obj, path, "date")
    day = None if raw is MISSING else _as_date(raw)
    if raw is not MISSING and day is None:
        v.problem(f"{path}.date", f"{v.as_written(raw, f'{path}.date')!r} is not a date (YYYY-MM-DD)")
    if ident is None or day is None:
        return None
    return DayInfo(ident, day, label or {})


def _speaker(v: _Validator, path: str, obj: dict[str, Any]) -> SpeakerInfo | None:
    ident, name = v.ident(obj, path), v.string(obj, path, "name")
    kind = v.choice(obj, path, "kind", SPEAKER_KINDS, "person") or "person"
    aliases = v.string_list(obj, path, "aliases")
    title, organisation = v.text(obj, path, "title", False) or {}, v.text(obj, path, "organisation", False) or {}
    bio = v.text(obj, path, "bio", False) or {}
    if ident is None or name is None:
        return None
    return SpeakerInfo(id=ident, name=name, kind=kind, aliases=aliases, title=title, organisation=organisation, bio=bio)


def _session(
    v: _Validator, path: str, obj: dict[str, Any], zone: ZoneInfo, days: dict[date, str], rooms: set[str], speakers: set[str]
) -> SessionInfo | None:
    ident, title = v.ident(obj, path), v.text(obj, path, "title")
    kind = v.choice(obj, path, "kind", SESSION_KINDS)
    bounds: list[datetime | None] = []
    for key in ("start", "end"):
        raw = v.get(obj, path, key)
        value = None if raw is MISSING else _local_instant(raw, zone)
        if raw is not MISSING and value is None:
            written = v.as_written(raw, f"{path}.{key}")
            v.problem(f"{path}.{key}", f"{written!r} is not a local date and time (YYYY-MM-DD HH:MM)")
        bounds.append(value)
    start, end = bounds
    day_id = None
    if start is not None and end is not None:
        if end <= start:
            v.problem(f"{path}.end", "ends before it starts" if end < start else "ends when it starts")
        local_day = start.astimezone(zone).date()
        day_id = days.get(local_day)
        if day_id is None:
            v.problem(f"{path}.start", f"{local_day.isoformat()} is not one of the event days")
        elif end - start > timedelta(hours=24):
            v.problem(f"{path}.end", "lasts more than 24 hours")
    room = v.string(obj, path, "room", required=False, max_length=64)
    if room is not None and room not in rooms:
        v.problem(f"{path}.room", f"unknown room {room!r}")
    speaker_ids = v.string_list(obj, path, "speakers")
    for i, sid in enumerate(speaker_ids):
        if sid not in speakers:
            v.problem(f"{path}.speakers[{i}]", f"unknown speaker id {sid!r}")
    number = obj.get("number")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 2**31):
        v.problem(f"{path}.number", f"{v.as_written(number, f'{path}.number')!r} is not a whole number")
        number = None
    public = obj.get("public", True)
    if not isinstance(public, bool):
        v.problem(f"{path}.public", "must be true or false")
    description, label = v.text(obj, path, "description", False) or {}, v.text(obj, path, "label", False)
    topics = _merged(v.text_list(obj, path, "topics"), v.text_list(obj, path, "keywords"))
    if None in (ident, title, kind, start, end, day_id) or (end is not None and start is not None and end <= start):
        return None
    return SessionInfo(
        id=ident, title=title, kind=kind, starts_at=start.astimezone(ZoneInfo("UTC")),  # type: ignore[arg-type, union-attr]
        ends_at=end.astimezone(ZoneInfo("UTC")), day_id=day_id, room_id=room,  # type: ignore[arg-type, union-attr]
        description=description, number=number, label=label, topics=topics, speaker_ids=speaker_ids, public=bool(public),
    )


def _merged(first: TextList, second: TextList) -> TextList:
    """Topics and keywords both name what a session is about; questions are matched against the union."""
    merged: TextList = {lang: list(words) for lang, words in first.items()}
    for lang, words in second.items():
        merged.setdefault(lang, []).extend(w for w in words if w not in merged[lang])
    return merged


def _overlaps(v: _Validator, sessions: list[tuple[str, SessionInfo]]) -> None:
    by_room: dict[str, list[tuple[str, SessionInfo]]] = {}
    for path, s in sessions:
        if s.room_id:
            by_room.setdefault(s.room_id, []).append((path, s))
    for entries in by_room.values():
        entries.sort(key=lambda e: (e[1].starts_at, e[1].ends_at))
        running: list[tuple[str, SessionInfo]] = []  # earlier sessions not yet over: a long one overlaps many
        for path, cur in entries:
            running = [(p, s) for p, s in running if s.ends_at > cur.starts_at]
            for prev_path, prev in running:
                v.problem(f"{path}.start", f"overlaps {prev.id!r} ({prev_path}) in room {cur.room_id!r}")
            running.append((path, cur))


def _exhibition(v: _Validator, doc: dict[str, Any], rooms: set[str], days: set[str]) -> dict[str, Any] | None:
    obj = v.mapping(doc, "exhibition", required=False)
    if obj is None:
        return None
    title, description = v.text(obj, "exhibition", "title"), v.text(obj, "exhibition", "description", False)
    room = v.string(obj, "exhibition", "room", False)
    if room is not None and room not in rooms:
        v.problem("exhibition.room", f"unknown room {room!r}")
    hours = []
    raw_hours = obj.get("hours") or []
    if not isinstance(raw_hours, list):
        v.problem("exhibition.hours", "must be a list of {day, start, end}")
        raw_hours = []
    for i, item in enumerate(raw_hours):
        path = f"exhibition.hours[{i}]"
        if not isinstance(item, dict):
            v.problem(path, "must be a mapping with day, start and end")
            continue
        v.fields(item, path, FIELDS["exhibition.hours"])
        day = v.string(item, path, "day")
        if day is not None and day not in days:
            v.problem(f"{path}.day", f"unknown day {day!r}")
        start, end = (_as_time(item.get(k)) for k in ("start", "end"))
        for key, value in (("start", start), ("end", end)):
            if value is None:
                v.problem(f"{path}.{key}", "is not a local time (HH:MM, in the event's time zone)")
        if start and end and end <= start:
            v.problem(f"{path}.end", "ends before it starts")
        if day and start and end:
            hours.append({"day": day, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")})
    if title is None:
        return None
    return {"title": title, "description": description or {}, "room": room, "hours": hours}


def _yaml_problem(exc: yaml.YAMLError, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    position = getattr(exc, "position", None)  # a reader error: a character YAML does not allow
    if line is None and isinstance(position, int):
        line = text.count("\n", 0, position) + 1
    reason = getattr(exc, "problem", None) or getattr(exc, "reason", None) or exc
    if isinstance(exc, yaml.reader.ReaderError):
        reason = f"a character YAML does not allow ({exc.character!r})" if isinstance(exc.character, str) else exc.reason
    return Problem("", f"not valid YAML: {reason}", line)


def parse_event(text: str, source: str = "<event file>") -> EventData:
    """Validates the text of an event file; raises EventFileError listing every problem."""
    try:
        parsed = _compose(text)
    except yaml.YAMLError as exc:
        raise EventFileError(source, [_yaml_problem(exc, text)]) from None
    doc = parsed.value
    if not isinstance(doc, dict):
        raise EventFileError(source, parsed.problems or [Problem("", "the file must be a mapping with sections event, venue, ...", 1)])
    v = _Validator(parsed.lines, parsed.raw)
    v.problems.extend(parsed.problems)
    known = {"event", "venue", "rooms", "days", "sessions", "speakers", "delegations", "exhibitors", "exhibition", "faq", "places",
             "session_overrides"}
    for key in doc:
        if key not in known:
            v.problem(key, f"unknown section (known: {', '.join(sorted(known))})")
    event, zone = _event(v, doc)
    venue = _venue(v, doc)
    # Without days, rooms and sessions the programme comes from a schedule export (import-schedule).
    rooms = v.unique([(p, _room(v, p, o)) for p, o in v.items(doc, "rooms", False)], lambda r: r.id)
    day_entries = [(p, _day(v, p, o)) for p, o in v.items(doc, "days", False)]
    days = v.unique([(p, d) for p, d in day_entries if d is not None and d.label], lambda d: d.id)
    _distinct_dates(v, day_entries)
    speakers = v.unique([(p, _speaker(v, p, o)) for p, o in v.items(doc, "speakers", False)], lambda s: s.id)
    room_ids, speaker_ids = {r.id for r in rooms}, {s.id for s in speakers}
    # Every day with a readable date, even one with another problem: its sessions are not "off the calendar".
    day_by_date = {d.date: d.id for _, d in day_entries if d is not None}
    session_entries = [
        (p, _session(v, p, o, zone, day_by_date, room_ids, speaker_ids)) for p, o in v.items(doc, "sessions", False)
    ]
    sessions = v.unique(session_entries, lambda s: s.id)
    kept = {id(s) for s in sessions}
    _overlaps(v, [(p, s) for p, s in session_entries if s is not None and id(s) in kept])
    if isinstance(doc.get("days"), list) and not doc["days"]:
        v.problem("days", "lists no day; an event has at least one")
    if isinstance(doc.get("sessions"), list) and not doc["sessions"]:
        v.problem("sessions", "lists no session; importing it would cancel the whole programme")
    delegations = v.unique([(p, _delegation(v, p, o)) for p, o in v.items(doc, "delegations", False)], lambda d: d.id)
    exhibitors = v.unique([(p, _exhibitor(v, p, o)) for p, o in v.items(doc, "exhibitors", False)], lambda e: e.id)
    faq = v.unique([(p, _faq(v, p, o)) for p, o in v.items(doc, "faq", False)], lambda f: f.id)
    exhibition = _exhibition(v, doc, room_ids, {d.id for d in days})
    places = v.unique([(p, _place(v, p, o, venue)) for p, o in v.items(doc, "places", False)], lambda pl: pl.id)
    overrides = _session_overrides(v, doc)
    if v.problems or event is None or venue is None:
        raise EventFileError(source, v.problems or [Problem("", "incomplete event file", None)])
    return EventData(
        event=event, venue=venue, rooms=rooms, days=sorted(days, key=lambda d: d.date),
        sessions=sorted(sessions, key=lambda s: (s.starts_at, s.ends_at)), speakers=speakers,
        delegations=delegations, exhibitors=exhibitors, faq=faq, exhibition=exhibition, places=places,
        session_overrides=overrides, source_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _session_overrides(v: _Validator, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`session_overrides`: texts laid over sessions imported from a schedule export, by their id
    (a translated title, a description, `public: false`); whatever is not given stays as exported."""
    overrides: dict[str, dict[str, Any]] = {}
    for path, obj in v.items(doc, "session_overrides", False):
        v.fields(obj, path, FIELDS["session_overrides"])
        ident = v.ident(obj, path)
        values: dict[str, Any] = {}
        for key in ("title", "label", "description"):
            if obj.get(key) is not None and (text := v.text(obj, path, key)) is not None:
                values[key] = text
        topics = _merged(v.text_list(obj, path, "topics"), v.text_list(obj, path, "keywords"))
        if topics:
            values["topics"] = topics
        if "public" in obj:
            if isinstance(obj["public"], bool):
                values["public"] = obj["public"]
            else:
                v.problem(f"{path}.public", "must be true or false")
        if ident is not None:
            if ident in overrides:
                v.problem(f"{path}.id", f"{ident!r} is already overridden above")
            overrides[ident] = values
    return overrides


def _distinct_dates(v: _Validator, entries: list[tuple[str, DayInfo | None]]) -> None:
    seen: dict[date, str] = {}
    for path, day in entries:
        if day is None:
            continue
        if day.date in seen:
            v.problem(f"{path}.date", f"{day.date.isoformat()} is already the date of {seen[day.date]}")
        else:
            seen[day.date] = path


def _delegation(v: _Validator, path: str, obj: dict[str, Any]) -> DelegationInfo | None:
    ident = v.ident(obj, path, max_length=8)  # an ISO 3166 code such as JP, or a short code of the organiser's
    name, group = v.text(obj, path, "name"), v.string(obj, path, "group", False, max_length=64)
    return DelegationInfo(ident, name, group) if ident is not None and name is not None else None


def _exhibitor(v: _Validator, path: str, obj: dict[str, Any]) -> ExhibitorInfo | None:
    ident, name = v.ident(obj, path), v.string(obj, path, "name")
    description = v.text(obj, path, "description", False) or {}
    booth, website = v.string(obj, path, "booth", False, max_length=64), v.string(obj, path, "website", False, max_length=300)
    return ExhibitorInfo(ident, name, description, booth, website) if ident is not None and name is not None else None


def _faq(v: _Validator, path: str, obj: dict[str, Any]) -> FaqInfo | None:
    ident = v.ident(obj, path)
    topic = v.choice(obj, path, "topic", FAQ_TOPICS, default="other")
    question, answer = v.text(obj, path, "question"), v.text(obj, path, "answer")
    verified, keywords = v.text(obj, path, "verified_answer", required=False), v.text_list(obj, path, "keywords")
    paraphrases = v.text_list(obj, path, "paraphrases")
    if None in (ident, topic, question, answer):
        return None
    return FaqInfo(ident, topic, question, answer, keywords, verified, paraphrases)  # type: ignore[arg-type]


MAX_PLACE_KM = 25.0  # farther than this from the venue is a typo (swapped or mistyped coordinates)


def _place(v: _Validator, path: str, obj: dict[str, Any], venue: VenueInfo | None) -> PlaceInfo | None:
    ident = v.ident(obj, path)
    name = v.text(obj, path, "name")
    category = v.choice(obj, path, "category", PLACE_CATEGORIES)
    latitude = v.number(obj, path, "latitude", -90, 90)
    longitude = v.number(obj, path, "longitude", -180, 180)
    address = v.text(obj, path, "address", required=False) or {}
    note = v.text(obj, path, "note", required=False) or {}
    keywords = v.text_list(obj, path, "keywords")
    if None in (ident, name, category, latitude, longitude):
        return None
    if venue is not None:
        km = distance_m(venue.latitude, venue.longitude, latitude, longitude) / 1000  # type: ignore[arg-type]
        if km > MAX_PLACE_KM:
            v.problem(f"{path}.latitude", f"is {km:.0f} km from the venue (at most {MAX_PLACE_KM:g}); are latitude and longitude right?")
            return None
    return PlaceInfo(ident, name, category, latitude, longitude, address, note, keywords)  # type: ignore[arg-type]


def load_event_file(path: Path) -> EventData:
    """Reads and validates an event file; raises EventFileError (with every problem) when it is bad."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EventFileError(str(path), [Problem("", "file not found", None)]) from None
    except OSError as exc:
        raise EventFileError(str(path), [Problem("", f"cannot be read: {exc.strerror}", None)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = Problem("", f"not UTF-8 text (byte {data[exc.start]:#04x}); save the file as UTF-8", line)
        raise EventFileError(str(path), [problem]) from None
    return parse_event(text.removeprefix("\ufeff"), str(path))
