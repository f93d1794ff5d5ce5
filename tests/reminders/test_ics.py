"""The agenda file follows RFC 5545: UTC times, one stable UID per session, escaped text, CRLF lines
folded at 75 octets without breaking a UTF-8 character."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.event.service import EventService, EventSnapshot, session_by_id
from bot.i18n import Translator
from bot.reminders.ics import agenda_calendar, escape_text, filename, fold
from tests.reminders.conftest import CRISIS, World

NOW = datetime(2019, 9, 10, 3, 15, tzinfo=timezone.utc)


def unfolded(data: bytes) -> list[str]:
    """The content lines as a calendar app reads them (RFC 5545 3.1: CRLF + space continues a line)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(lines: list[str]) -> list[dict[str, str]]:
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None and ":" in line and not line.startswith(("BEGIN:VALARM", "END:VALARM")):
            key, _, value = line.partition(":")
            current.setdefault(key, value)
    return found


@pytest.fixture
async def snap(world: World) -> EventSnapshot:
    return await EventService(world.database).snapshot()


def calendar(snap: EventSnapshot, language: str, ids: list[str], lead: int = 15) -> bytes:
    tr = Translator(language, snap.timezone, snap.default_language)
    return agenda_calendar(tr, snap, [s for i in ids if (s := session_by_id(snap, i))], NOW, lead)


async def test_sessions_are_written_in_utc_with_one_uid_each(snap: EventSnapshot) -> None:
    lines = unfolded(calendar(snap, "en", [CRISIS, "closing-jakarta-message"]))

    crisis, closing = events(lines)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    assert (crisis["DTSTART"], crisis["DTEND"]) == ("20190910T063000Z", "20190910T083000Z")  # 13:30-15:30 WIB
    assert crisis["UID"] == f"{CRISIS}@rcdd2019.delegate-assistant" != closing["UID"]
    assert crisis["DTSTAMP"] == "20190910T031500Z"
    assert crisis["SUMMARY"] == "Session 2: The Role of Digital Diplomacy in Crisis Situation"
    assert crisis["LOCATION"] == "Grand Ballroom\\, Hotel Mulia Senayan"
    assert crisis["STATUS"] == "CONFIRMED"


async def test_an_alarm_fires_the_delegates_lead_time_before(snap: EventSnapshot) -> None:
    lines = unfolded(calendar(snap, "en", [CRISIS], lead=30))

    assert "TRIGGER:-PT30M" in lines and "ACTION:DISPLAY" in lines


async def test_texts_are_in_the_delegates_language(snap: EventSnapshot) -> None:
    crisis = events(unfolded(calendar(snap, "id", [CRISIS])))[0]

    assert "Peran Diplomasi Digital dalam Situasi Krisis" in crisis["SUMMARY"]


@pytest.mark.parametrize("language", ["en", "th", "ja", "zh_Hans", "ko", "vi"])
async def test_long_lines_are_folded_at_75_octets_without_breaking_characters(snap: EventSnapshot, language: str) -> None:
    data = calendar(snap, language, [s.id for s in snap.sessions])

    physical = data.decode("utf-8").split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical), "descriptions are long enough to fold"


def test_folding_keeps_every_character() -> None:
    line = "SUMMARY:" + "การทูตดิจิทัล " * 12
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))


def test_text_values_are_escaped() -> None:
    assert escape_text("a, b; c\\d\ne") == "a\\, b\\; c\\\\d\\ne"


async def test_a_cancelled_session_is_marked_cancelled(world: World) -> None:
    from tests.reminders.conftest import EVENT_TEXT, without

    await world.reimport(without(EVENT_TEXT, CRISIS))
    snap = await EventService(world.database).snapshot()

    crisis = events(unfolded(calendar(snap, "en", [CRISIS])))[0]

    assert crisis["STATUS"] == "CANCELLED"


async def test_the_file_is_named_after_the_event(snap: EventSnapshot) -> None:
    assert filename(snap) == "rcdd2019-my-agenda.ics"
