"""Organiser broadcasts: the service, the /broadcast conversation and its buttons, /broadcasts, and
the loop that releases scheduled broadcasts and keeps each organiser's progress message current."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.sql.selectable import Exists
from telegram import Update
from telegram.ext import Application

from bot.broadcasts.service import BroadcastService
from bot.broadcasts.wizard import BroadcastWizard
from bot.feature import BackgroundTask, CallbackHandler, Context, Feature
from bot.runtime import Services

if TYPE_CHECKING:
    from bot.helpdesk.web.app import ConsolePage


class Broadcasts(Feature):
    name = "broadcasts"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.service = BroadcastService(
            services.database, services.events, services.delegates.languages, services.clock.now, on_queued=services.doorbell.ring,
        )
        self.wizard = BroadcastWizard(self.service, services.events, services.clock.now)

    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        from bot.broadcasts import handlers

        handlers.register(app)

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.broadcasts.handlers import on_button
        from bot.broadcasts.replies import KIND

        return {KIND: on_button}

    def awaits_input(self, user_id: int, chat_id: int) -> Exists:
        return self.service.draft_open(user_id)

    async def take_input(self, update: Update, context: Context) -> bool:
        from bot.broadcasts.handlers import on_organiser_input

        return await on_organiser_input(update, context)

    def console_pages(self) -> Sequence[ConsolePage]:
        from bot.broadcasts.web import broadcast_pages

        return broadcast_pages(self.wizard, self.services.settings.outbox_rate_per_second)

    def background(self) -> Sequence[BackgroundTask]:
        from bot.broadcasts.scheduled import broadcast_loop

        return (broadcast_loop(self.services, self.service),)
