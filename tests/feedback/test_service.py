"""FeedbackService on the real database: who is asked, when, once; votes that replace each other;
comments taken only while awaited; /forget; the numbers organisers read. The clock is moved."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.feedback.service import LOOKBACK, MAX_COMMENT, PRIORITY_FEEDBACK
from bot.outbox import payload
from bot.outbox.models import CANCELLED, PENDING
from tests.feedback.conftest import CRISIS, CRISIS_ENDED, PROMPT_DUE, World
from tests.reminders.conftest import EVENT_TEXT, at, without


async def test_a_subscriber_is_asked_once_a_few_minutes_after_the_session_ends(world: World) -> None:
    ana = await world.subscriber(1)

    assert await world.tick_at(PROMPT_DUE - timedelta(seconds=1)) == 0
    assert await world.tick_at(PROMPT_DUE) == 1
    assert await world.tick_at(PROMPT_DUE + timedelta(minutes=30)) == 0

    [row] = await world.prompts()
    assert (row.chat_id, row.status, row.priority, row.dedupe_key) == (ana, PENDING, PRIORITY_FEEDBACK, f"feedback:{CRISIS}:{ana}")
    assert row.expires_at == CRISIS_ENDED + LOOKBACK
    [reply] = payload.load(row.payload)
    assert reply.text == (
        "⭐ <b>How was Session 2: The Role of Digital Diplomacy in Crisis Situation?</b>\n"
        "Please rate it from 1 (poor) to 5 (excellent)."
    )
    assert [[b.data for b in r] for r in reply.buttons] == [[f"fb:{n}:{CRISIS}" for n in range(1, 6)]]
    assert all(len(b.data.encode()) <= 64 for r in reply.buttons for b in r if b.data)


async def test_the_prompt_is_in_the_delegates_language(world: World) -> None:
    sari = await world.subscriber(2, "id")
    aminah = await world.subscriber(3, "ms")

    await world.tick_at(PROMPT_DUE)

    [indonesian] = payload.load((await world.prompts(sari))[0].payload)
    assert "Peran Diplomasi Digital dalam Situasi Krisis" in indonesian.text
    assert "Silakan beri nilai dari 1 (buruk) sampai 5 (sangat baik)." in indonesian.text
    [malay] = payload.load((await world.prompts(aminah))[0].payload)
    assert "Sila beri penilaian dari 1 (lemah) hingga 5 (cemerlang)." in malay.text


async def test_who_opened_the_session_before_it_ended_is_asked_too(world: World) -> None:
    budi = await world.delegate(4)
    late = await world.delegate(5)
    assert await world.feedback.record_opened(budi, CRISIS)

    world.clock.set(at("15:31"))
    assert not await world.feedback.record_opened(late, CRISIS)  # looking back is not attending
    await world.tick_at(PROMPT_DUE)

    assert [row.chat_id for row in await world.prompts()] == [budi]


async def test_a_subscriber_who_also_opened_the_session_is_asked_once(world: World) -> None:
    ana = await world.subscriber(1)
    await world.feedback.record_opened(ana, CRISIS)
    await world.feedback.record_opened(ana, CRISIS)

    await world.tick_at(PROMPT_DUE)

    assert len(await world.prompts()) == 1


async def test_breaks_meals_registration_and_cancelled_sessions_are_not_rated(world: World) -> None:
    ana = await world.subscriber(1, session_id="coffee-break-day1")
    await world.reminders.subscribe(ana, ["session-2-panel-economic"])
    assert not await world.feedback.record_opened(ana, "lunch-day1")
    assert not await world.feedback.record_opened(ana, "registration-day1")
    await world.reimport(without(EVENT_TEXT, "session-2-panel-economic"))  # cancelled

    await world.tick_at(at("23:00"))

    assert await world.prompts() == []


async def test_inactive_and_forgotten_delegates_are_not_asked(world: World) -> None:
    blocked = await world.subscriber(1)
    gone = await world.subscriber(2)
    await world.delegates.mark_inactive(blocked)
    await world.feedback.forget(gone)
    await world.reminders.forget(gone)
    await world.delegates.forget(gone)

    await world.tick_at(PROMPT_DUE)

    assert await world.prompts() == []


async def test_a_bot_started_long_after_the_session_asks_nobody(world: World) -> None:
    await world.subscriber(1)

    await world.tick_at(CRISIS_ENDED + LOOKBACK + timedelta(minutes=1))

    assert await world.prompts() == []


async def test_two_replicas_ticking_together_ask_each_attendee_once(world: World) -> None:
    people = [await world.subscriber(10 + i) for i in range(20)]
    world.clock.set(PROMPT_DUE)

    await asyncio.gather(world.feedback.tick(), world.another_replica().tick(), world.another_replica().tick())

    assert sorted(row.chat_id for row in await world.prompts()) == people


async def test_rating_again_replaces_the_vote(world: World) -> None:
    ana = await world.subscriber(1)
    await world.tick_at(PROMPT_DUE)

    first = await world.feedback.rate(ana, CRISIS, 4)
    second = await world.feedback.rate(ana, CRISIS, 2)

    assert first is not None and first.rating == 4
    assert second is not None and second.rating == 2
    [vote] = await world.votes()
    assert (vote.user_id, vote.session_id, vote.rating) == (ana, CRISIS, 2)


async def test_presses_at_the_same_moment_leave_one_vote(world: World) -> None:
    ana = await world.subscriber(1)
    await world.tick_at(PROMPT_DUE)

    await asyncio.gather(*(world.another_replica().rate(ana, CRISIS, n) for n in (1, 5, 3, 4)))

    assert len(await world.votes()) == 1


async def test_a_vote_needs_a_prompt_a_known_session_and_one_to_five(world: World) -> None:
    ana = await world.subscriber(1)
    other = await world.delegate(2)

    assert await world.feedback.rate(ana, CRISIS, 5) is None  # not asked yet
    await world.tick_at(PROMPT_DUE)
    assert await world.feedback.rate(other, CRISIS, 5) is None  # never asked
    assert await world.feedback.rate(ana, CRISIS, 0) is None
    assert await world.feedback.rate(ana, CRISIS, 6) is None
    assert await world.feedback.rate(ana, "no-such-session", 3) is None
    assert await world.feedback.rate(ana, "lunch-day1", 3) is None
    assert await world.votes() == []


async def test_the_comment_is_taken_only_while_it_is_awaited(world: World) -> None:
    ana = await world.subscriber(1)
    await world.tick_at(PROMPT_DUE)

    assert not await world.feedback.want_comment(ana, CRISIS)  # rate first
    await world.feedback.rate(ana, CRISIS, 5)
    assert await world.feedback.take_comment(ana, "what about lunch?") is None  # nothing awaited
    assert await world.feedback.want_comment(ana, CRISIS)
    taken = await world.feedback.take_comment(ana, "  Great panel,\n<b>more</b> time for questions please \x07 ")

    assert taken is not None and (taken.session_id, taken.shortened) == (CRISIS, False)
    assert (await world.feedback.vote_of(ana, CRISIS)).comment == "Great panel,\n<b>more</b> time for questions please"  # type: ignore[union-attr]
    assert await world.feedback.take_comment(ana, "and another thing") is None  # one message only


async def test_the_wait_for_a_comment_ends_by_itself_or_on_cancel(world: World) -> None:
    ana = await world.subscriber(1)
    await world.tick_at(PROMPT_DUE)
    await world.feedback.rate(ana, CRISIS, 3)

    await world.feedback.want_comment(ana, CRISIS)
    world.clock.advance(minutes=31)
    assert await world.feedback.take_comment(ana, "too late") is None

    await world.feedback.want_comment(ana, CRISIS)
    assert await world.feedback.stop_waiting(ana)
    assert await world.feedback.take_comment(ana, "cancelled") is None
    assert not await world.feedback.stop_waiting(ana)


async def test_a_long_comment_is_shortened(world: World) -> None:
    ana = await world.subscriber(1)
    await world.tick_at(PROMPT_DUE)
    await world.feedback.rate(ana, CRISIS, 4)
    await world.feedback.want_comment(ana, CRISIS)

    taken = await world.feedback.take_comment(ana, "x" * (MAX_COMMENT + 50))

    assert taken is not None and taken.shortened
    assert len((await world.feedback.vote_of(ana, CRISIS)).comment or "") == MAX_COMMENT  # type: ignore[union-attr]


async def test_forget_deletes_votes_comments_and_prompts_not_yet_sent(world: World) -> None:
    ana = await world.subscriber(1)
    budi = await world.subscriber(2)
    await world.tick_at(PROMPT_DUE)
    await world.feedback.rate(ana, CRISIS, 5)
    await world.feedback.want_comment(ana, CRISIS)
    await world.feedback.take_comment(ana, "personal remark")
    await world.feedback.rate(budi, CRISIS, 1)

    await world.feedback.forget(ana)

    assert [v.user_id for v in await world.votes()] == [budi]
    assert {row.chat_id: row.status for row in await world.prompts()} == {ana: CANCELLED, budi: PENDING}
    [result] = await world.feedback.results()
    assert (result.prompted, result.votes, result.comments) == (1, 1, 0)


async def test_results_per_session(world: World) -> None:
    people = [await world.subscriber(20 + i) for i in range(5)]
    await world.tick_at(PROMPT_DUE)
    for person, rating in zip(people[:4], (5, 4, 4, 2), strict=True):
        await world.feedback.rate(person, CRISIS, rating)
    await world.feedback.want_comment(people[0], CRISIS)
    await world.feedback.take_comment(people[0], "Excellent")

    [result] = await world.feedback.results()

    assert result.session is not None and result.session.id == CRISIS
    assert (result.prompted, result.votes, result.distribution, result.comments) == (5, 4, (0, 1, 0, 2, 1), 1)
    assert result.average == 3.75
    assert [(c.rating, c.comment) for c in await world.feedback.comments(CRISIS)] == [(5, "Excellent")]
    assert await world.feedback.results("session-1-general-debate") == []
