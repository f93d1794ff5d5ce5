"""Delegates rate sessions through the real bot: the prompt arrives once, a few minutes after the
session ends, in their language; rating again replaces the vote; a comment follows "Add a comment";
forged buttons get a polite note; a restart asks nobody twice. The clock is a ManualClock moved by
the test; Telegram is the emulator at its real limits; the NLU is the trained model."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.feedback.feature import Feedback
from bot.feedback.models import FeedbackVote
from bot.feedback.service import FeedbackService
from bot.outbox.models import OutboxMessage
from bot.reminders.feature import Reminders
from tests.feedback.conftest import CRISIS, PROMPT_DUE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CRISIS_TITLE = "Session 2: The Role of Digital Diplomacy in Crisis Situation"
NOT_VALID = "This button is no longer valid. Please use the menu or ask me again."


def feedback(harness) -> FeedbackService:  # type: ignore[no-untyped-def]
    return harness.services.features.get(Feedback).service  # type: ignore[no-any-return]


async def subscriber(harness, user_id: int, name: str = "Ana", language: str = "en"):  # type: ignore[no-untyped-def]
    person = harness.user(user_id, name, language_code=language)
    await harness.services.delegates.seen(person.id, person.id, harness.clock.now(), first_name=name, language_code=language)
    await harness.services.features.get(Reminders).service.subscribe(person.id, [CRISIS])
    return person


async def prompted(harness, person):  # type: ignore[no-untyped-def]
    """Moves the clock to five minutes after Session 2 ended and returns the prompt."""
    harness.clock.set(PROMPT_DUE)
    prompt = await person.next_reply(timeout=20)
    assert prompt.button_texts == [["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]]
    return prompt


async def count(harness, query) -> int:  # type: ignore[no-untyped-def]
    async with harness.services.database.session() as db:
        return int((await db.execute(query)).scalar() or 0)


async def test_a_subscriber_is_asked_once_in_indonesian_after_the_session_ends(harness) -> None:
    sari = await subscriber(harness, 6001, "Sari", "id")

    harness.clock.set(PROMPT_DUE.replace(minute=34))
    await sari.expect_silence(within=1.5, after=harness.clock.went_round("feedback"))
    prompt = await prompted(harness, sari)

    assert prompt.text == "⭐ Bagaimana Sesi 2: Peran Diplomasi Digital dalam Situasi Krisis?\nSilakan beri nilai dari 1 (buruk) sampai 5 (sangat baik)."
    harness.clock.advance(minutes=30)
    await sari.expect_silence(within=1.5, after=harness.clock.went_round("feedback"))
    await sari.press(prompt, "5 ⭐")
    thanks = await sari.next_reply(timeout=20)
    assert thanks.edited and thanks.text.startswith("Terima kasih! Anda memberi Sesi 2: Peran Diplomasi Digital dalam Situasi Krisis nilai 5 dari 5.")
    assert thanks.button_texts == [["✏️ Ubah penilaian saya", "💬 Tambahkan komentar"]]


async def test_who_opened_the_session_rates_it_and_rates_again(harness) -> None:
    ana = harness.user(6002, "Ana")
    await ana.send("tell me about the session on crisis diplomacy")
    assert "Crisis" in (await ana.next_reply(timeout=20)).text

    prompt = await prompted(harness, ana)
    await ana.press(prompt, "4 ⭐")
    rated = await ana.next_reply(timeout=20)
    assert rated.edited and rated.text == f"Thank you! You rated {CRISIS_TITLE} 4 out of 5.\n★★★★☆"
    await ana.press(rated, "✏️ Change my rating")
    again = await ana.next_reply(timeout=20)
    assert again.button_texts == [["1 ⭐", "2 ⭐", "3 ⭐", "✓ 4 ⭐", "5 ⭐"]]
    await ana.press(again, "2 ⭐")
    assert "2 out of 5" in (await ana.next_reply(timeout=20)).text

    async with harness.services.database.session() as db:
        votes = (await db.execute(select(FeedbackVote.rating).where(FeedbackVote.user_id == ana.id))).scalars().all()
    assert votes == [2]
    [result] = await feedback(harness).results()
    assert (result.prompted, result.votes, result.distribution, result.average) == (1, 1, (0, 1, 0, 0, 0), 2.0)


async def test_the_session_button_counts_as_opening_it(harness) -> None:
    budi = harness.user(6003, "Budi")
    await budi.command("/agenda")
    overview = await budi.next_reply(timeout=20)
    await budi.press(overview, callback_data="day:day-1")
    day = await budi.next_reply(timeout=20)
    await budi.press(day, callback_data=f"s:{CRISIS}")
    assert "Crisis" in (await budi.next_reply(timeout=20)).text

    await prompted(harness, budi)


async def test_the_next_message_after_add_a_comment_is_the_comment(harness) -> None:
    ana = await subscriber(harness, 6004)
    prompt = await prompted(harness, ana)
    await ana.press(prompt, "5 ⭐")
    rated = await ana.next_reply(timeout=20)

    await ana.press(rated, "💬 Add a comment")
    ask = await ana.next_reply(timeout=20)
    assert ask.text.startswith(f"💬 Please write your comment on {CRISIS_TITLE} in one message")
    await ana.send("Great <b>panel</b> & more questions please")
    saved = await ana.next_reply(timeout=20)
    assert saved.text == f"✅ Thank you, your comment on {CRISIS_TITLE} is saved."

    await ana.send("what is the wifi password?")  # an ordinary question again, answered as one
    assert "comment" not in (await ana.next_reply(timeout=20)).text
    vote = await feedback(harness).vote_of(ana.id, CRISIS)
    assert vote is not None and vote.comment == "Great <b>panel</b> & more questions please"
    [comment] = await feedback(harness).comments(CRISIS)
    assert comment.rating == 5


async def test_cancel_leaves_the_comment_unwritten(harness) -> None:
    ana = await subscriber(harness, 6005)
    prompt = await prompted(harness, ana)
    await ana.press(prompt, "3 ⭐")
    rated = await ana.next_reply(timeout=20)
    await ana.press(rated, "💬 Add a comment")
    await ana.next_reply(timeout=20)

    await ana.command("/cancel")

    assert (await ana.next_reply(timeout=20)).text == "All right, no comment."
    await ana.send("hello")
    await ana.next_reply(timeout=20)
    assert (await feedback(harness).vote_of(ana.id, CRISIS)).comment is None  # type: ignore[union-attr]


async def test_forged_rating_buttons_get_a_polite_note(harness) -> None:
    ana = await subscriber(harness, 6006)
    eve = harness.user(6007, "Eve")
    await eve.send("hello")
    greeting = await eve.next_reply(timeout=20)
    prompt = await prompted(harness, ana)

    for data in ("fb:9:" + CRISIS, "fb:0:" + CRISIS, "fb:3:no-such-session", "fb:3:lunch-day1", "fb:#0123456789abcdef", "fbm:" + CRISIS, "fbc:x"):
        query = await ana.answer_to(await ana.press_raw(prompt, data))
        assert query.answer_text == NOT_VALID, data
    not_asked = await eve.answer_to(await eve.press_raw(greeting, f"fb:5:{CRISIS}"))
    assert not_asked.answer_text == NOT_VALID

    assert await count(harness, select(func.count()).select_from(FeedbackVote)) == 0
    await ana.press(prompt, "5 ⭐")  # the real button still works
    assert "5 out of 5" in (await ana.next_reply(timeout=20)).text


async def test_a_restart_does_not_ask_again(harness) -> None:
    ana = await subscriber(harness, 6008)
    await prompted(harness, ana)

    await harness.restart()
    harness.clock.advance(minutes=10)

    await ana.expect_silence(within=2.0, after=harness.clock.went_round("feedback"))
    assert await count(harness, select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "feedback")) == 1


async def test_forget_deletes_the_vote_and_the_comment(harness) -> None:
    ana = await subscriber(harness, 6009)
    prompt = await prompted(harness, ana)
    await ana.press(prompt, "1 ⭐")
    await ana.next_reply(timeout=20)

    await ana.command("/forget")
    confirm = await ana.next_reply(timeout=20)
    await ana.press(confirm, callback_data="forget:yes")
    await ana.next_reply(timeout=20)

    assert await count(harness, select(func.count()).select_from(FeedbackVote)) == 0
    assert await feedback(harness).results() == []
