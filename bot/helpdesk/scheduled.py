"""The helpdesk's background work, run by RunningBot next to polling:

- the relay loop: queues the group post of any open ticket not yet queued (a crash between the
  ticket and its post), records each post's Telegram message id once the dispatcher sent it, and
  edits posts whose ticket changed (answered, closed, delegate forgotten); each edit is claimed in
  the database, so replicas and restarts never edit twice or skip one;
- the model loop: swaps in a newly trained NLU model (`make train`) without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.helpdesk import replies
from bot.helpdesk.service import HelpdeskService, PostEdit
from bot.runtime import Services
from bot.telegram.render import with_retries

log = logging.getLogger(__name__)
RELAY_SECONDS = 1.0
MODEL_CHECK_SECONDS = 30.0

Loop = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]


def relay_loop(services: Services, helpdesk: HelpdeskService) -> Loop:
    async def helpdesk_relay(app: Application) -> None:  # type: ignore[type-arg]
        while True:
            await relay_tick(app.bot, helpdesk)
            await services.clock.sleep(RELAY_SECONDS)

    return helpdesk_relay


async def relay_tick(bot: Bot, helpdesk: HelpdeskService) -> None:
    await helpdesk.relay_pending()
    await helpdesk.sync_relay_ids()
    edits = await helpdesk.posts_to_edit()
    if not edits:
        return
    tr = await helpdesk.translator()
    for edit in edits:
        if await helpdesk.claim_post_edit(edit):
            await _edit_post(bot, helpdesk, edit, replies.post_text(tr, edit.ticket))


async def _edit_post(bot: Bot, helpdesk: HelpdeskService, edit: PostEdit, text: str) -> None:
    ticket = edit.ticket
    assert ticket.relay_chat_id is not None and ticket.relay_message_id is not None
    chat_id, message_id = ticket.relay_chat_id, ticket.relay_message_id
    try:
        await with_retries(lambda: bot.edit_message_text(text, chat_id, message_id, parse_mode=ParseMode.HTML), "editMessageText")
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.warning("the post of ticket %s cannot be edited (%s); left as it is", ticket.id, exc)
    except Forbidden as exc:
        log.warning("the bot may not edit in the helpdesk group (%s)", exc)
    except TelegramError:
        log.warning("editing the post of ticket %s failed; retrying later", ticket.id, exc_info=True)
        await helpdesk.claim_post_edit(edit, release=True)


def model_reload_loop(services: Services) -> Loop:
    """Checks every 30 s (of the bot's clock) whether `make train` produced a newer model."""

    async def nlu_model_reload(app: Application) -> None:  # type: ignore[type-arg]
        reload = getattr(services.interpreter, "reload_if_changed", None)
        if reload is None:
            return  # a Rasa server (NLU_URL) reloads its own models
        last = services.clock.now()
        while True:
            await services.clock.sleep(MODEL_CHECK_SECONDS)
            if (services.clock.now() - last).total_seconds() < MODEL_CHECK_SECONDS:
                continue
            last = services.clock.now()
            try:
                await reload(services.settings.model_dir)
            except Exception:
                log.exception("could not load the new NLU model; the current one keeps serving")

    return nlu_model_reload
