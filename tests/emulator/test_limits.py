"""Telegram's flood limits: 429 with retry_after, counted on an injectable clock so nothing sleeps."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from telegram import Bot
from telegram.error import BadRequest, RetryAfter

from bot.telegram.emulator import BotApiEmulator, Limits
from bot.telegram.emulator.limits import RATE_LIMITED_METHODS
from tests.emulator.conftest import FakeMonotonic, make_bot, seconds


async def test_five_quick_messages_to_one_chat_hit_the_per_chat_limit(
    emu: BotApiEmulator, bot: Bot, monotonic: FakeMonotonic
) -> None:
    ana = emu.user(1001, "Ana")
    for n in range(3):  # the burst
        await bot.send_message(ana.id, f"message {n}")

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ana.id, "message 3")
    with pytest.raises(RetryAfter):
        await bot.send_message(ana.id, "message 4")

    assert seconds(refused.value.retry_after) == 1
    assert [call.status for call in emu.calls_to("sendMessage")] == [200, 200, 200, 429, 429]
    assert len(ana.replies) == 3
    monotonic.advance(1)
    await bot.send_message(ana.id, "after waiting retry_after")
    assert len(ana.replies) == 4


async def test_the_429_body_is_telegrams(emu: BotApiEmulator) -> None:
    emu.user(1001, "Ana")
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(4):
            async with http.post(f"{emu.base_url}1:X/sendMessage", data={"chat_id": "1001", "text": "hi"}) as response:
                statuses.append(response.status)
                body = await response.json()

    assert statuses == [200, 200, 200, 429]
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


async def test_forty_messages_in_a_second_to_many_chats_hit_the_global_limit(
    emu: BotApiEmulator, bot: Bot, monotonic: FakeMonotonic
) -> None:
    people = [emu.user(2000 + n, f"Delegate {n}") for n in range(40)]
    refused: list[RetryAfter] = []

    for person in people:
        try:
            await bot.send_message(person.id, "Session 2 starts in 10 minutes")
        except RetryAfter as error:
            refused.append(error)

    assert len(refused) == 10
    assert {seconds(error.retry_after) for error in refused} == {1}
    assert sum(len(person.replies) for person in people) == 30
    monotonic.advance(1)
    await bot.send_message(people[-1].id, "now it goes through")


async def test_a_group_gets_twenty_messages_a_minute(emu: BotApiEmulator, bot: Bot) -> None:
    emu.limits = Limits(per_chat_burst=100, clock=emu.limits.clock)
    group = emu.group(-100123, "Helpdesk")
    for n in range(20):
        await bot.send_message(group.id, f"ticket {n}")

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(group.id, "ticket 20")

    assert seconds(refused.value.retry_after) == 3  # a group message is refilled every 3 s


async def test_retry_after_is_the_real_wait_rounded_up(monotonic: FakeMonotonic) -> None:
    limits = Limits(clock=monotonic)
    for _ in range(3):
        assert limits.acquire("sendMessage", 1, is_group=False) is None
    monotonic.advance(0.2)

    assert limits.acquire("sendMessage", 1, is_group=False) == 1  # 0.8 s left -> 1
    slow = Limits(per_chat_per_second=0.25, per_chat_burst=1, clock=monotonic)
    assert slow.acquire("sendMessage", 1, is_group=False) is None
    assert slow.acquire("sendMessage", 1, is_group=False) == 4


async def test_only_sending_methods_are_limited(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    for _ in range(20):
        await bot.get_me()
        await bot.send_chat_action(ana.id, "typing")
        await bot.get_updates()
    assert {
        "sendMessage",
        "editMessageText",
        "sendVenue",
        "sendDocument",
        "sendPhoto",
        "sendLocation",
    } <= RATE_LIMITED_METHODS
    assert {"getUpdates", "answerCallbackQuery", "setMyCommands", "sendChatAction"}.isdisjoint(RATE_LIMITED_METHODS)
    assert all(call.status == 200 for call in emu.calls)


async def test_edits_count_against_the_chat(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    message = await bot.send_message(ana.id, "v0")
    await bot.edit_message_text("v1", chat_id=ana.id, message_id=message.message_id)
    await bot.edit_message_text("v2", chat_id=ana.id, message_id=message.message_id)
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("v3", chat_id=ana.id, message_id=message.message_id)


async def test_lifted_limits_allow_a_thousand_messages_a_second(monotonic: FakeMonotonic) -> None:
    # The fake clock never moves: for the limiter all 1000 messages go out in the same instant.
    # A raw aiohttp client keeps this fast (PTB's httpx client costs several ms a call).
    async with BotApiEmulator(limits=Limits.lifted(clock=monotonic)) as emu:
        people = [emu.user(3000 + n, f"Delegate {n}") for n in range(100)]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as http:

            async def send(n: int) -> int:
                data = {"chat_id": str(people[n % 100].id), "text": f"broadcast {n}"}
                async with http.post(f"{emu.base_url}123456:TEST/sendMessage", data=data) as response:
                    return response.status

            statuses = await asyncio.gather(*(send(n) for n in range(1000)))

        assert set(statuses) == {200}
        assert sum(len(person.replies) for person in people) == 1000
        async with make_bot(emu) as bot:  # and PTB is not refused either
            for _ in range(10):
                await bot.send_message(people[0].id, "one more")
        with pytest.raises(BadRequest, match="(?i)too long"):  # size limits still hold
            async with make_bot(emu) as bot:
                await bot.send_message(people[0].id, "x" * 4097)
