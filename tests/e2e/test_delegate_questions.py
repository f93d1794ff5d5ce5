"""Delegates ask in English and Indonesian and get the facts, through the real bot and model."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import pytest

from bot.delegates.models import Delegate
from bot.i18n import Translator
from tests.conftest import DAY1_MORNING

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# (language_code, question, facts that must all appear in the reply, case-insensitive)
QUESTIONS = [
    ("en", "where is the venue?", ["Mulia"]),
    ("en", "what's the wifi password?", ["RCDD2019"]),
    ("en", "what is the dress code?", ["batik"]),
    ("en", "is there halal food?", ["halal"]),
    ("en", "where is lunch?", ["Orchid"]),
    ("en", "where do I pick up my badge?", ["Foyer"]),
    ("en", "how do I get there from the airport?", ["CGK"]),
    ("en", "how can I contact the organisers?", ["helpdesk@rcdd.example"]),
    ("en", "which countries are attending?", ["Japan", "Viet Nam", "16"]),
    ("en", "what is this conference about?", ["Digital Diplomacy"]),
    ("en", "when does Retno Marsudi speak?", ["Opening", "8:30", "Grand Ballroom"]),
    ("en", "who is Cecep Herawan?", ["Director"]),
    ("en", "when is the session on crisis diplomacy?", ["Crisis", "1:30"]),
    ("en", "what's on the agenda tomorrow?", ["Wednesday", "Jakarta Message"]),
    ("en", "what's happening right now?", ["Session 1"]),
    ("en", "who are the speakers?", ["Retno", "Telkom"]),
    ("en", "which startups are exhibiting?", ["Exhibition Hall"]),
    ("en", "when does Huawei speak?", ["Economic", "3:45"]),
    ("en", "what time is the welcome dinner?", ["7:00"]),
    ("en", "what can you do?", ["/agenda"]),
    ("id", "acaranya di mana?", ["Mulia"]),
    ("id", "password wifinya apa?", ["RCDD2019"]),
    ("id", "pakai baju apa?", ["batik"]),
    ("id", "makan siang di mana?", ["Orchid"]),
    ("id", "registrasi di mana?", ["Foyer"]),
    ("id", "dari bandara naik apa ke hotel?", ["CGK"]),
    ("id", "kontak panitia?", ["helpdesk@rcdd.example"]),
    ("id", "negara mana saja yang ikut?", ["Jepang"]),
    ("id", "RCDD itu acara apa?", ["Diplomasi Digital"]),
    ("id", "kapan bu retno bicara?", ["Selasa", "08.30"]),
    ("id", "Cecep Herawan itu siapa?", ["Direktur"]),
    ("id", "sesi tentang krisis jam berapa?", ["13.30"]),
    ("id", "jadwal hari kedua apa saja?", ["Rabu"]),
    ("id", "sesi berikutnya apa?", ["Makan siang"]),
    ("id", "siapa saja pembicaranya?", ["Retno"]),
    ("id", "pameran startup di mana?", ["Exhibition Hall"]),
    ("id", "jadwal bsk apa aja?", ["Rabu"]),
    ("id", "dmn tempat makan siangnya", ["Orchid"]),
    ("id", "ada makanan halal gak?", ["halal"]),
    ("id", "kamu bisa bantu apa?", ["/agenda"]),
]


@pytest.mark.asyncio(loop_scope="module")  # one bot for the 40 questions, each from its own delegate
@pytest.mark.parametrize(("language", "question", "facts"), QUESTIONS, ids=[q for _, q, _ in QUESTIONS])
async def test_delegate_question_is_answered_with_the_facts(shared_harness, language: str, question: str, facts: list[str]) -> None:
    harness = shared_harness
    assert harness.clock.now() == DAY1_MORNING  # "what's happening right now?" is asked at 10:15 on day 1
    delegate = harness.user(2000 + QUESTIONS.index((language, question, facts)), "Dewi", language_code=language)
    await delegate.send(question)
    replies = await delegate.wait_replies(1, timeout=20)
    text = "\n".join(r.text or "" for r in await _settle(delegate, replies))
    for fact in facts:
        assert fact.lower() in text.lower(), f"{question!r}: {fact!r} not in reply:\n{text}"


async def _settle(delegate, replies):
    """Some answers are two messages (a pin, then the text): collect whatever else arrives."""
    with contextlib.suppress(TimeoutError):
        replies += await delegate.wait_replies(1, timeout=0.7)
    return delegate.replies


@pytest.mark.parametrize(("now", "expected"), [
    ("2019-09-10T08:00:00+07:00", ["Registration", "Opening"]),
    ("2019-09-10T10:15:00+07:00", ["Session 1", "Lunch"]),
    ("2019-09-10T16:00:00+07:00", ["Economic", "dinner"]),
    ("2019-09-11T09:30:00+07:00", ["Session 3", "Signing"]),
    ("2019-09-09T12:00:00+07:00", ["starts on"]),
    ("2019-09-12T12:00:00+07:00", ["has ended"]),
])
async def test_now_and_next_follow_the_clock(harness, now: str, expected: list[str]) -> None:
    harness.clock.set(datetime.fromisoformat(now))
    delegate = harness.user(3001, "Ken", language_code="en")
    await delegate.command("/now")
    text = (await delegate.next_reply(timeout=20)).text or ""
    for fact in expected:
        assert fact.lower() in text.lower(), f"at {now}: {fact!r} not in:\n{text}"


async def test_language_follows_telegram_then_the_delegates_choice(harness) -> None:
    delegate = harness.user(3002, "Sari", language_code="id")
    await delegate.command("/venue")
    replies = await delegate.wait_replies(2, timeout=20)
    directions_id = Translator("id")._("How to get there")
    assert directions_id != "How to get there", "the Indonesian catalog is loaded"
    assert any(directions_id in (b.text or "") for r in replies for row in r.buttons for b in row)
    await delegate.command("/language")
    choice = await delegate.next_reply(timeout=20)
    await delegate.press(choice, "English")
    confirmation = await delegate.next_reply(timeout=20)
    assert "English" in (confirmation.text or "")
    await delegate.send("where is the venue?")
    replies = await delegate.wait_replies(2, timeout=20)
    assert any("How to get there" in (b.text or "") for r in replies for row in r.buttons for b in row)


async def test_start_tells_the_privacy_terms_and_records_the_consent(harness) -> None:
    delegate = harness.user(3006, "Rizal", language_code="en")
    await delegate.send("hello")  # a first message before /start: known, but no consent yet
    await delegate.wait_replies(1, timeout=20)
    assert (await stored_delegate(harness, 3006)).consent is False
    await delegate.command("/start")
    welcome, *_ = await delegate.wait_replies(3, timeout=20)  # the notice, the language choice, the help
    assert "Welcome, Rizal" in (welcome.text or "") and "/forget" in (welcome.text or "")
    for _ in range(50):  # recorded right after the last message went out
        stored = await stored_delegate(harness, 3006)
        if stored.consent:
            break
        await asyncio.sleep(0.1)
    assert (stored.consent, stored.active, stored.chat_id, stored.first_name) == (True, True, 3006, "Rizal")


async def stored_delegate(harness, user_id: int) -> Delegate:  # type: ignore[no-untyped-def]
    async with harness.services.database.session() as db:
        return await db.get(Delegate, user_id)


async def test_agenda_buttons_open_a_day_and_a_session(harness) -> None:
    delegate = harness.user(3003, "Lee", language_code="en")
    await delegate.command("/agenda")
    overview = await delegate.next_reply(timeout=20)
    await delegate.press(overview, callback_data="day:day-2")
    day = await delegate.next_reply(timeout=20)
    assert "Session 3" in (day.text or "")
    session_button = next(b for row in day.buttons for b in row if (b.callback_data or "").startswith("s:"))
    await delegate.press(day, callback_data=session_button.callback_data)
    detail = await delegate.next_reply(timeout=20)
    assert "🕒" in (detail.text or "")


async def test_low_confidence_question_goes_to_the_helpdesk_never_a_guess(harness) -> None:
    delegate = harness.user(3004, "Tom", language_code="en")
    await delegate.send("what's the weather in Paris?")
    reply = await delegate.next_reply(timeout=20)
    assert "helpdesk" in (reply.text or "").lower()
    from sqlalchemy import select

    from bot.helpdesk.models import Ticket

    async with harness.services.database.session() as db:
        tickets = (await db.execute(select(Ticket))).scalars().all()
    assert [t.text for t in tickets] == ["what's the weather in Paris?"]
    assert tickets[0].ranking and tickets[0].language == "en"
