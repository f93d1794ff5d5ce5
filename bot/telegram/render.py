"""Sends an Answer to a chat: text in HTML parse mode, buttons, venue pins, documents.

Replies to a delegate's own message are not bulk traffic: they go out at once (never behind the
outbox), and a 429, a 5xx or a time-out is retried with backoff so the reply is delivered, not lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.answers.reply import Answer, Reply
from bot.answers.split import split_message
from bot.telegram.keyboards import inline_keyboard

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 8  # failures (5xx, time-outs, network) before giving up; a 429 is not a failure
MAX_WAIT = 90.0  # seconds of retry_after a reply may wait in all before it is given up


async def with_retries(call: Callable[[], Awaitable[T]], what: str = "send") -> T:
    """Retries 429 (after retry_after), time-outs and network errors with exponential backoff.

    A 429 only asks for patience, so it does not use up an attempt; the waits it asks for are
    bounded by MAX_WAIT in all, so a handler never hangs on a throttled chat.
    """
    delay, failures, waited = 0.5, 0, 0.0
    while True:
        try:
            return await call()
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
            waited += float(wait)
            if waited > MAX_WAIT:
                raise
            log.info("%s: 429, retrying after %ss", what, wait)
            await asyncio.sleep(float(wait) + 0.05)
        except (Forbidden, BadRequest):
            raise
        except (TimedOut, NetworkError) as exc:
            failures += 1
            if failures >= MAX_ATTEMPTS:
                raise
            log.info("%s: %s (attempt %d), retrying in %.1fs", what, type(exc).__name__, failures, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)


async def send_reply(bot: Bot, chat_id: int, reply: Reply, **extra: Any) -> list[Message]:
    sent: list[Message] = []
    if reply.venue is not None:
        v = reply.venue
        sent.append(await with_retries(lambda: bot.send_venue(chat_id, v.latitude, v.longitude, v.title[:256], v.address[:256]), "sendVenue"))
    if reply.document is not None:
        d = reply.document
        sent.append(await with_retries(lambda: bot.send_document(chat_id, InputFile(d.content, filename=d.filename), caption=d.caption[:1024] or None, parse_mode=ParseMode.HTML), "sendDocument"))
    if reply.media is not None:
        m = reply.media
        send_media: Callable[..., Awaitable[Message]] = bot.send_document
        if m.kind == "photo":
            send_media = bot.send_photo
        sent.append(await with_retries(lambda: send_media(chat_id, m.file_id, caption=m.caption or None, parse_mode=ParseMode.HTML), f"send_{m.kind}"))
    if reply.text:
        parts = split_message(reply.text)
        for i, part in enumerate(parts):
            markup = inline_keyboard(reply.buttons) if i == len(parts) - 1 else None
            sent.append(await with_retries(
                lambda part=part, markup=markup: bot.send_message(chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup, **extra),  # type: ignore[misc]
                "sendMessage",
            ))
    return sent


async def send_answer(bot: Bot, chat_id: int, answer: Answer) -> list[Message]:
    sent: list[Message] = []
    for reply in answer.messages:
        sent += await send_reply(bot, chat_id, reply)
    return sent


async def edit_or_send(bot: Bot, message: Message | None, chat_id: int, reply: Reply) -> None:
    """Shows a reply in place of the message whose button was pressed, when it is plain text."""
    if message is not None and reply.text and reply.venue is None and reply.document is None and len(reply.text) <= 4096:
        try:
            await with_retries(lambda: bot.edit_message_text(reply.text, chat_id, message.message_id, parse_mode=ParseMode.HTML, reply_markup=inline_keyboard(reply.buttons)), "editMessageText")
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("edit failed (%s); sending a new message", exc)
    await send_reply(bot, chat_id, reply)
