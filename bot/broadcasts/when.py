"""When an organiser wants a broadcast sent: "13:25", "tomorrow 9am", "11 Sep 13.25", "2019-09-11 13:25".

Times are read in the event's time zone, as organisers on site think of them; the result is an
aware UTC instant. What cannot be read is refused rather than guessed, and the caller confirms the
resolved instant back (with Babel) so that a misreading is seen before anything is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import get_month_names

from bot.i18n import UI_LANGUAGES

# How far back "13:25" may lie and still mean "now" (the organiser typed it a moment too late).
GRACE = timedelta(minutes=1)
FILLER = {
    "send", "at", "on", "the", "of", "um", "à", "a", "pukul", "jam", "pada", "tanggal", "wib", "local", "time", "by",
}
TODAY = {"today", "hari ini", "hariini", "tonight", "this evening", "this afternoon", "this morning", "nanti"}
TOMORROW = {"tomorrow", "besok", "esok"}


class WhenError(ValueError):
    """Why a time was refused: `code` is "unreadable", "past" or "no_date" (for the caller's wording)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


@dataclass(frozen=True)
class SendTime:
    instant: datetime  # aware UTC
    shifted: bool = False  # the local time does not exist (a DST gap) and was moved forward


WIDTHS: tuple[Literal["wide", "abbreviated"], ...] = ("wide", "abbreviated")
CONTEXTS: tuple[Literal["format", "stand-alone"], ...] = ("format", "stand-alone")


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """Month names and abbreviations in every UI language Babel knows (september, sep, sept, agustus...)."""
    names: dict[str, int] = {}
    for language in ("en", *UI_LANGUAGES):
        for width in WIDTHS:
            for context in CONTEXTS:
                for number, name in get_month_names(width, context, locale=language).items():
                    key = name.casefold().rstrip(".")
                    if key.isalpha() and len(key) >= 3:
                        names.setdefault(key, number)
    names.setdefault("sept", 9)
    return names


_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[t\s]+|$)")
_NUMERIC_FULL = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})\b")
_CLOCK_COLON = re.compile(r"\b(\d{1,2}):(\d{2})(?::00)?(?:\s*([ap])\.?m\b\.?)?")
_CLOCK_DOT = re.compile(r"\b(\d{1,2})[.h](\d{2})\b(?:\s*([ap])\.?m\b\.?)?")
_CLOCK_HOUR = re.compile(r"\b(\d{1,2})\s*([ap])\.?m\b\.?")
_DAY_MONTH = re.compile(r"\b(\d{1,2})[./](\d{1,2})\b")
_RELATIVE = re.compile(r"^in\s+(\d{1,4})\s*(m|min|mins|minute|minutes|menit|h|hr|hrs|hour|hours|jam)$")


def parse_send_time(text: str, now: datetime, zone: ZoneInfo | str) -> SendTime:
    """The instant `text` names, in the event's zone; today unless it names a date.

    Raises WhenError when the text cannot be read, names no time, or lies in the past.
    """
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    rest = " ".join(text.casefold().replace(",", " ").split())
    if not rest:
        raise WhenError("unreadable", "no time given")
    if relative := _RELATIVE.match(rest):
        amount, unit = int(relative.group(1)), relative.group(2)
        delta = timedelta(minutes=amount) if unit.startswith("m") else timedelta(hours=amount)
        return SendTime(now + delta)
    local_now = now.astimezone(zone)
    day, rest = _take_date(rest, local_now.date())
    clock, rest = _take_time(rest)
    if day is None:
        day, rest = _take_day_month(rest, local_now.date())
    for phrase in sorted(TODAY | TOMORROW, key=len, reverse=True):
        if re.search(rf"\b{phrase}\b", rest):
            if day is not None:
                raise WhenError("unreadable", f"two dates in {text!r}")
            day = local_now.date() + timedelta(days=1 if phrase in TOMORROW else 0)
            rest = re.sub(rf"\b{phrase}\b", " ", rest)
    leftover = [word for word in re.split(r"[\s/.:-]+", rest) if word and word not in FILLER]
    if leftover:
        raise WhenError("unreadable", f"could not read {' '.join(leftover)!r} in {text!r}")
    if clock is None:
        raise WhenError("unreadable", f"no time of day in {text!r} (e.g. 13:25)")
    return _resolve(day or local_now.date(), clock, now, zone)


