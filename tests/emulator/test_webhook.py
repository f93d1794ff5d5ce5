"""Webhook mode: updates are POSTed to the bot's URL with the secret header, retried until accepted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict

from bot.telegram.emulator import BotApiEmulator


@dataclass
class WebhookReceiver:
    """The bot's side of a webhook: records each delivery; answers 500 `failures` times first."""

    failures: int = 0
    received: list[tuple[str | None, dict]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/telegram", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"
    yield hook
    await runner.cleanup()


async def wait_for(condition, timeout: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_updates_are_posted_with_the_secret_token(
    emu: BotApiEmulator, bot: Bot, receiver: WebhookReceiver
) -> None:
    ana = emu.user(1001, "Ana")
    assert await bot.set_webhook(receiver.url, secret_token="s3cret_token")

    await ana.send("hello")
    await ana.send("again")
    await wait_for(lambda: len(receiver.received) == 2)

    secrets = {secret for secret, _ in receiver.received}
    updates = [Update.de_json(body, bot) for _, body in receiver.received]
    assert secrets == {"s3cret_token"}
    assert [update.message.text for update in updates] == ["hello", "again"]
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_get_updates_conflicts_while_a_webhook_is_set(
    emu: BotApiEmulator, bot: Bot, receiver: WebhookReceiver
) -> None:
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()

    await bot.delete_webhook()
    await emu.user(1001, "Ana").send("polling again")
    (update,) = await bot.get_updates()
    assert update.message.text == "polling again"


async def test_failed_deliveries_are_retried_in_order(emu: BotApiEmulator, bot: Bot, receiver: WebhookReceiver) -> None:
    ana = emu.user(1001, "Ana")
    receiver.failures = 2
    await bot.set_webhook(receiver.url, secret_token="abc")

    await ana.send("first")
    await ana.send("second")
    await wait_for(lambda: len(receiver.received) == 2)

    assert [body["message"]["text"] for _, body in receiver.received] == ["first", "second"]
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert "500" in (info.last_error_message or "")


async def test_an_invalid_secret_token_is_refused(bot: Bot, receiver: WebhookReceiver) -> None:
    with pytest.raises(BadRequest, match="(?i)secret token"):
        await bot.set_webhook(receiver.url, secret_token="not allowed!")
