"""A queued Reply as the Telegram calls that deliver it, one call at a time.

The same order as `bot.telegram.render.send_reply` (venue, document, media, then the text in parts
with the buttons on the last one), but without its retry loop: the dispatcher paces every call and
decides itself what a failure means, so each call is one attempt. An `Edit` is one editMessageText;
"message is not modified" counts as done (someone else already showed the same), while "message to
edit not found" stays a final 400 (the chat was cleared: nothing to edit).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.answers.reply import Document, Media, Reply, VenuePin
from bot.answers.split import split_message
from bot.outbox.payload import Edit
from bot.telegram.keyboards import inline_keyboard

Invoke = Callable[[Bot, int], Awaitable[Message | bool | None]]  # None: an edit that changed nothing


@dataclass(frozen=True)
class Call:
    method: str
    invoke: Invoke


def calls_for(replies: tuple[Reply, ...] | list[Reply]) -> list[Call]:
    calls: list[Call] = []
    for reply in replies:
        calls += _reply_calls(reply)
    return calls


def _reply_calls(reply: Reply) -> list[Call]:
    if isinstance(reply, Edit):
        return [Call("editMessageText", _edit(reply))]
    calls: list[Call] = []
    if reply.venue is not None:
        calls.append(Call("sendVenue", _venue(reply.venue)))
    if reply.document is not None:
        calls.append(Call("sendDocument", _document(reply.document)))
    if reply.media is not None:
        calls.append(Call("sendPhoto" if reply.media.kind == "photo" else "sendDocument", _media(reply.media)))
    if reply.text:
        parts = split_message(reply.text)
        for i, part in enumerate(parts):
            markup = inline_keyboard(reply.buttons) if i == len(parts) - 1 else None
            calls.append(Call("sendMessage", _text(part, markup)))
    return calls


def _venue(v: VenuePin) -> Invoke:
    async def invoke(bot: Bot, chat: int) -> Message:
        return await bot.send_venue(chat, v.latitude, v.longitude, v.title[:256], v.address[:256])
    return invoke


def _document(d: Document) -> Invoke:
    async def invoke(bot: Bot, chat: int) -> Message:
        return await bot.send_document(chat, InputFile(d.content, filename=d.filename), caption=d.caption[:1024] or None, parse_mode=ParseMode.HTML)
    return invoke


def _media(m: Media) -> Invoke:
    async def invoke(bot: Bot, chat: int) -> Message:
        if m.kind == "photo":
            return await bot.send_photo(chat, m.file_id, caption=m.caption or None, parse_mode=ParseMode.HTML)
        return await bot.send_document(chat, m.file_id, caption=m.caption or None, parse_mode=ParseMode.HTML)
    return invoke


def _text(text: str, markup: InlineKeyboardMarkup | None) -> Invoke:
    async def invoke(bot: Bot, chat: int) -> Message:
        return await bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return invoke


def _edit(e: Edit) -> Invoke:
    async def invoke(bot: Bot, chat: int) -> Message | bool | None:
        try:
            return await bot.edit_message_text(e.text, chat, e.message_id, parse_mode=ParseMode.HTML, reply_markup=inline_keyboard(e.buttons))
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return None
            raise
    return invoke
