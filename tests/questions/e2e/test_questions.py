"""Questions to speakers in Telegram, end to end: the real bot polling the Bot API emulator, delegates
asking during a session, moderators deciding in their chats, the approved list and the chair's page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.questions.feature import Questions
from bot.questions.models import APPROVED, PENDING, Question
from bot.questions.web import page_path
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.emulator.state import SentMessage
from bot.telegram.emulator.users import EmulatedUser
from nlu.testing import session_interpreter
from tests.conftest import DAY1_MORNING, SAMPLE_EVENT
from tests.e2e.conftest import ORGANISER_ID, Harness, harness_settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WAIT = 20
SESSION_1 = "session-1-general-debate"


async def reply_where(user: EmulatedUser, wanted: str, limit: int = 10) -> SentMessage:
    """The next reply containing `wanted`, skipping others."""
    seen = []
    for _ in range(limit):
        reply = await user.next_reply(timeout=WAIT)
        if wanted in (reply.text or ""):
            return reply
        seen.append(reply.text)
    raise AssertionError(f"no reply with {wanted!r} for {user.name}; got {seen}")


async def moderator(harness: Harness, user_id: int, name: str, language: str = "en") -> EmulatedUser:
    """Someone with the moderator role (granted as `python -m bot roles add moderator ID` does)."""
    assert harness.services is not None
    user = harness.user(user_id, name, language_code=language)
    await harness.services.delegates.seen(user_id, user_id, harness.clock.now(), first_name=name, language_code=language)
    await harness.services.roles.grant(user_id, "moderator", harness.clock.now())
    return user


async def ask(delegate: EmulatedUser, text: str, visibility: str) -> SentMessage:
    """/ask during a session, the question typed, anonymous or not: the bot's thank-you."""
    await delegate.command("/ask")
    await delegate.next_reply(timeout=WAIT)
    await delegate.send(text)
    choice = await delegate.next_reply(timeout=WAIT)
    await delegate.press(choice, next(b.text for row in choice.buttons for b in row if b.text.startswith(visibility)))
    return await delegate.next_reply(timeout=WAIT)


async def question_rows(harness: Harness) -> list[Question]:
    assert harness.services is not None
    async with harness.services.database.session() as db:
        return list((await db.execute(select(Question).where(Question.status != "discarded").order_by(Question.id))).scalars())


def page_url(harness: Harness, session_id: str, token_session: str | None = None) -> str:
    assert harness.bot is not None and harness.services is not None
    path = page_path(harness.services.features.get(Questions).page_secret, token_session or session_id)
    if token_session is not None:
        path = path.replace(path.split("/")[2], session_id)
    return f"http://127.0.0.1:{harness.bot.http.port}{path}"


async def test_an_anonymous_question_is_approved_the_delegate_hears_it_in_indonesian_and_the_list_shows_it(harness: Harness) -> None:
    organiser = harness.user(ORGANISER_ID, "Olga")
    delegate = harness.user(3001, "Siti", language_code="id")

    await delegate.command("/ask")
    prompt = await delegate.next_reply(timeout=WAIT)
    assert "Ketik pertanyaan Anda" in prompt.text and "Sesi 1" in prompt.text
    await delegate.send("Bagaimana <diplomasi> digital membantu warga?")
    choice = await delegate.next_reply(timeout=WAIT)
    assert choice.button_texts[0] == ["🙈 Anonim", "👤 Tampilkan nama saya"]
    await delegate.press(choice, "🙈 Anonim")
    thanks = await delegate.next_reply(timeout=WAIT)
    assert "dikirim ke moderator" in thanks.text

    card = await reply_where(organiser, "Question #")
    assert "Bagaimana <diplomasi> digital membantu warga?" in card.text and "anonymous" in card.text and "Siti" not in card.text
    await organiser.press(card, "✅ Approve")
    decided = await reply_where(organiser, "Approved by Olga")
    assert decided.edited and decided.buttons == ()

    notice = await reply_where(delegate, "disetujui")
    assert "Bagaimana <diplomasi> digital membantu warga?" in notice.text

    await organiser.command("/questions")
    listing = await reply_where(organiser, "Approved questions")
    assert "1. Bagaimana <diplomasi> digital membantu warga?" in listing.text
    assert "— anonymous" in listing.text and "Siti" not in listing.text
    assert page_url(harness, SESSION_1).split(":", 2)[2].split("/", 1)[1] in listing.text  # the chair's page link


