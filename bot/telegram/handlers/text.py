"""Free text: the delegate's question goes through the NLU and comes back as an answer."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.answers.reply import Answer, Reply, esc
from bot.telegram.handlers.common import Context, delegate_of, flood_guard, services, translator_for
from bot.telegram.handlers.language import apply_language
from bot.telegram.ordering import ChatOrderedUpdateProcessor
from bot.telegram.render import send_answer

log = logging.getLogger(__name__)
MAX_INPUT = 10_000


async def on_text(update: Update, context: Context) -> None:
    message, chat = update.effective_message, update.effective_chat
    delegate = await delegate_of(update, context)
    if message is None or chat is None or delegate is None:
        return
    s = services(context)
    processor = context.application.update_processor
    arrived = processor.arrival(update) if isinstance(processor, ChatOrderedUpdateProcessor) else None
    verdict = flood_guard(context).check(delegate.user_id, at=arrived)
    if verdict != "ok":
        if verdict == "warn":
            tr = await translator_for(context, delegate)
            note = tr._("You're sending messages faster than I can read them. Please wait a moment, then ask again.")
            await send_answer(context.bot, chat.id, Answer.of(Reply(esc(note))))
        return
    text = (message.text or "")[:MAX_INPUT]
    # No lock needed: one chat's updates are processed in order (bot.telegram.ordering).
    handled = await s.conversation.handle(delegate, text)
    if handled.answer.handoff == "nlu_unavailable":
        s.metrics.nlu_unavailable += 1
    else:
        s.metrics.nlu_seconds.observe(handled.nlu_ms / 1000)
    answer = handled.answer
    if answer.set_language:
        await apply_language(update, context, delegate, answer.set_language)
        return
    if await s.features.act_on_answer(update, context, delegate, answer):  # e.g. "remind me about session 3"
        return
    if answer.remind_session_ids or answer.remind_day_id:
        tr = await translator_for(context, delegate)
        answer = Answer.of(Reply(esc(tr._("Reminders are not available yet."))))
    if answer.topic and answer.topic.startswith("session:"):  # the details of one session
        # Noted before the reply, not after: whoever got the reply may be asked for feedback at once.
        await s.features.session_opened(delegate.user_id, answer.topic.partition(":")[2])
    answer = await s.features.decorate_answer(delegate, answer)  # e.g. the helpdesk's "This didn't answer my question"
    await send_answer(context.bot, chat.id, answer)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, on_text))
