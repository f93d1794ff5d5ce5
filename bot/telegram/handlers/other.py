"""Everything that is not a question in text: stickers, photos, voice, locations, edits, unknown
commands. Each gets a clear, polite answer in the delegate's language; nothing crashes."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.answers.reply import Answer, Reply, esc
from bot.answers.service import menu_buttons
from bot.telegram.handlers.common import Context, delegate_of, translator_for
from bot.telegram.render import send_answer


async def _reply(update: Update, context: Context, kind: str) -> None:
    delegate = await delegate_of(update, context)
    chat = update.effective_chat
    if delegate is None or chat is None or chat.type != "private":
        return
    tr = await translator_for(context, delegate)
    texts = {
        "media": tr._("I can only read text messages. Please type your question, or use the menu."),
        "location": tr._("Thanks for the location! I can't use it yet; type your question or use the menu."),
        "edited": tr._("I saw that you edited a message. I answer new messages only, so please send your question again."),
        "command": tr._("I don't know that command. Try /help to see what I can do."),
    }
    await send_answer(context.bot, chat.id, Answer.of(Reply(esc(texts[kind]), menu_buttons(tr))))


async def on_media(update: Update, context: Context) -> None:
    await _reply(update, context, "media")


async def on_location(update: Update, context: Context) -> None:
    await _reply(update, context, "location")


async def on_edit(update: Update, context: Context) -> None:
    await _reply(update, context, "edited")


async def on_unknown_command(update: Update, context: Context) -> None:
    await _reply(update, context, "command")


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Registered last: within a handler group the first match wins, so feature handlers come first."""
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, on_edit))
    app.add_handler(MessageHandler(filters.COMMAND & private & filters.UpdateType.MESSAGE, on_unknown_command))
    app.add_handler(MessageHandler((filters.LOCATION | filters.VENUE) & private & filters.UpdateType.MESSAGE, on_location))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.LOCATION & ~filters.VENUE & private & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, on_media))
