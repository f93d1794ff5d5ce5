"""Changing the delegate's language, from a button or from a question."""

from __future__ import annotations

from telegram import Update

from bot.answers.reply import Answer, Reply, esc
from bot.answers.service import menu_buttons
from bot.delegates.service import DelegateView
from bot.telegram.handlers.common import Context, services
from bot.telegram.render import send_answer


async def apply_language(update: Update, context: Context, delegate: DelegateView, language: str) -> None:
    s = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    changed = await s.delegates.set_language(delegate.user_id, language)
    tr = await s.answers.translator(language if changed else delegate.language)
    if changed:
        text = tr._("Done: I'll speak {language} with you from now on.").format(language=tr.locale.get_display_name(tr.locale) or language)
    else:
        text = tr._("Sorry, I can't speak that language yet.")
    await send_answer(context.bot, chat.id, Answer.of(Reply(esc(text), menu_buttons(tr))))