async def test_the_ask_button_on_a_session_card_and_a_question_with_the_name_shown(harness: Harness) -> None:
    moderator_user = await moderator(harness, 4001, "Budi")
    delegate = harness.user(3002, "Ana")

    await delegate.command("/now")
    now = await delegate.next_reply(timeout=WAIT)
    await delegate.press(now, callback_data=f"s:{SESSION_1}")
    card = await delegate.next_reply(timeout=WAIT)
    assert "🙋 Ask a question" in [b.text for row in card.buttons for b in row]
    await delegate.press(card, "🙋 Ask a question")
    prompt = await delegate.next_reply(timeout=WAIT)
    assert "Type your question" in prompt.text
    await delegate.send("Which platforms work best for consular crises?")
    choice = await delegate.next_reply(timeout=WAIT)
    await delegate.press(choice, "👤 Show my name")
    assert "with your name" in (await delegate.next_reply(timeout=WAIT)).text

    mod_card = await reply_where(moderator_user, "Question #")
    assert "from Ana" in mod_card.text
    await moderator_user.press(mod_card, "✅ Approve")
    await reply_where(moderator_user, "Approved by Budi")
    await moderator_user.command("/questions")
    listing = await reply_where(moderator_user, "Approved questions")
    assert "1. Which platforms work best for consular crises?\n— Ana" in listing.text


async def test_a_rejected_question_is_told_to_the_delegate_and_stays_off_the_list(harness: Harness) -> None:
    moderator_user = await moderator(harness, 4002, "Chen")
    delegate = harness.user(3003, "Ana")

    await ask(delegate, "Off-topic question", "🙈")
    card = await reply_where(moderator_user, "Question #")
    await moderator_user.press(card, "✖️ Reject")
    await reply_where(moderator_user, "Rejected by Chen")

    assert "not selected" in (await reply_where(delegate, "moderators")).text
    await moderator_user.command("/questions")
    listing = await reply_where(moderator_user, "Approved questions")
    assert "No approved questions yet." in listing.text and "Off-topic" not in listing.text


async def test_two_moderators_pressing_at_once_decide_once_and_the_second_is_told_who_decided(harness: Harness) -> None:
    await _race(harness)


async def test_two_moderators_racing_on_postgresql(pg_harness: Harness) -> None:
    await _race(pg_harness)


async def _race(harness: Harness) -> None:
    first = await moderator(harness, 4003, "Dewi")
    second = await moderator(harness, 4004, "Eko")
    delegate = harness.user(3004, "Ana")
    await ask(delegate, "Who decides first?", "🙈")
    card_1 = await reply_where(first, "Question #")
    card_2 = await reply_where(second, "Question #")

    await asyncio.gather(first.press(card_1, "✅ Approve"), second.press(card_2, "✖️ Reject"))

    outcomes = await asyncio.gather(reply_where(first, "by "), reply_where(second, "by "))
    rows = await question_rows(harness)
    assert len(rows) == 1 and rows[0].status in (APPROVED, "rejected")
    winner = rows[0].decided_by_name
    assert all(winner in o.text for o in outcomes)
    loser = second if winner == "Dewi" else first
    told = await reply_where(loser, "already decided")
    assert winner in told.text
    notice = await delegate.next_reply(timeout=WAIT)
    assert ("was approved" in notice.text) == (rows[0].status == APPROVED)
    await delegate.expect_silence(0.5)  # one notice, not two


