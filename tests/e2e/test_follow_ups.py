"""Compound and follow-up questions through the real bot, model and emulator, in English and
Indonesian: a message that asks two things gets both answers; "and tomorrow?", "where is it?",
"who speaks there?" are understood against the last answer."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

from bot.helpdesk.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def ask(delegate, question: str) -> str:  # type: ignore[no-untyped-def]
    """Everything the bot answers to `question` (some answers are several messages)."""
    before = len(delegate.replies)
    await delegate.send(question)
    await delegate.wait_replies(1, timeout=20)
    with contextlib.suppress(TimeoutError):
        while True:
            await delegate.wait_replies(1, timeout=0.7)
    return "\n".join(r.text or "" for r in delegate.replies[before:])


async def tickets_of(harness, user_id: int) -> list[Ticket]:  # type: ignore[no-untyped-def]
    async with harness.services.database.session() as db:
        return list((await db.execute(select(Ticket).where(Ticket.user_id == user_id))).scalars())


@pytest.mark.parametrize(("language", "question", "facts"), [
    ("en", "where is lunch and what's the wifi?", ["Orchid", "RCDD2019"]),
    ("en", "what is the dress code? also how do I contact the organisers", ["batik", "helpdesk@rcdd.example"]),
    ("id", "makan siang di mana dan password wifinya apa?", ["Orchid", "RCDD2019"]),
    ("id", "pakai baju apa, terus registrasi di mana?", ["batik", "Foyer"]),
])
async def test_a_question_asking_two_things_gets_both_answers(harness, language: str, question: str, facts: list[str]) -> None:
    delegate = harness.user(4100 + len(question), "Dewi", language_code=language)
    text = await ask(delegate, question)
    for fact in facts:
        assert fact.lower() in text.lower(), f"{question!r}: {fact!r} not in:\n{text}"
    assert not await tickets_of(harness, delegate.id), "nothing went to the helpdesk"


async def test_an_off_topic_part_goes_to_the_helpdesk_and_the_rest_is_answered(harness) -> None:
    delegate = harness.user(4201, "Ken", language_code="en")
    text = await ask(delegate, "what's the wifi password and who won the football last night?")
    assert "RCDD2019" in text and "helpdesk" in text.lower()
    assert [t.text for t in await tickets_of(harness, 4201)] == ["what's the wifi password and who won the football last night?"]


async def test_english_follow_ups_resolve_against_the_last_answer(harness) -> None:
    delegate = harness.user(4301, "Ana", language_code="en")
    assert "Opening ceremony" in await ask(delegate, "when is the opening ceremony?")
    assert "Retno" in await ask(delegate, "who speaks there?")
    assert "Grand Ballroom" in await ask(delegate, "and where is it?")
    assert "Lunch" in await ask(delegate, "what's on the agenda today?")
    tomorrow = await ask(delegate, "and tomorrow?")
    assert "Wednesday" in tomorrow and "Jakarta Message" in tomorrow
    assert "Orchid" in await ask(delegate, "where is lunch?")
    assert "12:30" in await ask(delegate, "what about tomorrow?")  # day 2's lunch starts at 12:30


async def test_indonesian_follow_ups_resolve_against_the_last_answer(harness) -> None:
    delegate = harness.user(4302, "Sari", language_code="id")
    assert "08.30" in await ask(delegate, "upacara pembukaan jam berapa?")
    assert "Retno" in await ask(delegate, "siapa pembicaranya?")
    assert "Grand Ballroom" in await ask(delegate, "tempatnya di mana?")
    assert "Makan siang" in await ask(delegate, "jadwal hari ini apa saja?")
    assert "Rabu" in await ask(delegate, "kalau besok?")


async def test_a_follow_up_after_another_subject_is_not_misread(harness) -> None:
    delegate = harness.user(4303, "Lee", language_code="en")
    await ask(delegate, "when is the opening ceremony?")
    await ask(delegate, "what's the wifi password?")
    assert "Opening ceremony" not in await ask(delegate, "who speaks there?")  # the last answer was the Wi-Fi
