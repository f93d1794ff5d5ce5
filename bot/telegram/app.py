"""Builds the python-telegram-bot Application: base URL, handlers, errors, the command menu."""

from __future__ import annotations

import importlib
import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.db import is_transient
from bot.i18n import Translator
from bot.runtime import Services
from bot.telegram.gate import UpdateGate
from bot.telegram.ordering import ChatOrderedUpdateProcessor

log = logging.getLogger(__name__)
EMULATOR_TOKEN = "123456:EMULATOR"

# Feature handler modules, each with register(app); bot.telegram.handlers.other must stay last.
HANDLER_MODULES = [
    "bot.telegram.handlers.commands",
    "bot.telegram.handlers.callbacks",
    "bot.telegram.handlers.text",
]
LAST_HANDLER_MODULE = "bot.telegram.handlers.other"


def command_menu(tr: Translator) -> list[BotCommand]:
    return [
        BotCommand("agenda", tr._("Programme by day")),
        BotCommand("now", tr._("What's on now and next")),
        BotCommand("venue", tr._("Venue, map and directions")),
        BotCommand("speakers", tr._("Speakers")),
        BotCommand("ask", tr._("Ask a question")),
        BotCommand("nearby", tr._("ATMs, pharmacies, prayer rooms nearby")),
        BotCommand("verify", tr._("Verify with my accreditation code")),
        BotCommand("language", tr._("Change language")),
        BotCommand("help", tr._("What I can do")),
        BotCommand("forget", tr._("Delete my data")),
    ]


async def register_command_menus(app: Application, services: Services) -> None:  # type: ignore[type-arg]
    """setMyCommands for each UI language; Telegram shows the one matching the client's language."""
    snap = await services.events.snapshot()
    scope = BotCommandScopeAllPrivateChats()
    for language in services.delegates.languages:
        tr = Translator(language, snap.timezone, snap.default_language)
        code = None if language == snap.default_language else language.split("_")[0]
        try:
            await app.bot.set_my_commands(command_menu(tr), scope=scope, language_code=code)
        except TelegramError:
            log.warning("could not register the command menu for %s", language, exc_info=True)


# Telegram's refusals that are part of normal life: a button pressed long ago, an edit that changes
# nothing, a message deleted meanwhile, a delegate who blocked the bot. Nothing to apologise for.
_BENIGN = ("query is too old", "query id is invalid", "message is not modified", "message to edit not found",
           "message can't be edited", "message to delete not found")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A handler failed: the update's handling ends here (no later handler group runs for it); it is
    handled again after a database outage, or the delegate gets an apology."""
    error = context.error
    if isinstance(error, Forbidden) or (isinstance(error, BadRequest) and any(b in str(error).lower() for b in _BENIGN)):
        log.info("Telegram refused a call while handling an update: %s", error)
        raise ApplicationHandlerStop
    gate: UpdateGate | None = context.application.bot_data.get("update_gate")
    if is_transient(error) and gate is not None and gate.handle_again(update):
        raise ApplicationHandlerStop  # handled again once the database answers (bot.telegram.gate)
    log.error("error while handling an update", exc_info=error)
    await apologise(context.application, update)
    raise ApplicationHandlerStop


async def apologise(app: Application, update: object) -> None:  # type: ignore[type-arg]
    """Tells a delegate in a private chat that their message could not be handled."""
    if not (isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private"):
        return
    services: Services = app.bot_data["services"]
    user = update.effective_user
    try:
        delegate = await services.delegates.get(user.id) if user else None
    except Exception:  # the database may be what failed
        delegate = None
    tr = await services.answers.translator(delegate.language if delegate else services.delegates.default_language)
    try:
        await app.bot.send_message(update.effective_chat.id, tr._("Sorry, something went wrong on my side. Please try again in a moment."))
    except TelegramError:
        log.warning("could not tell the delegate about the error")


_UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "channel_post", "inline_query")


def build_application(services: Services) -> Application:  # type: ignore[type-arg]
    settings = services.settings
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or EMULATOR_TOKEN)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .concurrent_updates(ChatOrderedUpdateProcessor(256))
        .connect_timeout(5.0)
        .read_timeout(10.0)
        .write_timeout(10.0)
        .get_updates_read_timeout(30.0)
        .connection_pool_size(32)
    )
    app = builder.build()
    app.bot_data["services"] = services
    gate = UpdateGate(services.ledger, services.database, services.metrics, lambda u: apologise(app, u))
    app.bot_data["update_gate"] = gate
    processor = app.update_processor
    if isinstance(processor, ChatOrderedUpdateProcessor):
        processor.run_update = lambda update, first: gate.run(update, first, app.process_update)

    async def count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kind = next((name for name in _UPDATE_KINDS if getattr(update, name, None) is not None), "other")
        services.metrics.update_handled(kind)

    app.add_handler(TypeHandler(Update, count), group=-100)  # runs beside the real handler, never instead
    for name in [*HANDLER_MODULES, *services.extras.get("handler_modules", []), LAST_HANDLER_MODULE]:
        importlib.import_module(name).register(app)
    app.add_error_handler(on_error)
    return app
