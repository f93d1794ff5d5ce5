"""Accreditation in the chat: /verify CODE, a code typed on its own, or /start CODE from a deep link."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.accreditation import replies
from bot.accreditation.codes import find_code, looks_like_code
from bot.accreditation.feature import Accreditation
from bot.accreditation.service import AccreditationService
from bot.delegates.service import DelegateView
from bot.logs import who
from bot.telegram.handlers.common import Context, delegate_of, services, translator_for
from bot.telegram.render import send_answer

log = logging.getLogger(__name__)
TYPED = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def feature(context: Context) -> AccreditationService:
    return services(context).features.get(Accreditation).service


async def _redeem(update: Update, context: Context, delegate: DelegateView, typed: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    result = await feature(context).redeem(delegate.user_id, typed)
    log.info("accreditation attempt by user %s: %s", who(delegate.user_id), result.outcome)
    tr = await translator_for(context, delegate)
    await send_answer(context.bot, chat.id, replies.redemption(tr, await services(context).events.snapshot(), result))


async def verify(update: Update, context: Context) -> None:
    delegate = await delegate_of(update, context)
    chat = update.effective_chat
    if delegate is None or chat is None:
        return
    if context.args:
        await _redeem(update, context, delegate, " ".join(context.args)[:64])
        return
    tr = await translator_for(context, delegate)
    snap = await services(context).events.snapshot()
    await send_answer(context.bot, chat.id, replies.how_to_verify(tr, snap, delegate.delegation_id if delegate.verified else None))


async def typed_code(update: Update, context: Context) -> bool:
    """A message that is a code, or carries one ("my code is ..."): redeemed here, never sent to the NLU."""
    message = update.effective_message
    if not TYPED.check_update(update) or message is None:
        return False
    code = find_code(message.text) if message.text else None
    if code is None:
        return False
    delegate = await delegate_of(update, context)
    if delegate is None:
        return False
    await _redeem(update, context, delegate, code)
    return True


async def start_payload(update: Update, context: Context, payload: str) -> bool:
    """/start CODE (the deep link in the CSV): verify first, then the usual welcome follows."""
    if not looks_like_code(payload):
        return False
    delegate = await delegate_of(update, context)
    if delegate is None:
        return False
    await _redeem(update, context, delegate, payload)
    return True


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("verify", verify))
