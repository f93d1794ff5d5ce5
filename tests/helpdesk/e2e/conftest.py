"""The whole bot for helpdesk scenarios: the tests/e2e harness (trained model, real database, the bot
polling the Bot API emulator, the outbox dispatcher delivering), with the helpdesk group in the
emulator and the web console on a free port of 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.helpdesk.feature import Helpdesk
from bot.helpdesk.service import HelpdeskService
from bot.helpdesk.web.server import HelpdeskConsole
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.emulator.users import EmulatedGroup, EmulatedUser
from nlu.testing import session_interpreter as shared_interpreter
from tests.browser import browser, chromium  # noqa: F401  (for test_console_browser; `make browser` installs it)
from tests.databases import migrated_sqlite
from tests.e2e.conftest import DAY1_MORNING, HELPDESK_CHAT_ID, Harness, emulator, harness_settings  # noqa: F401

WAIT = 30.0  # seconds; generous for a loaded CI machine, never a timing assertion


class HelpdeskHarness(Harness):
    """The e2e harness, with the helpdesk's service, group and console at hand."""

    @property
    def helpdesk(self) -> HelpdeskService:
        assert self.services is not None
        return self.services.features.get(Helpdesk).service  # type: ignore[no-any-return]

    async def agent(self, user_id: int, name: str, language_code: str = "en", **kwargs: Any) -> EmulatedUser:
        """A member of the helpdesk group with the helpdesk role (`python -m bot roles add helpdesk ID`)."""
        assert self.services is not None
        await self.services.roles.grant(user_id, "helpdesk", self.clock.now())
        return self.user(user_id, name, language_code=language_code, **kwargs)

    @property
    def group(self) -> EmulatedGroup:
        return self.emu.group(HELPDESK_CHAT_ID, "Helpdesk")

    async def console(self) -> HelpdeskConsole:
        """The running console, once it listens."""
        import asyncio

        assert self.services is not None
        console: HelpdeskConsole = self.services.features.get(Helpdesk).console
        await asyncio.wait_for(console.started.wait(), WAIT)
        return console


@pytest.fixture
async def desk_harness(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[HelpdeskHarness]:  # noqa: F811
    emulator.group(HELPDESK_CHAT_ID, "Helpdesk")
    settings = harness_settings(migrated_sqlite(tmp_path / 'bot.db'), emulator, helpdesk_web_port=0)
    h = HelpdeskHarness(emulator, settings, ManualClock(DAY1_MORNING), shared_interpreter())
    await h.start()
    yield h
    await h.stop()
