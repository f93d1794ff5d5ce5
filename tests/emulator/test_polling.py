"""getUpdates as Telegram answers it: long polling, confirmation by offset, allowed_updates, one poller."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import Conflict

from bot.telegram.emulator import BotApiEmulator
from tests.emulator.conftest import make_bot


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    loop = asyncio.get_running_loop()
    started = loop.time()
    polling = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)

    await ana.send("hello")
    (update,) = await asyncio.wait_for(polling, 2)

    assert update.message.text == "hello"
    assert loop.time() - started < 2


async def test_an_empty_long_poll_waits_its_timeout(emu: BotApiEmulator, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=0.3) == ()
    assert loop.time() - started >= 0.25


async def test_offset_confirms_and_limit_pages(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    for n in range(5):
        await ana.send(f"m{n}")

    first_two = await bot.get_updates(limit=2)
    again = await bot.get_updates(limit=2)
    rest = await bot.get_updates(offset=first_two[-1].update_id + 1)
    await bot.get_updates(offset=rest[-1].update_id + 1)

    assert [u.message.text for u in first_two] == [u.message.text for u in again] == ["m0", "m1"]
    assert [u.message.text for u in rest] == ["m2", "m3", "m4"]
    assert emu.pending_updates == []
    await emu.wait_until_consumed(timeout=0.1)


async def test_allowed_updates_filters_and_is_remembered(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    await bot.send_message(ana.id, "Pick", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    await ana.send("text")
    await ana.press(await ana.next_reply(timeout=1), "A")

    only_callbacks = await bot.get_updates(allowed_updates=["callback_query"])
    still_only_callbacks = await bot.get_updates()
    everything = await bot.get_updates(allowed_updates=[])

    assert [u.callback_query.data for u in only_callbacks] == ["a"]
    assert len(still_only_callbacks) == 1
    assert len(everything) == 2


async def test_a_second_poller_terminates_the_first(emu: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with make_bot(emu) as other:
        second = asyncio.create_task(other.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2)
        assert await second == ()
