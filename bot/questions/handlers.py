"""/ask, /questions and the questions buttons: thin handlers over QuestionService.

The delegate's draft and its step live in the database; their typed question is taken before the
question answering (Feature.take_input), and only while a draft waits for it. /cancel there drops the draft; any other command drops it too and then runs as usual. Moderators'
buttons re-check the role on every press and name the question they decide; the service decides once.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, filters

from bot.answers.reply import Reply, resolve_arg
from bot.delegates.service import DelegateView
from bot.event.service import SessionView, now_and_next, session_by_id
from bot.i18n import Translator
from bot.logs import who
from bot.questions import replies
from bot.questions.feature import Questions
from bot.questions.models import STEP_TEXT
from bot.questions.service import MAX_LENGTH, QuestionError, QuestionService, next_open, takes_questions
from bot.questions.web import base_url, page_path
from bot.telegram.handlers.common import Context, caller, delegate_of, pressed_message, services, translator_for
from bot.telegram.render import edit_or_send, send_reply

log = logging.getLogger(__name__)
EVERYTHING = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def feature(context: Context) -> QuestionService:
    return services(context).features.get(Questions).service




def _refusal(tr: Translator, error: QuestionError) -> Reply:
    if error.code == "limit":
        return replies.limit_reached(tr, error.detail)
    if error.code == "too_long":
        return replies.too_long(tr, error.detail, MAX_LENGTH)
    if error.code == "empty":
        return replies.not_text(tr, MAX_LENGTH)
    return replies.closed(tr)


# --- the delegate ----------------------------------------------------------------------------------


async def on_ask(update: Update, context: Context) -> None:
    """/ask [question]: the running session's draft, a choice when several run, or what is on."""
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    s = services(context)
    snap, now = await s.events.snapshot(), s.clock.now()
    sessions = await feature(context).open_sessions()
    if not sessions:
        await send_reply(context.bot, chat, replies.nothing_open(tr, now_and_next(snap, now).running, next_open(snap, now), now))
        return
    text = " ".join(context.args or []).strip() or None
    if len(sessions) > 1:
        await _choose_session(context, delegate, tr, chat, sessions, text)
        return
    await _start(context, delegate, tr, chat, sessions[0].id, text, None)


async def _choose_session(
    context: Context, delegate: DelegateView, tr: Translator, chat: int, sessions: list[SessionView], text: str | None,
) -> None:
    """Several sessions take questions: which one? A text typed after /ask waits in the draft meanwhile."""
    if text is None:
        await send_reply(context.bot, chat, replies.choose_session(tr, sessions))
        return
    try:
        held = await feature(context).hold_text(delegate.user_id, chat, text)
    except QuestionError as error:
        await send_reply(context.bot, chat, _refusal(tr, error))
        return
    await send_reply(context.bot, chat, replies.choose_session(tr, sessions, held))


async def _start(context: Context, delegate: DelegateView, tr: Translator, chat: int, session_id: str, text: str | None, message: Message | None) -> None:
    snap = await services(context).events.snapshot()
    try:
        draft = await feature(context).start_draft(delegate.user_id, chat, session_id, text)
    except QuestionError as error:
        await send_reply(context.bot, chat, _refusal(tr, error))
        return
    reply = replies.ask_text(tr, snap, draft, MAX_LENGTH) if draft.step == STEP_TEXT else replies.ask_visibility(tr, draft)
    await edit_or_send(context.bot, message, chat, reply)


