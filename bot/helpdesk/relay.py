"""The helpdesk group (HELPDESK_CHAT_ID): agents answer a delegate by replying to the ticket's post,
and /tickets lists the open tickets. Everything the bot says in the group goes through the outbox
(the group's 20 messages a minute are the dispatcher's business); messages anywhere else do not
count, and /tickets outside the group gets a polite refusal. Only people with the helpdesk role
(`python -m bot roles add helpdesk ID`, or organisers) answer delegates from the group.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.answers.reply import Answer
from bot.helpdesk import replies
from bot.helpdesk.feature import Helpdesk
from bot.helpdesk.service import LIST_KEY, HelpdeskService
from bot.logs import who
from bot.telegram.handlers.common import Context, services
from bot.telegram.render import send_answer

log = logging.getLogger(__name__)
HELPDESK_ROLE = "helpdesk"


def _helpdesk(context: Context) -> HelpdeskService:
    return services(context).features.get(Helpdesk).service


def _in_helpdesk_group(update: Update, context: Context) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.id == services(context).settings.helpdesk_chat_id


async def on_tickets(update: Update, context: Context) -> None:
    """/tickets: the open tickets, in the helpdesk group only."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    s = services(context)
    helpdesk = _helpdesk(context)
    if not _in_helpdesk_group(update, context):
        tr = await s.answers.translator(s.delegates.language_for(user.language_code))
        await send_answer(context.bot, message.chat_id, Answer.of(replies.only_in_helpdesk_group(tr)))
        return
    tr = await helpdesk.translator()
    tickets, total = await helpdesk.open_tickets()
    await helpdesk.queue_group_note(replies.open_list_reply(tr, tickets, total), f"{LIST_KEY}{message.chat_id}:{message.message_id}")


def _replied_post(message: Message, bot_id: int) -> tuple[int, int | None] | None:
    """(message id, "#id" marker) of the bot message this one replies to, if it replies to the bot."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    first_line = (replied.text or "").split("\n", 1)[0]
    marker = replies.POST_MARKER.match(first_line)
    return replied.message_id, int(marker.group(1)) if marker else None


async def on_group_reply(update: Update, context: Context) -> None:
    """An agent's reply to a ticket's post: the answer goes to the delegate, the post is marked.

    Being in the group lets one read the posts; answering takes the helpdesk role (organisers have it),
    checked on every reply: a group's member list changes without the bot knowing, and a reply
    is sent to a delegate under the replier's name. When the check cannot be made (the database
    is away) the reply is not sent: the update is retried like any other."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot or not _in_helpdesk_group(update, context):
        return
    post = _replied_post(message, context.bot.id)
    if post is None:
        return  # the team talking among themselves
    helpdesk = _helpdesk(context)
    tr = await helpdesk.translator()
    note_key = f"helpdesk:note:{message.chat_id}:{message.message_id}"
    if not await services(context).roles.has_role(user.id, HELPDESK_ROLE):
        log.info("a reply in the helpdesk group by %s, who lacks the helpdesk role, was not sent", who(user.id))
        await helpdesk.queue_group_note(replies.not_an_agent(tr, user.id), note_key)
        return
    ticket = await helpdesk.ticket_for_post(message.chat_id, *post)
    if ticket is None:
        await helpdesk.queue_group_note(replies.refused(tr, 0, "not_found", None), note_key)
        return
    outcome = await helpdesk.answer(ticket.id, message.text or "", user.full_name)
    if not outcome.ok:
        answered_by = outcome.ticket.answered_by if outcome.ticket else None
        await helpdesk.queue_group_note(replies.refused(tr, ticket.id, outcome.problem or "", answered_by), note_key)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("tickets", on_tickets))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.REPLY & filters.UpdateType.MESSAGE & ~filters.COMMAND, on_group_reply))
