"""The assistant's own part of the chat, declared like any feature: the commands of the menu
(/start /help /agenda /now /venue /speakers /nearby /language /forget), free-text questions, and the
buttons of its answers (agenda, days, sessions, speakers, venue, nearby places, language, /forget).
`install_features` puts it first, so its menu entries come first and its button kinds are reserved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import BotCommand
from telegram.ext import Application

from bot.feature import CallbackHandler, Feature
from bot.i18n import Translator


class Core(Feature):
    name = "core"

    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        from bot.telegram.handlers import callbacks, commands, text

        for module in (commands, callbacks, text):
            module.register(app)

    def menu_commands(self, tr: Translator) -> Sequence[BotCommand]:
        return (
            BotCommand("agenda", tr._("Programme by day")),
            BotCommand("now", tr._("What's on now and next")),
            BotCommand("venue", tr._("Venue, map and directions")),
            BotCommand("speakers", tr._("Speakers")),
            BotCommand("nearby", tr._("ATMs, pharmacies, prayer rooms nearby")),
            BotCommand("language", tr._("Change language")),
            BotCommand("help", tr._("What I can do")),
            BotCommand("forget", tr._("Delete my data")),
        )

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.telegram.handlers.callbacks import CORE_CALLBACKS

        return CORE_CALLBACKS