async def on_delegate_input(update: Update, context: Context) -> bool:
    """Whatever a delegate sends while their draft waits for its text; everything else passes on (False)."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if not EVERYTHING.check_update(update) or user is None or chat is None or message is None:
        return False
    svc = feature(context)
    draft = await svc.open_draft(user.id)
    if draft is None or draft.chat_id != chat.id:
        return False
    command = (message.text or "").startswith("/")
    if command:
        await svc.discard(user.id)
        if (message.text or "").split()[0].split("@")[0] != "/cancel":
            return False  # another command leaves the draft and runs as usual
        delegate = await delegate_of(update, context)
        if delegate is not None:
            await send_reply(context.bot, chat.id, replies.cancelled(await translator_for(context, delegate)))
        return True
    if draft.step != STEP_TEXT:
        return False  # waiting for a button: typed messages are questions to the bot again
    delegate = await delegate_of(update, context)
    if delegate is None:
        return False
    tr = await translator_for(context, delegate)
    try:
        updated = await svc.set_text(draft.id, user.id, message.text or "")
    except QuestionError as error:
        await send_reply(context.bot, chat.id, _refusal(tr, error))  # stickers, photos, empty, too long
        return True
    if updated is not None:
        await send_reply(context.bot, chat.id, replies.ask_visibility(tr, updated))
    return True


async def on_ask_button(update: Update, context: Context, arg: str) -> None:
    """qa:s:<session> (a choice or a session's card), qa:anon|name:<draft>, qa:x:<draft>."""
    if (found := await caller(update, context)) is None:
        return
    delegate, tr, chat = found
    svc = feature(context)
    snap = await services(context).events.snapshot()
    if arg.startswith("#") or arg.startswith("s:"):
        chosen = resolve_arg(arg, [f"s:{s.id}" for s in snap.sessions])
        session = session_by_id(snap, chosen[2:]) if chosen else None
        if session is None or not takes_questions(session, services(context).clock.now()):
            await send_reply(context.bot, chat, replies.closed(tr) if session else replies.stale(tr))
            return
        await _start(context, delegate, tr, chat, session.id, None, pressed_message(update) if update.callback_query and _is_choice(update) else None)
        return
    action, _, value = arg.partition(":")
    if action not in ("anon", "name", "x") or not value.isdigit():
        log.info("forged or unknown question button %r from %s", arg, who(delegate.user_id))
        await send_reply(context.bot, chat, replies.stale(tr))
        return
    if action == "x":
        await svc.discard(delegate.user_id, int(value))
        await edit_or_send(context.bot, pressed_message(update), chat, replies.cancelled(tr))
        return
    try:
        question = await svc.submit(int(value), delegate.user_id, action == "name", delegate.first_name)
    except QuestionError as error:
        await send_reply(context.bot, chat, _refusal(tr, error))
        return
    if question is None:
        await send_reply(context.bot, chat, replies.stale(tr))
        return
    await edit_or_send(context.bot, pressed_message(update), chat, replies.queued(tr, snap, question))


def _is_choice(update: Update) -> bool:
    """A press on the "which session?" choice (replaced in place), not on a session's card (kept)."""
    message = pressed_message(update)
    rows = message.reply_markup.inline_keyboard if message is not None and message.reply_markup else ()
    return all(str(button.callback_data or "").startswith(f"{replies.ASK}:") for row in rows for button in row)


# --- moderators ------------------------------------------------------------------------------------


async def _moderator(update: Update, context: Context, what: str) -> tuple[DelegateView, Translator, int] | None:
    """The moderator behind an update; anyone else is refused politely (and logged)."""
    if (found := await caller(update, context)) is None:
        return None
    delegate, tr, chat = found
    roles = services(context).roles
    # has_role(..., "moderator") covers granted organisers but not ORGANISER_IDS: ask for both.
    if not (await roles.has_role(delegate.user_id, "moderator") or await roles.has_role(delegate.user_id, "organiser")):
        log.warning("questions refused: user %s is not a moderator (%s)", who(delegate.user_id), what)
        await send_reply(context.bot, chat, replies.moderators_only(tr))
        return None
    return found


async def on_questions(update: Update, context: Context) -> None:
    """/questions: the approved list of the one session in question, or a choice of sessions."""
    if (found := await _moderator(update, context, "/questions")) is None:
        return
    _, tr, chat = found
    choices = await feature(context).list_choices()
    if not choices:
        await send_reply(context.bot, chat, replies.no_questions(tr))
        return
    if len(choices) == 1:
        await _send_list(context, tr, chat, choices[0].id)
        return
    await send_reply(context.bot, chat, replies.choose_list(tr, choices))


async def _send_list(context: Context, tr: Translator, chat: int, session_id: str) -> None:
    s = services(context)
    snap = await s.events.snapshot()
    session = session_by_id(snap, session_id)
    if session is None:
        return
    svc = feature(context)
    counts = await svc.counts(session_id)
    url = base_url(s.settings, s.http_port) + page_path(s.features.get(Questions).page_secret, session_id)
    for reply in replies.approved_list(tr, snap, session, await svc.approved(session_id), counts.get("pending", 0), url):
        await send_reply(context.bot, chat, reply)


async def on_moderate_button(update: Update, context: Context, arg: str) -> None:
    """qm:a:<id> approve, qm:r:<id> reject, qm:l:<session> a session's list."""
    if (found := await _moderator(update, context, f"button {arg!r}")) is None:
        return
    delegate, tr, chat = found
    snap = await services(context).events.snapshot()
    if arg.startswith("#") or arg.startswith("l:"):
        chosen = resolve_arg(arg, [f"l:{s.id}" for s in snap.sessions])
        if chosen is None:
            await send_reply(context.bot, chat, replies.stale(tr))
            return
        await _send_list(context, tr, chat, chosen[2:])
        return
    action, _, value = arg.partition(":")
    if action not in ("a", "r") or not value.isdigit() or len(value) > 12:
        log.info("forged or unknown moderation button %r from %s", arg, who(delegate.user_id))
        await send_reply(context.bot, chat, replies.stale(tr))
        return
    decision = await feature(context).decide(int(value), action == "a", delegate.user_id, delegate.first_name)
    if decision is None:
        await edit_or_send(context.bot, pressed_message(update), chat, replies.question_gone(tr))
        return
    card = replies.moderator_card(tr, snap, decision.question)
    if decision.decided:
        await edit_or_send(context.bot, pressed_message(update), chat, card)
        return
    if (message := pressed_message(update)) is not None:
        await edit_or_send(context.bot, message, chat, card)  # the card shows the outcome, without buttons
    await send_reply(context.bot, chat, replies.already_decided(tr, decision.question))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("ask", on_ask))
    app.add_handler(CommandHandler("questions", on_questions))
