"""The delegate's agenda as an iCalendar file (RFC 5545), to add their sessions to a phone's calendar.

Times are written in UTC ("Z"), so every calendar shows them in the phone's own zone without needing a
VTIMEZONE. Each session keeps one UID across downloads, so importing a newer file updates the events
(a moved session moves, a cancelled one shows as cancelled) instead of adding duplicates. Lines end
with CRLF and are folded at 75 octets without splitting a UTF-8 character, as the RFC requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from bot.answers.format import session_name
from bot.event.service import EventSnapshot, SessionView
from bot.i18n import Translator

PRODUCT = "-//Delegate Assistant//Agenda//EN"
MIME_TYPE = "text/calendar"


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines are escaped."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded into chunks of at most 75 octets (continuations start with a space)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    chunks: list[str] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never cut inside a UTF-8 sequence
            end -= 1
        chunks.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # the leading space of a continuation counts
    return "\r\n ".join(chunks)


def utc_stamp(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def uid(snap: EventSnapshot, session: SessionView) -> str:
    return f"{session.id}@{snap.id}.delegate-assistant"


def agenda_calendar(tr: Translator, snap: EventSnapshot, sessions: Sequence[SessionView], now: datetime, lead_minutes: int) -> bytes:
    """The calendar file for `sessions`, in the delegate's language, with an alarm `lead_minutes` before."""
    name = tr.pick(snap.short_name) or tr.pick(snap.name)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    venue = tr.pick(snap.venue.name)
    for s in sessions:
        location = ", ".join(part for part in (tr.pick(s.room.name) if s.room else "", venue) if part)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid(snap, s)}",
            f"DTSTAMP:{utc_stamp(now)}",
            f"DTSTART:{utc_stamp(s.starts_at)}",
            f"DTEND:{utc_stamp(s.ends_at)}",
            f"SUMMARY:{escape_text(session_name(tr, s))}",
            f"LOCATION:{escape_text(location)}",
        ]
        description = tr.pick(s.description)
        if description:
            lines.append(f"DESCRIPTION:{escape_text(description)}")
        if snap.website:
            lines.append(f"URL:{snap.website}")
        lines.append("STATUS:CANCELLED" if s.cancelled else "STATUS:CONFIRMED")
        if not s.cancelled:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape_text(session_name(tr, s))}",
                      f"TRIGGER:-PT{lead_minutes}M", "END:VALARM"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


def filename(snap: EventSnapshot) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in snap.id)
    return f"{safe}-my-agenda.ics"
