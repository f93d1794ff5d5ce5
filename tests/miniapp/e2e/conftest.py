"""Headless Chromium (tests/browser.py) against the whole bot: the tests/e2e harness (the bot
polling the Bot API emulator, the outbox delivering), its HTTP server serving the Mini App."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.miniapp.initdata import sign_init_data
from tests.browser import browser, chromium  # noqa: F401
from tests.databases import migrated_sqlite
from tests.e2e.conftest import DAY1_MORNING, Harness, emulator, harness_settings  # noqa: F401

TOKEN = "123456:TEST"  # the harness's bot token: the Mini App's initData is signed with it
PUBLIC_URL = "https://assistant.example.org"
WAIT = 30.0  # seconds; generous for a loaded machine, never a timing assertion


@pytest.fixture
async def app_harness(emulator, tmp_path: Path) -> AsyncIterator[Harness]:  # noqa: F811
    """The whole bot with an https PUBLIC_URL (so it sets the Mini App's menu button), its HTTP
    server and the console on free ports of 127.0.0.1."""
    settings = harness_settings(migrated_sqlite(tmp_path / 'bot.db'), emulator, public_url=PUBLIC_URL, helpdesk_web_port=0)
    from bot.clock import ManualClock
    from nlu.testing import session_interpreter

    h = Harness(emulator, settings, ManualClock(DAY1_MORNING), session_interpreter())
    await h.start()
    yield h
    await h.stop()


def miniapp_url(h: Harness, user: dict[str, object], token: str = TOKEN) -> str:
    """What Telegram opens: the page, with the launch data in the URL fragment only."""
    assert h.services is not None and h.services.http_port is not None
    init_data = sign_init_data(token, user, datetime.now(timezone.utc))  # auth_date is real time, not the rehearsal's
    theme = '{"bg_color":"#ffffff","text_color":"#1d2330","button_color":"#2481cc","button_text_color":"#ffffff"}'
    return f"http://127.0.0.1:{h.services.http_port}/app#tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0&tgWebAppThemeParams={quote(theme)}"
