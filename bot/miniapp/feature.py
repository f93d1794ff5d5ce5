"""The programme as a Telegram Mini App: the page and its views on the bot's own HTTP server
(LISTEN:PORT, behind PUBLIC_URL), the menu button per language and a button under the programme's
answers (both only with an https PUBLIC_URL, which Telegram requires), and /forget of the menu
button's record. My agenda is the reminders feature's subscriptions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.answers.reply import Button
from bot.event.service import EventSnapshot, SessionView
from bot.feature import BackgroundTask, Feature
from bot.i18n import Translator
from bot.miniapp.initdata import InitDataValidator
from bot.miniapp.programme import search_sessions
from bot.miniapp.service import MenuButtons, MiniAppService
from bot.runtime import Services

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
PATH = "/app"


def miniapp_url(public_url: str | None) -> str | None:
    """The address Telegram opens: PUBLIC_URL + /app, only when PUBLIC_URL is https."""
    return f"{public_url.rstrip('/')}{PATH}" if public_url and public_url.startswith("https://") else None


class MiniApp(Feature):
    name = "miniapp"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.url = miniapp_url(services.settings.public_url)
        if services.settings.public_url and self.url is None:
            log.info("PUBLIC_URL is not https: no Mini App menu button (Telegram opens only https pages)")
        self.menu = MenuButtons(services.database, services.delegates.default_language, services.clock.now)

    def app_service(self) -> MiniAppService:
        """Built once the features are installed: My agenda is the Reminders feature's service."""
        from bot.reminders.feature import Reminders
        from bot.reminders.service import ReminderService

        s = self.services
        installed = s.features.find(Reminders)
        reminders = installed.service if installed else ReminderService(s.database, s.events, s.clock.now, s.settings.reminder_lead_minutes)
        return MiniAppService(s.delegates, s.events, reminders, s.answers.translator)

    def validator(self) -> InitDataValidator:
        from bot.telegram.app import EMULATOR_TOKEN

        token = self.services.settings.telegram_bot_token or EMULATOR_TOKEN
        return InitDataValidator(token, timedelta(seconds=self.services.settings.miniapp_max_age_seconds))

    def http_routes(self) -> Sequence[web.AbstractRouteDef]:
        from bot.miniapp.web import miniapp_routes

        return miniapp_routes(self.app_service(), self.validator(), self.services.clock.now, self.search)

    async def search(self, snap: EventSnapshot, query: str) -> list[SessionView]:
        """The search box: the schedule's full-text index for an imported programme (the chat's own
        search), else the search of a programme written in the event file."""
        from bot.schedule.feature import Schedule

        schedule = self.services.features.find(Schedule)
        if schedule is not None and snap.has_schedule:
            index = await schedule.indexes.of(snap)
            return list(index.search(index.query(query), limit=max(len(snap.sessions), 1)).sessions)
        return await search_sessions(snap, query)

    def agenda_buttons(self, tr: Translator) -> Sequence[Button]:
        return (Button("📅 " + tr._("Open the programme"), web_app=self.url),) if self.url else ()

    def background(self) -> Sequence[BackgroundTask]:
        if self.url is None:
            return ()
        from bot.miniapp.scheduled import menu_loop

        return (menu_loop(self.services, self.menu, self.url),)

    async def forget(self, user_id: int) -> None:
        await self.menu.forget(user_id)
