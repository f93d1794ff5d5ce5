"""Understanding day expressions in English, Indonesian and Malay: today, besok, day 2, Rabu, 11/9."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.event.service import DayView, EventSnapshot, fold

_RELATIVE = {
    "today": 0, "hari ini": 0, "hr ini": 0, "hri ini": 0, "now": 0, "tonight": 0, "malam ini": 0, "harini": 0,
    "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1, "besok": 1, "bsk": 1, "besuk": 1, "esok": 1, "esok hari": 1,
    "day after tomorrow": 2, "lusa": 2,
    "yesterday": -1, "kemarin": -1, "kmrn": -1, "semalam": -1,
}
_ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "pertama": 1, "satu": 1, "1": 1, "opening": 1,
    "second": 2, "2nd": 2, "two": 2, "kedua": 2, "dua": 2, "ke2": 2, "2": 2, "last": -1, "terakhir": -1, "final": -1,
    "third": 3, "3rd": 3, "three": 3, "ketiga": 3, "tiga": 3, "3": 3,
}
_WEEKDAYS = {
    "monday": 0, "mon": 0, "senin": 0, "isnin": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "selasa": 1,
    "wednesday": 2, "wed": 2, "rabu": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "kamis": 3, "khamis": 3,
    "friday": 4, "fri": 4, "jumat": 4, "jum at": 4, "jumaat": 4,
    "saturday": 5, "sat": 5, "sabtu": 5,
    "sunday": 6, "sun": 6, "minggu": 6, "ahad": 6,
}
_MONTHS = {
    "jan": 1, "january": 1, "januari": 1, "feb": 2, "february": 2, "februari": 2, "mar": 3, "march": 3, "maret": 3, "mac": 3,
    "apr": 4, "april": 4, "may": 5, "mei": 5, "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "julai": 7,
    "aug": 8, "august": 8, "agustus": 8, "ogos": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "oktober": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12, "desember": 12, "disember": 12,
}
_DAY_WORDS = r"(?:day|hari|hr|hri)"


def _by_index(snap: EventSnapshot, index: int) -> DayView | None:
    if index == -1:
        return snap.days[-1] if snap.days else None
    return next((d for d in snap.days if d.index == index), None)


def _by_date(snap: EventSnapshot, on: date) -> DayView | None:
    return next((d for d in snap.days if d.date == on), None)


def resolve_day(snap: EventSnapshot, now: datetime, *expressions: str | None) -> tuple[DayView | None, date | None]:
    """(the event day meant, the calendar date meant) for the first expression naming a day.

    The date is returned even when it is not an event day, so a reply can say "nothing on Friday".
    """
    today = snap.local_date(now)
    for raw in expressions:
        if not raw:
            continue
        text = fold(raw)
        if not text:
            continue
        m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", raw)
        if m:
            on = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return _by_date(snap, on), on
        for phrase, offset in sorted(_RELATIVE.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{phrase}\b", text):
                on = today + timedelta(days=offset)
                return _by_date(snap, on), on
        m = re.search(rf"\b{_DAY_WORDS}\s*(?:ke\s*)?(\w+)\b|\b(\w+)\s+day\b", text)
        if m:
            word = m.group(1) or m.group(2)
            if word in _ORDINALS:
                day = _by_index(snap, _ORDINALS[word])
                if day:
                    return day, day.date
        m = re.search(r"\b(\d{1,2})\s*(?:st|nd|rd|th)?\s+([a-z]+)\b|\b([a-z]+)\s+(\d{1,2})\b", text)
        if m:
            num, word = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            if word in _MONTHS:
                named = _date_in_event_year(snap, int(num), _MONTHS[word])
                if named:
                    return _by_date(snap, named), named
        m = re.search(r"\b(\d{1,2})[/.](\d{1,2})\b", raw)
        if m:
            numbered = _date_in_event_year(snap, int(m.group(1)), int(m.group(2)))
            if numbered:
                return _by_date(snap, numbered), numbered
        for word, weekday in _WEEKDAYS.items():
            if re.search(rf"\b{word}\b", text) and (len(word) > 3 or len(text) <= 12):
                day = next((d for d in snap.days if d.date.weekday() == weekday), None)
                if day is not None:
                    return day, day.date
                if snap.days:  # a weekday of the event's week that has no programme
                    first = snap.days[0].date
                    return None, first + timedelta(days=(weekday - first.weekday()) % 7)
                return None, None
        m = re.fullmatch(r"(?:day\s*)?(\d)", text)
        if m:
            day = _by_index(snap, int(m.group(1)))
            if day:
                return day, day.date
    return None, None


def _date_in_event_year(snap: EventSnapshot, day: int, month: int) -> date | None:
    year = snap.days[0].date.year if snap.days else date.today().year
    try:
        return date(year, month, day)
    except ValueError:
        return None