async def test_the_other_moderators_card_shows_the_decision_without_any_press(harness: Harness) -> None:
    first = await moderator(harness, 4005, "Dewi")
    second = await moderator(harness, 4006, "Eko", language="id")
    delegate = harness.user(3012, "Ana")
    await ask(delegate, "Will the cards keep up?", "🙈")
    card_1 = await reply_where(first, "Question #")
    card_2 = await reply_where(second, "Pertanyaan #")
    assert card_2.buttons != ()

    await first.press(card_1, "✅ Approve")

    shown = await reply_where(second, "Disetujui oleh Dewi")  # Indonesian, in Eko's own chat
    assert shown.edited and shown.message_id == card_2.message_id and shown.buttons == ()
    assert "Will the cards keep up?" in shown.text
    await second.expect_silence(0.5)  # one edit, no new message
    rows = await question_rows(harness)
    assert rows[0].status == APPROVED and rows[0].cards_closed_at is not None


async def test_forged_and_foreign_buttons_decide_nothing(harness: Harness) -> None:
    organiser = harness.user(ORGANISER_ID, "Olga")
    delegate = harness.user(3005, "Ana")
    other = harness.user(3006, "Bob")
    await ask(delegate, "A fair question", "🙈")
    card = await reply_where(organiser, "Question #")
    question_id = (await question_rows(harness))[0].id

    await other.command("/help")
    some_message = (await other.wait_replies(1, timeout=WAIT))[0]
    await other.press_raw(some_message, f"qm:a:{question_id}")  # a delegate forging the moderator's button
    assert "only the event's moderators" in (await reply_where(other, "moderators")).text
    await other.press_raw(some_message, "qa:anon:1")  # someone else's draft
    assert "no longer valid" in (await reply_where(other, "valid")).text
    await organiser.press_raw(card, "qm:a:not-a-number")
    assert "no longer valid" in (await reply_where(organiser, "valid")).text
    await organiser.press_raw(card, "qm:a:999999")
    assert "no longer available" in (await reply_where(organiser, "available")).text

    assert [row.status for row in await question_rows(harness)] == [PENDING]


async def test_non_moderators_cannot_list_questions(harness: Harness) -> None:
    delegate = harness.user(3007, "Ana")
    await delegate.command("/questions")
    assert "only the event's moderators" in (await delegate.next_reply(timeout=WAIT)).text


async def test_ask_outside_a_session_says_what_is_on_and_the_card_has_no_ask_button(harness: Harness) -> None:
    harness.clock.set(datetime.fromisoformat("2019-09-10T12:30:00+07:00"))  # lunch
    delegate = harness.user(3008, "Ana")

    await delegate.command("/ask")
    reply = await delegate.next_reply(timeout=WAIT)
    assert "No session is taking questions right now." in reply.text
    assert "Lunch" in reply.text and "Crisis" in reply.text

    await delegate.command("/now")
    now = await delegate.next_reply(timeout=WAIT)
    await delegate.press(now, callback_data="s:session-2-crisis")
    card = await delegate.next_reply(timeout=WAIT)
    assert not any("Ask a question" in b.text for row in card.buttons for b in row)
    await delegate.press_raw(card, "qa:s:session-2-crisis")  # the button from before, or a forged one
    assert "not taking questions" in (await delegate.next_reply(timeout=WAIT)).text


async def test_stickers_and_long_texts_get_a_polite_answer_and_cancel_leaves_the_draft(harness: Harness) -> None:
    delegate = harness.user(3009, "Ana")
    await delegate.command("/ask")
    await delegate.next_reply(timeout=WAIT)

    await delegate.send_sticker()
    assert "type your question as text" in (await delegate.next_reply(timeout=WAIT)).text
    await delegate.send("x" * 501)
    assert "501 characters" in (await delegate.next_reply(timeout=WAIT)).text
    await delegate.command("/cancel")
    assert "not sent" in (await delegate.next_reply(timeout=WAIT)).text
    assert await question_rows(harness) == []


