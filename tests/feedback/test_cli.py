"""`python -m bot feedback report`: organisers read votes, average, distribution and comments per
session in a terminal or a CSV file; an unknown session exits 2 with a message."""

from __future__ import annotations

import asyncio
import csv
import subprocess
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.service import DelegateService
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.service import EventService
from bot.feedback.service import FeedbackService
from bot.reminders.service import ReminderService
from tests.cli import bot_cli
from tests.conftest import DAY1_MORNING
from tests.feedback.conftest import CRISIS, DELAY_MINUTES, PROMPT_DUE
from tests.reminders.conftest import EVENT_TEXT

VOTES = ((1, 5, "Excellent\x1b[2J panel"), (2, 4, None), (3, 4, "=HYPERLINK(\"http://evil\")"), (4, 1, None))


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return bot_cli("feedback", *args, env={"DATABASE_URL": database_url, "ASSISTANT_NOW": PROMPT_DUE.isoformat()})


async def _prepare(url: str) -> None:
    """Five subscribers of Session 2 asked after it ended; four voted, two commented."""
    database = Database(url)
    await database.migrate()
    clock = ManualClock(DAY1_MORNING)
    await import_event(database, parse_event(EVENT_TEXT), clock.now())
    events = EventService(database)
    delegates, reminders = DelegateService(database, ["en"], "en"), ReminderService(database, events, clock.now, 15)
    feedback = FeedbackService(database, events, clock.now, DELAY_MINUTES)
    for user_id in range(1, 6):
        await delegates.seen(user_id, user_id, clock.now())
        await reminders.subscribe(user_id, [CRISIS])
    clock.set(PROMPT_DUE)
    await feedback.tick()
    for user_id, rating, comment in VOTES:
        await feedback.rate(user_id, CRISIS, rating)
        if comment:
            await feedback.want_comment(user_id, CRISIS)
            await feedback.take_comment(user_id, comment)
    await database.dispose()


@pytest.fixture
def feedback_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_prepare(url))
    return url


def test_the_report_shows_the_numbers_per_session(feedback_db: str) -> None:
    result = cli("report", database_url=feedback_db)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{CRISIS}: Session 2: The Role of Digital Diplomacy in Crisis Situation | asked 5, votes 4, average 3.50 "
        "| 1★1 2★0 3★0 4★2 5★1 | comments 2",
    ]


def test_the_report_of_one_session_lists_its_comments_on_one_line_each(feedback_db: str) -> None:
    result = cli("report", "--session", CRISIS, database_url=feedback_db)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:] == ["comments (2):", "  [5/5] Excellent [2J panel", '  [4/5] =HYPERLINK("http://evil")']
    assert "\x1b" not in result.stdout


def test_the_report_as_csv_for_a_spreadsheet(feedback_db: str, tmp_path: Path) -> None:
    target = tmp_path / "feedback.csv"

    result = cli("report", "--csv", str(target), database_url=feedback_db)

    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert (row["session_id"], row["asked"], row["votes"], row["average"], row["votes_4"], row["comments"]) == (CRISIS, "5", "4", "3.50", "2", "2")


def test_an_unknown_session_is_an_error(feedback_db: str) -> None:
    result = cli("report", "--session", "no-such-session", database_url=feedback_db)

    assert result.returncode == 2
    assert "unknown session 'no-such-session'" in result.stderr
