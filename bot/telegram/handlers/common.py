"""What every handler needs: the services, the delegate behind an update, their translator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.delegates.service import DelegateView
from bot.i18n import Translator
from bot.runtime import Services

Context = ContextTypes.DEFAULT_TYPE
CallbackHandler = Callable[[Update, Context, str], Awaitable[None]]
# Features register their buttons here: CALLBACKS["rm"] = handler(update, context, argument).
CALLBACKS: dict[str, CallbackHandler] = {}


def services(context: Context) -> Services:
    return context.application.bot_data["services"]  # type: ignore[no-any-return]


async def delegate_of(update: Update, context: Context) -> DelegateView | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    s = services(context)
    return await s.delegates.seen(
        user.id, chat.id, s.clock.now(), first_name=user.first_name, last_name=user.last_name,
        username=user.username, language_code=user.language_code,
    )


async def session_opened(context: Context, user_id: int, session_id: str) -> None:
    """A session's details were shown to a delegate: features that care (feedback) register
    `bot_data["session_opened_hooks"]`, each `hook(user_id, session_id)`."""
    for hook in context.application.bot_data.get("session_opened_hooks", []):
        await hook(user_id, session_id)


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