async def test_the_chairs_page_shows_approved_questions_only_with_the_right_token(harness: Harness) -> None:
    organiser = harness.user(ORGANISER_ID, "Olga")
    delegate = harness.user(3010, "Ana")
    await ask(delegate, "Is <script>alert(1)</script> escaped?", "👤")
    card = await reply_where(organiser, "Question #")
    await organiser.press(card, "✅ Approve")
    await reply_where(organiser, "Approved by")

    async with httpx.AsyncClient() as client:
        right = await client.get(page_url(harness, SESSION_1))
        wrong = await client.get(page_url(harness, SESSION_1).rsplit("/", 1)[0] + "/" + "0" * 32)
        other_session = await client.get(page_url(harness, "session-2-crisis", token_session=SESSION_1))

    assert right.status_code == 200 and right.headers["content-type"].startswith("text/html")
    assert "Is &lt;script&gt;alert(1)&lt;/script&gt; escaped?" in right.text and "<script>" not in right.text
    assert "— Ana" in right.text and 'http-equiv="refresh"' in right.text
    assert wrong.status_code == 404 and other_session.status_code == 404


@pytest.fixture
async def parallel_harness(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    """The sample event plus a workshop running beside session 1."""
    text = SAMPLE_EVENT.read_text(encoding="utf-8")
    workshop = (
        "  - id: workshop-e-consular\n    title: {en: \"Side workshop on e-consular services\"}\n    kind: session\n"
        "    start: 2019-09-10 10:00\n    end: 2019-09-10 11:00\n    room: exhibition-hall\n\n"
    )
    event_file = tmp_path / "event.yml"
    event_file.write_text(text.replace("  - id: session-1-general-debate\n", workshop + "  - id: session-1-general-debate\n", 1), encoding="utf-8")
    settings = harness_settings(f"sqlite:///{tmp_path / 'bot.db'}", emulator, event_file=event_file)
    h = Harness(emulator, settings, ManualClock(DAY1_MORNING), session_interpreter())
    await h.start()
    yield h
    await h.stop()


async def test_with_parallel_sessions_the_delegate_chooses_which_one(parallel_harness: Harness) -> None:
    organiser = parallel_harness.user(ORGANISER_ID, "Olga")
    delegate = parallel_harness.user(3011, "Ana")

    await delegate.command("/ask")
    choice = await delegate.next_reply(timeout=WAIT)
    assert "Several sessions are running" in choice.text and len(choice.buttons) == 2
    await delegate.press(choice, callback_data="qa:s:workshop-e-consular")
    prompt = await delegate.next_reply(timeout=WAIT)
    assert prompt.edited and "Side workshop on e-consular services" in prompt.text
    await delegate.send("Is there an app for passport renewals?")
    visibility = await delegate.next_reply(timeout=WAIT)
    await delegate.press(visibility, "🙈 Anonymous")
    await delegate.next_reply(timeout=WAIT)
    assert "Side workshop" in (await reply_where(organiser, "Question #")).text

    await organiser.command("/questions")
    sessions = await reply_where(organiser, "which session")
    assert len(sessions.buttons) == 2


async def test_ask_with_its_text_while_two_sessions_run_keeps_the_text_for_the_chosen_session(parallel_harness: Harness) -> None:
    organiser = parallel_harness.user(ORGANISER_ID, "Olga")
    delegate = parallel_harness.user(3013, "Ana")

    await delegate.command("/ask Will the e-visa cover transit stops?")
    choice = await delegate.next_reply(timeout=WAIT)
    assert "Several sessions are running" in choice.text and "Will the e-visa cover transit stops?" in choice.text
    assert choice.button_texts[-1] == ["Cancel"]
    await delegate.press(choice, callback_data="qa:s:workshop-e-consular")

    visibility = await delegate.next_reply(timeout=WAIT)  # no "type your question" again
    assert visibility.edited and "Will the e-visa cover transit stops?" in visibility.text
    await delegate.press(visibility, "🙈 Anonymous")
    assert "Side workshop" in (await delegate.next_reply(timeout=WAIT)).text
    card = await reply_where(organiser, "Question #")
    assert "Side workshop" in card.text and "Will the e-visa cover transit stops?" in card.text
