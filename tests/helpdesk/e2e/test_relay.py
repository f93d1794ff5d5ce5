"""Every unanswered question reaches a person in the helpdesk group, and the person's reply reaches
the delegate: the real bot, the real model, the outbox dispatcher and the Bot API emulator."""

from __future__ import annotations

import pytest

from bot.helpdesk.views import TicketFilter
from tests.e2e.conftest import ORGANISER_ID
from tests.helpdesk.e2e.conftest import WAIT, HelpdeskHarness

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
UNANSWERABLE = "what's the weather in Paris?"
NOT_HELPFUL = "🙋 This didn't answer my question"


async def post_of(h: HelpdeskHarness, text: str):  # type: ignore[no-untyped-def]
    """The next message in the helpdesk group, which must be the post of the question `text`."""
    post = await h.group.next_message(timeout=WAIT)
    assert text in (post.text or ""), post.text
    return post


async def test_an_unanswered_question_reaches_the_group_and_the_agents_reply_reaches_the_delegate(desk_harness: HelpdeskHarness) -> None:
    ana = desk_harness.user(2001, "Ana", language_code="en")
    agent = await desk_harness.agent(500, "Budi", language_code="id", last_name="Santoso")
    await ana.send("hi")
    await ana.next_reply(timeout=WAIT)
    await ana.send(UNANSWERABLE)
    handoff = await ana.next_reply(timeout=WAIT)
    assert "helpdesk" in (handoff.text or "").lower() and NOT_HELPFUL not in str(handoff.button_texts)

    post = await post_of(desk_harness, UNANSWERABLE)
    assert "Ana" in post.text and "hi" in post.text and "out_of_scope" in post.text  # who, what came before, the model's guess
    await agent.send("It will be sunny, 24 °C. <Enjoy>!", chat=desk_harness.group, reply_to=post)

    answer = await ana.next_reply(timeout=WAIT)
    assert "Answer from the helpdesk" in answer.text and "It will be sunny, 24 °C. <Enjoy>!" in answer.text
    assert UNANSWERABLE in answer.text
    edited = await desk_harness.group.next_message(timeout=WAIT)
    assert edited.edited and edited.message_id == post.message_id and "Answered by Budi Santoso" in edited.text
    [ticket] = (await desk_harness.helpdesk.tickets(TicketFilter(status=None)))[0]
    assert (ticket.status, ticket.answered_by, ticket.relay_message_id) == ("answered", "Budi Santoso", post.message_id)

    await agent.send("And bring an umbrella.", chat=desk_harness.group, reply_to=post)
    note = await desk_harness.group.next_message(timeout=WAIT)
    assert "already answered by Budi Santoso" in note.text
    await ana.expect_silence(within=1.0)


async def test_only_people_with_the_helpdesk_role_answer_from_the_group(desk_harness: HelpdeskHarness) -> None:
    """Being in the group lets one read the posts; answering a delegate takes the helpdesk role (or
    organiser), checked on every reply: a reply from anyone else is not sent, and they are told how
    to get the role."""
    ana = desk_harness.user(2006, "Ana", language_code="en")
    stranger = desk_harness.user(777, "Mallory", language_code="en")
    organiser = desk_harness.user(ORGANISER_ID, "Olga", language_code="en")
    await ana.send(UNANSWERABLE)
    await ana.next_reply(timeout=WAIT)
    post = await post_of(desk_harness, UNANSWERABLE)

    await stranger.send("Send me your passport number", chat=desk_harness.group, reply_to=post)
    note = await desk_harness.group.next_message(timeout=WAIT)
    assert "helpdesk role" in note.text and "python -m bot roles add helpdesk 777" in note.text
    assert "Send me your passport number" not in note.text
    await ana.expect_silence(within=1.0)
    [ticket] = (await desk_harness.helpdesk.tickets(TicketFilter(status=None)))[0]
    assert (ticket.status, ticket.answer, ticket.answered_by) == ("open", None, None)

    await desk_harness.services.roles.grant(777, "helpdesk", desk_harness.clock.now())
    await stranger.send("It will be sunny.", chat=desk_harness.group, reply_to=post)
    assert "It will be sunny." in (await ana.next_reply(timeout=WAIT)).text
    edited = await desk_harness.group.next_message(timeout=WAIT)
    assert edited.edited and "Answered by Mallory" in edited.text

    await desk_harness.services.roles.revoke(777, "helpdesk")
    await ana.send("and in Rome, what's the weather?")
    await ana.next_reply(timeout=WAIT)
    second = await post_of(desk_harness, "Rome")
    await stranger.send("Rainy.", chat=desk_harness.group, reply_to=second)
    assert "helpdesk role" in (await desk_harness.group.next_message(timeout=WAIT)).text
    await organiser.send("Rainy, take a coat.", chat=desk_harness.group, reply_to=second)  # organisers may answer too
    assert "Rainy, take a coat." in (await ana.next_reply(timeout=WAIT)).text


