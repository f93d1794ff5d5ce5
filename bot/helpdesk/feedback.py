"""The "This didn't answer my question" button under the assistant's answers.

The button's callback data is `nf:<turn id>` (the question it is about). Pressing it opens a ticket
for that question, but only when the turn is the pressing delegate's own: a forged or stale id gets
a polite "no longer valid", and pressing twice opens one ticket.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Update

from bot.answers.reply import Answer
from bot.delegates.service import DelegateView
from bot.helpdesk import replies
from bot.helpdesk.feature import Helpdesk
from bot.runtime import Services
from bot.telegram.handlers.common import Context, delegate_of, services
from bot.telegram.render import send_answer

# Small talk is not a question: no button under "hello", "bye" and "you're welcome".
SMALL_TALK = {"greet", "goodbye", "thank"}


async def with_not_helpful_button(s: Services, delegate: DelegateView, answer: Answer) -> Answer:
    """The answer with the button appended to its last text message (not under a venue pin)."""
    if answer.handoff is not None or answer.topic in SMALL_TALK:
        return answer
    last = max((i for i, m in enumerate(answer.messages) if m.text), default=None)
    if last is None:
        return answer
    helpdesk = s.features.get(Helpdesk).service
    turn_id = answer.turn_id if answer.turn_id is not None else await helpdesk.last_turn_id(delegate.user_id)
    if turn_id is None:
        return answer
    tr = await s.answers.translator(delegate.language)
    message = answer.messages[last]
    changed = replace(message, buttons=(*message.buttons, (replies.not_helpful_button(tr, turn_id),)))
    return replace(answer, messages=(*answer.messages[:last], changed, *answer.messages[last + 1 :]))


async def on_not_helpful(update: Update, context: Context, arg: str) -> None:
    """The "nf" button: the delegate says the answer did not help; the question goes to a person."""
    delegate = await delegate_of(update, context)
    chat = update.effective_chat
    if delegate is None or chat is None:
        return
    s = services(context)
    helpdesk = s.features.get(Helpdesk).service
    tr = await s.answers.translator(delegate.language)
    opened = await helpdesk.open_from_turn(delegate, arg)
    if opened.status == "created" and opened.ticket_id is not None:
        await send_answer(context.bot, chat.id, Answer.of(replies.not_helpful_thanks(tr)))
        await helpdesk.relay(opened.ticket_id)
    elif opened.status == "exists":
        await send_answer(context.bot, chat.id, Answer.of(replies.not_helpful_already(tr)))
    else:
        await send_answer(context.bot, chat.id, Answer.of(replies.button_no_longer_valid(tr)))
