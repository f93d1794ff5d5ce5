"""/reminders, /myagenda, /remindall, the reminder buttons and "remind me ..." in free text: thin
handlers over ReminderService. Every button argument is checked against the event data; anything
stale or forged gets the polite "no longer valid" note (or nothing happens)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.answers.format import session_name
from bot.answers.reply import Answer, Document, Reply, esc, resolve_arg
from bot.delegates.service import DelegateView
from bot.event.service import session_by_id
from bot.i18n import Translator
from bot.logs import who
from bot.reminders import ics, replies
from bot.reminders.feature import Reminders
from bot.reminders.service import ReminderError, ReminderService
from bot.telegram.handlers.common import Context, caller, pressed_message, services, translator_for
from bot.telegram.render import edit_or_send, send_reply

log = logging.getLogger(__name__)


def feature(context: Context) -> ReminderService:
    return services(context).features.get(Reminders).service




async def _stale(update: Update, tr: Translator) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(tr._("This button is no longer valid. Please use the menu or ask me again."))


# --- delegates ------------------------------------------------------------------------------------


async def list_reply(context: Context, delegate: DelegateView, tr: Translator, note: str | None = None) -> Reply:
    svc = feature(context)
    entries = await svc.entries(delegate.user_id)
    return replies.reminder_list(tr, entries, await svc.lead_of(delegate.user_id), services(context).clock.now(), note)


async def on_reminders(update: Update, context: Context) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    await send_reply(context.bot, chat, await list_reply(context, delegate, tr))


async def on_my_agenda(update: Update, context: Context) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    s = services(context)
    snap = await s.events.snapshot()
    sessions = [session for session, _ in await feature(context).entries(delegate.user_id)]
    await send_reply(context.bot, chat, replies.my_agenda(tr, snap, sessions, s.clock.now()))


async def on_subscribe(update: Update, context: Context, arg: str) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    snap = await services(context).events.snapshot()
    session_id = resolve_arg(arg, [x.id for x in snap.sessions])
    if session_id is None:
        await _stale(update, tr)
        return
    result = await feature(context).subscribe(delegate.user_id, [session_id])
    log.info("user %s subscribed to %s", who(delegate.user_id), session_id)
    await send_reply(context.bot, chat, replies.subscribed(tr, result.added, result.already, result.refused, result.lead_minutes))


async def on_subscribe_day(update: Update, context: Context, arg: str) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    snap = await services(context).events.snapshot()
    day_id = resolve_arg(arg, [d.id for d in snap.days])
    if day_id is None:
        await _stale(update, tr)
        return
    result = await feature(context).subscribe_day(delegate.user_id, day_id)
    await send_reply(context.bot, chat, replies.subscribed(tr, result.added, result.already, result.refused, result.lead_minutes, result.day))


async def on_unsubscribe(update: Update, context: Context, arg: str) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    snap = await services(context).events.snapshot()
    session_id = resolve_arg(arg, [x.id for x in snap.sessions])
    session = session_by_id(snap, session_id) if session_id else None
    if session is None or not await feature(context).unsubscribe(delegate.user_id, session.id):
        await _stale(update, tr)
        return
    note = tr._("Reminder cancelled: {title}.").format(title=session_name(tr, session))
    await edit_or_send(context.bot, pressed_message(update), chat, await list_reply(context, delegate, tr, note))


async def on_set_lead(update: Update, context: Context, arg: str) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    if not arg.isdigit() or int(arg) not in replies.LEAD_CHOICES:
        await _stale(update, tr)
        return
    minutes = int(arg)
    await services(context).delegates.set_reminder_lead(delegate.user_id, minutes)
    note = tr._("Done: I'll remind you {lead} before each session.").format(lead=replies.lead_text(tr, minutes))
    await edit_or_send(context.bot, pressed_message(update), chat, await list_reply(context, delegate, tr, note))


async def on_list(update: Update, context: Context, arg: str) -> None:
    await on_reminders(update, context)


async def on_calendar(update: Update, context: Context, arg: str) -> None:
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    s, svc = services(context), feature(context)
    snap = await s.events.snapshot()
    sessions = [session for session, _ in await svc.entries(delegate.user_id)]
    if not sessions:
        await send_reply(context.bot, chat, replies.my_agenda(tr, snap, sessions, s.clock.now()))
        return
    content = ics.agenda_calendar(tr, snap, sessions, s.clock.now(), await svc.lead_of(delegate.user_id))
    await send_reply(context.bot, chat, Reply(document=Document(ics.filename(snap), content, ics.MIME_TYPE, replies.calendar_caption(tr))))


async def remind_from_text(update: Update, context: Context, delegate: DelegateView, answer: Answer) -> None:
    """"remind me about session 3", "ingatkan saya sebelum sesi 2", "remind me about day 2"."""
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(context, delegate)
    svc = feature(context)
    if answer.remind_session_ids:
        result = await svc.subscribe(delegate.user_id, answer.remind_session_ids)
    else:
        result = await svc.subscribe_day(delegate.user_id, answer.remind_day_id or "")
    await send_reply(context.bot, chat.id, replies.subscribed(tr, result.added, result.already, result.refused, result.lead_minutes, result.day))


# --- organisers -----------------------------------------------------------------------------------


async def _organiser(update: Update, context: Context) -> tuple[DelegateView, Translator, int] | None:
    found = await caller(update, context)
    if found is None:
        return None
    delegate, tr, chat = found
    if not await services(context).roles.has_role(delegate.user_id, "organiser"):
        log.warning("event-wide reminder refused: user %s is not an organiser", who(delegate.user_id))
        await send_reply(context.bot, chat, Reply(esc(tr._("Sorry, only the organisers can do that."))))
        return None
    return found


async def usage_reply(context: Context, tr: Translator) -> Reply:
    snap = await services(context).events.snapshot()
    scheduled = [
        (v.id, replies.target_name(tr, snap, v.day_id, session_by_id(snap, v.session_id) if v.session_id else None), v.minutes_before, v.due_at)
        for v in await feature(context).event_wide()
    ]
    return replies.event_wide_usage(tr, snap, scheduled)


async def on_remind_all(update: Update, context: Context) -> None:
    """/remindall DAY MINUTES (organisers): "Day 2 starts in 30 minutes" to every delegate."""
    if (found := await _organiser(update, context)) is None:
        return
    delegate, tr, chat = found
    args = list(context.args or [])
    if not args:
        await send_reply(context.bot, chat, await usage_reply(context, tr))
        return
    target, minutes = args[0], args[1] if len(args) > 1 else "30"
    if not minutes.isdigit():
        await send_reply(context.bot, chat, Reply(esc(tr._("MINUTES must be a whole number, e.g. /remindall day-2 30."))))
        return
    s = services(context)
    try:
        view = await feature(context).schedule_event_wide(target, int(minutes), created_by=delegate.user_id)
    except ReminderError as error:
        await send_reply(context.bot, chat, Reply(esc(str(error))))
        return
    snap = await s.events.snapshot()
    log.info("organiser %s scheduled event-wide reminder %s (%s, %s min)", who(delegate.user_id), view.id, target, minutes)
    name = replies.target_name(tr, snap, view.day_id, session_by_id(snap, view.session_id) if view.session_id else None)
    assert view.due_at is not None
    await send_reply(context.bot, chat, replies.event_wide_scheduled(tr, name, view.minutes_before, view.due_at, s.clock.now()))


async def on_withdraw(update: Update, context: Context, arg: str) -> None:
    if (found := await _organiser(update, context)) is None:
        return
    _, tr, chat = found
    if not arg.isdigit() or not await feature(context).withdraw_event_wide(int(arg)):
        await _stale(update, tr)
        return
    await edit_or_send(context.bot, pressed_message(update), chat, await usage_reply(context, tr))


CALLBACK_HANDLERS = {
    replies.SUBSCRIBE: on_subscribe, replies.SUBSCRIBE_DAY: on_subscribe_day, replies.UNSUBSCRIBE: on_unsubscribe,
    replies.SET_LEAD: on_set_lead, replies.LIST: on_list, replies.CALENDAR: on_calendar, replies.WITHDRAW: on_withdraw,
}


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reminders", on_reminders))
    app.add_handler(CommandHandler("myagenda", on_my_agenda))
    app.add_handler(CommandHandler("remindall", on_remind_all))
