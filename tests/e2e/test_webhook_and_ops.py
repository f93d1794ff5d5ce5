"""Webhook mode and the operator's endpoints: Telegram's posts are answered, anyone else's refused;
/healthz and /metrics tell an operator how the bot is doing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.clock import ManualClock
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from nlu.server import free_port
from nlu.testing import session_interpreter
from tests.conftest import DAY1_MORNING
from tests.e2e.conftest import Harness, harness_settings

pytestmark = [pytest.mark.e2e]
SECRET = "s3cret-Token_42"


@pytest.fixture
async def webhook_bot(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    port = free_port()
    settings = harness_settings(
        f"sqlite:///{tmp_path / 'bot.db'}", emulator,
        webhook_url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}", webhook_secret=SECRET, port=port,
    )
    h = Harness(emulator, settings, ManualClock(DAY1_MORNING), session_interpreter())
    await h.start()
    yield h
    await h.stop()


async def test_in_webhook_mode_delegates_are_answered(webhook_bot: Harness) -> None:
    delegate = webhook_bot.user(5001, "Ana")
    await delegate.send("what's the wifi password?")
    reply = await delegate.next_reply(timeout=20)
    assert "RCDD2019" in (reply.text or "")
    assert not any(c.method == "getUpdates" for c in webhook_bot.emu.calls), "no polling beside the webhook"


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_posts_without_the_secret_are_refused_and_logged(webhook_bot: Harness, headers: dict, caplog: pytest.LogCaptureFixture) -> None:
    assert webhook_bot.bot is not None
    forged = {"update_id": 99, "message": {"message_id": 1, "date": 0, "chat": {"id": 5002, "type": "private"},
                                           "from": {"id": 5002, "is_bot": False, "first_name": "Mallory"}, "text": "/start"}}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{webhook_bot.bot.http.port}{WEBHOOK_PATH}", json=forged, headers=headers)
    assert response.status_code == 403
    assert "webhook request refused" in caplog.text
    assert webhook_bot.emu.sent_messages(5002) == []


async def test_a_post_that_is_not_an_update_gets_400(webhook_bot: Harness) -> None:
    assert webhook_bot.bot is not None
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{webhook_bot.bot.http.port}{WEBHOOK_PATH}", content=b"{not json", headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400


async def test_healthz_and_metrics(harness: Harness) -> None:
    assert harness.bot is not None and harness.bot.http.port
    delegate = harness.user(5003, "Ana")
    await delegate.send("where is the venue?")
    await delegate.wait_replies(2, timeout=20)
    base = f"http://127.0.0.1:{harness.bot.http.port}"
    async with httpx.AsyncClient() as client:
        health = await client.get(f"{base}/healthz")
        metrics = (await client.get(f"{base}/metrics")).text
    assert health.status_code == 200 and health.json()["database"] is True
    assert 'assistant_updates_total{kind="message"} 1' in metrics
    assert "assistant_nlu_seconds_count 1" in metrics
    assert "assistant_outbox_depth 0" in metrics
    assert "where is the venue" not in metrics and "5003" not in metrics, "no texts or ids in metrics"
