"""From the bytes of an export to a Schedule: the format is recognised from the content."""

from __future__ import annotations

from collections.abc import Callable

from bot.schedule.frab_xml import ScheduleFormatError, parse_frab_xml
from bot.schedule.ics import parse_ics
from bot.schedule.pretalx_json import parse_pretalx_json
from bot.schedule.schema import FORMATS, Schedule

PARSERS: dict[str, Callable[[bytes], Schedule]] = {
    "frab-xml": parse_frab_xml, "pretalx-json": parse_pretalx_json, "ics": parse_ics,
}
MAX_TALKS = 20_000

__all__ = ["FORMATS", "ScheduleFormatError", "detect_format", "parse_schedule"]


def detect_format(data: bytes) -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"begin:vcalendar"):
        return "ics"
    if head.startswith((b"{", b"[")):
        return "pretalx-json"
    if head.startswith(b"<"):
        return "frab-xml"
    raise ScheduleFormatError("not a schedule: expected frab XML, a pretalx/frab schedule.json or an iCalendar file")


def parse_schedule(data: bytes, fmt: str = "auto") -> Schedule:
    """Raises ScheduleFormatError when the whole file is unusable; problems of single entries are
    in Schedule.problems."""
    if not data.strip():
        raise ScheduleFormatError("the file is empty")
    chosen = detect_format(data) if fmt == "auto" else fmt
    if chosen not in PARSERS:
        raise ScheduleFormatError(f"unknown format {fmt!r} (one of: auto, {', '.join(FORMATS)})")
    try:
        schedule = PARSERS[chosen](data)
    except RecursionError:
        raise ScheduleFormatError("nested too deeply to be a schedule") from None
    if len(schedule.talks) > MAX_TALKS:
        raise ScheduleFormatError(f"{len(schedule.talks)} talks; at most {MAX_TALKS} are imported")
    return schedule
