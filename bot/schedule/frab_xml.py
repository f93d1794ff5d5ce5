"""frab / pentabarf `<schedule>` XML (frab, wafer, pretalx's schedule.xml), parsed leniently.

Parsed with defusedxml: a file from a URL may carry entity bombs or external entities. Real files do
not validate against the published XSD (DebConf's `<recording>`, FOSDEM's `<tracks>`), so unknown
elements are ignored and each event that cannot be used is reported with its line.

Times: `<date>` is a full date-time with an offset (wafer writes it in UTC while `<start>` is local),
so it wins; without it, the day's date plus `<start>` in the conference's `time_zone_name`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from xml.etree.ElementTree import Element, ParseError
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.schedule.common import duration, instant, one_line, plain, zone_named, zone_of_offsets
from bot.schedule.schema import Link, Person, Problem, Schedule, Talk, fold


class ScheduleFormatError(ValueError):
    """The file as a whole cannot be read (not XML, not JSON, no schedule in it)."""


def _text(element: Element | None, tag: str) -> str:
    child = element.find(tag) if element is not None else None
    return (child.text or "").strip() if child is not None and child.text else ""


def parse_frab_xml(data: bytes) -> Schedule:
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise ScheduleFormatError(f"refused: the XML uses a forbidden construct ({type(exc).__name__})") from None
    except ParseError as exc:
        line, column = exc.position
        raise ScheduleFormatError(f"not well-formed XML at line {line}, column {column + 1}") from None
    if root.tag != "schedule":
        raise ScheduleFormatError(f"the root element is <{root.tag}>, not <schedule>")
    conference = root.find("conference")
    zone_name = _text(conference, "time_zone_name") or None
    zone = zone_named(zone_name)
    problems: list[Problem] = []
    if zone_name and zone is None:
        problems.append(Problem("conference.time_zone_name", f"{zone_name!r} is not a known time zone; offsets in the file are used"))
        zone_name = None
    lines = [data.count(b"\n", 0, m.start()) + 1 for m in re.finditer(rb"<event[\s>/]", data)]
    talks: list[Talk] = []
    offsets: list[timedelta] = []
    index = 0
    for day in root.iter("day"):
        day_date = _date(day.get("date"))
        day_start = instant(day.get("start"), zone)
        for room in day.findall("room"):
            for event in room.findall("event"):
                at = f" (line {lines[index]})" if index < len(lines) else ""
                index += 1
                where = f"event {event.get('id') or '?'}{at}"
                talk = _talk(event, room.get("name"), day_date, day_start, zone, where, problems, offsets)
                if talk is not None:
                    talks.append(talk)
    if not zone_name:
        zone_name = zone_of_offsets(offsets)
    return Schedule(
        format="frab-xml", title=one_line(_text(conference, "title")) or None,
        acronym=_text(conference, "acronym") or None, timezone=zone_name, talks=tuple(talks), problems=tuple(problems),
        version=_text(root, "version") or None, base_url=_text(conference, "base_url") or None,
        venue=one_line(_text(conference, "venue")) or None, city=one_line(_text(conference, "city")) or None,
    )


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        return None


def _start(event: Element, day_date: date | None, day_start: datetime | None, zone: ZoneInfo | None,
           offsets: list[timedelta]) -> datetime | None:
    raw = _text(event, "date")
    if raw:
        try:
            written = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if written.utcoffset() is not None and zone is None:
                offsets.append(written.utcoffset())  # type: ignore[arg-type]
        except ValueError:
            pass
        return instant(raw, zone)
    start = _text(event, "start")
    if day_date is None or zone is None or not re.fullmatch(r"\d{1,2}:\d{2}", start):
        return None
    hour, minute = (int(x) for x in start.split(":"))
    if hour > 23 or minute > 59:
        return None
    local = datetime.combine(day_date, time(hour, minute), tzinfo=zone)
    if day_start is not None and local < day_start:  # a day running past midnight (04:00 to 03:59)
        local = datetime.combine(day_date + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return local.astimezone(timezone.utc)


def _talk(event: Element, room_name: str | None, day_date: date | None, day_start: datetime | None,
          zone: ZoneInfo | None, where: str, problems: list[Problem], offsets: list[timedelta]) -> Talk | None:
    title = one_line(_text(event, "title"))
    starts_at = _start(event, day_date, day_start, zone, offsets)
    length = duration(_text(event, "duration"))
    found = []
    if not title:
        found.append("has no <title>")
    if starts_at is None:
        found.append(f"has no usable <date> or <start> ({_text(event, 'date') or _text(event, 'start') or 'none'!r})")
    if length is None:
        found.append(f"<duration> {_text(event, 'duration')!r} is not HH:MM")
    if found:
        keys = tuple(k.strip() for k in (event.get("guid"), event.get("id")) if k and k.strip())
        problems.extend(Problem(where, message, keys) for message in found)
        return None
    assert starts_at is not None and length is not None
    persons = []
    for person in event.iter("person"):
        name = one_line(person.text, 200)
        if name:
            persons.append(Person(key=f"id:{person.get('id')}" if person.get("id") else f"name:{fold(name)}", name=name))
    links = tuple(
        Link(url=(link.get("href") or "").strip(), title=one_line(link.text))
        for link in event.iter("link") if (link.get("href") or "").startswith(("http://", "https://"))
    )
    url = _text(event, "url")
    return Talk(
        title=title, starts_at=starts_at, ends_at=starts_at + length, where=where,
        guid=(event.get("guid") or "").strip() or None, export_id=(event.get("id") or "").strip() or None,
        slug=_text(event, "slug") or None, subtitle=one_line(_text(event, "subtitle")),
        abstract=plain(_text(event, "abstract")), description=plain(_text(event, "description")),
        type=one_line(_text(event, "type"), 100), language=_text(event, "language")[:16] or None,
        track=one_line(_text(event, "track"), 200) or None,
        room=one_line(_text(event, "room") or room_name, 200) or None, persons=tuple(persons), links=links,
        url=url if url.startswith(("http://", "https://")) else None,
    )
