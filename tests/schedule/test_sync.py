"""The sync against a local server serving rC3's export: conditional requests, one alert per
delegate per sync in their language, reminders that follow, failures kept quiet after the first
notice, and one replica at a time. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.service import DelegateService
from bot.event.models import Session
from bot.event.service import EventService
from bot.outbox import payload
from bot.outbox.models import OutboxMessage
from bot.reminders.models import SESSION_CANCELLED, Reminder
from bot.reminders.service import ReminderService
from bot.schedule.models import ScheduleSource
from bot.schedule.service import ScheduleService, acquire_lease
from tests.schedule.conftest import ExportServer
from tests.schedule.exports import CANCELLED, MOVED, RC3, ROOM_CHANGED, edited_rc3, export

START = datetime(2020, 12, 26, 12, 0, tzinfo=timezone.utc)  # the day before rC3
ORGANISER = 900


async def outbox(database: Database, kind: str) -> dict[int, list[str]]:
    async with database.session() as db:
        rows = (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))).scalars()
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row.chat_id, []).extend(r.text for r in payload.load(row.payload))
        return found


async def session_of(database: Database, export_id: str) -> str:
    async with database.session() as db:
        return (await db.execute(select(Session.id).where(Session.external_id == export_id))).scalar_one()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def service(database: Database, clock: ManualClock, server: ExportServer) -> ScheduleService:
    return ScheduleService(database, clock.now, server.url, 5, {ORGANISER})


async def test_sync_alerts_each_delegate_once_in_their_language(database: Database, clock: ManualClock, export_server: ExportServer) -> None:
    export_server.body = export(RC3)
    sync = service(database, clock, export_server)
    assert (await sync.sync_once()).outcome == "changed"  # the first sync creates the event
    events = EventService(database)
    delegates = DelegateService(database, ["en", "id"], "en")
    reminders = ReminderService(database, events, clock.now, 15)
    moved, room, gone = [await session_of(database, i) for i in (MOVED, ROOM_CHANGED, CANCELLED)]
    for user_id, language, sessions in ((1, "en", [moved, room, gone]), (2, "id", [moved])):
        await delegates.seen(user_id, user_id, clock.now(), first_name="D", language_code=language)
        await reminders.subscribe(user_id, sessions)

    clock.advance(minutes=5)
    assert (await sync.sync_once()).outcome == "not_modified"
    assert export_server.requests[-1].get("If-None-Match")
    export_server.body = edited_rc3(export(RC3))
    clock.advance(minutes=5)
    outcome = await sync.sync_once()

    assert outcome.outcome == "changed" and outcome.imported is not None and outcome.imported.told == 2
    alerts = await outbox(database, "schedule")
    assert sorted(alerts) == [1, 2, ORGANISER] and all(len(texts) == 1 for texts in alerts.values())
    english, indonesian = alerts[1][0], alerts[2][0]
    assert english.startswith("📅 <b>The programme has changed for sessions you asked me to remind you about:</b>")
    assert "11:30 AM → 12:00 PM" in english.replace("\u202f", " ")  # rC3's zone: +01:00
    assert "has been cancelled" in english and "→" in english.split("📍")[1]
    assert "Jadwal" in indonesian and "11.30 → 12.00" in indonesian
    assert "1 talk moved, 1 room changed, 1 talk cancelled, and 1 new talk" in alerts[ORGANISER][0]
    async with database.session() as db:
        status = (await db.execute(select(Reminder.status).where(Reminder.session_id == gone))).scalar()
    assert status == SESSION_CANCELLED  # told in the alert: the reminders' own notice is not sent as well
    await reminders.tick()
    assert await outbox(database, "reminder") == {}

    clock.advance(minutes=5)
    again = await sync.sync_once()
    assert again.outcome == "not_modified" and len(await outbox(database, "schedule")) == 3


async def test_a_failing_export_keeps_the_programme_and_is_reported_once(database: Database, clock: ManualClock, export_server: ExportServer) -> None:
    export_server.body = export(RC3)
    sync = service(database, clock, export_server)
    await sync.sync_once()
    before = await EventService(database).snapshot()

    export_server.status = 500
    for _ in range(3):
        clock.advance(minutes=5)
        assert (await sync.sync_once()).outcome == "failed"
    export_server.status, export_server.body = 200, b'{"schedule": {"conference": '
    clock.advance(minutes=5)
    broken = await sync.sync_once()

    assert broken.outcome == "failed" and "not valid JSON" in (broken.error or "")
    assert (await EventService(database).snapshot()).version == before.version
    notices = (await outbox(database, "schedule"))[ORGANISER]
    assert len(notices) == 1 and "HTTP 500" in notices[0] and "last good programme" in notices[0]
    status = await sync.status()
    assert status["ok"] is False and status["failures_in_a_row"] == 4 and "not valid JSON" in status["last_error"]
    assert 'assistant_schedule_failing 1' in sync.metric_lines(status)

    export_server.body = edited_rc3(export(RC3))
    clock.advance(minutes=5)
    assert (await sync.sync_once()).outcome == "changed"
    notices = (await outbox(database, "schedule"))[ORGANISER]
    assert "The schedule updates again." in notices[-2] or "The schedule updates again." in notices[-1]
    assert (await sync.status())["ok"] is True


async def test_one_replica_syncs_at_a_time(database: Database, clock: ManualClock, export_server: ExportServer) -> None:
    export_server.body = export(RC3)
    first, second = service(database, clock, export_server), service(database, clock, export_server)

    assert (await first.sync_once()).outcome == "changed"
    assert (await second.sync_once()).outcome == "not_leader"
    clock.advance(seconds=first.lease_seconds + 1)  # the first replica died: its lease runs out
    assert (await second.sync_once()).outcome == "not_modified"  # it uses the validators the first one stored
    assert (await first.sync_once()).outcome == "not_leader"
    assert len(export_server.requests) == 2


async def test_the_lease_is_taken_atomically(database: Database) -> None:
    now = START
    assert await acquire_lease(database, "x", "a", now, 60)
    assert not await acquire_lease(database, "x", "b", now, 60)
    assert await acquire_lease(database, "x", "a", now + timedelta(seconds=30), 60)  # renewed
    assert await acquire_lease(database, "x", "b", now + timedelta(seconds=91), 60)
    async with database.session() as db:
        assert (await db.execute(select(ScheduleSource))).first() is None


async def test_a_move_inside_the_lead_time_still_reaches_the_delegate_before_the_new_start(
    database: Database, clock: ManualClock, export_server: ExportServer
) -> None:
    import json

    export_server.body = export(RC3)
    sync = service(database, clock, export_server)
    await sync.sync_once()
    events = EventService(database)
    reminders = ReminderService(database, events, clock.now, 15)
    await DelegateService(database, ["en"], "en").seen(1, 1, clock.now(), first_name="D", language_code="en")
    moved = await session_of(database, MOVED)  # 11:30 +01:00 = 10:30 UTC
    await reminders.subscribe(1, [moved])
    clock.set(datetime(2020, 12, 27, 10, 15, tzinfo=timezone.utc))
    await reminders.tick()
    assert len((await outbox(database, "reminder"))[1]) == 1  # queued for 10:30

    clock.set(datetime(2020, 12, 27, 10, 20, tzinfo=timezone.utc))  # ten minutes before: the talk moves 5 minutes later
    doc = json.loads(export(RC3))
    for day in doc["schedule"]["conference"]["days"]:
        for events_in_room in day["rooms"].values():
            for event in events_in_room:
                if str(event["id"]) == MOVED:
                    event["date"] = "2020-12-27T11:35:00+01:00"
    export_server.body = json.dumps(doc).encode("utf-8")
    assert (await sync.sync_once()).outcome == "changed"
    await reminders.tick()

    async with database.session() as db:
        rows = (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id))).scalars().all()
    assert [r.status for r in rows] == ["cancelled", "pending"]  # the old one withdrawn, a new one at once
    assert rows[1].expires_at == datetime(2020, 12, 27, 10, 35, tzinfo=timezone.utc) and rows[1].not_before <= clock.now()
    assert "moved from 11:30" in payload.load(rows[1].payload)[0].text.replace("\u202f", " ")
