"""On start, `run` loads EVENT_FILE into a database that holds no event yet, and only then: an
organiser's later `import-event` is never undone by a restart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db import Database
from bot.event.models import Session
from bot.runtime import prepare_database
from bot.settings import PROJECT_ROOT, Settings
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


def test_run_with_a_bad_event_file_stops_with_every_problem(tmp_path: Path) -> None:
    event_file = tmp_path / "event.yml"
    event_file.write_text(MINIMAL_EVENT.replace("end: 2019-09-10 11:00", "end: 2019-09-10 09:30").replace("kind: ceremony", "kind: party"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "EVENT_FILE": str(event_file)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--no-console"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "sessions[1].end: ends before it starts (line 43)" in result.stderr
    assert "sessions[0].kind: 'party' is not one of" in result.stderr
    assert "Traceback" not in result.stderr
