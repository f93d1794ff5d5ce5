"""Delegates subscribe to reminders through the real bot (buttons, commands, free text in English and
Indonesian) and receive them on time, once, in their language; restarts and downtime lose nothing.
The clock is a ManualClock moved by the test; Telegram is the emulator at its real limits."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from bot.accreditation.feature import Accreditation
from bot.delegates.models import Delegate
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.outbox.models import FAILED, SENT, OutboxMessage
from bot.reminders.feature import Reminders
from bot.reminders.service import KIND, ReminderService
from tests.e2e.conftest import ORGANISER_ID
from tests.reminders.conftest import CRISIS, EVENT_TEXT, at, moved, without

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CRISIS_TITLE = "Session 2: The Role of Digital Diplomacy in Crisis Situation"


def reminders(harness) -> ReminderService:  # type: ignore[no-untyped-def]
    return harness.services.features.get(Reminders).service  # type: ignore[no-any-return]


async def subscribed_crowd(harness, first: int, count: int, session: str = CRISIS) -> list:  # type: ignore[no-untyped-def]
    """`count` delegates who talked to the bot and asked for a reminder of `session`."""
    people = [harness.user(first + i, f"D{i}") for i in range(count)]
    for person in people:
        await harness.services.delegates.seen(person.id, person.id, harness.clock.now(), first_name=person.name, language_code="en")
        await reminders(harness).subscribe(person.id, [session])
    return people


async def until_all_sent(harness, count: int, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Waits until `count` reminder rows are in the outbox and all of them are recorded as sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with harness.services.database.session() as db:
            statuses = list((await db.execute(select(OutboxMessage.status).where(OutboxMessage.kind == KIND))).scalars())
        if len(statuses) >= count and set(statuses) == {SENT}:
            return
        assert loop.time() < deadline, f"reminder rows not all sent within {timeout:g} s: {Counter(statuses)}"
        await asyncio.sleep(0.05)


def reminder_texts(person) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in person.replies if m.text.startswith("🔔 " + CRISIS_TITLE)]


async def test_remind_me_button_gives_one_reminder_fifteen_minutes_before(harness) -> None:
    ana = harness.user(5001, "Ana")
    await ana.send("tell me about the session on crisis diplomacy")
    detail = await ana.next_reply(timeout=20)
    await ana.press(detail, "🔔 Remind me")
    confirmation = await ana.next_reply(timeout=20)
    assert "I'll remind you 15 minutes before Session 2" in confirmation.text

    harness.clock.set(at("13:14"))
    await ana.expect_silence(within=1.5, after=harness.clock.went_round("reminders"))
    harness.clock.set(at("13:15"))
    reminder = await ana.next_reply(timeout=20)

    assert reminder.text == f"🔔 {CRISIS_TITLE}\nStarts in 15 minutes, at 1:30\u202fPM.\n📍 Grand Ballroom"
    assert reminder.button_texts == [["ℹ️ Details", "📍 Venue"]]
    assert reminder.html.startswith("🔔 <b>Session 2")
    harness.clock.advance(minutes=10)
    await ana.expect_silence(within=1.5, after=harness.clock.went_round("reminders"))
    await ana.press(reminder, "ℹ️ Details")
    assert "Crisis" in (await ana.next_reply(timeout=20)).text


async def test_remind_me_in_indonesian_free_text(harness) -> None:
    sari = harness.user(5002, "Sari", language_code="id")
    await sari.send("ingatkan saya sebelum sesi 2")
    confirmation = await sari.next_reply(timeout=20)
    assert "15 menit" in confirmation.text and "Peran Diplomasi Digital dalam Situasi Krisis" in confirmation.text

    harness.clock.set(at("13:15"))
    reminder = await sari.next_reply(timeout=20)

    assert "Peran Diplomasi Digital dalam Situasi Krisis" in reminder.text
    assert "15 menit" in reminder.text and "13.30" in reminder.text


async def test_remind_me_about_a_whole_day(harness) -> None:
    ana = harness.user(5003, "Ana")
    await ana.send("remind me about the sessions tomorrow")
    confirmation = await ana.next_reply(timeout=20)

    assert "before each of these sessions of Day 2" in confirmation.text
    assert "Jakarta Message" in confirmation.text


async def test_the_delegate_chooses_thirty_minutes_before(harness) -> None:
    ana = harness.user(5004, "Ana")
    await ana.send("remind me about session 2")
    confirmation = await ana.next_reply(timeout=20)
    await ana.press(confirmation, "30 minutes")
    edited = await ana.next_reply(timeout=20)
    assert edited.edited and "I'll remind you 30 minutes before each session" in edited.text
    assert ["5 minutes", "15 minutes", "✓ 30 minutes", "1 hour"] in edited.button_texts

    harness.clock.set(at("13:00"))
    reminder = await ana.next_reply(timeout=20)

    assert "Starts in 30 minutes" in reminder.text


async def test_reminders_lists_them_and_a_button_cancels_one(harness) -> None:
    ana = harness.user(5005, "Ana")
    await ana.command("/reminders")
    assert "You have no reminders" in (await ana.next_reply(timeout=20)).text
    await harness.services.delegates.seen(ana.id, ana.id, harness.clock.now())
    await reminders(harness).subscribe(ana.id, [CRISIS, "closing-jakarta-message"])

    await ana.command("/reminders")
    listing = await ana.next_reply(timeout=20)
    assert "Your reminders" in listing.text and "Crisis" in listing.text and "Jakarta Message" in listing.text
    # The label is cut to fit a button ("✖️ 1:30 PM Session 2: The Role of Digital Diplomac…"): the
    # delegate recognises the session by its time and number.
    cancel = next(text for row in listing.button_texts for text in row if text.startswith("✖️") and "Session 2:" in text)
    await ana.press(listing, cancel)
    edited = await ana.next_reply(timeout=20)

    assert edited.edited and "Reminder cancelled" in edited.text and "Crisis" not in edited.text.split("\n", 1)[1]
    harness.clock.set(at("13:15"))
    await ana.expect_silence(within=1.5, after=harness.clock.went_round("reminders"))


async def test_my_agenda_offers_a_calendar_file(harness) -> None:
    ana = harness.user(5006, "Ana")
    await ana.command("/myagenda")
    assert "Your agenda is empty" in (await ana.next_reply(timeout=20)).text
    await reminders(harness).subscribe(ana.id, [CRISIS, "closing-jakarta-message"])

    await ana.command("/myagenda")
    agenda = await ana.next_reply(timeout=20)
    assert "My agenda" in agenda.text and "Wednesday" in agenda.text
    await ana.press(agenda, "📅 Add to my calendar")
    document = await ana.next_reply(timeout=20)

    assert document.document is not None and document.document.filename == "rcdd2019-my-agenda.ics"
    calendar = document.document.data.decode("utf-8")
    assert calendar.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20190910T063000Z" in calendar and "DTSTART:20190911T063000Z" in calendar


async def test_every_delegate_gets_one_reminder_across_a_restart_in_the_middle_of_the_window(harness) -> None:
    crowd = await subscribed_crowd(harness, 6000, 90)  # three seconds of sending at 30 messages a second

    harness.clock.set(at("13:15"))
    await harness.emu.state.changed.wait_for(lambda: sum(len(reminder_texts(p)) for p in crowd) >= 20, 30)
    await harness.restart()
    await harness.emu.state.changed.wait_for(lambda: all(reminder_texts(p) for p in crowd), 60)
    # Every reminder row recorded as sent: nothing is left to go out, so the count below is final.
    await until_all_sent(harness, len(crowd))

    assert Counter(len(reminder_texts(p)) for p in crowd) == {1: len(crowd)}
    assert sum(1 for c in harness.emu.calls if c.status == 429) == 0


async def test_a_reminder_due_while_the_bot_was_down_is_sent_when_it_comes_back(harness) -> None:
    ana = harness.user(5007, "Ana")
    await harness.services.delegates.seen(ana.id, ana.id, harness.clock.now())
    await reminders(harness).subscribe(ana.id, [CRISIS])

    await harness.stop()
    harness.clock.set(at("13:26"))
    await harness.start()

    reminder = await ana.next_reply(timeout=20)
    assert "Starts in 4 minutes" in reminder.text


async def test_no_reminder_for_a_session_already_under_way_after_downtime(harness) -> None:
    ana = harness.user(5008, "Ana")
    await harness.services.delegates.seen(ana.id, ana.id, harness.clock.now())
    await reminders(harness).subscribe(ana.id, [CRISIS])

    await harness.stop()
    harness.clock.set(at("13:31"))
    await harness.start()

    await ana.expect_silence(within=2.0, after=harness.clock.went_round("reminders"))


async def test_a_moved_session_moves_its_reminder(harness) -> None:
    ana = harness.user(5009, "Ana")
    await harness.services.delegates.seen(ana.id, ana.id, harness.clock.now())
    await reminders(harness).subscribe(ana.id, [CRISIS])

    await import_event(harness.services.database, parse_event(moved(EVENT_TEXT, CRISIS, "2019-09-10 14:30", "2019-09-10 15:30")), harness.clock.now())
    harness.clock.set(at("13:15"))
    await ana.expect_silence(within=1.5, after=harness.clock.went_round("reminders"))
    harness.clock.set(at("14:15"))

    assert "at 2:30\u202fPM" in (await ana.next_reply(timeout=20)).text


async def test_a_cancelled_session_is_announced_once_instead_of_reminded(harness) -> None:
    ana = harness.user(5010, "Ana")
    await harness.services.delegates.seen(ana.id, ana.id, harness.clock.now())
    await reminders(harness).subscribe(ana.id, [CRISIS])

    await import_event(harness.services.database, parse_event(without(EVENT_TEXT, CRISIS)), harness.clock.now())
    notice = await ana.next_reply(timeout=20)
    assert notice.text.startswith("❌ " + CRISIS_TITLE + " has been cancelled")
    for minute in (13, 15, 20):
        harness.clock.set(at(f"13:{minute}"))
    await ana.expect_silence(within=2.0, after=harness.clock.went_round("reminders"))


async def test_a_delegate_who_blocked_the_bot_is_marked_inactive(harness) -> None:
    ana = harness.user(5011, "Ana")
    await harness.services.delegates.seen(ana.id, ana.id, harness.clock.now())
    await reminders(harness).subscribe(ana.id, [CRISIS])
    ana.block()

    harness.clock.set(at("13:15"))

    async def row_failed() -> bool:
        async with harness.services.database.session() as db:
            return (await db.execute(select(OutboxMessage.status).where(OutboxMessage.chat_id == ana.id))).scalar() == FAILED

    for _ in range(200):
        if await row_failed():
            break
        await asyncio.sleep(0.05)
    async with harness.services.database.session() as db:
        assert (await db.get(Delegate, ana.id)).active is False


async def test_an_organiser_reminds_everyone_that_day_two_starts(harness) -> None:
    organiser = harness.user(ORGANISER_ID, "Olga")
    delegates = [harness.user(5020 + i, f"D{i}", language_code=lang) for i, lang in enumerate(["en", "id", "en"])]
    for person in delegates:
        await person.command("/reminders")
        await person.next_reply(timeout=20)

    await organiser.command("/remindall day-2 30")
    scheduled = await organiser.next_reply(timeout=20)
    assert "all delegates will be told that Day 2 starts in 30 minutes" in scheduled.text

    harness.clock.set(at("07:59", day=11))
    await delegates[0].expect_silence(within=1.5, after=harness.clock.went_round("reminders"))
    harness.clock.set(at("08:00", day=11))
    for person in [*delegates, organiser]:
        message = await person.next_reply(timeout=20)
        assert message.text.startswith("📣 ")
        assert "30" in message.text
    assert "Day 2 starts in 30 minutes, at 8:30\u202fAM." in delegates[0].replies[-1].text
    assert "Hari kedua" in delegates[1].replies[-1].text


async def test_only_organisers_may_remind_everyone(harness) -> None:
    mallory = harness.user(5030, "Mallory")
    await mallory.command("/remindall day-2 30")

    assert "only the organisers" in (await mallory.next_reply(timeout=20)).text
    assert await reminders(harness).event_wide() == []


async def test_forged_reminder_buttons_get_a_polite_note(harness) -> None:
    ana = harness.user(5031, "Ana")
    await ana.command("/reminders")
    listing = await ana.next_reply(timeout=20)
    for forged in ("rm:no-such-session", "rmx:no-such-session", "rl:7", "rl:abc", "rmd:day-9", "rmw:1", "rm:#deadbeefdeadbeef"):
        query = await ana.press_raw(listing, forged)
        await ana.answer_to(query, timeout=20)
    refusals = [m.text for m in ana.replies[1:]]
    assert refusals == ["Sorry, only the organisers can do that."]  # rmw: withdrawing is for organisers
    assert await reminders(harness).entries(ana.id) == []


async def test_the_dinner_reminder_names_the_room_only_to_verified_delegates(harness) -> None:
    guest, minister = harness.user(5091, "Guest"), harness.user(5092, "Minister")
    for person in (guest, minister):
        await harness.services.delegates.seen(person.id, person.id, harness.clock.now(), first_name=person.name, language_code="en")
        await reminders(harness).subscribe(person.id, ["welcome-dinner"])
    [code] = await harness.services.features.get(Accreditation).service.issue("JP", 1)
    await harness.services.features.get(Accreditation).service.redeem(minister.id, code)

    harness.clock.set(at("18:45"))
    to_guest, to_minister = await guest.next_reply(timeout=20), await minister.next_reply(timeout=20)

    assert to_guest.text.startswith("🔔 Welcome dinner") and "Orchid Room" not in to_guest.text
    assert to_minister.text.startswith("🔔 Welcome dinner") and "📍 Orchid Room" in to_minister.text
