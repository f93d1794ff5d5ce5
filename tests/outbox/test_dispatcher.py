"""The dispatcher delivers every outbox row once, within Telegram's limits, whatever Telegram answers.

Real components throughout: the database, python-telegram-bot, the Bot API emulator enforcing 30/s
overall and about 1/s per chat. Waits are for outcomes (rows settled), never timed asserts.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.answers.reply import Button, Reply, VenuePin
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService
from bot.outbox.dispatcher import DispatcherConfig
from bot.outbox.models import EXPIRED, FAILED, PENDING, SENDING, SENT
from bot.outbox.payload import Edit
from bot.outbox.service import PRIORITY_BROADCAST, PRIORITY_REMINDER
from bot.outbox.store import OutboxStore
from bot.telegram.emulator.faults import Faults
from tests.outbox.conftest import Post


async def test_every_queued_message_is_delivered_once_and_recorded_as_sent(post: Post) -> None:
    chats = post.chats(40)
    for chat in chats:
        await post.queue(chat, Reply("<b>Lunch</b> is served", ((Button("Venue", "venue:"),),)))

    post.start()
    statuses = await post.settled(len(chats))

    assert statuses == {SENT: len(chats)}
    assert post.delivered() == {chat: 1 for chat in chats}
    rows = await post.rows()
    assert all(row.telegram_message_ids and row.sent_at == post.clock.now() and row.claimed_by is None for row in rows)
    message = post.emu.sent_messages(chats[0])[0]
    assert message.html == "<b>Lunch</b> is served" and message.button_texts == [["Venue"]]


async def test_pacing_keeps_telegram_from_refusing_anything(post: Post) -> None:
    crowd = post.chats(90)
    talkative = post.chats(1, first=70_000)[0]
    for chat in crowd:
        await post.queue(chat)
    for _ in range(6):
        await post.queue(talkative)

    post.start()
    await post.settled(len(crowd) + 6)

    assert post.refused() == 0, "the dispatcher stays under 30/s overall and about 1/s per chat"
    assert post.delivered()[talkative] == 6


async def test_messages_to_one_chat_arrive_in_the_order_they_were_queued(post: Post) -> None:
    chat = post.chats(1)[0]
    for i in range(4):
        await post.queue(chat, text=f"part {i}")

    post.start()
    await post.settled(4)

    assert [m.text for m in post.emu.sent_messages(chat)] == [f"part {i}" for i in range(4)]


async def test_reminders_go_before_broadcasts_queued_earlier(post: Post) -> None:
    chats = post.chats(2)
    await post.queue(chats[0], text="broadcast", priority=PRIORITY_BROADCAST)
    await post.queue(chats[1], text="reminder", priority=PRIORITY_REMINDER)

    post.start(DispatcherConfig(burst=1, headroom=0.05, rate=20))  # one call a second: the order shows
    await post.settled(2)

    sends = [c.chat_id for c in post.emu.calls if c.method == "sendMessage"]
    assert sends == [chats[1], chats[0]]


async def test_a_message_of_several_parts_is_sent_in_order(post: Post) -> None:
    chat = post.chats(1)[0]
    await post.queue(chat, Reply(venue=VenuePin(-6.2, 106.8, "Hotel Mulia", "Senayan")), Reply("x" * 5000))

    post.start()
    assert await post.settled(1) == {SENT: 1}

    feed = post.emu.feed(chat)
    assert [m.method for m in feed] == ["sendVenue", "sendMessage", "sendMessage"]
    assert len((await post.rows())[0].telegram_message_ids) == 3


async def test_a_429_waits_retry_after_and_then_delivers(post: Post) -> None:
    chat = post.chats(1)[0]
    post.emu.faults = Faults.none()
    post.emu.faults.inject("429")
    await post.queue(chat)

    dispatcher = post.start()
    assert await post.settled(1) == {SENT: 1}

    assert dispatcher.stats.refused == 1
    assert post.delivered() == {chat: 1}


async def test_server_errors_resets_and_time_outs_are_retried_until_delivered(post: Post) -> None:
    chat = post.chats(1)[0]
    post.emu.faults = Faults(rate=0.0, timeout_delay=3.0)  # longer than the bot's 2 s read time-out
    post.emu.faults.inject("500", "502", "reset", "timeout")
    await post.queue(chat, text="the shuttle leaves at 17:30")

    dispatcher = post.start()
    assert await post.settled(1) == {SENT: 1}

    assert dispatcher.stats.retried == 4
    assert [m.text for m in post.emu.sent_messages(chat)] == ["the shuttle leaves at 17:30"]


async def test_a_message_that_keeps_failing_is_marked_failed_after_its_tries(post: Post) -> None:
    chat = post.chats(1)[0]
    post.emu.faults = Faults.always("500")
    await post.queue(chat)

    post.start(DispatcherConfig(max_tries=3, retry_base=0.01))
    assert await post.settled(1) == {FAILED: 1}

    row = (await post.rows())[0]
    assert "Internal Server Error" in (row.last_error or "")


async def test_a_delegate_who_blocked_the_bot_is_marked_inactive(post: Post) -> None:
    chat, other = post.chats(2)
    delegates = DelegateService(post.database, ["en"], "en")
    await delegates.seen(chat, chat, post.clock.now(), first_name="Ana")
    post.emu.user(chat, "Ana").block()
    await post.queue(chat)
    await post.queue(chat)
    await post.queue(other)

    dispatcher = post.start(on_blocked=delegates.mark_inactive)
    statuses = await post.settled(3)

    assert statuses == {FAILED: 2, SENT: 1}
    assert dispatcher.stats.blocked >= 1
    async with post.database.session() as db:
        assert (await db.get(Delegate, chat)).active is False
    assert all("blocked" in (r.last_error or "") for r in await post.rows() if r.chat_id == chat)


async def test_a_bad_request_is_final(post: Post) -> None:
    chat = post.chats(1)[0]
    await post.queue(chat, text="<b>unclosed")

    post.start()
    assert await post.settled(1) == {FAILED: 1}
    assert "400" in ((await post.rows())[0].last_error or "")


async def test_an_edit_replaces_a_sent_message_and_an_unchanged_or_missing_one_is_not_retried(post: Post) -> None:
    chat, other = post.chats(2)
    await post.queue(chat, Reply("<b>Question #1</b>", ((Button("Approve", "qm:a:1"),),)))
    post.start()
    await post.settled(1)
    sent = (await post.rows())[0].telegram_message_ids
    assert sent is not None
    await post.queue(chat, Edit("<b>Question #1</b>\nApproved by Dewi", message_id=sent[0]))
    await post.queue(chat, Edit("<b>Question #1</b>\nApproved by Dewi", message_id=sent[0]))  # a second look at it
    await post.queue(other, Edit("gone", message_id=424242))

    statuses = await post.settled(4)

    assert statuses == {SENT: 3, FAILED: 1}  # "not modified" is done; "to edit not found" is final
    shown = post.emu.sent_messages(chat)[-1]
    assert shown.edited and shown.text == "Question #1\nApproved by Dewi" and shown.buttons == ()
    assert "to edit not found" in next(r.last_error or "" for r in await post.rows() if r.chat_id == other)


async def test_a_message_past_its_moment_is_not_sent(post: Post) -> None:
    chat = post.chats(1)[0]
    await post.queue(chat, text="session starts in 5 minutes", expires_at=post.later(minutes=5))
    await post.queue(chat, text="later", not_before=post.later(minutes=6))
    post.clock.advance(minutes=6)

    post.start()
    await post.settled(2)

    assert await post.statuses() == {EXPIRED: 1, SENT: 1}
    assert [m.text for m in post.emu.sent_messages(chat)] == ["later"]


async def test_a_message_is_not_sent_before_its_time(post: Post) -> None:
    chat = post.chats(1)[0]
    await post.queue(chat, text="at 13:15", not_before=post.later(minutes=15))

    post.start()
    await post.emu.user(chat, "x").expect_silence(within=0.6)
    post.clock.advance(minutes=15)

    assert await post.settled(1) == {SENT: 1}


async def test_rows_left_sending_by_a_dead_process_are_sent_once_their_lease_ends(post: Post) -> None:
    chats = post.chats(5)
    for chat in chats:
        await post.queue(chat)
    dead = OutboxStore(post.database, "dead-process")
    held = await dead.claim(post.clock.now(), 10, post.later(seconds=30))
    assert len(held) == 5

    post.start()
    await post.emu.user(chats[0], "x").expect_silence(within=0.6)
    assert await post.statuses() == {SENDING: 5}
    post.clock.advance(seconds=31)

    assert await post.settled(5) == {SENT: 5}
    assert post.delivered() == {chat: 1 for chat in chats}


async def test_a_dispatcher_that_cannot_renew_its_lease_sends_nothing_another_one_took_over(post: Post) -> None:
    """Fail closed: once its lease may have run out, a dispatcher starts no call; the rows go to
    whoever holds them now, and every chat gets its message once."""
    chats = post.chats(24)
    for chat in chats:
        await post.queue(chat)
    slow = post.start(DispatcherConfig(rate=2.0, lease_seconds=3.0, retry_base=0.05))
    await post.until(lambda: sum(post.delivered().values()) >= 2, what="the slow dispatcher to start")

    async def database_away(lease_until: object) -> int:
        raise ConnectionRefusedError("injected: the database is away for this replica")

    slow.store.renew = database_away  # type: ignore[method-assign]
    post.clock.advance(seconds=4)  # its lease runs out while it cannot renew it
    await asyncio.sleep(0.5)  # calls already in flight finish
    sent_by_slow = sum(post.delivered().values())
    post.start()

    assert await post.settled(len(chats)) == {SENT: len(chats)}
    await asyncio.sleep(1.0)  # a double, if any, would arrive now
    assert post.delivered() == {chat: 1 for chat in chats}
    assert slow.stats.sent == sent_by_slow, "the slow dispatcher sent nothing after its lease was in doubt"


async def test_a_clean_stop_finishes_calls_in_flight_and_hands_back_the_rest(post: Post) -> None:
    chat = post.chats(1)[0]
    for i in range(5):
        await post.queue(chat, text=f"news {i}")

    dispatcher = post.start()
    await post.until(lambda: post.delivered()[chat] >= 2, what="two delivered")
    await post.stop(dispatcher)

    rows = await post.rows()
    sent = [r for r in rows if r.status == SENT]
    assert {r.status for r in rows} == {SENT, PENDING}
    assert all(r.claimed_by is None for r in rows)
    assert len(sent) == post.delivered()[chat]

    post.start()
    assert await post.settled(5) == {SENT: 5}
    assert [m.text for m in post.emu.sent_messages(chat)] == [f"news {i}" for i in range(5)]


async def test_two_dispatchers_on_one_database_never_send_a_row_twice(post: Post) -> None:
    chats = post.chats(60)
    for chat in chats:
        await post.queue(chat)
        await post.queue(chat)
    shared_limit = DispatcherConfig(rate=15, retry_base=0.05)  # two replicas share Telegram's 30/s

    first, second = post.start(shared_limit), post.start(shared_limit)
    assert await post.settled(120, timeout=120) == {SENT: 120}

    assert post.delivered() == {chat: 2 for chat in chats}
    assert first.stats.sent > 0 and second.stats.sent > 0
    assert first.stats.sent + second.stats.sent == 120


async def test_the_rate_is_reached_with_slow_calls_by_sending_to_many_chats_at_once(post: Post) -> None:
    chats = post.chats(60)
    post.emu.faults = Faults(rate=1.0, kinds=("timeout",), timeout_delay=0.1, timeout_delivers=True)
    for chat in chats:
        await post.queue(chat)

    dispatcher = post.start()
    await post.settled(60)

    assert post.delivered() == {chat: 1 for chat in chats}
    assert dispatcher.stats.max_in_flight_seen >= 3, "100 ms per call: several calls must be in flight at once"
    assert dispatcher.stats.max_in_flight_seen <= dispatcher.config.max_in_flight


async def test_outcomes_are_kept_in_the_table(post: Post) -> None:
    chat = post.chats(1)[0]
    await post.queue(chat)
    post.start()
    await post.settled(1)
    async with post.database.session() as db:
        from bot.outbox.models import OutboxMessage

        row = (await db.execute(select(OutboxMessage))).scalars().one()
    assert row.attempts == 1 and row.sent_at is not None and row.last_error is None
    assert row.sent_at - row.created_at == timedelta(0)
