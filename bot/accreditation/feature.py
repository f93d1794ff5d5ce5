"""Accreditation: one-time codes make a delegate a verified member of their delegation (/verify
CODE, a code typed on its own, or the /start CODE deep link), and /forget unlinks the person."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand, Update
from telegram.ext import Application

from bot.accreditation.service import AccreditationService
from bot.feature import Context, Feature
from bot.i18n import Translator
from bot.runtime import Services


class Accreditation(Feature):
    name = "accreditation"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.service = AccreditationService(services.database, services.clock.now)

    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        from bot.accreditation import handlers

        handlers.register(app)

    def menu_commands(self, tr: Translator) -> Sequence[BotCommand]:
        return (BotCommand("verify", tr._("Verify with my accreditation code")),)

    async def take_input(self, update: Update, context: Context) -> bool:
        from bot.accreditation.handlers import typed_code

        return await typed_code(update, context)

    async def start_payload(self, update: Update, context: Context, payload: str) -> bool:
        from bot.accreditation.handlers import start_payload

        return await start_payload(update, context, payload)

    async def forget(self, user_id: int) -> None:
        await self.service.forget(user_id)
