"""The Mini App on the real services and database (SQLite, and PostgreSQL with TEST_DATABASE_URL):
the sample event, delegates who talked to the bot, ReminderService as My agenda, and the page's
routes served by aiohttp's test server. Requests carry initData signed as Telegram would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService, DelegateView
from bot.event.service import EventService
from bot.i18n import Translator
from bot.miniapp.initdata import InitDataValidator, sign_init_data
from bot.miniapp.service import MiniAppService
from bot.miniapp.web import miniapp_routes
from bot.reminders.service import ReminderService

TOKEN = "123456:MINIAPP"
LANGUAGES = ("en", "id", "ms", "vi", "th", "zh_Hans", "ja", "ko")


@dataclass
class Mini:
    database: Database
    clock: ManualClock
    delegates: DelegateService
    reminders: ReminderService
    client: TestClient

    async def delegate(self, user_id: int, language: str = "en", verified: bool = False) -> DelegateView:
        view = await self.delegates.seen(user_id, user_id, self.clock.now(), first_name=f"D{user_id}", language_code=language)
        if verified:
            async with self.database.session() as db:
                await db.execute(update(Delegate).where(Delegate.user_id == user_id).values(verified=True))
        return view

    def init_data(self, user_id: int, token: str = TOKEN, age: timedelta = timedelta(minutes=1)) -> str:
        return sign_init_data(token, {"id": user_id, "first_name": f"D{user_id}"}, self.clock.now() - age)

    async def get(self, path: str, user_id: int | None = None, init_data: str | None = None):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"tma {init_data or self.init_data(user_id or 0)}"} if (user_id or init_data) else {}
        return await self.client.get(path, headers=headers)

    async def star(self, user_id: int, session_id: str, starred: bool = True) -> dict[str, object]:
        response = await self.client.post("/app/api/star", json={"session": session_id, "starred": starred},
                                          headers={"Authorization": f"tma {self.init_data(user_id)}"})
        assert response.status == 200, await response.text()
        return await response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def mini(loaded_database: Database, clock: ManualClock) -> AsyncIterator[Mini]:
    events = EventService(loaded_database)
    snap = await events.snapshot()
    delegates = DelegateService(loaded_database, LANGUAGES, snap.default_language)
    reminders = ReminderService(loaded_database, events, clock.now, 15)

    async def translator(language: str) -> Translator:
        return Translator(language, snap.timezone, snap.default_language)

    service = MiniAppService(delegates, events, reminders, translator)
    app = web.Application()
    app.add_routes(miniapp_routes(service, InitDataValidator(TOKEN, timedelta(hours=1)), clock.now, wall_clock=clock.now))
    async with TestClient(TestServer(app)) as client:
        yield Mini(loaded_database, clock, delegates, reminders, client)
