"""/broadcast and /broadcasts: the organiser's conversation, thin over BroadcastService.

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
from bot.broadcasts.service import Attachment, Audience, BroadcastService, BroadcastView, Released, render_broadcast
from bot.broadcasts.when import WhenError, parse_send_time
from bot.delegates.service import DelegateView
from bot.i18n import Translator
from bot.logs import who
from bot.telegram.handlers.common import Context, delegate_of, services, translator_for
from bot.telegram.keyboards import inline_keyboard
from bot.telegram.render import edit_or_send, send_reply, with_retries

log = logging.getLogger(__name__)
INPUT_STEPS = ("text", "time")  # and "translation:<lang>"
TYPED = ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL) & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def feature(context: Context) -> BroadcastService:
    return services(context).features.get(Broadcasts).service


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
    snap = await services(context).events.snapshot()
    draft = await feature(context).start_draft(delegate.user_id, chat.id)
    log.info("broadcast draft %s started by organiser %s", draft.id, who(delegate.user_id))
    await send_reply(context.bot, chat.id, replies.ask_text(tr, draft, snap.default_language))


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
    svc = feature(context)
    draft = await svc.open_draft(user.id)
    if draft is None or draft.chat_id != chat.id or not (draft.step in INPUT_STEPS or (draft.step or "").startswith("translation:")):
        return False
    if not await is_organiser(context, user.id):  # the role was revoked mid-conversation
        await svc.discard(draft.id, user.id)
        log.warning("broadcast draft %s discarded: user %s is no longer an organiser", draft.id, who(user.id))
        return False
    found = await _organiser(update, context, f"input for draft {draft.id}")
    if found is None:
        return True
    _, tr = found
    if draft.step == "text":
        await _take_text(context, chat.id, tr, draft, message)
    elif draft.step == "time":
        await _take_time(context, chat.id, tr, draft, message)
    else:
        await _take_translation(context, chat.id, tr, draft, message)
    return True


async def _take_text(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, message: Message) -> None:
    svc = feature(context)
    snap = await services(context).events.snapshot()
    attachment = draft.attachment
    if message.photo:
        attachment = Attachment("photo", message.photo[-1].file_id)
    elif message.document:
        attachment = Attachment("document", message.document.file_id, message.document.file_name)
    text = (message.text or message.caption or "").strip()
    if not text:
        updated = await svc.update_draft(draft.id, draft.created_by or 0, expect=["text"], attachment=attachment)
        if updated is not None:
            await send_reply(context.bot, chat_id, replies.ask_text_after_attachment(tr, updated))
        return
    updated = await svc.update_draft(
        draft.id, draft.created_by or 0, expect=["text"], attachment=attachment,
        texts={snap.default_language: text}, step="audience",
    )
    if updated is not None:
        await send_reply(context.bot, chat_id, replies.ask_audience(tr, updated, bool(replies.session_choices(snap))))


async def _take_translation(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, message: Message) -> None:
    language = (draft.step or "").partition(":")[2]
    text = (message.text or message.caption or "").strip()
    if not text:
        await send_reply(context.bot, chat_id, replies.ask_translation_text(tr, draft, language))
        return
    updated = await feature(context).update_draft(
        draft.id, draft.created_by or 0, expect=[draft.step or ""], translation=(language, text), step="translations"
    )
    if updated is not None:
        await _after_translations_menu(context, chat_id, tr, updated, None)


async def _take_time(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, message: Message) -> None:
    s = services(context)
    snap = await s.events.snapshot()
    try:
        when = parse_send_time(message.text or "", s.clock.now(), snap.timezone)
    except WhenError as error:
        await send_reply(context.bot, chat_id, replies.time_refused(tr, error.code))
        return
    updated = await feature(context).update_draft(draft.id, draft.created_by or 0, expect=["time"], send_at=when.instant, step="preview")
    if updated is not None:
        await _send_preview(context, chat_id, tr, updated)


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
    svc = feature(context)
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
    draft = await svc.draft(broadcast_id, delegate.user_id)
    if draft is None:
        log.info("stale or foreign broadcast button %r from %s", arg, who(delegate.user_id))
        await send_reply(context.bot, chat.id, replies.stale(tr))
        return
    handled = await _draft_action(context, chat.id, tr, draft, action, value, message)
    if not handled:
        log.info("broadcast button %r not valid at step %r of draft %s", arg, draft.step, draft.id)
        await send_reply(context.bot, chat.id, replies.stale(tr))


async def _draft_action(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, action: str, value: str, message: Message | None) -> bool:
    svc = feature(context)
    snap = await services(context).events.snapshot()
    user_id = draft.created_by or 0
    if action == "drop":
        if await svc.discard(draft.id, user_id):
            await edit_or_send(context.bot, message, chat_id, replies.discarded(tr))
            return True
        return False
    if action == "aud" and draft.step == "audience":
        if value == "all":
            return await _set_audience(context, chat_id, tr, draft, Audience("all"), message)
        pickers = {
            "lang": lambda: replies.choose_language(tr, draft, svc.languages),
            "country": lambda: replies.choose_country(tr, draft, snap),
            "session": lambda: replies.choose_session(tr, draft, snap),
        }
        if value in pickers:
            await edit_or_send(context.bot, message, chat_id, pickers[value]())
            return True
        return False
    if action in ("lang", "country", "session") and draft.step == "audience":
        valid = {
            "lang": list(svc.languages),
            "country": [code for code, _, _ in snap.delegations],
            "session": [s.id for s in replies.session_choices(snap)],
        }[action]
        if value not in valid:
            return False
        return await _set_audience(context, chat_id, tr, draft, Audience(action, value), message)
    if action == "tr" and draft.step == "translations" and value in _translation_languages(svc, draft, snap.default_language):
        updated = await svc.update_draft(draft.id, user_id, expect=["translations"], step=f"translation:{value}")
        if updated is not None:
            await edit_or_send(context.bot, message, chat_id, replies.ask_translation_text(tr, updated, value))
        return updated is not None
    if action == "next" and draft.step == "translations":
        updated = await svc.update_draft(draft.id, user_id, expect=["translations"], step="when")
        if updated is not None:
            await edit_or_send(context.bot, message, chat_id, replies.ask_when(tr, updated))
        return updated is not None
    if action == "now" and draft.step == "when":
        updated = await svc.update_draft(draft.id, user_id, expect=["when"], send_at=None, step="preview")
        if updated is not None:
            await _send_preview(context, chat_id, tr, updated)
        return updated is not None
    if action == "later" and draft.step == "when":
        updated = await svc.update_draft(draft.id, user_id, expect=["when"], step="time")
        if updated is not None:
            await edit_or_send(context.bot, message, chat_id, replies.ask_time(tr, updated, services(context).clock.now()))
        return updated is not None
    if action == "go" and draft.step == "preview":
        return await _confirm(context, chat_id, tr, draft, message)
    return False


def _translation_languages(svc: BroadcastService, draft: BroadcastView, default_language: str) -> list[str]:
    """The languages worth a translation: the audience's one, or every event language but the default."""
    if draft.audience is not None and draft.audience.kind == "lang":
        return [draft.audience.value] if draft.audience.value and draft.audience.value != default_language else []
    return [lang for lang in svc.languages if lang != default_language]


