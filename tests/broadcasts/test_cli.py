"""`python -m bot broadcast`: queues the same broadcast as Telegram does and prints its id; exit 2 on
bad arguments with a message that says what is wrong."""

from __future__ import annotations

import asyncio
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.delegates.service import DelegateService
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.outbox import payload
from bot.outbox.models import OutboxMessage
from tests.broadcasts.conftest import BROADCAST_EVENT, LANGUAGES
from tests.cli import bot_cli

NOW = "2019-09-10T10:15:00+07:00"


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return bot_cli(*args, env={"DATABASE_URL": database_url, "ASSISTANT_NOW": NOW})


async def _prepare(url: str, languages: dict[int, str]) -> None:
    """The event imported and a few delegates who have talked to the bot."""
    database = Database(url)
    await database.migrate()
    await import_event(database, parse_event(BROADCAST_EVENT), datetime.fromisoformat(NOW))
    delegates = DelegateService(database, LANGUAGES, "en")
    for user_id, language in languages.items():
        await delegates.seen(user_id, user_id, datetime.fromisoformat(NOW), first_name="D", language_code=language)
    await database.dispose()


async def _outbox(url: str) -> list[OutboxMessage]:
    database = Database(url)
    async with database.session() as db:
        rows = list((await db.execute(select(OutboxMessage).order_by(OutboxMessage.chat_id))).scalars())
    await database.dispose()
    return rows


@pytest.fixture
def event_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_prepare(url, {1: "en", 2: "id", 3: "th"}))
    return url


def test_an_immediate_broadcast_is_queued_for_every_delegate_in_their_language(event_db: str) -> None:
    result = cli("broadcast", "--text", "Lunch is in the Orchid Room", "--text-id", "Makan siang di Ruang Orchid", "--audience", "all", database_url=event_db)

    assert result.returncode == 0, result.stderr
    broadcast_id = re.match(r"Broadcast (\d+) queued: 3 recipient", result.stdout)
    assert broadcast_id, result.stdout
    rows = asyncio.run(_outbox(event_db))
    assert [row.dedupe_key for row in rows] == [f"broadcast:{broadcast_id.group(1)}:{chat}" for chat in (1, 2, 3)]
    texts = [payload.load(row.payload)[0].text for row in rows]
    assert "Lunch is in the Orchid Room" in texts[0]
    assert "Makan siang di Ruang Orchid" in texts[1]
    assert "Lunch is in the Orchid Room" in texts[2]


def test_status_prints_the_counts(event_db: str) -> None:
    queued = cli("broadcast", "--text", "Hello", "--audience", "lang:id", database_url=event_db)
    broadcast_id = re.match(r"Broadcast (\d+)", queued.stdout).group(1)  # type: ignore[union-attr]

    status = cli("broadcast", "--status", broadcast_id, database_url=event_db)

    assert status.returncode == 0, status.stderr
    assert f"Broadcast {broadcast_id}: sending, delegates reading Bahasa Indonesia" in status.stdout
    assert "total 1  sent 0  failed 0  cancelled 0  pending 1" in status.stdout


def test_a_scheduled_broadcast_confirms_the_resolved_instant_and_queues_nothing_yet(event_db: str) -> None:
    result = cli("broadcast", "--text", "Dinner", "--audience", "country:JP", "--at", "tomorrow 19:00", database_url=event_db)

    assert result.returncode == 0, result.stderr
    assert re.match(r"Broadcast \d+ scheduled for Wednesday, September 11, 2019 at 7:00\u202fPM \(UTC\+7\), to the delegation of Japan\.", result.stdout), result.stdout
    assert asyncio.run(_outbox(event_db)) == []


def test_a_broadcast_can_be_cancelled_from_the_terminal(event_db: str) -> None:
    queued = cli("broadcast", "--text", "Hello", "--at", "18:00", database_url=event_db)
    broadcast_id = re.match(r"Broadcast (\d+)", queued.stdout).group(1)  # type: ignore[union-attr]

    cancelled = cli("broadcast", "--cancel", broadcast_id, database_url=event_db)
    again = cli("broadcast", "--cancel", broadcast_id, database_url=event_db)

    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    assert again.returncode == 2 and "not scheduled or sending" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "Hi", "--audience", "planet"], "unknown audience 'planet'"),
        (["--text", "Hi", "--audience", "lang:xx"], "unknown language 'xx'"),
        (["--text", "Hi", "--audience", "country:FR"], "unknown delegation 'FR'"),
        (["--text", "Hi", "--audience", "session:nope"], "unknown session 'nope'"),
        (["--text", "Hi", "--at", "soon"], "--at 'soon'"),
        (["--text", "Hi", "--at", "09:00"], "has already passed"),
        (["--text-id", "Halo"], "default language (en) is empty"),
        (["--text", "Hi", "--text-ja", "こんにちは"], "no such event language: ja"),
        ([], "say what to send"),
        (["--status", "99"], "there is no broadcast 99"),
        (["--status", "1", "--text", "Hi"], "on its own"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(event_db: str, args: list[str], message: str) -> None:
    result = cli("broadcast", *args, database_url=event_db)

    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert asyncio.run(_outbox(event_db)) == []


def test_argparse_errors_exit_2_too(event_db: str) -> None:
    result = cli("broadcast", "--status", "twelve", database_url=event_db)

    assert result.returncode == 2 and "invalid int value" in result.stderr
