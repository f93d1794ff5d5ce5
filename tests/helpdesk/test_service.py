"""The helpdesk inbox on the real database: tickets, their group posts, answers through the outbox,
closing, labels, "This didn't answer my question", /forget and statistics."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from bot.helpdesk import replies
from bot.helpdesk.models import ANSWERED, CLOSED, NOT_HELPFUL, OPEN
from bot.helpdesk.service import answer_key, post_key
from bot.helpdesk.views import TicketFilter
from bot.outbox import payload
from tests.helpdesk.conftest import HELPDESK_GROUP, Desk


def text_of(row) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in payload.load(row.payload))


async def test_a_new_ticket_is_posted_to_the_helpdesk_group_once_with_its_context(desk: Desk) -> None:
    ana = await desk.delegate(1001, "Ana")
    ticket_id = await desk.ticket(ana, "Can I bring my <b>spouse</b> to the gala dinner?", context=["where is lunch?"])

    assert await desk.helpdesk.relay(ticket_id) is True
    assert await desk.helpdesk.relay(ticket_id) is False
    assert await desk.service().relay_pending() == 0

    [post] = await desk.outbox(HELPDESK_GROUP)
    assert post.kind == "helpdesk" and post.dedupe_key == post_key(ticket_id)
    text = text_of(post)
    assert f"#{ticket_id}" in text.split("\n")[0]
    assert "Ana" in text and "where is lunch?" in text and "out_of_scope 31%" in text
    assert "&lt;b&gt;spouse&lt;/b&gt;" in text and "<b>spouse</b>" not in text


async def test_an_open_ticket_whose_post_was_never_queued_is_posted_by_the_sweep(desk: Desk) -> None:
    first, second = await desk.ticket(), await desk.ticket(text="is there a prayer room?")

    assert await desk.helpdesk.relay_pending() == 2
    assert [row.dedupe_key for row in await desk.outbox(HELPDESK_GROUP)] == [post_key(first), post_key(second)]


async def test_without_a_helpdesk_group_nothing_is_posted(desk: Desk) -> None:
    ticket_id = await desk.ticket()

    assert await desk.service(helpdesk_chat_id=None).relay(ticket_id) is False
    assert await desk.outbox() == []


async def test_answering_queues_the_answer_for_the_delegate_and_closes_the_ticket(desk: Desk) -> None:
    ana = await desk.delegate(1001, "Ana")
    ticket_id = await desk.ticket(ana, "Is the gala dinner formal?")

    outcome = await desk.helpdesk.answer(ticket_id, "Yes: batik or a dark suit <please>.", "Budi")

    assert outcome.ok and outcome.ticket is not None
    assert outcome.ticket.status == ANSWERED and outcome.ticket.answered_by == "Budi"
    [message] = await desk.outbox(ana.chat_id)
    assert message.kind == "helpdesk" and message.dedupe_key == answer_key(ticket_id)
    text = text_of(message)
    assert "Answer from the helpdesk" in text and "Is the gala dinner formal?" in text
    assert "batik or a dark suit &lt;please&gt;." in text


async def test_two_agents_answering_at_once_deliver_exactly_one_answer(desk: Desk) -> None:
    ana = await desk.delegate()
    ticket_id = await desk.ticket(ana)

    outcomes = await asyncio.gather(
        desk.helpdesk.answer(ticket_id, "Sunny, 25 °C.", "Budi"), desk.service().answer(ticket_id, "Rainy.", "Citra"),
    )

    assert sorted(o.problem or "ok" for o in outcomes) == ["already_answered", "ok"]
    assert len(await desk.outbox(ana.chat_id)) == 1


async def test_a_closed_or_empty_answer_is_refused_and_nothing_is_sent(desk: Desk) -> None:
    ana = await desk.delegate()
    ticket_id = await desk.ticket(ana)

    assert (await desk.helpdesk.answer(ticket_id, "   ", "Budi")).problem == "empty"
    assert (await desk.helpdesk.close(ticket_id, "Budi")).ok
    assert (await desk.helpdesk.close(ticket_id, "Budi")).problem == "closed"
    assert (await desk.helpdesk.answer(ticket_id, "late answer", "Citra")).problem == "closed"
    assert (await desk.helpdesk.answer(99999, "to nobody", "Citra")).problem == "not_found"
    assert await desk.outbox(ana.chat_id) == []
    ticket = await desk.helpdesk.get(ticket_id)
    assert ticket is not None and ticket.status == CLOSED and ticket.closed_by == "Budi"


async def test_a_question_is_labelled_with_a_known_intent_or_as_a_new_faq(desk: Desk) -> None:
    ticket_id = await desk.ticket(text="password for the internet pls")

    assert (await desk.helpdesk.label(ticket_id, "not_an_intent", False, "Budi")).problem == "unknown_intent"
    labelled = await desk.helpdesk.label(ticket_id, "ask_wifi", False, "Budi")
    assert labelled.ticket is not None and labelled.ticket.label_intent == "ask_wifi" and labelled.ticket.labelled_by == "Budi"
    faq = await desk.helpdesk.label(ticket_id, None, True, "Budi")
    assert faq.ticket is not None and faq.ticket.new_faq and faq.ticket.label_intent is None
    cleared = await desk.helpdesk.label(ticket_id, None, False, "Budi")
    assert cleared.ticket is not None and not cleared.ticket.labelled and cleared.ticket.labelled_by is None


async def test_not_helpful_opens_a_ticket_for_the_delegates_own_question_once(desk: Desk) -> None:
    ana = await desk.delegate(1001, "Ana")
    await desk.turn(ana, "hello", intent="greet", topic="greet")
    turn_id = await desk.turn(ana, "what's the wifi password?")

    opened = await desk.helpdesk.open_from_turn(ana, str(turn_id))
    again = await desk.helpdesk.open_from_turn(ana, str(turn_id))

    assert opened.status == "created" and again.status == "exists" and again.ticket_id == opened.ticket_id
    assert opened.ticket_id is not None
    ticket = await desk.helpdesk.get(opened.ticket_id)
    assert ticket is not None
    assert (ticket.text, ticket.reason, ticket.intent, ticket.topic) == ("what's the wifi password?", NOT_HELPFUL, "ask_wifi", "ask_wifi")
    assert [t.text for t in ticket.context] == ["hello"]
    assert ticket.ranking == ()  # the NLU server is down: the ticket is opened all the same


async def test_not_helpful_refuses_someone_elses_turn_and_forged_arguments(desk: Desk) -> None:
    ana, tom = await desk.delegate(1001, "Ana"), await desk.delegate(1002, "Tom")
    anas_turn = await desk.turn(ana, "what's the wifi password?")

    for arg in (str(anas_turn), "abc", "", "-1", "9" * 40, f"{anas_turn} "):
        assert (await desk.helpdesk.open_from_turn(tom, arg)).status == "invalid", arg
    assert (await desk.helpdesk.tickets(TicketFilter(status=None)))[1] == 0


async def test_a_post_is_edited_once_when_its_ticket_is_answered(desk: Desk) -> None:
    ticket_id = await desk.ticket()
    await desk.helpdesk.relay(ticket_id)
    await desk.mark_sent(post_key(ticket_id), message_id=77)
    assert await desk.helpdesk.sync_relay_ids() == 1
    assert await desk.helpdesk.posts_to_edit() == []

    await desk.helpdesk.answer(ticket_id, "Sunny.", "Budi")
    [edit] = await desk.helpdesk.posts_to_edit()

    assert (edit.ticket.relay_chat_id, edit.ticket.relay_message_id, edit.shown) == (HELPDESK_GROUP, 77, OPEN)
    assert await desk.helpdesk.claim_post_edit(edit) is True
    assert await desk.service().claim_post_edit(edit) is False  # another replica finds it done
    assert await desk.helpdesk.posts_to_edit() == []


async def test_a_reply_finds_its_ticket_by_the_post_id_or_by_the_posts_marker(desk: Desk) -> None:
    first, second = await desk.ticket(), await desk.ticket(text="second question")
    await desk.helpdesk.relay_pending()
    await desk.mark_sent(post_key(first), message_id=10)
    await desk.helpdesk.sync_relay_ids()

    by_id = await desk.helpdesk.ticket_for_post(HELPDESK_GROUP, 10)
    by_marker = await desk.helpdesk.ticket_for_post(HELPDESK_GROUP, 11, marker_id=second)

    assert by_id is not None and by_id.id == first
    assert by_marker is not None and by_marker.id == second and by_marker.relay_message_id == 11
    assert await desk.helpdesk.ticket_for_post(-5555, 11, marker_id=second) is None  # another chat


async def forget(desk: Desk, user_id: int) -> None:
    """What /forget does to tickets: the helpdesk's hook, then the conversation's own part."""
    from bot.conversation.service import ConversationService

    await desk.helpdesk.forget(user_id)
    await ConversationService(desk.database, desk.helpdesk.interpreter, None, desk.clock.now).forget(user_id)  # type: ignore[arg-type]


async def test_forget_removes_the_person_and_their_question_from_the_tickets_and_the_group_post(desk: Desk) -> None:
    ana = await desk.delegate(1001, "Anastasia")
    ticket_id = await desk.ticket(ana, "can my husband join the dinner?", context=["my husband is Joko"])
    await desk.helpdesk.relay(ticket_id)
    await desk.mark_sent(post_key(ticket_id), message_id=5)
    await desk.helpdesk.sync_relay_ids()

    await forget(desk, ana.user_id)

    ticket = await desk.helpdesk.get(ticket_id)
    assert ticket is not None and ticket.forgotten and ticket.delegate_name is None and ticket.context == ()
    assert ticket.text == ""  # the privacy notice promises their questions go; the row stays for the statistics
    [post] = await desk.outbox(HELPDESK_GROUP)
    assert not any(m in text_of(post) for m in ("Anastasia", "Joko", "husband"))
    assert "deleted with the delegate's data" in text_of(post)
    [edit] = await desk.helpdesk.posts_to_edit()
    assert edit.ticket.id == ticket_id and edit.ticket.post_state == "closed:anon"
    assert (await desk.helpdesk.answer(ticket_id, "too late", "Budi")).problem == "forgotten"


async def test_forget_erases_the_answer_sent_and_the_ticket_lists_that_quoted_the_question(desk: Desk) -> None:
    ana, budi = await desk.delegate(7_771_001, "Anastasia"), await desk.delegate(7_771_002, "Budi")
    mine = await desk.ticket(ana, "is my visa X-4411 valid?")
    other = await desk.ticket(budi, "where is the prayer room?")
    await desk.helpdesk.label(mine, "out_of_scope", True, "Citra")
    tr = await desk.helpdesk.translator()
    for n in (1, 2):
        await desk.helpdesk.queue_group_note(replies.open_list_reply(tr, *(await desk.helpdesk.open_tickets())), f"helpdesk:list:{HELPDESK_GROUP}:{n}")
    await desk.mark_sent(f"helpdesk:list:{HELPDESK_GROUP}:1", message_id=8)
    await desk.helpdesk.answer(mine, "Yes, until X-4411 expires", "Citra")
    await desk.mark_sent(answer_key(mine), message_id=9)
    await desk.helpdesk.answer(other, "Second floor.", "Citra")

    await forget(desk, ana.user_id)

    rows = await desk.outbox()
    assert not any("X-4411" in text_of(r) or r.chat_id == ana.chat_id or str(ana.user_id) in r.dedupe_key for r in rows)
    lists = [r for r in rows if r.dedupe_key.startswith("helpdesk:list:")]
    assert [(r.status, r.payload) for r in lists] == [("sent", []), ("cancelled", [])]  # the waiting one is not sent
    assert any("Second floor." in text_of(r) for r in rows)  # Budi's answer is untouched
    ticket = await desk.helpdesk.get(mine)
    assert ticket is not None and (ticket.text, ticket.answer, ticket.answered_by, ticket.new_faq) == ("", None, "Citra", True)
    assert await desk.helpdesk.faq_candidates() == []


async def test_the_ticket_list_filters_by_status_language_intent_day_and_label(desk: Desk) -> None:
    ana, budi = await desk.delegate(1001, "Ana", "en"), await desk.delegate(1002, "Budi", "id")
    yesterday = desk.clock.now() - timedelta(days=1)
    old = await desk.ticket(ana, "old question", at=yesterday)
    wifi = await desk.ticket(budi, "wifinya apa?", intent="ask_wifi", reason="nlu_fallback")
    other = await desk.ticket(ana, "weather?")
    await desk.helpdesk.answer(other, "Sunny.", "Citra")
    await desk.helpdesk.label(old, "ask_venue", False, "Citra")

    async def ids(**kwargs: object) -> list[int]:
        return [t.id for t in (await desk.helpdesk.tickets(TicketFilter(**kwargs)))[0]]  # type: ignore[arg-type]

    assert await ids() == [old, wifi]  # open ones, oldest first
    assert await ids(status="answered") == [other]
    assert await ids(status=None, language="id") == [wifi]
    assert await ids(status=None, intent="ask_wifi") == [wifi]
    assert await ids(status=None, intent="ask_venue") == [old]  # by its label
    assert await ids(status=None, day=date(2019, 9, 9)) == [old]  # the day in Jakarta
    assert await ids(status=None, label="labelled") == [old]
    assert sorted(await ids(status=None, label="unlabelled")) == [wifi, other]
    assert (await desk.helpdesk.tickets(TicketFilter(status=None, limit=1, offset=1)))[1] == 3


async def test_statistics_count_unanswered_questions_per_day_in_the_events_zone_intent_and_language(desk: Desk) -> None:
    ana, budi = await desk.delegate(1001, "Ana", "en"), await desk.delegate(1002, "Budi", "id")
    late_evening = datetime.fromisoformat("2019-09-10T23:30:00+07:00")  # 16:30 UTC, still the 10th in Jakarta
    await desk.ticket(ana, at=late_evening)
    await desk.ticket(budi, intent="ask_wifi", at=late_evening + timedelta(hours=1))
    answered = await desk.ticket(ana)
    await desk.helpdesk.answer(answered, "ok", "Citra")

    stats = await desk.helpdesk.stats()

    assert [(c.key, c.count) for c in stats.per_day] == [("2019-09-10", 2), ("2019-09-11", 1)]
    assert [(c.key, c.count) for c in stats.per_intent] == [("out_of_scope", 2), ("ask_wifi", 1)]
    assert [(c.key, c.count) for c in stats.per_language] == [("en", 2), ("id", 1)]
    assert {c.key: c.count for c in stats.per_status} == {"open": 2, "answered": 1, "closed": 0}
    assert stats.total == 3
