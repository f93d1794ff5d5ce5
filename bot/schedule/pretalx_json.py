"""frab / pretalx `schedule.json`, parsed leniently (extra keys such as pretalx's `answers` are
ignored: they hold speakers' private replies and are never imported).

Times: each event's `date` carries its UTC offset (rC3: "+01:00" and no zone name), so it is exact
on its own; the zone shown to delegates is `time_zone_name` when given, else the offsets' zone.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.schedule.common import duration, instant, one_line, plain, zone_named, zone_of_offsets
from bot.schedule.frab_xml import ScheduleFormatError
from bot.schedule.schema import Link, Person, Problem, Schedule, Talk, fold


def _str(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def parse_pretalx_json(data: bytes) -> Schedule:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ScheduleFormatError(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ScheduleFormatError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    schedule = doc.get("schedule") if isinstance(doc, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(schedule, dict) or not isinstance(conference, dict):
        raise ScheduleFormatError("no schedule.conference object: not a frab/pretalx schedule.json")
    zone_name = _str(conference.get("time_zone_name")) or None
    zone = zone_named(zone_name)
    problems: list[Problem] = []
    if zone_name and zone is None:
        problems.append(Problem("schedule.conference.time_zone_name", f"{zone_name!r} is not a known time zone; the offsets are used"))
        zone_name = None
    days = conference.get("days")
    if not isinstance(days, list):
        raise ScheduleFormatError("schedule.conference.days is not a list")
    talks: list[Talk] = []
    offsets: list[timedelta] = []
    for d, day in enumerate(days):
        rooms = day.get("rooms") if isinstance(day, dict) else None
        if not isinstance(rooms, dict):
            problems.append(Problem(f"days[{d}]", "has no rooms object"))
            continue
        for room_name, events in rooms.items():
            if not isinstance(events, list):
                problems.append(Problem(f"days[{d}].rooms[{room_name!r}]", "is not a list of events"))
                continue
            for e, event in enumerate(events):
                where = f"days[{d}].rooms[{room_name!r}][{e}]"
                if not isinstance(event, dict):
                    problems.append(Problem(where, "is not an object"))
                    continue
                where += f" (id {_str(event.get('id')) or '?'})"
                talk = _talk(event, room_name, zone, where, problems, offsets)
                if talk is not None:
                    talks.append(talk)
    languages = tuple(dict.fromkeys(t.language for t in talks if t.language))
    return Schedule(
        format="pretalx-json", title=one_line(_str(conference.get("title"))) or None,
        acronym=_str(conference.get("acronym")) or None, timezone=zone_name or zone_of_offsets(offsets),
        talks=tuple(talks), problems=tuple(problems), version=_str(schedule.get("version")) or None,
        base_url=_str(schedule.get("base_url")) or _str(conference.get("base_url")) or None,
        venue=one_line(_str(conference.get("venue"))) or None, city=one_line(_str(conference.get("city"))) or None,
        languages=languages,
    )


def _talk(event: dict[str, Any], room_name: str, zone: ZoneInfo | None, where: str, problems: list[Problem],
          offsets: list[timedelta]) -> Talk | None:
    title = one_line(_str(event.get("title")))
    raw_date = _str(event.get("date"))
    starts_at = instant(raw_date, zone)
    length = duration(_str(event.get("duration")))
    found = []
    if not title:
        found.append("has no title")
    if starts_at is None:
        found.append(f"date {raw_date or 'missing'!r} is not a date and time with an offset")
    if length is None:
        found.append(f"duration {_str(event.get('duration')) or 'missing'!r} is not HH:MM")
    if found:
        keys = tuple(k for k in (_str(event.get("guid")), _str(event.get("id"))) if k)
        problems.extend(Problem(where, message, keys) for message in found)
        return None
    assert starts_at is not None and length is not None
    try:
        offset = datetime.fromisoformat(raw_date.replace("Z", "+00:00")).utcoffset()
        if offset is not None:
            offsets.append(offset)
    except ValueError:
        pass
    persons = []
    for i, person in enumerate(event.get("persons") or []):
        if not isinstance(person, dict):
            problems.append(Problem(f"{where}.persons[{i}]", "is not an object"))
            continue
        name = one_line(_str(person.get("public_name")) or _str(person.get("name")) or _str(person.get("full_public_name")), 200)
        if not name:
            problems.append(Problem(f"{where}.persons[{i}]", "has no name"))
            continue
        code, ident = _str(person.get("code")), _str(person.get("id"))
        key = f"code:{code}" if code else f"id:{ident}" if ident else f"name:{fold(name)}"
        persons.append(Person(key=key, name=name, bio=plain(_str(person.get("biography")))))
    links = []
    for link in event.get("links") or []:
        url = _str(link.get("url") or link.get("href")) if isinstance(link, dict) else _str(link)
        if url.startswith(("http://", "https://")):
            links.append(Link(url=url, title=one_line(_str(link.get("title"))) if isinstance(link, dict) else ""))
    url = _str(event.get("url"))
    language = _str(event.get("language"))[:16] or None
    return Talk(
        title=title, starts_at=starts_at, ends_at=starts_at + length, where=where,
        guid=_str(event.get("guid")) or None, export_id=_str(event.get("id")) or None, slug=_str(event.get("slug")) or None,
        subtitle=one_line(_str(event.get("subtitle"))), abstract=plain(_str(event.get("abstract"))),
        description=plain(_str(event.get("description"))), type=one_line(_str(event.get("type")), 100), language=language,
        track=one_line(_str(event.get("track")), 200) or None, room=one_line(_str(event.get("room")) or room_name, 200) or None,
        persons=tuple(persons), links=tuple(links), url=url if url.startswith(("http://", "https://")) else None,
    )
