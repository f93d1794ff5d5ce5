"""The rating buttons, "Add a comment" and the comment itself: thin handlers over FeedbackService.

Button data comes from the client: every argument is resolved against the event's rateable sessions
and the service checks that this delegate was asked, so anything stale or forged only gets the polite
"no longer valid" note. The comment is taken before the question answering (Feature.take_input),
and only while the service says one is awaited.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import filters

from bot.answers.reply import resolve_arg
from bot.event.service import SessionView, session_by_id
from bot.feedback import replies
from bot.feedback.feature import Feedback
from bot.feedback.service import MAX_COMMENT, RATINGS, FeedbackService, rateable
from bot.logs import who
from bot.telegram.handlers.common import Context, delegate_of, pressed_message, services, translator_for
from bot.telegram.render import edit_or_send, send_reply

log = logging.getLogger(__name__)
TYPED = filters.TEXT & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def feature(context: Context) -> FeedbackService:
    return services(context).features.get(Feedback).service



async def _session(context: Context, arg: str) -> SessionView | None:
    snap = await services(context).events.snapshot()
    sid = resolve_arg(arg, [s.id for s in snap.sessions if rateable(s)])
    return session_by_id(snap, sid) if sid else None


async def _stale(update: Update, context: Context, language: str) -> None:
    if update.callback_query is not None:
        tr = await services(context).answers.translator(language)
        await update.callback_query.answer(replies.no_longer_valid(tr))


async def on_rate(update: Update, context: Context, arg: str) -> None:
    """fb:<rating>:<session>: stores (or replaces) the vote and turns the prompt into the thanks."""
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return
    snap = await services(context).events.snapshot()
    choice = resolve_arg(arg, [f"{n}:{s.id}" for s in snap.sessions if rateable(s) for n in RATINGS])
    rating, _, session_id = (choice or "").partition(":")
    s = session_by_id(snap, session_id) if choice else None
    vote = await feature(context).rate(delegate.user_id, s.id, int(rating)) if s is not None else None
    if s is None or vote is None:
        log.info("stale or forged rating button from user %s", who(delegate.user_id))
        await _stale(update, context, delegate.language)
        return
    log.info("user %s rated %s: %s", who(delegate.user_id), s.id, vote.rating)
    tr = await translator_for(context, delegate)
    await edit_or_send(context.bot, pressed_message(update), update.effective_chat.id, replies.rated(tr, s, vote.rating, vote.comment))


async def on_change(update: Update, context: Context, arg: str) -> None:
    """fbc:<session>: the rating buttons again, the current rating ticked."""
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return
    s = await _session(context, arg)
    vote = await feature(context).vote_of(delegate.user_id, s.id) if s is not None else None
    if s is None or vote is None:
        await _stale(update, context, delegate.language)
        return
    tr = await translator_for(context, delegate)
    await edit_or_send(context.bot, pressed_message(update), update.effective_chat.id, replies.prompt(tr, s, vote.rating))


async def on_comment(update: Update, context: Context, arg: str) -> None:
    """fbm:<session>: the next text message will be the comment."""
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return
    s = await _session(context, arg)
    if s is None or not await feature(context).want_comment(delegate.user_id, s.id):
        await _stale(update, context, delegate.language)
        return
    tr = await translator_for(context, delegate)
    await send_reply(context.bot, update.effective_chat.id, replies.ask_comment(tr, s, MAX_COMMENT))


async def on_comment_input(update: Update, context: Context) -> bool:
    """A text while a comment is awaited becomes the comment; /cancel (or any command) ends the wait.
    Everything else passes on to the other handlers (False)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if not TYPED.check_update(update) or message is None or user is None or chat is None or not message.text:
        return False
    svc = feature(context)
    if message.text.startswith("/"):
        stopped = await svc.stop_waiting(user.id)
        if stopped and message.text.split()[0].split("@")[0] == "/cancel":
            delegate = await delegate_of(update, context)
            if delegate is not None:
                await send_reply(context.bot, chat.id, replies.comment_cancelled(await translator_for(context, delegate)))
            return True
        return False
    taken = await svc.take_comment(user.id, message.text)
    if taken is None:
        return False
    delegate = await delegate_of(update, context)
    s = session_by_id(await services(context).events.snapshot(), taken.session_id)
    if delegate is not None and s is not None:
        log.info("user %s commented on %s", who(delegate.user_id), s.id)
        tr = await translator_for(context, delegate)
        await send_reply(context.bot, chat.id, replies.comment_saved(tr, s, taken.shortened, MAX_COMMENT))
    return True


CALLBACK_HANDLERS = {replies.RATE: on_rate, replies.CHANGE: on_change, replies.COMMENT: on_comment}
