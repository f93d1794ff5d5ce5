"""iCalendar (RFC 5545) programmes, as Symposion, Indico and Sessionize export them, parsed with the
`icalendar` library.

Real feeds break the RFC: linux.conf.au names `TZID=Australia/Brisbane` without a VTIMEZONE block;
the library resolves such a TZID from the IANA database (zoneinfo), and this parser does the same
for floating times with X-WR-TIMEZONE. The speaker is inside the HTML description ("Speaker: ...").
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from bot.schedule.common import one_line, plain, zone_named
from bot.schedule.frab_xml import ScheduleFormatError
from bot.schedule.schema import Person, Problem, Schedule, Talk, fold

_SPEAKER = re.compile(r"^\s*(?:Speakers?|Presenters?|Presented by|Referent(?:en)?|Pembicara)\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


def parse_ics(data: bytes) -> Schedule:
    try:
        calendar = icalendar.Calendar.from_ical(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ScheduleFormatError(f"not UTF-8 text (byte {exc.start})") from None
    except (ValueError, IndexError, KeyError) as exc:
        raise ScheduleFormatError(f"not a readable iCalendar file: {exc}") from None
    text = data.decode("utf-8-sig")
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^BEGIN:VEVENT", text, re.MULTILINE)]
    zone_name = str(calendar.get("X-WR-TIMEZONE") or "").strip() or None
    zone = zone_named(zone_name)
    problems: list[Problem] = []
    if zone_name and zone is None:
        problems.append(Problem("X-WR-TIMEZONE", f"{zone_name!r} is not a known time zone"))
        zone_name = None
    talks: list[Talk] = []
    zones: list[str] = []
    for i, event in enumerate(calendar.walk("VEVENT")):
        where = f"VEVENT {i + 1}" + (f" (line {lines[i]})" if i < len(lines) else "")
        talk = _talk(event, zone, where, problems, zones)
        if talk is not None:
            talks.append(talk)
    title = one_line(str(calendar.get("X-WR-CALNAME") or calendar.get("X-WR-CALDESC") or "")) or None
    return Schedule(
        format="ics", title=title, acronym=None, timezone=zone_name or (max(set(zones), key=zones.count) if zones else None),
        talks=tuple(talks), problems=tuple(problems),
    )


def _moment(event: Any, key: str, zone: ZoneInfo | None, zones: list[str]) -> datetime | date | None:
    prop = event.get(key)
    if prop is None:
        return None
    try:
        value = event.decoded(key)
    except (ValueError, KeyError, TypeError):
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
        local = zone_named(tzid) or zone
        if local is None:
            return None
        value = value.replace(tzinfo=local)
    if isinstance(value, datetime):
        key_name = getattr(value.tzinfo, "key", None)
        if key_name:
            zones.append(key_name)
        return value.astimezone(timezone.utc)
    return value if isinstance(value, date) else None


def speakers_in(description: str) -> tuple[tuple[Person, ...], str]:
    """("Speaker: A, B and C" -> persons, the description without that line)."""
    match = _SPEAKER.search(description)
    if match is None:
        return (), description
    names = [n.strip(" .") for n in re.split(r",\s*|\s+(?:and|&|und|dan)\s+", match.group(1)) if n.strip(" .")]
    persons = tuple(Person(key=f"name:{fold(n)}", name=n[:200]) for n in names if fold(n))
    rest = (description[: match.start()] + description[match.end():]).strip()
    return persons, rest


def _talk(event: Any, zone: ZoneInfo | None, where: str, problems: list[Problem], zones: list[str]) -> Talk | None:
    title = one_line(str(event.get("SUMMARY") or ""))
    start = _moment(event, "DTSTART", zone, zones)
    end = _moment(event, "DTEND", zone, zones)
    found = []
    if not title:
        found.append("has no SUMMARY")
    if start is None:
        found.append("DTSTART is missing or has no time zone (no TZID, no X-WR-TIMEZONE)")
    elif not isinstance(start, datetime):
        found.append("is an all-day entry (DTSTART is a date), not a talk: skipped")
    if found:
        uid = str(event.get("UID") or "").strip()
        problems.extend(Problem(where, message, (uid,) if uid else ()) for message in found)
        return None
    assert isinstance(start, datetime)
    if not isinstance(end, datetime):
        length = event.decoded("DURATION") if event.get("DURATION") is not None else timedelta(0)
        end = start + (length if isinstance(length, timedelta) else timedelta(0))
    if end < start:
        problems.append(Problem(where, "DTEND is before DTSTART"))
        return None
    persons, description = speakers_in(plain(str(event.get("DESCRIPTION") or "")))
    if description.casefold() in ("no description", "tba"):
        description = ""
    categories = event.get("CATEGORIES")
    track = None
    if categories is not None:
        first = categories[0] if isinstance(categories, list) else categories
        track = one_line(",".join(str(c) for c in getattr(first, "cats", [first])), 200) or None
    url = str(event.get("URL") or "").strip()
    uid = str(event.get("UID") or "").strip()
    return Talk(
        title=title, starts_at=start, ends_at=end, where=where, guid=uid or None,
        export_id=uid.split("@")[0] if uid else None, description=description, track=track,
        room=one_line(str(event.get("LOCATION") or ""), 200) or None, persons=persons,
        url=url if url.startswith(("http://", "https://")) and url.rstrip("/").count("/") > 2 else None,
    )
