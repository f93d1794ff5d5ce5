"""Builds the python-telegram-bot Application: base URL, handlers, errors, the command menu."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.db import is_transient
from bot.i18n import Translator
from bot.runtime import Services
from bot.telegram.flood import FloodGuard
from bot.telegram.gate import UpdateGate
from bot.telegram.handlers import other
from bot.telegram.ordering import ChatOrderedUpdateProcessor

log = logging.getLogger(__name__)
EMULATOR_TOKEN = "123456:EMULATOR"

# The menu ends with what is about the delegate's settings, after every feature's entries.
SETTINGS_COMMANDS = ("language", "help", "forget")
INPUT_GROUP = -10  # flows in progress (drafts, awaited comments, typed codes) before anything else


def command_menu(services: Services, tr: Translator) -> list[BotCommand]:
    commands = services.features.menu_commands(tr)
    return [c for c in commands if c.command not in SETTINGS_COMMANDS] + [c for c in commands if c.command in SETTINGS_COMMANDS]


async def register_command_menus(app: Application, services: Services) -> None:  # type: ignore[type-arg]
    """setMyCommands for each UI language; Telegram shows the one matching the client's language."""
    snap = await services.events.snapshot()
    scope = BotCommandScopeAllPrivateChats()
    for language in services.delegates.languages:
        tr = Translator(language, snap.timezone, snap.default_language)
        code = None if language == snap.default_language else language.split("_")[0]
        try:
            await app.bot.set_my_commands(command_menu(services, tr), scope=scope, language_code=code)
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
    app.bot_data["flood"] = FloodGuard()
    gate = UpdateGate(services.ledger, services.database, services.metrics, lambda u: apologise(app, u))
    app.bot_data["update_gate"] = gate
    processor = app.update_processor
    if isinstance(processor, ChatOrderedUpdateProcessor):
        processor.run_update = lambda update, first: gate.run(update, first, app.process_update)

    async def count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kind = next((name for name in _UPDATE_KINDS if getattr(update, name, None) is not None), "other")
        services.metrics.update_handled(kind)

    app.add_handler(TypeHandler(Update, count), group=-100)  # runs beside the real handler, never instead

    async def take_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await services.features.take_input(update, context):
            raise ApplicationHandlerStop  # the message belonged to a flow in progress

    app.add_handler(TypeHandler(Update, take_input), group=INPUT_GROUP)
    for feature in services.features.all:
        feature.register_handlers(app)
    other.register(app)  # last: the polite note for stickers, edits and unknown commands
    app.add_error_handler(on_error)
    return app
