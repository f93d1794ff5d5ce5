"""`python -m bot forget USER_ID`: what /forget does, for a request that came another way."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.__main__ import main
from bot.db import Database
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService
from bot.event.importer import import_event
from bot.event.loader import load_event_file
from bot.event.service import EventService
from bot.reminders.models import Reminder
from bot.reminders.service import ReminderService
from tests.conftest import DAY1_MORNING, SAMPLE_EVENT

PERSON = 4242


async def _a_delegate_with_a_reminder(url: str) -> None:
    database = Database(url)
    await database.migrate()
    await import_event(database, load_event_file(SAMPLE_EVENT), DAY1_MORNING)
    await DelegateService(database, ("en", "id"), "en").seen(PERSON, PERSON, DAY1_MORNING, first_name="Ana", language_code="en")
    await ReminderService(database, EventService(database), lambda: DAY1_MORNING, 15).subscribe(PERSON, ["session-2-crisis"])
    await database.dispose()


async def _kept(url: str) -> tuple[int, int]:
    database = Database(url)
    async with database.session() as db:
        people = (await db.execute(select(func.count()).select_from(Delegate).where(Delegate.user_id == PERSON))).scalar()
        reminders = (await db.execute(select(func.count()).select_from(Reminder).where(Reminder.user_id == PERSON))).scalar()
    await database.dispose()
    return int(people or 0), int(reminders or 0)


def test_forget_on_the_command_line_deletes_the_person_and_their_reminders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_a_delegate_with_a_reminder(url))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_NOW", datetime.isoformat(DAY1_MORNING))

    assert main(["forget", str(PERSON)]) == 0

    assert f"{PERSON}: deleted" in capsys.readouterr().out
    assert asyncio.run(_kept(url)) == (0, 0)
