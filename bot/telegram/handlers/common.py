"""What every handler needs: the services, the delegate behind an update, their translator."""

from __future__ import annotations

from telegram import Message, Update

from bot.delegates.service import DelegateView
from bot.feature import Context
from bot.i18n import Translator
from bot.runtime import Services
from bot.telegram.flood import FloodGuard


def services(context: Context) -> Services:
    return context.application.bot_data["services"]  # type: ignore[no-any-return]


def flood_guard(context: Context) -> FloodGuard:
    """This bot's per-delegate message limit (one per Application: two bots never share it)."""
    return context.application.bot_data["flood"]  # type: ignore[no-any-return]


async def delegate_of(update: Update, context: Context) -> DelegateView | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    s = services(context)
    return await s.delegates.seen(
        user.id, chat.id, s.clock.now(), first_name=user.first_name, last_name=user.last_name,
        username=user.username, language_code=user.language_code,
    )


async def translator_for(context: Context, delegate: DelegateView) -> Translator:
    return await services(context).answers.translator(delegate.language)


async def caller(update: Update, context: Context) -> tuple[DelegateView, Translator, int] | None:
    """The delegate behind a command or a button, their translator and the chat to answer in."""
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return None
    return delegate, await translator_for(context, delegate), update.effective_chat.id


def pressed_message(update: Update) -> Message | None:
    """The message whose button was pressed (None for an inaccessible or missing one)."""
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None
