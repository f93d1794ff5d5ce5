"""Thousands of fuzzed updates (hypothesis), well-formed and malformed, posted to the webhook of a
running bot: no crash, no unhandled exception, every accepted update handled, and the bot still
answers a normal question afterwards. FUZZ_UPDATES sets how many: 600 by default and in `make test`,
3 000 in CI (.ci/run); 10 000 measured."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from nlu.server import free_port
from nlu.testing import session_interpreter
from tests.conftest import DAY1_MORNING
from tests.e2e.conftest import Harness, harness_settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
UPDATES = int(os.environ.get("FUZZ_UPDATES", "600"))
SECRET = "fuzz-secret"
USERS = range(8000, 8040)


class BotInThread:
    """The bot and the emulator on their own event loop, so that hypothesis can drive them from a
    plain synchronous test."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = free_port()
        self.harness: Harness | None = None

    def call(self, coro: Any, timeout: float = 120.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()

        async def start() -> None:
            self.emu = BotApiEmulator(limits=Limits.lifted())
            await self.emu.start()
            for uid in USERS:
                self.emu.user(uid, f"F{uid}", language_code="en")
            settings = harness_settings(
                f"sqlite:///{self.tmp_path / 'fuzz.db'}", self.emu,
                webhook_url=f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}", webhook_secret=SECRET, port=self.port,
                helpdesk_web_port=0,
            )
            self.harness = Harness(self.emu, settings, ManualClock(DAY1_MORNING), session_interpreter())
            await self.harness.start()

        self.call(start())

    def stop(self) -> None:
        async def stop() -> None:
            assert self.harness is not None
            await self.harness.stop()
            await self.emu.stop()

        self.call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotInThread]:
    bot = BotInThread(tmp_path_factory.mktemp("fuzz"))
    bot.start()
    yield bot
    bot.stop()


texts = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5000),
    st.sampled_from(["where is the venue?", "/start", "/agenda", "/now", "/forget", "/language", "/teleport x", "<b>&", "😀"]),
)
users = st.sampled_from(list(USERS))


@st.composite
def message(draw: st.DrawFn) -> dict[str, Any]:
    uid = draw(users)
    body: dict[str, Any] = {"message_id": draw(st.integers(1, 2**31)), "date": 1568085300,
                            "chat": {"id": uid, "type": "private"}, "from": {"id": uid, "is_bot": False, "first_name": "F"}}
    kind = draw(st.sampled_from(["text", "text", "text", "sticker", "photo", "location", "contact", "nothing"]))
    if kind == "text":
        body["text"] = draw(texts)
        if draw(st.booleans()) and body["text"]:
            body["entities"] = [{"type": draw(st.sampled_from(["bot_command", "bold", "url"])), "offset": 0, "length": draw(st.integers(0, 80))}]
    elif kind == "sticker":
        body["sticker"] = {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1, "is_animated": False, "is_video": False, "type": "regular"}
    elif kind == "photo":
        body["photo"] = [{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]
    elif kind == "location":
        body["location"] = {"latitude": draw(st.floats(-90, 90)), "longitude": draw(st.floats(-180, 180))}
    elif kind == "contact":
        body["contact"] = {"phone_number": draw(st.text(max_size=20)), "first_name": "C"}
    return {"message": body}


@st.composite
def callback(draw: st.DrawFn) -> dict[str, Any]:
    uid = draw(users)
    data = draw(st.one_of(st.text(max_size=64), st.sampled_from(["day:day-1", "s:no-such", "lang:xx", "fg:yes", "rm:1", "bc:ok:1", ""])))
    return {"callback_query": {"id": str(draw(st.integers(1, 2**40))), "chat_instance": "c", "data": data,
                               "from": {"id": uid, "is_bot": False, "first_name": "F"},
                               "message": {"message_id": draw(st.integers(1, 50)), "date": 1568085300, "chat": {"id": uid, "type": "private"}}}}


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
malformed = st.one_of(
    json_values.map(lambda v: {"message": v}),
    json_values.map(lambda v: {"callback_query": v}),
    st.dictionaries(st.sampled_from(["message", "edited_message", "callback_query", "poll", "x"]), json_values, max_size=2),
)
updates = st.one_of(*[message()] * 6, callback(), callback(), malformed)


def test_thousands_of_fuzzed_updates_break_nothing(running: BotInThread, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    accepted = 0
    update_ids = iter(range(10**9, 10**9 + 10 * UPDATES))
    with httpx.Client(timeout=30) as client:

        @settings(max_examples=UPDATES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(update=updates)
        def post(update: dict[str, Any]) -> None:
            nonlocal accepted
            response = client.post(f"http://127.0.0.1:{running.port}{WEBHOOK_PATH}", json={"update_id": next(update_ids), **update}, headers={SECRET_HEADER: SECRET})
            assert response.status_code in (200, 400), response.text
            accepted += response.status_code == 200

        post()

    harness = running.harness
    assert harness is not None and harness.services is not None
    metrics = harness.services.metrics

    async def drained() -> None:
        while sum(metrics.updates.values()) < accepted:
            await asyncio.sleep(0.2)

    running.call(asyncio.wait_for(drained(), 600), timeout=620)
    unhandled = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(("bot", "telegram"))]
    assert not unhandled, [(r.getMessage(), r.exc_text or (r.exc_info and repr(r.exc_info[1]))) for r in unhandled[:5]]

    async def still_answers() -> str:
        user = harness.user(8100, "After", language_code="en")
        await user.send("what's the wifi password?")
        return (await user.next_reply(timeout=30)).text or ""

    assert "RCDD2019" in running.call(still_answers())
    print(f"\nfuzz: {UPDATES} updates posted, {accepted} accepted, {UPDATES - accepted} refused with 400")
