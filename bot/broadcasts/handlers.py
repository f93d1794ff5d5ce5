"""/broadcast and /broadcasts: the organiser's conversation, thin over the BroadcastWizard (its steps,
shared with the console) and the BroadcastService.

Every step checks the role again and names the draft it belongs to; the draft and its step live in
the database, so a forged or stale button does nothing and a restart mid-conversation changes nothing.
Organisers' typed answers (the text, a translation, a time) are taken before the question answering
(Feature.take_input; broadcasts are asked first), and only while their draft waits for one.
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.answers.reply import Reply, resolve_arg
from bot.broadcasts import replies
from bot.broadcasts.feature import Broadcasts
from bot.broadcasts.service import Attachment, BroadcastService, BroadcastView, Released
from bot.broadcasts.wizard import (
    ASK_AUDIENCE,
    ASK_TEXT,
    ASK_TEXT_AFTER_ATTACHMENT,
    ASK_TIME,
    ASK_TRANSLATION,
    ASK_WHEN,
    CHOOSE_DELEGATION,
    CHOOSE_LANGUAGE,
    CHOOSE_SESSION,
    DISCARDED,
    PREVIEW,
    TIME_REFUSED,
    TRANSLATIONS,
    BroadcastWizard,
    Step,
)
from bot.delegates.service import DelegateView
from bot.i18n import Translator
from bot.logs import who
from bot.telegram.handlers.common import Context, delegate_of, services, translator_for
from bot.telegram.keyboards import inline_keyboard
from bot.telegram.render import edit_or_send, send_reply, with_retries

log = logging.getLogger(__name__)
TYPED = ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL) & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def feature(context: Context) -> BroadcastService:
    return services(context).features.get(Broadcasts).service


def wizard(context: Context) -> BroadcastWizard:
    return services(context).features.get(Broadcasts).wizard


async def is_organiser(context: Context, user_id: int) -> bool:
    return await services(context).roles.has_role(user_id, "organiser")


async def _organiser(update: Update, context: Context, what: str) -> tuple[DelegateView, Translator] | None:
    """The organiser behind an update with their translator; anyone else is refused politely (and logged)."""
    delegate = await delegate_of(update, context)
    if delegate is None or update.effective_chat is None:
        return None
    tr = await translator_for(context, delegate)
    if not await is_organiser(context, delegate.user_id):
        log.warning("broadcast refused: user %s is not an organiser (%s)", who(delegate.user_id), what)
        await send_reply(context.bot, update.effective_chat.id, replies.refusal(tr))
        return None
    return delegate, tr


# --- commands ------------------------------------------------------------------------------------


async def on_broadcast(update: Update, context: Context) -> None:
    found = await _organiser(update, context, "/broadcast")
    chat = update.effective_chat
    if found is None or chat is None:
        return
    delegate, tr = found
    step = await wizard(context).start(delegate.user_id, chat.id)
    log.info("broadcast draft %s started by organiser %s", step.draft.id, who(delegate.user_id))
    await show(context, chat.id, tr, step, None)


async def on_broadcasts(update: Update, context: Context) -> None:
    found = await _organiser(update, context, "/broadcasts")
    chat = update.effective_chat
    if found is None or chat is None:
        return
    _, tr = found
    svc = feature(context)
    entries = [(view, await svc.progress(view.id)) for view in await svc.recent(10)]
    await send_reply(context.bot, chat.id, replies.history(tr, entries, await services(context).events.snapshot()))


# --- typed input during a draft ------------------------------------------------------------------


async def on_organiser_input(update: Update, context: Context) -> bool:
    """Text, photo or document from someone whose draft waits for it; everything else passes on (False)."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if not TYPED.check_update(update) or user is None or chat is None or message is None:
        return False
    steps = wizard(context)
    draft = await steps.waiting_for_input(user.id, chat.id)
    if draft is None:
        return False
    if not await is_organiser(context, user.id):  # the role was revoked mid-conversation
        await steps.service.discard(draft.id, user.id)
        log.warning("broadcast draft %s discarded: user %s is no longer an organiser", draft.id, who(user.id))
        return False
    found = await _organiser(update, context, f"input for draft {draft.id}")
    if found is None:
        return True
    _, tr = found
    attachment = None
    if message.photo:
        attachment = Attachment("photo", message.photo[-1].file_id)
    elif message.document:
        attachment = Attachment("document", message.document.file_id, message.document.file_name)
    step = await steps.take_input(draft, message.text or message.caption or "", attachment)
    if step is not None:
        await show(context, chat.id, tr, step, None)
    return True


