"""/forget leaves nothing of the person in the database: a delegate's whole day (a code, questions to
a speaker, a helpdesk answer, a reminder, a rating with a comment), then /forget, then every table
(found by reflecting the database, not from our models) is read whole and holds none of their
markers: Telegram id (their private chat's id too), names, username, what they wrote, what the
helpdesk answered them. The real bot, the trained model, the outbox dispatcher, the Bot API emulator.

The one thing kept by design: an approved question to a speaker stays on the session's list,
anonymous and linked to nobody (the chair may already have read it out)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import MetaData, select

from bot.accreditation.feature import Accreditation
from bot.reminders.feature import Reminders
from bot.telegram.emulator.state import SentMessage
from bot.telegram.emulator.users import EmulatedUser
from tests.e2e.conftest import ORGANISER_ID, emulator  # noqa: F401
from tests.feedback.conftest import CRISIS, PROMPT_DUE
from tests.helpdesk.e2e.conftest import WAIT, HelpdeskHarness, desk_harness  # noqa: F401
from tests.questions.e2e.test_questions import reply_where
from tests.reminders.conftest import at

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

USER_ID = 987_654_322
APPROVED = "ZQ: how do zebra crossings help digital diplomacy?"
WAITING = "ZQ: will the quagga panel be recorded?"
TICKET = "my passport X9931557 is lost, what's the weather in Paris?"
ANSWER = "Your parcel-7731 is at the desk"
COMMENT = "ZQ okapi comment: more time for questions"
MARKERS = [str(USER_ID), "Zebulon", "Quixotic", "zq_private_handle", WAITING, "X9931557", "parcel-7731", "okapi"]


async def ask(delegate: EmulatedUser, text: str, visibility: str) -> None:
    await delegate.command("/ask")
    await reply_where(delegate, "Type your question")
    await delegate.send(text)
    choice = await reply_where(delegate, text)
    await delegate.press(choice, next(b.text for row in choice.buttons for b in row if b.text.startswith(visibility)))
    await reply_where(delegate, "moderators")


async def dump(h: HelpdeskHarness) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the database, as the database has them (reflected, not our models)."""
    assert h.services is not None
    async with h.services.database.engine.connect() as conn:
        metadata = MetaData()
        await conn.run_sync(lambda sync: metadata.reflect(sync))
        return {
            name: [dict(row._mapping) for row in (await conn.execute(select(table))).all()]
            for name, table in metadata.tables.items()
        }


async def a_delegates_day(h: HelpdeskHarness) -> tuple[EmulatedUser, EmulatedUser, SentMessage]:
    """Zebulon's day; returns Zebulon, the organiser (a moderator by right) and the card of Zebulon's
    question still waiting for a decision."""
    assert h.services is not None
    zebulon = h.user(USER_ID, "Zebulon", language_code="en", last_name="Quixotic", username="zq_private_handle")
    organiser = h.user(ORGANISER_ID, "Olga", language_code="en")
    moderator = h.user(4101, "Mira", language_code="en")
    await h.services.roles.grant(4101, "moderator", h.clock.now())
    agent = await h.agent(4102, "Wirawan", language_code="id")
    [code] = await h.services.features.get(Accreditation).service.issue("JP", 1)

    await zebulon.command(f"/start {code}")  # 10:15 on day 1, Session 1 takes questions
    await reply_where(zebulon, "verified member")
    await ask(zebulon, APPROVED, "👤")
    card = await reply_where(organiser, APPROVED)
    assert "Zebulon" in card.text
    await reply_where(moderator, APPROVED)
    await organiser.press(card, "✅ Approve")
    assert "Zebulon" in (await reply_where(moderator, "Approved by Olga")).text  # the other card, edited
    await reply_where(zebulon, "approved")
    await ask(zebulon, WAITING, "🙈")
    waiting_card = await reply_where(organiser, WAITING)

    await zebulon.send(TICKET)
    post = await h.group.next_message(timeout=WAIT)
    assert "Zebulon" in post.text and "X9931557" in post.text
    await agent.send(ANSWER, chat=h.group, reply_to=post)
    await reply_where(zebulon, ANSWER)
    assert "Answered by" in (await h.group.next_message(timeout=WAIT)).text

    await h.services.features.get(Reminders).service.subscribe(USER_ID, [CRISIS])
    h.clock.set(at("13:15"))
    await reply_where(zebulon, "Session 2")
    h.clock.set(PROMPT_DUE)
    prompt = await reply_where(zebulon, "Session 2")
    await zebulon.press(prompt, "4 ⭐")
    rated = await reply_where(zebulon, "4 out of 5")
    await zebulon.press(rated, "💬 Add a comment")
    await reply_where(zebulon, "Please write your comment")
    await zebulon.send(COMMENT)
    await reply_where(zebulon, "comment")
    return zebulon, organiser, waiting_card


async def test_forget_leaves_none_of_the_persons_data_in_any_table(desk_harness: HelpdeskHarness) -> None:  # noqa: F811
    zebulon, organiser, waiting_card = await a_delegates_day(desk_harness)
    before = await dump(desk_harness)
    assert [m for m in MARKERS if m not in str(before)] == []  # the markers are found where they are

    await zebulon.command("/forget")
    confirm = await reply_where(zebulon, "Delete everything")
    await zebulon.press(confirm, "Yes, delete my data")
    await reply_where(zebulon, "Your data has been deleted")
    edited = await desk_harness.group.next_message(timeout=WAIT)  # the post, anonymised by the relay loop
    assert edited.edited and "deleted their data" in edited.text and "Zebulon" not in edited.text
    assert "X9931557" not in edited.text and "parcel-7731" not in edited.text
    gone = await reply_where(organiser, "no longer available")  # the waiting question's card, in the moderator's chat
    assert gone.edited and gone.message_id == waiting_card.message_id and WAITING not in gone.text and gone.buttons == ()

    tables = await dump(desk_harness)
    leaks = [
        (table, column, value)
        for table, rows in tables.items() for row in rows for column, value in row.items()
        if any(m.casefold() in str(value).casefold() for m in MARKERS)
    ]
    assert leaks == [], "\n".join(f"{table}.{column}: {str(value)[:160]}" for table, column, value in leaks)
    kept = [(table, column) for table, rows in tables.items() for row in rows for column, value in row.items() if APPROVED in str(value)]
    assert kept == [("question", "text")]
    [approved] = [q for q in tables["question"] if q["text"] == APPROVED]
    assert (approved["user_id"], approved["chat_id"], approved["asker_name"], approved["status"]) == (None, None, None, "approved")