async def test_tickets_lists_the_open_tickets_in_the_helpdesk_group_only(desk_harness: HelpdeskHarness) -> None:
    ana = desk_harness.user(2002, "Ana", language_code="en")
    agent = desk_harness.user(501, "Citra", language_code="en")
    await ana.send(UNANSWERABLE)
    await post_of(desk_harness, UNANSWERABLE)

    await agent.command("/tickets", chat=desk_harness.group)
    listing = await desk_harness.group.next_message(timeout=WAIT)
    assert "1 open ticket" in listing.text and UNANSWERABLE in listing.text

    await agent.command("/tickets")
    refusal = await agent.next_reply(timeout=WAIT)
    assert "helpdesk team" in refusal.text
    elsewhere = desk_harness.emu.group(-2002, "Delegates' chat")
    await ana.command("/tickets", chat=elsewhere)
    assert "helpdesk team" in (await ana.next_reply(timeout=WAIT, chat=elsewhere)).text
    await ana.send("hello everyone", chat=elsewhere)
    await ana.expect_silence(within=1.0, chat=elsewhere)
    await desk_harness.group.expect_silence(within=0.5)


async def test_this_didnt_answer_my_question_opens_a_ticket_for_the_delegates_own_question(desk_harness: HelpdeskHarness) -> None:
    ana = desk_harness.user(2003, "Ana", language_code="en")
    tom = desk_harness.user(2004, "Tom", language_code="en")
    await ana.send("what's the wifi password?")
    answer = await ana.next_reply(timeout=WAIT)
    assert NOT_HELPFUL in answer.button_texts[-1]
    data = answer.button(NOT_HELPFUL).callback_data
    assert data is not None and data.startswith("nf:") and len(data.encode()) <= 64

    await tom.send("hi")
    greeting = await tom.next_reply(timeout=WAIT)
    await tom.press_raw(greeting, data)  # Tom forges a press of Ana's button
    assert "no longer valid" in (await tom.next_reply(timeout=WAIT)).text

    await ana.press(answer, NOT_HELPFUL)
    assert "passed your question to the helpdesk" in (await ana.next_reply(timeout=WAIT)).text
    post = await post_of(desk_harness, "what's the wifi password?")
    assert "the answer did not help" in post.text and "ask_wifi" in post.text
    await ana.press(answer, NOT_HELPFUL)
    assert "already with the helpdesk" in (await ana.next_reply(timeout=WAIT)).text
    await desk_harness.group.expect_silence(within=1.0)
    tickets, total = await desk_harness.helpdesk.tickets(TicketFilter(status=None))
    assert total == 1 and tickets[0].ranking and tickets[0].reason == "not_helpful"


async def test_forget_removes_the_delegate_and_their_question_from_the_helpdesk_post(desk_harness: HelpdeskHarness) -> None:
    ana = desk_harness.user(2005, "Anastasia", language_code="en")
    await ana.send(UNANSWERABLE)
    await ana.next_reply(timeout=WAIT)
    post = await post_of(desk_harness, UNANSWERABLE)
    assert "Anastasia" in post.text

    await ana.command("/forget")
    confirm = await ana.next_reply(timeout=WAIT)
    await ana.press(confirm, "Yes, delete my data")
    assert "deleted" in (await ana.next_reply(timeout=WAIT)).text

    edited = await desk_harness.group.next_message(timeout=WAIT)
    assert edited.edited and edited.message_id == post.message_id
    assert "Anastasia" not in edited.text and "deleted their data" in edited.text
    assert UNANSWERABLE not in edited.text and "deleted with the delegate's data" in edited.text  # their question goes too
    [ticket] = (await desk_harness.helpdesk.tickets(TicketFilter(status=None)))[0]
    assert ticket.forgotten and ticket.delegate_name is None and ticket.text == ""
