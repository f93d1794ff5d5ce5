"""`python -m bot reminders`: organisers schedule, list and withdraw event-wide reminders from a
terminal; a bad argument exits 2 with a message that says what is wrong."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.reminders.models import SCHEDULED, EventReminder
from tests.cli import bot_cli
from tests.reminders.conftest import EVENT_TEXT

NOW = "2019-09-10T10:15:00+07:00"


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return bot_cli("reminders", *args, env={"DATABASE_URL": database_url, "ASSISTANT_NOW": NOW})


async def _prepare(url: str) -> None:
    database = Database(url)
    await database.migrate()
    await import_event(database, parse_event(EVENT_TEXT), datetime.fromisoformat(NOW))
    await database.dispose()


async def _scheduled(url: str) -> list[EventReminder]:
    database = Database(url)
    async with database.session() as db:
        rows = list((await db.execute(select(EventReminder).order_by(EventReminder.id))).scalars())
    await database.dispose()
    return rows


@pytest.fixture
def event_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_prepare(url))
    return url


def test_an_event_wide_reminder_is_scheduled_for_the_start_of_the_day(event_db: str) -> None:
    result = cli("add-event-wide", "--day", "day-2", "--before", "30", database_url=event_db)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scheduled #1: day day-2, 30 min before the start (sent at 9/11/19, 8:00")
    [row] = asyncio.run(_scheduled(event_db))
    assert (row.day_id, row.minutes_before, row.status, row.created_by) == ("day-2", 30, SCHEDULED, None)


def test_reminders_are_listed_and_withdrawn(event_db: str) -> None:
    cli("add-event-wide", "--session", "closing-jakarta-message", "--before", "10", database_url=event_db)

    listed = cli("list", database_url=event_db)
    withdrawn = cli("withdraw", "1", database_url=event_db)
    again = cli("withdraw", "1", database_url=event_db)

    assert "#1 scheduled session closing-jakarta-message, 10 min before the start" in listed.stdout
    assert withdrawn.returncode == 0 and withdrawn.stdout.strip() == "withdrawn #1"
    assert again.returncode == 2 and "not a scheduled" in again.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("add-event-wide", "--day", "day-9"), "unknown day or session 'day-9'"),
    (("add-event-wide", "--day", "day-1"), "already started"),
    (("add-event-wide", "--day", "day-2", "--before", "0"), "between 1 and 1440"),
])
def test_a_bad_request_says_what_is_wrong(event_db: str, args: tuple[str, ...], message: str) -> None:
    result = cli(*args, database_url=event_db)

    assert result.returncode == 2
    assert message in result.stderr
