"""What the three parsers share: durations, local times, HTML descriptions, offsets as zones."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_TEXT = 20_000  # an abstract longer than this is cut: Telegram shows 4096 characters anyway


def duration(raw: str | None) -> timedelta | None:
    """frab's "HH:MM", "HH:MM:SS" or "D:HH:MM:SS"; None when it is not one."""
    parts = (raw or "").strip().split(":")
    if not 2 <= len(parts) <= 4 or not all(p.strip().isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if len(numbers) == 2:
        hours, minutes, seconds, days = numbers[0], numbers[1], 0, 0
    elif len(numbers) == 3:
        hours, minutes, seconds, days = numbers[0], numbers[1], numbers[2], 0
    else:
        days, hours, minutes, seconds = numbers
    if minutes >= 60 or seconds >= 60:
        return None
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def instant(raw: str | None, zone: ZoneInfo | None) -> datetime | None:
    """An ISO 8601 date-time as an aware UTC instant; one without an offset is local to `zone`."""
    text = (raw or "").strip().replace("Z", "+00:00")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        if zone is None:
            return None
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def zone_named(name: str | None) -> ZoneInfo | None:
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_of_offsets(offsets: Iterable[timedelta]) -> str | None:
    """The IANA fixed-offset zone for the most common whole-hour UTC offset ("+01:00" -> Etc/GMT-1;
    the Etc names count the other way). For exports that give offsets but no zone name."""
    counted = Counter(o for o in offsets)
    if not counted:
        return None
    offset = counted.most_common(1)[0][0]
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest or not -12 <= hours <= 14:
        return None
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)


def plain(text: str | None) -> str:
    """Text from an export's HTML or Markdown-ish field: tags removed, entities decoded, blank lines
    kept, at most MAX_TEXT characters (what the bot escapes again before Telegram sees it)."""
    if not text:
        return ""
    value = _BLOCK.sub("\n", text.replace("\r\n", "\n"))
    value = html.unescape(_TAG.sub("", value))
    value = re.sub(r"[ \t\u00a0]+", " ", value)
    value = re.sub(r"\n\s*\n\s*\n+", "\n\n", value)
    return "\n".join(line.strip() for line in value.strip().split("\n"))[:MAX_TEXT]


def one_line(text: str | None, max_length: int = 300) -> str:
    return " ".join(plain(text).split())[:max_length]


KIND_WORDS = (
    ("meal", ("lunch", "dinner", "breakfast", "meal")),
    ("break", ("break", "coffee", "tea", "changeover", "changover", "pause")),
    ("panel", ("panel",)),
    ("social", ("party", "social", "reception", "get together")),
    ("registration", ("registration",)),
    ("ceremony", ("opening", "closing", "ceremony", "keynote", "welcome")),
)


def kind_of(type_: str, title: str) -> str:
    """The event model's kind (bot.event.schema.SESSION_KINDS) from an export's type and title:
    talks, workshops and BoFs are sessions; breaks and meals stay out of "what's next" searches."""
    words = f" {type_} {title} ".casefold()
    for kind, keys in KIND_WORDS:
        if any(f" {k}" in words for k in keys) and not any(t in type_.casefold() for t in ("talk", "workshop", "lecture", "bof")):
            return kind
    return "session"