# --- buttons -------------------------------------------------------------------------------------


async def on_button(update: Update, context: Context, arg: str) -> None:
    """Every "bc:" button: checked against the role, the draft's owner and the draft's step."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    found = await _organiser(update, context, f"button {arg!r}")
    if found is None:
        return
    delegate, tr = found
    steps = wizard(context)
    if arg.startswith("#"):
        arg = await _resolve_digest(context, delegate.user_id, arg) or ""
    head, _, rest = arg.partition(":")
    action, _, value = rest.partition(":")
    message = query.message if isinstance(query.message, Message) else None
    if not head.isdigit():
        await send_reply(context.bot, chat.id, replies.stale(tr))
        return
    broadcast_id = int(head)
    if action == "stop":
        await _stop(context, chat.id, tr, broadcast_id, delegate.user_id)
        return
    draft = await steps.service.draft(broadcast_id, delegate.user_id)
    if draft is None:
        log.info("stale or foreign broadcast button %r from %s", arg, who(delegate.user_id))
        await send_reply(context.bot, chat.id, replies.stale(tr))
        return
    if action == "go" and draft.step == "preview":
        handled = await _confirm(context, chat.id, tr, draft, message)
    else:
        step = await steps.press(draft, action, value)
        if step is not None:
            await show(context, chat.id, tr, step, message)
        handled = step is not None
    if not handled:
        log.info("broadcast button %r not valid at step %r of draft %s", arg, draft.step, draft.id)
        await send_reply(context.bot, chat.id, replies.stale(tr))


async def show(context: Context, chat_id: int, tr: Translator, step: Step, message: Message | None) -> None:
    """A wizard step as the organiser sees it in Telegram: in place of the pressed message when there
    is one (the preview always as new messages, then its confirmation)."""
    steps = wizard(context)
    snap = await services(context).events.snapshot()
    draft = step.draft
    if step.kind == PREVIEW:
        await _send_preview(context, chat_id, tr, draft)
        return
    shown = {
        ASK_TEXT: lambda: replies.ask_text(tr, draft, snap.default_language),
        ASK_TEXT_AFTER_ATTACHMENT: lambda: replies.ask_text_after_attachment(tr, draft),
        ASK_AUDIENCE: lambda: replies.ask_audience(tr, draft, step.has_sessions),
        CHOOSE_LANGUAGE: lambda: replies.choose_language(tr, draft, steps.languages),
        CHOOSE_DELEGATION: lambda: replies.choose_country(tr, draft, snap),
        CHOOSE_SESSION: lambda: replies.choose_session(tr, draft, snap),
        TRANSLATIONS: lambda: replies.ask_translations(tr, draft, step.languages, snap.default_language),
        ASK_TRANSLATION: lambda: replies.ask_translation_text(tr, draft, step.language or ""),
        ASK_WHEN: lambda: replies.ask_when(tr, draft),
        ASK_TIME: lambda: replies.ask_time(tr, draft, services(context).clock.now()),
        TIME_REFUSED: lambda: replies.time_refused(tr, step.refusal or ""),
        DISCARDED: lambda: replies.discarded(tr),
    }[step.kind]()
    await edit_or_send(context.bot, message, chat_id, shown)


async def _send_preview(context: Context, chat_id: int, tr: Translator, draft: BroadcastView) -> None:
    """Each text exactly as its delegates will see it, then the confirmation with the count."""
    preview = await wizard(context).draft_preview(draft)
    for variant in preview.variants:
        await send_reply(context.bot, chat_id, replies.preview_label(tr, list(variant.languages), variant.count, variant.translated))
        for reply in variant.replies:
            await send_reply(context.bot, chat_id, reply)
    await send_reply(context.bot, chat_id, replies.confirmation(tr, draft, preview.size, await services(context).events.snapshot()))


async def _confirm(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, message: Message | None) -> bool:
    svc = feature(context)
    snap = await services(context).events.snapshot()
    outcome = await wizard(context).confirm(draft, message.message_id if message else None)
    if outcome is None:
        return False
    if isinstance(outcome, Released):
        # The broadcast loop turns the confirmation into the progress message within a tick.
        log.info("broadcast %s confirmed by %s: %d messages queued", outcome.broadcast.id, draft.created_by, outcome.queued)
        if message is None:
            await _start_progress(context.bot, svc, tr, outcome.broadcast, snap, chat_id)
        return True
    log.info("broadcast %s scheduled by %s for %s", outcome.id, draft.created_by, outcome.send_at)
    await edit_or_send(context.bot, message, chat_id, replies.scheduled(tr, outcome, snap))
    return True


async def _start_progress(bot: Bot, svc: BroadcastService, tr: Translator, view: BroadcastView, snap, chat_id: int) -> None:  # type: ignore[no-untyped-def]
    """A new progress message for a broadcast released without one (scheduled, or no message to edit)."""
    await start_progress(bot, svc, chat_id, replies.progress_reply(tr, view, await svc.progress(view.id), snap), view.id)


async def start_progress(bot: Bot, svc: BroadcastService, chat_id: int, reply: Reply, broadcast_id: int) -> None:
    try:
        sent = await send_reply(bot, chat_id, reply)
    except TelegramError:
        log.warning("could not send broadcast progress to chat %s", who(chat_id), exc_info=True)
        return
    if sent:
        await svc.attach_progress_message(broadcast_id, chat_id, sent[-1].message_id)


async def edit_progress(bot: Bot, chat_id: int, message_id: int, reply: Reply) -> bool:
    """Edits the progress message in place; False when it is gone (the organiser deleted it)."""
    try:
        await with_retries(lambda: bot.edit_message_text(reply.text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=inline_keyboard(reply.buttons)), "editMessageText")
        return True
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        log.info("progress message %s in chat %s not edited: %s", message_id, who(chat_id), error)
        return False


async def _stop(context: Context, chat_id: int, tr: Translator, broadcast_id: int, user_id: int) -> None:
    """Any organiser may stop a running broadcast (the one who started it may be off duty)."""
    svc = feature(context)
    view = await svc.cancel(broadcast_id)
    if view is None:
        await send_reply(context.bot, chat_id, replies.not_running(tr))
        return
    log.info("broadcast %s cancelled by organiser %s", broadcast_id, who(user_id))
    if view.chat_id is not None and view.progress_message_id is not None and view.released_at is not None:
        snap = await services(context).events.snapshot()
        final = replies.progress_reply(tr, view, await svc.progress(broadcast_id), snap)  # no Cancel button any more
        await edit_progress(context.bot, view.chat_id, view.progress_message_id, final)
    await send_reply(context.bot, chat_id, replies.cancelled_note(tr, view))


async def _resolve_digest(context: Context, user_id: int, arg: str) -> str | None:
    """A long button argument came as a digest: find it among the buttons of the user's open draft."""
    draft = await feature(context).open_draft(user_id)
    if draft is None:
        return None
    snap = await services(context).events.snapshot()
    candidates = [f"{draft.id}:session:{s.id}" for s in snap.sessions]
    candidates += [f"{draft.id}:country:{code}" for code, _, _ in snap.delegations]
    candidates += [f"{draft.id}:lang:{lang}" for lang in feature(context).languages]
    candidates += [f"{draft.id}:tr:{lang}" for lang in feature(context).languages]
    return resolve_arg(arg, candidates)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("broadcast", on_broadcast))
    app.add_handler(CommandHandler("broadcasts", on_broadcasts))
