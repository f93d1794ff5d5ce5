"""The whole bot, for real: trained NLU model, real database, python-telegram-bot polling the local
Bot API emulator. Tests talk to it as delegates do (`harness.user(...)`) and move the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.clock import ManualClock
from bot.features import install_features
from bot.runtime import Services, build_services
from bot.settings import Settings
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.emulator.users import EmulatedUser
from bot.telegram.lifecycle import RunningBot
from nlu.testing import session_interpreter as shared_interpreter
from tests.conftest import DAY1_MORNING, POSTGRES_URL, SAMPLE_EVENT, _reset_postgres
from tests.databases import migrated_sqlite

ORGANISER_ID = 900
HELPDESK_CHAT_ID = -1001


@dataclass
class Harness:
    emu: BotApiEmulator
    settings: Settings
    clock: ManualClock
    interpreter: Any
    services: Services | None = None
    bot: RunningBot | None = None
    _users: dict[int, EmulatedUser] = field(default_factory=dict)

    async def start(self) -> None:
        self.services = await build_services(self.settings, clock=self.clock, interpreter=self.interpreter)
        install_features(self.services)
        self.bot = RunningBot(self.services)
        await self.bot.start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None
        if self.services is not None:
            await self.services.database.dispose()  # the shared interpreter stays loaded
            self.services = None

    async def restart(self) -> None:
        """A clean restart on the same database (what a deploy or a crash-and-restart does)."""
        await self.stop()
        await self.start()

    def user(self, user_id: int = 1001, name: str = "Ana", language_code: str | None = "en", **kwargs: Any) -> EmulatedUser:
        if user_id not in self._users:
            self._users[user_id] = self.emu.user(user_id, name, language_code=language_code, **kwargs)
        return self._users[user_id]


def harness_settings(database_url: str, emu: BotApiEmulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": "123456:TEST",
        "telegram_api_base_url": emu.base_url,
        "database_url": database_url,
        "event_file": SAMPLE_EVENT,
        "organiser_ids": frozenset({ORGANISER_ID}),
        "helpdesk_chat_id": HELPDESK_CHAT_ID,
        "assistant_now": DAY1_MORNING,
        "port": 0,  # the bot's /healthz and /metrics on a free port
        "helpdesk_web_port": 0,  # any free port: several bots (or test workers) at once
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(limits=Limits()) as emu:
        yield emu


@pytest.fixture
async def harness(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(emulator, harness_settings(migrated_sqlite(tmp_path / 'bot.db'), emulator), ManualClock(DAY1_MORNING), shared_interpreter())
    await h.start()
    yield h
    await h.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_harness(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """One running bot for a module's read-only tests, which run on the module's event loop
    (`pytest.mark.asyncio(loop_scope="module")`). Starting a bot per test costs about half a second;
    sharing one is sound only for tests that each talk as their own user and neither move the clock
    nor change the event, the settings or another user's state."""
    async with BotApiEmulator(limits=Limits()) as emu:
        url = migrated_sqlite(tmp_path_factory.mktemp("shared-harness") / "bot.db")
        h = Harness(emu, harness_settings(url, emu), ManualClock(DAY1_MORNING), shared_interpreter())
        await h.start()
        try:
            yield h
        finally:
            await h.stop()


@pytest.fixture
async def pg_harness(emulator: BotApiEmulator) -> AsyncIterator[Harness]:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    await _reset_postgres(POSTGRES_URL)
    h = Harness(emulator, harness_settings(POSTGRES_URL, emulator), ManualClock(DAY1_MORNING), shared_interpreter())
    await h.start()
    yield h
    await h.stop()
