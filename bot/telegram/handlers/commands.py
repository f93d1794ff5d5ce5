"""The command menu: /start /help /agenda /now /venue /speakers /nearby /language /forget."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.answers.places import category_in, nearby_answer
from bot.answers.reply import Answer, Button, Reply, callback, esc, rows
from bot.answers.service import (
    agenda_overview,
    help_answer,
    language_choice,
    now_next_answer,
    speakers_answer,
    venue_answer,
)
from bot.telegram.handlers.common import Context, delegate_of, services, translator_for
from bot.telegram.render import send_answer


async def start(update: Update, context: Context) -> None:
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return
    s = services(context)
    tr = await translator_for(context, delegate)
    snap = await s.events.snapshot()
    greeting = tr._("Welcome, {name}! I'm the assistant of {event}.").format(name=delegate.first_name or "", event=tr.pick(snap.name))
    privacy = tr._("Privacy: I keep your Telegram name, your language and your questions to answer you and to improve my answers. /forget deletes them at any time.")
    welcome = Reply(f"{esc(greeting)}\n\n{esc(privacy)}")
    if context.args:
        await s.features.start_payload(update, context, context.args[0])  # e.g. an accreditation code
    await send_answer(context.bot, update.effective_chat.id, Answer.of(welcome, *language_choice(tr, snap).messages, *help_answer(tr, snap).messages))
    await s.delegates.record_consent(delegate.user_id)  # the privacy notice above has been delivered


async def help_command(update: Update, context: Context) -> None:
    await _simple(update, context, lambda tr, snap, now: help_answer(tr, snap))


async def agenda(update: Update, context: Context) -> None:
    answers = services(context).answers
    await _simple(update, context, lambda tr, snap, now: answers.with_agenda_buttons(tr, agenda_overview(tr, snap, now)))


async def now(update: Update, context: Context) -> None:
    await _simple(update, context, lambda tr, snap, now: now_next_answer(tr, snap, now))


async def venue(update: Update, context: Context) -> None:
    await _simple(update, context, lambda tr, snap, now: venue_answer(tr, snap))


async def speakers(update: Update, context: Context) -> None:
    await _simple(update, context, lambda tr, snap, now: speakers_answer(tr, snap))


async def nearby(update: Update, context: Context) -> None:
    wanted = " ".join(context.args or [])[:200]
    await _simple(update, context, lambda tr, snap, now: nearby_answer(tr, snap, category_in(wanted, snap) if wanted else None))


async def language(update: Update, context: Context) -> None:
    await _simple(update, context, lambda tr, snap, now: language_choice(tr, snap))


async def forget(update: Update, context: Context) -> None:
    def confirm(tr, snap, now):  # type: ignore[no-untyped-def]
        text = tr._("Delete everything I keep about you (your name, language, reminders and questions)? This cannot be undone.")
        return Answer.of(Reply(esc(text), rows([Button(tr._("Yes, delete my data"), callback("forget", "yes")), Button(tr._("No, keep it"), callback("forget", "no"))])))

    await _simple(update, context, confirm)


async def _simple(update: Update, context: Context, build) -> None:  # type: ignore[no-untyped-def]
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return
    s = services(context)
    tr = await translator_for(context, delegate)
    await send_answer(context.bot, update.effective_chat.id, build(tr, await s.events.view(delegate.verified), s.clock.now()))


COMMANDS = {
    "start": start, "help": help_command, "agenda": agenda, "now": now, "venue": venue,
    "speakers": speakers, "nearby": nearby, "language": language, "forget": forget,
}


def register(app: Application) -> None:  # type: ignore[type-arg]
    for name, handler in COMMANDS.items():
        app.add_handler(CommandHandler(name, handler))
