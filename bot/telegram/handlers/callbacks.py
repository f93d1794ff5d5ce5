"""Inline buttons. Callback data comes from the client and may be forged or stale: every
argument is checked against the event data, and anything unknown gets a polite note."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.answers.places import nearby_answer
from bot.answers.reply import Answer, Reply, esc, resolve_arg
from bot.answers.service import (
    Question,
    agenda_day,
    agenda_overview,
    now_next_answer,
    speaker_reply,
    speakers_answer,
    venue_answer,
)
from bot.event.service import EventSnapshot, day_by_id, session_by_id
from bot.feature import CallbackHandler
from bot.i18n import Translator
from bot.logs import who
from bot.telegram.handlers.common import Context, caller, pressed_message, services
from bot.telegram.handlers.language import apply_language
from bot.telegram.render import edit_or_send, send_answer, with_retries

log = logging.getLogger(__name__)


async def on_callback(update: Update, context: Context) -> None:
    """Every button press: its kind (before ':') picks the handler from the registry (the core's
    buttons below and every feature's); unknown or malformed data gets the polite note."""
    query = update.callback_query
    if query is None:
        return
    kind, _, arg = (query.data or "").partition(":")
    handler = services(context).features.callbacks.get(kind)
    if handler is None:
        await stale(update, context)
        return
    await handler(update, context, arg)
    await acknowledge(update, context)


async def acknowledge(update: Update, context: Context, text: str | None = None) -> None:
    """Answers the button's callback query once (it stops the client's spinner; `text` shows as a
    toast); later calls for the same update do nothing."""
    query = update.callback_query
    if query is None or getattr(context, "acknowledged", False):
        return
    setattr(context, "acknowledged", True)  # noqa: B010 (CallbackContext takes attributes: one per update)
    try:
        await with_retries(lambda: query.answer(text), "answerCallbackQuery")
    except Exception:  # an expired query must not stop the real answer
        log.info("callback query could not be answered", exc_info=True)


async def stale(update: Update, context: Context) -> None:
    """Forged, stale or unknown button data: a polite note, nothing else."""
    found = await caller(update, context)
    if found is None or update.callback_query is None:
        return
    delegate, tr, _ = found
    log.info("unknown or stale callback data from user %s", who(delegate.user_id))
    await acknowledge(update, context, tr._("This button is no longer valid. Please use the menu or ask me again."))


async def _answer_with(update: Update, context: Context, build: Callable[[Translator, EventSnapshot, datetime], Answer | None]) -> None:
    """Sends what `build` makes of the delegate's view of the event; None means stale data."""
    found = await caller(update, context)
    if found is None:
        return
    delegate, tr, chat = found
    s = services(context)
    answer = build(tr, await s.events.view(delegate.verified), s.clock.now())
    if answer is None:
        await stale(update, context)
        return
    await acknowledge(update, context)
    await send_answer(context.bot, chat, answer)


async def on_agenda(update: Update, context: Context, arg: str) -> None:
    answers = services(context).answers
    await _answer_with(update, context, lambda tr, snap, now: answers.with_agenda_buttons(tr, agenda_overview(tr, snap, now)))


async def on_day(update: Update, context: Context, arg: str) -> None:
    """A day of the agenda: edits the message whose button was pressed."""
    found = await caller(update, context)
    if found is None:
        return
    delegate, tr, chat = found
    s = services(context)
    snap = await s.events.view(delegate.verified)
    day = day_by_id(snap, day_id) if (day_id := resolve_arg(arg, [d.id for d in snap.days])) else None
    if day is None:
        await stale(update, context)
        return
    await acknowledge(update, context)
    await edit_or_send(context.bot, pressed_message(update), chat, s.answers.with_agenda_buttons(tr, agenda_day(tr, snap, day, s.clock.now())).messages[0])


async def on_session(update: Update, context: Context, arg: str) -> None:
    found = await caller(update, context)
    if found is None:
        return
    delegate, tr, chat = found
    s = services(context)
    snap = await s.events.view(delegate.verified)
    session = session_by_id(snap, sid) if (sid := resolve_arg(arg, [x.id for x in snap.sessions])) else None
    if session is None:
        await stale(update, context)
        return
    await s.features.session_opened(delegate.user_id, session.id)  # at the moment it is shown, not after
    await acknowledge(update, context)
    await send_answer(context.bot, chat, Answer.of(s.answers.session_card(tr, snap, session, s.clock.now())))


async def on_speaker(update: Update, context: Context, arg: str) -> None:
    def build(tr: Translator, snap: EventSnapshot, now: datetime) -> Answer | None:
        spid = resolve_arg(arg, list(snap.speakers))
        return Answer.of(speaker_reply(tr, snap, spid, now)) if spid else None

    await _answer_with(update, context, build)


async def on_now(update: Update, context: Context, arg: str) -> None:
    await _answer_with(update, context, lambda tr, snap, now: now_next_answer(tr, snap, now))


async def on_venue(update: Update, context: Context, arg: str) -> None:
    await _answer_with(update, context, lambda tr, snap, now: venue_answer(tr, snap))


async def on_directions(update: Update, context: Context, arg: str) -> None:
    found = await caller(update, context)
    if found is None:
        return
    delegate, _, chat = found
    question = Question(text="", intent="ask_directions", confidence=1.0, entities={})
    answer = await services(context).answers.answer(question, delegate.language, delegate.verified)
    await acknowledge(update, context)
    await send_answer(context.bot, chat, answer)


async def on_speakers(update: Update, context: Context, arg: str) -> None:
    await _answer_with(update, context, lambda tr, snap, now: speakers_answer(tr, snap))


async def on_nearby(update: Update, context: Context, arg: str) -> None:
    await _answer_with(update, context, lambda tr, snap, now: nearby_answer(tr, snap, arg) if arg in {p.category for p in snap.places} else None)


async def on_language(update: Update, context: Context, arg: str) -> None:
    found = await caller(update, context)
    if found is None:
        return
    delegate, _, _ = found
    if arg not in services(context).delegates.languages:
        await stale(update, context)
        return
    await acknowledge(update, context)
    await apply_language(update, context, delegate, arg)


async def on_forget(update: Update, context: Context, arg: str) -> None:
    """The answer to /forget's question: "yes" erases everything the bot keeps about the person."""
    found = await caller(update, context)
    if found is None or arg not in ("yes", "no"):
        await stale(update, context)
        return
    delegate, tr, chat = found
    await acknowledge(update, context)
    if arg == "no":
        await send_answer(context.bot, chat, Answer.of(Reply(esc(tr._("Nothing was deleted.")))))
        return
    await services(context).forget(delegate.user_id)
    await send_answer(context.bot, chat, Answer.of(Reply(esc(tr._("Your data has been deleted. If you write to me again, I will start afresh.")))))


CORE_CALLBACKS: dict[str, CallbackHandler] = {
    "agenda": on_agenda, "day": on_day, "s": on_session, "sp": on_speaker, "now": on_now, "venue": on_venue,
    "directions": on_directions, "speakers": on_speakers, "nb": on_nearby, "lang": on_language, "forget": on_forget,
}


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_callback))
