"""QuestionService on the real database: when sessions take questions, the moderation queue, decisions
made once however many moderators press, the approved list, and /forget."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.event.service import EventService, session_by_id
from bot.i18n import Translator
from bot.outbox import payload
from bot.outbox.models import CANCELLED, PENDING, SENDING, SENT, OutboxMessage
from bot.outbox.payload import Edit
from bot.questions.models import APPROVED, REJECTED, STEP_SESSION, STEP_VISIBILITY, Question
from bot.questions.models import PENDING as QUESTION_PENDING
from bot.questions.service import MAX_LENGTH, MAX_PENDING, QuestionError, open_sessions, takes_questions
from bot.questions.web import page_path, page_token, render_page
from tests.faults import refusing_inserts
from tests.questions.conftest import ORGANISER, SESSION_1, World

JAKARTA = "+07:00"


def at(clock_time: str, day: str = "2019-09-10") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock_time}:00{JAKARTA}")


def texts_of(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [reply.text for reply in payload.load(row.payload)]


# --- when --------------------------------------------------------------------------------------


async def test_a_session_takes_questions_from_five_minutes_before_its_start_until_its_end(world: World) -> None:
    snap = await EventService(world.database).snapshot()
    session = session_by_id(snap, "session-2-crisis")  # 13:30-15:30
    assert session is not None

    assert not takes_questions(session, at("13:24"))
    assert takes_questions(session, at("13:25"))
    assert takes_questions(session, at("15:29"))
    assert not takes_questions(session, at("15:30"))


async def test_meals_breaks_and_cancelled_sessions_take_no_questions(world: World) -> None:
    snap = await EventService(world.database).snapshot()
    assert [s.id for s in open_sessions(snap, at("12:30"))] == []  # lunch
    crisis = session_by_id(snap, "session-2-crisis")
    assert crisis is not None
    assert not takes_questions(dataclasses.replace(crisis, cancelled=True), at("14:00"))


async def test_parallel_sessions_are_all_open(world: World) -> None:
    snap = await EventService(world.database).snapshot()
    session = session_by_id(snap, SESSION_1)
    assert session is not None
    parallel = dataclasses.replace(session, id="workshop-b")
    both = dataclasses.replace(snap, sessions=(*snap.sessions, parallel))
    assert [s.id for s in open_sessions(both, world.clock.now())] == [SESSION_1, "workshop-b"]


async def test_no_draft_outside_a_session(world: World) -> None:
    await world.delegate(1)
    world.clock.set(at("12:30"))
    with pytest.raises(QuestionError) as refused:
        await world.questions.start_draft(1, 1, SESSION_1)
    assert refused.value.code == "closed"


# --- the draft -----------------------------------------------------------------------------------


async def test_empty_and_too_long_questions_are_refused_and_the_draft_keeps_waiting(world: World) -> None:
    await world.delegate(1)
    draft = await world.questions.start_draft(1, 1, SESSION_1)

    for text, code in (("   ", "empty"), ("x" * (MAX_LENGTH + 1), "too_long")):
        with pytest.raises(QuestionError) as refused:
            await world.questions.set_text(draft.id, 1, text)
        assert refused.value.code == code
    assert (await world.questions.open_draft(1)).step == "text"  # type: ignore[union-attr]
    assert (await world.questions.set_text(draft.id, 1, "x" * MAX_LENGTH)) is not None


async def test_an_idle_draft_stops_capturing_typed_text(world: World) -> None:
    await world.delegate(1)
    await world.questions.start_draft(1, 1, SESSION_1)
    world.clock.advance(minutes=11)
    assert await world.questions.open_draft(1) is None


async def test_someone_elses_or_an_already_sent_draft_cannot_be_submitted(world: World) -> None:
    await world.delegate(1)
    await world.delegate(2)
    draft = await world.questions.start_draft(1, 1, SESSION_1)
    await world.questions.set_text(draft.id, 1, "What about cyber norms?")

    assert await world.questions.submit(draft.id, 2, False, "D2") is None
    assert await world.questions.submit(draft.id, 1, False, "D1") is not None
    assert await world.questions.submit(draft.id, 1, True, "D1") is None  # a double tap


async def test_a_delegate_may_have_only_a_few_questions_waiting_per_session(world: World) -> None:
    await world.delegate(1)
    for n in range(MAX_PENDING):
        await world.ask(1, f"Question {n}")
    with pytest.raises(QuestionError) as refused:
        await world.questions.start_draft(1, 1, SESSION_1)
    assert refused.value.code == "limit"

    first = (await world.questions.asked(SESSION_1))[0]
    await world.questions.decide(first.id, True, ORGANISER, "Org")
    assert await world.questions.start_draft(1, 1, SESSION_1) is not None


# --- moderation ----------------------------------------------------------------------------------


async def test_each_moderator_gets_the_question_through_the_outbox_in_their_language(world: World) -> None:
    await world.moderator(901, "id")
    await world.moderator(902, "en", role="helpdesk")  # not a moderator
    await world.delegate(1, name="Ana")

    question_id = await world.ask(1, "Will the <b>Jakarta</b> Message be public?")

    rows = await world.outbox()
    assert [row.chat_id for row in rows] == [900, 901]
    assert [row.dedupe_key for row in rows] == [f"question:{question_id}:moderator:900", f"question:{question_id}:moderator:901"]
    assert {row.status for row in rows} == {PENDING}
    english, indonesian = (texts_of(row)[0] for row in rows)
    assert "Will the &lt;b&gt;Jakarta&lt;/b&gt; Message be public?" in english
    assert "anonymous" in english and "Ana" not in english
    assert Translator("id")._("Approve") in str(rows[1].payload) and "Pertanyaan" in indonesian


async def test_the_first_of_two_racing_moderators_decides_and_the_second_is_told_who(world: World) -> None:
    await world.moderator(901)
    await world.delegate(1, "id")
    question_id = await world.ask(1, "How will ASEAN coordinate?")

    approve, reject = await asyncio.gather(
        world.questions.decide(question_id, True, 901, "Budi"),
        world.service().decide(question_id, False, ORGANISER, "Org"),
    )

    assert approve is not None and reject is not None
    assert [approve.decided, reject.decided].count(True) == 1
    winner = approve if approve.decided else reject
    loser = reject if approve.decided else approve
    assert loser.question.status == winner.question.status
    assert loser.question.decided_by_name == winner.question.decided_by_name
    notices = await world.outbox(f"question:{question_id}:decision")
    assert len(notices) == 1 and notices[0].chat_id == 1
    expected = "disetujui" if winner.question.status == APPROVED else "tidak dipilih"
    assert expected in texts_of(notices[0])[0]


async def test_deciding_again_changes_nothing(world: World) -> None:
    await world.delegate(1)
    question_id = await world.ask(1, "Q?")
    first = await world.questions.decide(question_id, False, ORGANISER, "Org")
    again = await world.questions.decide(question_id, True, ORGANISER, "Org")
    assert first is not None and first.decided and first.question.status == REJECTED
    assert again is not None and not again.decided and again.question.status == REJECTED
    assert await world.questions.decide(999_999, True, ORGANISER, "Org") is None


async def test_the_approved_list_is_in_approval_order_with_names_only_when_shown(world: World) -> None:
    await world.delegate(1, name="Ana")
    await world.delegate(2, name="Budi")
    first = await world.ask(1, "First asked")
    second = await world.ask(2, "Second asked", show_name=True)
    third = await world.ask(2, "Rejected one")
    await world.questions.decide(second, True, ORGANISER, "Org")
    world.clock.advance(seconds=5)
    await world.questions.decide(first, True, ORGANISER, "Org")
    await world.questions.decide(third, False, ORGANISER, "Org")

    approved = await world.questions.approved(SESSION_1)

    assert [(q.text, q.shown_name) for q in approved] == [("Second asked", "Budi"), ("First asked", None)]
    assert (await world.questions.counts(SESSION_1)) == {APPROVED: 2, REJECTED: 1}


# --- the other moderators' cards -------------------------------------------------------------------


async def delivered(world: World, question_id: int, status: str = SENT) -> None:
    """The dispatcher's part: each moderator's card in `status` (sent: message id 7000 + chat)."""
    async with world.database.session() as db:
        for row in (await db.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(f"question:{question_id}:moderator:")))).scalars():
            row.status = status
            row.telegram_message_ids = [7000 + row.chat_id] if status == SENT else None


async def cards_closed(world: World, question_id: int) -> bool:
    async with world.database.session() as db:
        row = await db.get(Question, question_id)
        return row is not None and row.cards_closed_at is not None


async def test_a_decision_queues_an_edit_of_every_other_moderators_card_in_their_language(world: World) -> None:
    await world.moderator(901, "id")
    await world.moderator(902, "ja")
    await world.delegate(1)
    question_id = await world.ask(1, "Who funds the new centre?")
    await delivered(world, question_id)

    await world.questions.decide(question_id, True, 902, "Kenji")

    edits = await world.outbox(f"question:{question_id}:card-edit:")
    assert [row.chat_id for row in edits] == [900, 901]  # not the decider's: their press edits it
    english, indonesian = (payload.load(row.payload)[0] for row in edits)
    assert isinstance(english, Edit) and english.message_id == 7900 and english.buttons == ()
    assert "✅ Approved by Kenji at 10:15" in english.text and "Who funds the new centre?" in english.text
    assert "Disetujui oleh Kenji" in indonesian.text
    assert await cards_closed(world, question_id)
    assert await world.service().close_cards() == 0  # another replica, a restart: nothing twice


async def test_a_card_still_on_its_way_is_edited_by_the_card_loop_once_sent(world: World) -> None:
    await world.moderator(901)
    await world.delegate(1)
    question_id = await world.ask(1, "In flight?")
    await delivered(world, question_id, status=SENDING)
    await world.questions.decide(question_id, False, ORGANISER, "Org")
    assert await world.outbox(f"question:{question_id}:card-edit:") == []
    assert await world.questions.close_cards() == 0 and not await cards_closed(world, question_id)

    await delivered(world, question_id)
    queued = await asyncio.gather(world.questions.close_cards(), world.service().close_cards())

    assert sum(queued) == 1
    edits = await world.outbox(f"question:{question_id}:card-edit:")
    assert [row.chat_id for row in edits] == [901]
    assert "Rejected by Org" in texts_of(edits[0])[0]
    assert await cards_closed(world, question_id)


async def test_cards_not_sent_yet_are_cancelled_once_the_question_is_decided(world: World) -> None:
    await world.moderator(901)
    await world.delegate(1)
    question_id = await world.ask(1, "Still queued?")

    await world.questions.decide(question_id, True, 901, "Budi")

    cards = await world.outbox(f"question:{question_id}:moderator:")
    assert {row.status for row in cards} == {CANCELLED}
    assert await world.outbox(f"question:{question_id}:card-edit:") == []
    assert await cards_closed(world, question_id)


# --- /ask with its text while several sessions run ---------------------------------------------------


async def test_a_text_held_while_choosing_the_session_goes_to_the_chosen_session(world: World) -> None:
    await world.delegate(1)
    held = await world.questions.hold_text(1, 1, "  Which session am I in?  ")
    assert held.step == STEP_SESSION and held.text == "Which session am I in?"
    assert (await world.questions.open_draft(1)) == held  # typed messages pass on: it waits for a button

    draft = await world.questions.start_draft(1, 1, SESSION_1)

    assert draft.step == STEP_VISIBILITY and draft.text == "Which session am I in?" and draft.session_id == SESSION_1
    assert await world.questions.submit(draft.id, 1, False, "D1") is not None
    assert [q.text for q in await world.questions.asked(SESSION_1)] == ["Which session am I in?"]


async def test_a_held_text_is_checked_and_forgotten_when_idle(world: World) -> None:
    await world.delegate(1)
    with pytest.raises(QuestionError) as refused:
        await world.questions.hold_text(1, 1, "x" * (MAX_LENGTH + 1))
    assert refused.value.code == "too_long"
    await world.questions.hold_text(1, 1, "Too late?")
    world.clock.advance(minutes=11)
    assert (await world.questions.start_draft(1, 1, SESSION_1)).step == "text"


# --- /forget -------------------------------------------------------------------------------------


async def test_forget_deletes_waiting_questions_and_keeps_approved_ones_anonymous(world: World) -> None:
    await world.delegate(1, name="Ana")
    approved = await world.ask(1, "Kept, without my name", show_name=True)
    waiting = await world.ask(1, "Deleted")
    await world.questions.decide(approved, True, ORGANISER, "Org")

    await world.questions.forget(1)

    kept = await world.questions.get(approved)
    assert kept is not None and kept.user_id is None and kept.shown_name is None and kept.asker_name is None
    assert await world.questions.get(waiting) is None
    assert await world.outbox(f"question:{waiting}:") == []
    erased = [row for row in await world.outbox("erased:") if row.source_id == f"question:{waiting}"]
    assert erased and {(row.status, row.chat_id, str(row.payload)) for row in erased} == {(CANCELLED, 0, "[]")}  # never sent
    assert [q.status for q in await world.questions.asked(SESSION_1)] == [APPROVED]
    assert QUESTION_PENDING not in await world.questions.counts(SESSION_1)
    assert await world.outbox(f"question:{approved}:decision") == []  # the notice to Ana is erased
    assert all("Ana" not in str(row.payload) for row in await world.outbox(f"question:{approved}:"))  # English


async def test_forget_edits_the_cards_of_a_deleted_question_and_keeps_an_approved_ones_cards_editable(world: World) -> None:
    await world.moderator(901, "id")
    await world.delegate(1, name="Zanaida")
    approved = await world.ask(1, "Kept, without my name", show_name=True)
    waiting = await world.ask(1, "Deleted, cards too")
    await delivered(world, approved)
    await delivered(world, waiting)
    await world.questions.decide(approved, True, ORGANISER, "Org")  # an edit of 901's card is queued

    await world.questions.forget(1)

    gone = await world.outbox(f"question:{waiting}:gone:")
    assert [(row.chat_id, row.status) for row in gone] == [(900, "pending"), (901, "pending")]
    card = payload.load(gone[1].payload)[0]
    assert isinstance(card, Edit) and card.message_id == 7901 and card.buttons == ()
    assert "Deleted, cards too" not in card.text and "Zanaida" not in card.text and "tidak tersedia lagi" in card.text  # 901 reads Indonesian
    cards = await world.outbox(f"question:{approved}:moderator:")
    assert [(row.status, row.telegram_message_ids, row.payload) for row in cards] == [(SENT, [7900], []), (SENT, [7901], [])]
    [edit] = await world.outbox(f"question:{approved}:card-edit:")  # still to be sent: shown without the name
    rendered = payload.load(edit.payload)[0]
    assert isinstance(rendered, Edit) and rendered.message_id == 7901
    assert "Kept, without my name" in rendered.text and "Zanaida" not in rendered.text and "Disetujui oleh Org" in rendered.text


# --- the chair's page ----------------------------------------------------------------------------


def test_the_page_token_is_per_session_and_per_secret() -> None:
    assert page_token(b"a" * 32, "s1") == page_token(b"a" * 32, "s1")
    assert page_token(b"a" * 32, "s1") != page_token(b"a" * 32, "s2")
    assert page_token(b"a" * 32, "s1") != page_token(b"b" * 32, "s1")
    assert page_path(b"a" * 32, "a b/c").startswith("/questions/a%20b%2Fc/")


def test_the_page_escapes_what_delegates_wrote_and_refreshes_itself() -> None:
    html = render_page(Translator("en"), "Questions", "Today", [("<script>alert(1)</script>", None), ("Fine?", "Ana & Co")])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Ana &amp; Co" in html and "— anonymous" in html
    assert '<meta http-equiv="refresh" content="15">' in html



async def test_a_decision_whose_notice_cannot_be_queued_is_not_taken(world: World) -> None:
    """Fail closed: the first press decides only together with the delegate's notice."""
    await world.delegate(10)
    await world.moderator(20)
    question = await world.ask(10, "How will ASEAN fund it?")

    async with refusing_inserts(world.database, "outbox"):
        with pytest.raises(DBAPIError):
            await world.questions.decide(question, True, 20, "Mod")
    assert (await world.questions.get(question)).status == QUESTION_PENDING  # type: ignore[union-attr]
    decision = await world.questions.decide(question, True, 20, "Mod")

    assert decision is not None and decision.decided
