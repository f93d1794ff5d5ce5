"""Issue 16, item 5: a local server serves rC3's export, then an edited copy (one talk 30 minutes
later, one in another room, one cancelled, one new). The whole bot (trained NLU, emulator at
Telegram's limits, ManualClock as the rehearsal clock) starts from the schedule alone, syncs, tells
each subscribed delegate once in their language, and reminds them of the moved talk at its new
time, once. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.event.models import Session
from bot.reminders.feature import Reminders
from bot.settings import PROJECT_ROOT
from bot.telegram.emulator.server import BotApiEmulator
from nlu.testing import session_interpreter
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.e2e.conftest import ORGANISER_ID, Harness, harness_settings
from tests.schedule.conftest import ExportServer
from tests.schedule.exports import CANCELLED, MOVED, RC3, ROOM_CHANGED, edited_rc3, export

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
EVE = datetime(2020, 12, 27, 9, 0, tzinfo=timezone.utc)  # 10:00 in rC3's +01:00, before the first talk
MOVED_TITLE = "Der faule Admin automatisiert: Gluon auf echter Hardware testen"  # talk 15, 11:30 -> 12:00


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def bot(request: pytest.FixtureRequest, tmp_path: Path, export_server: ExportServer) -> AsyncIterator[Harness]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("TEST_DATABASE_URL is not set")
        await _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    export_server.body = export(RC3)
    async with BotApiEmulator() as emu:
        # No EVENT_FILE given: the schedule alone makes the event (the sample event file is not read).
        settings = harness_settings(url, emu, schedule_url=export_server.url, event_file=PROJECT_ROOT / "missing.yml",
                                    assistant_now=EVE)
        harness = Harness(emu, settings, ManualClock(EVE), session_interpreter())
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()


async def session_id(harness: Harness, export_id: str) -> str:
    assert harness.services is not None
    async with harness.services.database.session() as db:
        return (await db.execute(select(Session.id).where(Session.external_id == export_id))).scalar_one()


async def test_an_edited_export_reaches_each_delegate_once_and_the_reminder_follows(bot: Harness, export_server: ExportServer) -> None:
    assert bot.services is not None
    ana, sari, organiser = bot.user(7001, "Ana"), bot.user(7002, "Sari", language_code="id"), bot.user(ORGANISER_ID, "Org")
    for person in (sari, organiser):
        await bot.services.delegates.seen(person.id, person.id, bot.clock.now(), first_name=person.name, language_code=person.language_code)

    # Ana finds the talk by its speaker and asks for a reminder with the button, as delegates do.
    await ana.send("when does Chris Fiege talk?")
    card = await ana.next_reply(timeout=20)
    assert card.text.startswith("Chris Fiege") and MOVED_TITLE in card.text
    await ana.press(card, next(t for row in card.button_texts for t in row if "Gluon" in t))
    detail = await ana.next_reply(timeout=20)
    await ana.press(detail, "🔔 Remind me")
    assert "I'll remind you 15 minutes before" in (await ana.next_reply(timeout=20)).text
    reminders = bot.services.features.get(Reminders).service
    await reminders.subscribe(ana.id, [await session_id(bot, ROOM_CHANGED), await session_id(bot, CANCELLED)])
    await reminders.subscribe(sari.id, [await session_id(bot, MOVED)])

    export_server.body = edited_rc3(export(RC3))
    bot.clock.advance(minutes=5)  # the next sync is due

    alert = await ana.next_reply(timeout=30)
    assert alert.text.startswith("📅 The programme has changed for sessions you asked me to remind you about:")
    assert "11:30\u202fAM → 12:00\u202fPM" in alert.text and "has been cancelled" in alert.text and "📍" in alert.text
    indonesian = await sari.next_reply(timeout=30)
    assert indonesian.text.startswith("📅 Jadwal berubah") and "11.30 → 12.00" in indonesian.text
    summary = await organiser.next_reply(timeout=30)
    assert "1 talk moved, 1 room changed, 1 talk cancelled, and 1 new talk" in summary.text
    for person in (ana, sari, organiser):
        await person.expect_silence(within=1.0)  # one message per sync, not one per change

    bot.clock.set(datetime(2020, 12, 27, 10, 15, tzinfo=timezone.utc))  # when the old reminder was due
    await ana.expect_silence(within=1.5, after=bot.clock.went_round("reminders"))
    bot.clock.set(datetime(2020, 12, 27, 10, 45, tzinfo=timezone.utc))  # 15 minutes before the new start
    reminder = await ana.next_reply(timeout=30)
    assert reminder.text.startswith(f"🔔 {MOVED_TITLE}\nStarts in 15 minutes, at 12:00\u202fPM.")
    assert "13.00" not in reminder.text
    assert "12.00" in (await sari.next_reply(timeout=30)).text
    bot.clock.advance(minutes=10)
    await ana.expect_silence(within=1.5, after=bot.clock.went_round("reminders"))
    assert sum(1 for m in ana.replies if m.text.startswith(f"🔔 {MOVED_TITLE}")) == 1

    bot.clock.set(datetime(2020, 12, 27, 11, 5, tzinfo=timezone.utc))  # 12:05 in the room
    await ana.send("what's on in r3s - Monheim/Rhein now?")
    now_next = await ana.next_reply(timeout=20)
    assert now_next.text.startswith("r3s - Monheim/Rhein\nNow\n") and MOVED_TITLE in now_next.text
    # Title words the model never saw are the search's to answer, in both languages.
    for person, question in ((ana, "is there a talk about Gluon?"), (sari, "ada sesi tentang Gluon?")):
        await person.send(question)
        found = await person.next_reply(timeout=20)
        assert MOVED_TITLE in found.text, found.text
    health = await _http(bot, "/healthz")
    assert health["schedule"]["ok"] is True and health["schedule"]["url"] == export_server.url
    assert timedelta(0) <= bot.clock.now() - datetime.fromisoformat(health["schedule"]["last_success"]) < timedelta(hours=2)
    metrics = await _http(bot, "/metrics")
    assert 'assistant_schedule_syncs_total{outcome="changed"} 1' in metrics and "assistant_schedule_failing 0" in metrics


async def _http(bot: Harness, path: str) -> Any:
    import aiohttp

    assert bot.services is not None
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{bot.services.http_port}{path}") as response:
        return await (response.json() if path == "/healthz" else response.text())
