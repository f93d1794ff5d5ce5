"""Inline buttons. Callback data comes from the client and may be forged or stale: every
argument is checked against the event data, and anything unknown gets a polite note."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.answers.format import session_buttons, session_detail
from bot.answers.places import nearby_answer
from bot.answers.reply import Answer, Reply, esc, resolve_arg, rows
from bot.answers.service import (
    agenda_day,
    agenda_overview,
    now_next_answer,
    speaker_reply,
    speakers_answer,
    venue_answer,
)
from bot.event.service import day_by_id, session_by_id
from bot.logs import who
from bot.telegram.handlers.common import CALLBACKS, Context, delegate_of, services, session_opened, translator_for
from bot.telegram.handlers.language import apply_language
from bot.telegram.render import edit_or_send, send_answer, with_retries

log = logging.getLogger(__name__)


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    delegate = await delegate_of(update, context)
    if query is None or delegate is None or update.effective_chat is None:
        return
    s = services(context)
    tr = await translator_for(context, delegate)
    snap = await s.events.view(delegate.verified)
    now = s.clock.now()
    kind, _, arg = (query.data or "").partition(":")
    chat_id = update.effective_chat.id
    message = query.message if query.message and hasattr(query.message, "message_id") else None
    answered = False

    async def ack(text: str | None = None) -> None:
        nonlocal answered
        if not answered:
            answered = True
            try:
                await with_retries(lambda: query.answer(text), "answerCallbackQuery")
            except Exception:  # an expired query must not stop the real answer
                log.info("callback query could not be answered", exc_info=True)

    if kind in CALLBACKS:
        await CALLBACKS[kind](update, context, arg)
        await ack()
        return
    answer: Answer | None = None
    if kind == "agenda":
        answer = agenda_overview(tr, snap, now)
    elif kind == "day" and (day_id := resolve_arg(arg, [d.id for d in snap.days])) and (day := day_by_id(snap, day_id)):
        await ack()
        await edit_or_send(context.bot, message, chat_id, agenda_day(tr, snap, day, now).messages[0])  # type: ignore[arg-type]
        return
    elif kind == "s" and (sid := resolve_arg(arg, [x.id for x in snap.sessions])) and (session := session_by_id(snap, sid)):
        answer = Answer.of(Reply(session_detail(tr, snap, session, now), rows(session_buttons(tr, session, now))))
        await session_opened(context, delegate.user_id, session.id)
    elif kind == "sp" and (spid := resolve_arg(arg, list(snap.speakers))):
        answer = Answer.of(speaker_reply(tr, snap, spid, now))
    elif kind == "now":
        answer = now_next_answer(tr, snap, now)
    elif kind == "venue":
        answer = venue_answer(tr, snap)
    elif kind == "directions":
        answer = await s.answers.answer(_question("ask_directions"), delegate.language, delegate.verified)
    elif kind == "speakers":
        answer = speakers_answer(tr, snap)
    elif kind == "nb" and arg in {p.category for p in snap.places}:
        answer = nearby_answer(tr, snap, arg)
    elif kind == "lang" and arg in s.delegates.languages:
        await ack()
        await apply_language(update, context, delegate, arg)
        return
    elif kind == "forget" and arg in ("yes", "no"):
        await ack()
        await _forget(update, context, delegate.user_id, arg == "yes", tr)
        return
    if answer is None:
        log.info("unknown or stale callback data from user %s", who(delegate.user_id))
        await ack(tr._("This button is no longer valid. Please use the menu or ask me again."))
        return
    await ack()
    await send_answer(context.bot, chat_id, answer)


def _question(intent: str):  # type: ignore[no-untyped-def]
    from bot.answers.service import Question

    return Question(text="", intent=intent, confidence=1.0, entities={})


async def _forget(update: Update, context: Context, user_id: int, confirmed: bool, tr) -> None:  # type: ignore[no-untyped-def]
    s = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    if not confirmed:
        await send_answer(context.bot, chat.id, Answer.of(Reply(esc(tr._("Nothing was deleted.")))))
        return
    for hook in context.application.bot_data.get("forget_hooks", []):
        await hook(user_id)
    await s.conversation.forget(user_id)
    await s.delegates.forget(user_id)
    await send_answer(context.bot, chat.id, Answer.of(Reply(esc(tr._("Your data has been deleted. If you write to me again, I will start afresh.")))))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_callback))
