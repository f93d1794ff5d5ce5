"""`python -m bot codes`: organisers issue codes for a delegation (printed once, plus a CSV of deep
links), see how many were used, and revoke a lost one; a bad argument exits 2 and says why."""

from __future__ import annotations

import asyncio
import csv
import subprocess
from pathlib import Path

import pytest

from bot.accreditation.codes import normalise
from bot.db import Database
from bot.event.importer import import_event
from bot.event.loader import load_event_file
from tests.cli import bot_cli
from tests.conftest import DAY1_MORNING, SAMPLE_EVENT


def codes(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"DATABASE_URL": database_url, "ASSISTANT_NOW": DAY1_MORNING.isoformat(), **env}
    return bot_cli("codes", *args, env=environment, unset=("TELEGRAM_BOT_TOKEN",))


async def _prepare(url: str) -> None:
    database = Database(url)
    await database.migrate()
    await import_event(database, load_event_file(SAMPLE_EVENT), DAY1_MORNING)
    await database.dispose()


@pytest.fixture
def event_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_prepare(url))
    return url


def test_issued_codes_are_printed_and_written_as_deep_links(event_db: str, tmp_path: Path) -> None:
    target = tmp_path / "jp.csv"

    result = codes("issue", "--count", "5", "--delegation", "jp", "--csv", str(target), database_url=event_db)

    assert result.returncode == 0, result.stderr
    printed = result.stdout.split()
    assert len(printed) == 5 and all(normalise(c) for c in printed)
    assert "5 codes for JP" in result.stderr
    with target.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["code"] for r in rows] == printed
    assert {r["delegation"] for r in rows} == {"JP"}
    assert rows[0]["link"] == f"https://t.me/delegate_assistant_bot?start={printed[0]}"


def test_the_bot_username_for_links_comes_from_the_settings(event_db: str, tmp_path: Path) -> None:
    target = tmp_path / "kr.csv"

    result = codes("issue", "--count", "1", "--delegation", "KR", "--csv", str(target), database_url=event_db, BOT_USERNAME="@rcdd2019_bot")

    assert result.returncode == 0, result.stderr
    assert "https://t.me/rcdd2019_bot?start=" in target.read_text(encoding="utf-8")


def test_an_unknown_delegation_is_refused_with_the_known_ones(event_db: str) -> None:
    result = codes("issue", "--count", "5", "--delegation", "XX", database_url=event_db)

    assert result.returncode == 2
    assert "'XX' is not a delegation of the event" in result.stderr and "JP" in result.stderr
    assert result.stdout == ""


def test_a_count_out_of_range_is_refused(event_db: str) -> None:
    result = codes("issue", "--count", "0", "--delegation", "JP", database_url=event_db)

    assert result.returncode == 2 and "--count" in result.stderr


def test_list_and_revoke(event_db: str, tmp_path: Path) -> None:
    issued = codes("issue", "--count", "3", "--delegation", "ID", "--csv", str(tmp_path / "id.csv"), database_url=event_db)

    revoked = codes("revoke", issued.stdout.split()[0], database_url=event_db)
    listed = codes("list", database_url=event_db)
    unknown = codes("revoke", "ZZZZ-ZZZZ-ZZZZ", database_url=event_db)

    assert revoked.returncode == 0 and "revoked the code" in revoked.stdout
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1].split() == ["ID", "3", "0", "1", "2"]
    assert unknown.returncode == 2 and "no such code" in unknown.stderr


def test_without_an_event_the_command_says_what_to_do(tmp_path: Path) -> None:
    result = codes("list", database_url=f"sqlite:///{tmp_path / 'empty.db'}")

    assert result.returncode == 1 and "import-event" in result.stderr
