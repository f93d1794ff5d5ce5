"""A queued Reply as the Telegram calls that deliver it, one call at a time.

The same order as `bot.telegram.render.send_reply` (venue, document, media, then the text in parts
with the buttons on the last one), but without its retry loop: the dispatcher paces every call and
decides itself what a failure means, so each call is one attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode

from bot.answers.reply import Reply
from bot.answers.split import split_message
from bot.telegram.keyboards import inline_keyboard

Invoke = Callable[[Bot, int], Awaitable[Message]]


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
    calls: list[Call] = []
    if (v := reply.venue) is not None:
        calls.append(Call("sendVenue", lambda bot, chat, v=v: bot.send_venue(chat, v.latitude, v.longitude, v.title[:256], v.address[:256])))
    if (d := reply.document) is not None:
        calls.append(Call("sendDocument", lambda bot, chat, d=d: bot.send_document(
            chat, InputFile(d.content, filename=d.filename), caption=d.caption[:1024] or None, parse_mode=ParseMode.HTML)))
    if (m := reply.media) is not None:
        if m.kind == "photo":
            calls.append(Call("sendPhoto", lambda bot, chat, m=m: bot.send_photo(chat, m.file_id, caption=m.caption or None, parse_mode=ParseMode.HTML)))
        else:
            calls.append(Call("sendDocument", lambda bot, chat, m=m: bot.send_document(chat, m.file_id, caption=m.caption or None, parse_mode=ParseMode.HTML)))
    if reply.text:
        parts = split_message(reply.text)
        for i, part in enumerate(parts):
            markup = inline_keyboard(reply.buttons) if i == len(parts) - 1 else None
            calls.append(Call("sendMessage", lambda bot, chat, part=part, markup=markup: bot.send_message(
                chat, part, parse_mode=ParseMode.HTML, reply_markup=markup)))
    return calls
