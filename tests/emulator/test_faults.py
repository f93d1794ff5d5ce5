"""Fault injection: the failures Telegram's edge produces, for the bot's resilience tests."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.telegram.emulator import BotApiEmulator, Faults
from tests.emulator.conftest import make_bot, seconds


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_server_errors_raise_network_error_and_deliver_nothing(emu: BotApiEmulator, bot: Bot, kind: str) -> None:
    ana = emu.user(1001, "Ana")
    emu.faults = Faults.always(kind)

    with pytest.raises(NetworkError):
        await bot.send_message(ana.id, "Reminder")

    await ana.expect_silence(within=0.1)
    call = emu.calls_to("sendMessage")[-1]
    assert (call.status, call.fault) == (int(kind), kind)


async def test_injected_flood_control_raises_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    emu.faults = Faults(rate=0.0, retry_after=7)
    emu.faults.inject("429")

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ana.id, "first")
    await bot.send_message(ana.id, "second")

    assert seconds(refused.value.retry_after) == 7
    assert [reply.text for reply in ana.replies] == ["second"]


async def test_a_reset_connection_raises_network_error_and_delivers_nothing(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    emu.faults = Faults.none()
    emu.faults.inject("reset")

    with pytest.raises(NetworkError) as error:
        await bot.send_message(ana.id, "Reminder")
    await bot.send_message(ana.id, "Retried")

    assert not isinstance(error.value, TimedOut)
    assert [reply.text for reply in ana.replies] == ["Retried"]
    assert emu.calls_to("sendMessage")[0].status == 0


async def test_a_timeout_raises_timed_out_and_by_default_delivers_nothing(emu: BotApiEmulator) -> None:
    ana = emu.user(1001, "Ana")
    emu.faults = Faults.always("timeout", timeout_delay=2.0)

    async with make_bot(emu, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(ana.id, "Reminder")

    await ana.expect_silence(within=0.1)


async def test_a_timeout_that_delivered_anyway(emu: BotApiEmulator) -> None:
    ana = emu.user(1001, "Ana")
    emu.faults = Faults.always("timeout", timeout_delay=2.0, timeout_delivers=True)

    async with make_bot(emu, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(ana.id, "Reminder")

    assert (await ana.next_reply(timeout=1)).text == "Reminder"  # a blind retry would send it twice


async def test_faults_spare_methods_that_send_nothing(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    emu.faults = Faults.always("500")

    assert (await bot.get_me()).username == "delegate_assistant_bot"
    assert await bot.send_chat_action(ana.id, "typing")
    assert await bot.get_updates() == ()


def test_random_faults_are_reproducible_with_a_seed() -> None:
    first = Faults(rate=0.3, seed=42)
    second = Faults(rate=0.3, seed=42)

    picks = [first.pick("sendMessage") for _ in range(200)]

    assert picks == [second.pick("sendMessage") for _ in range(200)]
    assert 30 < sum(pick is not None for pick in picks) < 90
    assert {pick for pick in picks if pick} == {"429", "500", "502", "timeout", "reset"}
    assert Faults(rate=1.0).pick("getUpdates") is None


def test_unknown_fault_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Faults(kinds=("503",))
