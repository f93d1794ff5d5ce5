"""The programme at FOSDEM's size (883 talks, generated): a day comes one page at a time, filters and
the search narrow it, and every talk is reachable by paging through."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timezone

import pytest

from bot.db import Database
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.service import EventService, EventSnapshot
from bot.miniapp.programme import PAGE_SIZE, Filters, default_day, facets, programme, search_sessions
from tests.miniapp.synthetic import ROOMS, TALKS, fosdem_like

BEFORE = datetime(2019, 9, 1, tzinfo=timezone.utc)
SUNDAY = datetime(2019, 9, 11, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def big() -> EventSnapshot:
    """The generated programme, imported once into SQLite and read back as the bot reads it."""

    async def load(path: str) -> EventSnapshot:
        database = Database(f"sqlite:///{path}/big.db")
        await database.migrate()
        await import_event(database, parse_event(fosdem_like()), BEFORE)
        snap = await EventService(database).snapshot()
        await database.dispose()
        return snap

    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(load(tmp))


def test_a_day_comes_one_page_at_a_time_and_paging_reaches_every_talk(big: EventSnapshot) -> None:
    seen: list[str] = []
    for day in big.days:
        offset: int | None = 0
        while offset is not None:
            page = programme(big, Filters(day=day.id), BEFORE, offset)
            assert len(page.sessions) <= PAGE_SIZE
            seen += [s.id for s in page.sessions]
            offset = page.next_offset

    assert len(seen) == TALKS == len(set(seen))


def test_the_day_shown_first_is_today_during_the_event(big: EventSnapshot) -> None:
    assert default_day(big, BEFORE) == big.days[0]
    assert default_day(big, SUNDAY) == big.days[1]
    assert programme(big, Filters(), SUNDAY).day == big.days[1]


def test_filters_narrow_the_day_and_offer_only_what_it_has(big: EventSnapshot) -> None:
    choices = facets(big, big.days[0])
    in_room = programme(big, Filters(day="sat", room="r3"), BEFORE, limit=1000)
    panels = programme(big, Filters(day="sat", kind="panel"), BEFORE, limit=1000)

    assert len(choices.rooms) == ROOMS and set(choices.kinds) == {"session", "panel"} and choices.tracks == ()
    assert in_room.total == len(in_room.sessions) > 0 and {s.room.id for s in in_room.sessions if s.room} == {"r3"}
    assert panels.total > 0 and {s.kind for s in panels.sessions} == {"panel"}


async def test_the_search_is_the_chats_and_spans_the_whole_event(big: EventSnapshot) -> None:
    searched = await search_sessions(big, "talk number 881")
    page = programme(big, Filters(day="sat", query="talk number 881"), BEFORE, searched=searched)

    assert page.day is None and page.sessions[0].id == "t881"
    assert [s.id for s in searched][:1] == ["t881"]