async def _set_audience(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, audience: Audience, message: Message | None) -> bool:
    updated = await feature(context).update_draft(draft.id, draft.created_by or 0, expect=["audience"], audience=audience, step="translations")
    if updated is None:
        return False
    await _after_translations_menu(context, chat_id, tr, updated, message)
    return True


async def _after_translations_menu(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, message: Message | None) -> None:
    """Shows the translations menu, or skips to "when?" when no other language needs a text."""
    svc = feature(context)
    snap = await services(context).events.snapshot()
    languages = _translation_languages(svc, draft, snap.default_language)
    if not languages:
        updated = await svc.update_draft(draft.id, draft.created_by or 0, expect=["translations"], step="when")
        if updated is not None:
            await edit_or_send(context.bot, message, chat_id, replies.ask_when(tr, updated))
        return
    menu = replies.ask_translations(tr, draft, [snap.default_language, *languages], snap.default_language)
    await edit_or_send(context.bot, message, chat_id, menu)


async def _send_preview(context: Context, chat_id: int, tr: Translator, draft: BroadcastView) -> None:
    """Each text exactly as its delegates will see it, then the confirmation with the count."""
    svc = feature(context)
    snap = await services(context).events.snapshot()
    assert draft.audience is not None
    size = await svc.audience_size(draft.audience)
    if draft.audience.kind == "lang" and draft.audience.value:
        variants = [([draft.audience.value], size.total, draft.audience.value in draft.texts)]
    else:
        provided = [lang for lang in svc.languages if lang in draft.texts]
        variants = [([lang], size.by_language.get(lang, 0), True) for lang in provided]
        untranslated = sorted((lang for lang in size.by_language if lang not in draft.texts), key=lambda lang: -size.by_language[lang])
        if untranslated:
            variants.append((untranslated, sum(size.by_language[lang] for lang in untranslated), False))
    for languages, count, translated in variants:
        await send_reply(context.bot, chat_id, replies.preview_label(tr, languages, count, translated))
        shown = Translator(languages[0], snap.timezone, snap.default_language)
        for reply in render_broadcast(shown, draft.texts, snap.default_language, draft.attachment):
            await send_reply(context.bot, chat_id, reply)
    await send_reply(context.bot, chat_id, replies.confirmation(tr, draft, size, snap))


async def _confirm(context: Context, chat_id: int, tr: Translator, draft: BroadcastView, message: Message | None) -> bool:
    svc = feature(context)
    snap = await services(context).events.snapshot()
    outcome = await svc.confirm(draft.id, draft.created_by or 0, message.message_id if message else None)
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
