"""The control API (/_emulator/...): other processes drive people and read what the bot did."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError

from bot.telegram.emulator import BotApiEmulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def control(
    http: aiohttp.ClientSession, emu: BotApiEmulator, verb: str, path: str, body: Any = None, **query: Any
) -> Any:
    async with http.request(verb, f"{emu.url}/_emulator{path}", json=body, params=query or None) as response:
        answer = await response.json()
    assert answer["ok"], answer
    return answer["result"]


async def test_a_person_over_http_talks_to_the_bot(emu: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    await control(http, emu, "POST", "/users", {"id": 7, "first_name": "Budi", "language_code": "id"})
    await control(http, emu, "POST", "/users/7/updates", {"kind": "text", "text": "jadwal hari ini?"})
    await control(http, emu, "POST", "/users/7/updates", {"kind": "command", "text": "/agenda"})
    await control(http, emu, "POST", "/users/7/updates", {"kind": "location", "latitude": 1.0, "longitude": 2.0})
    text, command, location = await bot.get_updates()

    await bot.send_message(
        7,
        "<b>Hari ini</b>",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "Day 2", "callback_data": "day:2"}]]},
    )
    (sent,) = await control(http, emu, "GET", "/chats/7/messages", after=0)
    query = await control(
        http, emu, "POST", "/users/7/updates", {"kind": "callback", "message_id": sent["message_id"], "button": "Day 2"}
    )
    (press,) = await bot.get_updates(offset=location.update_id + 1)
    await bot.answer_callback_query(press.callback_query.id, text="OK")
    answered = await control(http, emu, "GET", f"/callback_queries/{query['id']}")

    assert text.message.text == "jadwal hari ini?" and text.message.from_user.language_code == "id"
    assert command.message.entities[0].type == "bot_command"
    assert location.message.location.latitude == 1.0
    assert (sent["text"], sent["html"], sent["buttons"]) == (
        "Hari ini",
        "<b>Hari ini</b>",
        [[{"text": "Day 2", "callback_data": "day:2"}]],
    )
    assert press.callback_query.data == "day:2"
    assert answered["answered"] and answered["answer_text"] == "OK"


async def test_messages_long_poll_waits_for_the_bot(emu: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    emu.user(7, "Budi")
    waiting = asyncio.create_task(control(http, emu, "GET", "/chats/7/messages", after=0, wait=5))
    await asyncio.sleep(0.05)
    await bot.send_message(7, "here")
    assert [message["text"] for message in await asyncio.wait_for(waiting, 2)] == ["here"]


async def test_faults_limits_blocking_and_calls_over_http(
    emu: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    await control(http, emu, "POST", "/users", {"id": 7, "first_name": "Budi"})
    await control(http, emu, "POST", "/faults", {"rate": 0, "inject": ["500"]})
    with pytest.raises(NetworkError):
        await bot.send_message(7, "faulted")
    await control(http, emu, "POST", "/faults", None)
    limits = await control(http, emu, "POST", "/limits", {"enabled": False})
    for _ in range(10):
        await bot.send_message(7, "unlimited")
    await control(http, emu, "POST", "/users/7/block", {"blocked": True})
    with pytest.raises(Forbidden):
        await bot.send_message(7, "blocked")
    calls = await control(http, emu, "GET", "/calls", method="sendMessage")
    overview = await control(http, emu, "GET", "")

    assert limits["enabled"] is False and emu.faults is None
    assert [call["status"] for call in calls] == [500] + [200] * 10 + [403]
    assert calls[0]["fault"] == "500" and calls[0]["params"]["text"] == "faulted"
    assert overview["bot"]["username"] == "delegate_assistant_bot" and overview["users"][0]["blocked_bot"]


async def test_control_errors_are_reported_not_raised(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{emu.url}/_emulator/users/99/updates", json={"kind": "text", "text": "x"}) as response:
        assert response.status == 400
        assert "no user 99" in (await response.json())["description"]
