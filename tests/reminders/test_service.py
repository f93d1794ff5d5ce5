"""ReminderService on the real database: when reminders become outbox rows, what they say, and how
moved, cancelled and missed sessions are handled. The clock is moved, never slept through."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from bot.outbox.models import CANCELLED, PENDING, SENT
from bot.outbox.service import PRIORITY_REMINDER
from bot.reminders.models import MISSED, QUEUED, RELEASED, SESSION_CANCELLED, WAITING
from bot.reminders.service import ReminderError
from tests.faults import refusing_inserts
from tests.reminders.conftest import CRISIS, EVENT_TEXT, World, at, moved, texts, without


async def test_a_reminder_is_queued_the_lead_time_before_the_session(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])

    await world.tick_at(at("13:14"))
    assert await world.outbox() == []
    await world.tick_at(at("13:15"))

    [row] = await world.outbox()
    assert (row.chat_id, row.kind, row.priority, row.status) == (ana, "reminder", PRIORITY_REMINDER, PENDING)
    assert row.not_before == at("13:15") and row.expires_at == at("13:30")
    assert texts(row) == [
        "🔔 <b>Session 2: The Role of Digital Diplomacy in Crisis Situation</b>\nStarts in 15 minutes, at 1:30\u202fPM.\n📍 Grand Ballroom"
    ]


async def test_the_reminder_is_in_the_delegates_language_with_babel_times(world: World) -> None:
    sari = await world.delegate(2, "id")
    await world.reminders.subscribe(sari, [CRISIS])

    await world.tick_at(at("13:15"))

    [text] = texts((await world.outbox())[0])
    assert "Peran Diplomasi Digital dalam Situasi Krisis" in text  # the event's Indonesian title
    assert "15 menit" in text and "13.30" in text  # Babel: Indonesian duration and time


async def test_the_reminder_has_buttons_for_the_session_and_the_venue(world: World) -> None:
    from bot.outbox import payload

    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.tick_at(at("13:15"))

    [reply] = payload.load((await world.outbox())[0].payload)
    assert [[b.data for b in row] for row in reply.buttons] == [[f"s:{CRISIS}", "venue:"]]


@pytest.mark.parametrize(("lead", "due"), [(5, "13:25"), (30, "13:00"), (60, "12:30")])
async def test_the_delegate_chooses_the_lead_time(world: World, lead: int, due: str) -> None:
    ana = await world.delegate(1, lead=lead)
    await world.reminders.subscribe(ana, [CRISIS])

    await world.tick_at(at(due) - timedelta(minutes=1))
    assert await world.outbox() == []
    await world.tick_at(at(due))
    assert len(await world.outbox()) == 1


async def test_changing_the_lead_time_moves_a_waiting_reminder(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.delegates.set_reminder_lead(ana, 60)

    await world.tick_at(at("12:30"))

    assert len(await world.outbox()) == 1


async def test_a_reminder_is_queued_once_however_often_and_wherever_the_scheduler_ticks(world: World) -> None:
    people = [await world.delegate(100 + i) for i in range(30)]
    for person in people:
        await world.reminders.subscribe(person, [CRISIS])
    world.clock.set(at("13:16"))

    await asyncio.gather(world.reminders.tick(), world.another_service().tick(), world.another_service().tick())
    await world.reminders.tick()

    assert Counter(row.chat_id for row in await world.outbox()) == {person: 1 for person in people}
    assert {r.status for r in await world.reminder_rows()} == {QUEUED}


async def test_after_downtime_a_reminder_whose_session_has_not_started_is_still_sent(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])

    await world.tick_at(at("13:26"))  # the bot was down from 13:00 to 13:26

    [row] = await world.outbox()
    assert "Starts in 4 minutes" in texts(row)[0]


async def test_a_reminder_for_a_session_already_under_way_is_not_sent(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])

    await world.tick_at(at("13:31"))

    assert await world.outbox() == []
    assert [r.status for r in await world.reminder_rows()] == [MISSED]


async def test_a_session_moved_by_reimporting_the_event_file_moves_its_reminder(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.reimport(moved(EVENT_TEXT, CRISIS, "2019-09-10 14:30", "2019-09-10 15:30"))

    await world.tick_at(at("13:15"))
    assert await world.outbox() == []
    await world.tick_at(at("14:15"))

    [row] = await world.outbox()
    assert row.expires_at == at("14:30") and "2:30\u202fPM" in texts(row)[0]


async def test_a_reminder_already_sent_is_sent_again_with_the_new_time_when_the_session_moves(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.tick_at(at("13:15"))
    await world.reimport(moved(EVENT_TEXT, CRISIS, "2019-09-10 14:30", "2019-09-10 15:30"))

    await world.tick_at(at("13:16"))
    first = (await world.outbox())[0]
    assert first.status == CANCELLED, "the old time is never announced once the session moved"
    await world.tick_at(at("14:15"))

    second = (await world.outbox())[1]
    assert second.status == PENDING and second.expires_at == at("14:30")
    assert "moved from 1:30\u202fPM" in texts(second)[0]


async def test_a_cancelled_session_notifies_its_subscribers_once_instead(world: World) -> None:
    ana, sari = await world.delegate(1), await world.delegate(2, "id")
    for person in (ana, sari):
        await world.reminders.subscribe(person, [CRISIS])
    await world.tick_at(at("13:15"))  # Ana's and Sari's reminders are queued
    await world.reimport(without(EVENT_TEXT, CRISIS))

    await world.tick_at(at("13:16"))
    await world.tick_at(at("13:17"))

    rows = await world.outbox()
    assert [r.status for r in rows[:2]] == [CANCELLED, CANCELLED]
    notices = rows[2:]
    assert sorted(r.chat_id for r in notices) == [ana, sari]
    assert all("cancelled" in texts(r)[0] or "❌" in texts(r)[0] for r in notices)
    assert {r.status for r in await world.reminder_rows()} == {SESSION_CANCELLED}


async def test_a_session_restored_by_a_later_import_is_reminded_again(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.reimport(without(EVENT_TEXT, CRISIS))
    await world.tick_at(at("12:00"))
    await world.reimport(EVENT_TEXT)

    await world.tick_at(at("13:15"))

    assert [r.status for r in await world.reminder_rows()] == [QUEUED]
    assert len(await world.outbox()) == 2  # the cancellation notice, then the reminder


async def test_an_inactive_delegate_gets_no_reminder(world: World) -> None:
    blocked = await world.delegate(1, active=False)
    await world.reminders.subscribe(blocked, [CRISIS])

    await world.tick_at(at("13:15"))

    assert await world.outbox() == []


async def test_subscribing_to_a_started_or_cancelled_session_is_refused(world: World) -> None:
    ana = await world.delegate(1)
    await world.reimport(without(EVENT_TEXT, "cooperation-signing"))

    result = await world.reminders.subscribe(ana, ["session-1-general-debate", "cooperation-signing", CRISIS, "nonsense"])

    assert [s.id for s in result.added] == [CRISIS]
    assert [(s.id, why) for s, why in result.refused] == [("session-1-general-debate", "started"), ("cooperation-signing", "cancelled")]


async def test_subscribing_twice_keeps_one_reminder(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])

    again = await world.reminders.subscribe(ana, [CRISIS])

    assert again.added == () and [s.id for s in again.already] == [CRISIS]
    assert len(await world.reminder_rows()) == 1


async def test_subscribing_to_a_day_covers_its_sessions_but_not_the_breaks(world: World) -> None:
    ana = await world.delegate(1)

    result = await world.reminders.subscribe_day(ana, "day-2")

    assert [s.id for s in result.added] == [
        "registration-day2", "session-3-digital-technology", "cooperation-signing", "lunch-day2", "closing-jakarta-message",
    ]
    assert result.day is not None and result.day.id == "day-2"
    with pytest.raises(ReminderError):
        await world.reminders.subscribe_day(ana, "day-9")


async def test_unsubscribing_withdraws_a_message_not_yet_sent(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.tick_at(at("13:15"))

    assert await world.reminders.unsubscribe(ana, CRISIS)

    assert [r.status for r in await world.outbox()] == [CANCELLED]
    assert await world.reminder_rows() == []
    assert not await world.reminders.unsubscribe(ana, CRISIS)


async def test_resubscribing_after_cancelling_reminds_again(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.tick_at(at("13:15"))
    await world.reminders.unsubscribe(ana, CRISIS)

    await world.reminders.subscribe(ana, [CRISIS])
    await world.tick_at(at("13:16"))

    assert [r.status for r in await world.outbox()] == [CANCELLED, PENDING]


async def test_an_event_wide_reminder_reaches_every_active_delegate_once(world: World) -> None:
    people = [await world.delegate(10), await world.delegate(11, "id"), await world.delegate(12, active=False)]
    view = await world.reminders.schedule_event_wide("day-2", 30, created_by=900)
    assert view.due_at == at("08:00", day=11)  # day 2 starts at 08:30 with registration

    await world.tick_at(at("07:59", day=11))
    assert await world.outbox() == []
    await world.tick_at(at("08:00", day=11))
    await asyncio.gather(world.reminders.tick(), world.another_service().tick())

    rows = await world.outbox()
    assert sorted(r.chat_id for r in rows) == people[:2]
    english = next(texts(r)[0] for r in rows if r.chat_id == 10)
    assert "Day 2 starts in 30 minutes, at 8:30\u202fAM." in english
    assert all(r.expires_at == at("08:30", day=11) for r in rows)
    [released] = await world.reminders.event_wide(scheduled_only=False)
    assert (released.status, released.recipients) == (RELEASED, 2)


async def test_an_event_wide_reminder_needs_a_known_future_target(world: World) -> None:
    with pytest.raises(ReminderError, match="unknown"):
        await world.reminders.schedule_event_wide("day-7", 30)
    with pytest.raises(ReminderError, match="already started"):
        await world.reminders.schedule_event_wide("day-1", 30)
    with pytest.raises(ReminderError, match="between"):
        await world.reminders.schedule_event_wide("day-2", 0)
    assert (await world.reminders.schedule_event_wide("2", 10)).day_id == "day-2"
    assert (await world.reminders.schedule_event_wide("closing-jakarta-message", 10)).session_id == "closing-jakarta-message"


async def test_a_withdrawn_event_wide_reminder_is_not_sent(world: World) -> None:
    await world.delegate(10)
    view = await world.reminders.schedule_event_wide("day-2", 30)

    assert await world.reminders.withdraw_event_wide(view.id)
    await world.tick_at(at("08:00", day=11))

    assert await world.outbox() == []


async def test_forgetting_a_delegate_removes_their_reminders_and_unsent_messages(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS, "session-2-panel-economic"])
    await world.tick_at(at("13:15"))

    await world.reminders.forget(ana)
    await world.delegates.forget(ana)

    assert await world.reminder_rows() == []
    assert [r.status for r in await world.outbox()] == [CANCELLED]


async def test_a_sent_reminder_stays_sent_whatever_the_scheduler_does_next(world: World) -> None:
    from sqlalchemy import update

    from bot.outbox.models import OutboxMessage

    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])
    await world.tick_at(at("13:15"))
    async with world.database.session() as db:  # what the dispatcher records
        await db.execute(update(OutboxMessage).values(status=SENT))

    for minute in range(16, 40):
        await world.tick_at(at(f"13:{minute}"))

    assert [r.status for r in await world.outbox()] == [SENT]
    assert [r.status for r in await world.reminder_rows()] == [QUEUED]


async def test_a_reminder_waits_while_nothing_is_due(world: World) -> None:
    ana = await world.delegate(1)
    await world.reminders.subscribe(ana, [CRISIS])

    report = await world.reminders.tick()

    assert not report.queued_any
    assert [r.status for r in await world.reminder_rows()] == [WAITING]


async def test_a_tick_that_cannot_queue_its_messages_claims_no_reminder(world: World) -> None:
    """Fail closed: the reminder's claim and its outbox row are one transaction."""
    person = await world.delegate(300)
    await world.reminders.subscribe(person, [CRISIS])
    world.clock.set(at("13:16"))

    async with refusing_inserts(world.database, "outbox"):
        with pytest.raises(DBAPIError):
            await world.reminders.tick()
        assert {r.status for r in await world.reminder_rows()} == {WAITING}
    await world.reminders.tick()

    assert [row.chat_id for row in await world.outbox()] == [person]
