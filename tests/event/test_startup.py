"""On start, `run` loads EVENT_FILE into a database that holds no event yet, and only then: an
organiser's later `import-event` is never undone by a restart."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db import Database
from bot.event.models import Session
from bot.runtime import prepare_database
from bot.settings import Settings
from tests.cli import bot_cli, bot_process
from tests.event.minimal import MINIMAL_EVENT


async def session_titles(database: Database) -> list[str]:
    async with database.session() as db:
        return [t["en"] for t in (await db.execute(select(Session.title).order_by(Session.id))).scalars()]


async def test_an_empty_database_gets_the_event_file(database: Database, clock: ManualClock, tmp_path: Path) -> None:
    event_file = tmp_path / "event.yml"
    event_file.write_text(MINIMAL_EVENT)
    await prepare_database(Settings(event_file=event_file), database, clock)
    assert await session_titles(database) == ["Opening", "Talk"]


async def test_a_database_with_an_event_keeps_it_on_restart(database: Database, clock: ManualClock, tmp_path: Path) -> None:
    event_file = tmp_path / "event.yml"
    event_file.write_text(MINIMAL_EVENT)
    await prepare_database(Settings(event_file=event_file), database, clock)
    event_file.write_text(MINIMAL_EVENT.replace("title: Talk", "title: Renamed talk"))
    await prepare_database(Settings(event_file=event_file), database, clock)
    assert await session_titles(database) == ["Opening", "Talk"]
    await prepare_database(Settings(event_file=tmp_path / "gone.yml"), database, clock)  # the file is not needed
    async with database.session() as db:
        assert await db.scalar(select(func.count()).select_from(Session)) == 2


def bot(*args: str, tmp_path: Path, event_file: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in the emulator mode, on a fresh SQLite database."""
    return bot_cli(*args, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "EVENT_FILE": str(event_file)},
                   unset=("TELEGRAM_BOT_TOKEN",))


def bad_event_file(tmp_path: Path) -> Path:
    event_file = tmp_path / "event.yml"
    event_file.write_text(MINIMAL_EVENT.replace("end: 2019-09-10 11:00", "end: 2019-09-10 09:30").replace("kind: ceremony", "kind: party"))
    return event_file


def test_run_with_a_bad_event_file_stops_with_every_problem(tmp_path: Path) -> None:
    event_file = bad_event_file(tmp_path)
    # A real process: the smoke test of `python -m bot run` stopping before it starts.
    result = bot_process("run", "--no-console", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "EVENT_FILE": str(event_file)},
                         unset=("TELEGRAM_BOT_TOKEN",))
    assert result.returncode == 2
    assert f"EVENT_FILE {event_file}: refused, 2 problem(s); the assistant did not start\n" in result.stderr
    assert "  sessions[1].end: ends before it starts (line 43)\n" in result.stderr
    assert "  sessions[0].kind: 'party' is not one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_is_the_default_command_also_when_only_its_options_are_given(tmp_path: Path) -> None:
    event_file = bad_event_file(tmp_path)
    result = bot("--no-console", tmp_path=tmp_path, event_file=event_file)
    assert result.returncode == 2
    assert f"EVENT_FILE {event_file}: refused, 2 problem(s); the assistant did not start" in result.stderr


@pytest.mark.parametrize("args", [["run", "--port", "99999"], ["--port", "-1"], ["run", "--port", "http"]])
def test_a_port_out_of_range_is_refused_naming_the_option(args: list[str], tmp_path: Path) -> None:
    result = bot(*args, tmp_path=tmp_path, event_file=tmp_path / "never-read.yml")
    assert result.returncode == 2
    assert f"argument --port: '{args[-1]}' is not a TCP port (0-65535)" in result.stderr
    assert "Traceback" not in result.stderr