def _resolve(day: date, clock: time, now: datetime, zone: ZoneInfo) -> SendTime:
    naive = datetime.combine(day, clock)
    instant = naive.replace(tzinfo=zone).astimezone(timezone.utc)
    # zoneinfo reads a time inside a DST gap with the offset before it: the instant is the wall time
    # moved forward by the gap, which the round trip reveals.
    shifted = instant.astimezone(zone).replace(tzinfo=None) != naive
    if instant < now - GRACE:
        raise WhenError("past", f"{naive:%Y-%m-%d %H:%M} has already passed")
    return SendTime(max(instant, now), shifted)


def _take_date(rest: str, today: date) -> tuple[date | None, str]:
    if m := _ISO.search(rest):
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3))), _cut(rest, m)
    if m := _NUMERIC_FULL.search(rest):
        year = int(m.group(3))
        return _date(year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(1))), _cut(rest, m)
    months = "|".join(sorted(map(re.escape, _months()), key=len, reverse=True))
    if m := re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({months})\.?(?:\s+(\d{{4}}))?\b", rest):
        return _date(_year(m.group(3), today, int(_months()[m.group(2)]), int(m.group(1))), _months()[m.group(2)], int(m.group(1))), _cut(rest, m)
    if m := re.search(rf"\b({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s+(\d{{4}})\b)?", rest):
        month, number = _months()[m.group(1)], int(m.group(2))
        if number <= 31 and not re.match(r"\s*[:.h]\d", rest[m.end(2):]):
            return _date(_year(m.group(3), today, month, number), month, number), _cut(rest, m)
    return None, rest


def _take_day_month(rest: str, today: date) -> tuple[date | None, str]:
    """"11.09" or "11/09": day first, as written in the region and most of the world."""
    if m := _DAY_MONTH.search(rest):
        day, month = int(m.group(1)), int(m.group(2))
        return _date(_year(None, today, month, day), month, day), _cut(rest, m)
    return None, rest


def _take_time(rest: str) -> tuple[time | None, str]:
    for pattern in (_CLOCK_COLON, _CLOCK_DOT):
        matches = list(pattern.finditer(rest))
        if matches:
            last = matches[-1]  # "11.09 13.25": the date comes first, the time last
            return _clock(int(last.group(1)), int(last.group(2)), last.group(3)), _cut(rest, last)
    if hour := _CLOCK_HOUR.search(rest):
        return _clock(int(hour.group(1)), 0, hour.group(2)), _cut(rest, hour)
    return None, rest


def _clock(hour: int, minute: int, half: str | None) -> time:
    if half:
        if not 1 <= hour <= 12:
            raise WhenError("unreadable", f"{hour} {half}m is not a time")
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError("unreadable", f"{hour}:{minute:02d} is not a time of day")
    return time(hour, minute)


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise WhenError("unreadable", f"{year}-{month:02d}-{day:02d} is not a date") from None


def _year(given: str | None, today: date, month: int, day: int) -> int:
    """The year a date without one means: this year, unless that lies half a year back."""
    if given:
        return int(given)
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        return today.year
    return today.year + 1 if (today - candidate).days > 183 else today.year


def _cut(text: str, m: re.Match[str]) -> str:
    return f"{text[: m.start()]} {text[m.end():]}"


def utc_offset(instant: datetime, zone: ZoneInfo) -> str:
    """UTC+7, UTC+5:30, UTC-4: the event zone's offset at that instant (DST included)."""
    offset = instant.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")
