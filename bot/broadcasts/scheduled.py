"""The broadcasts' clock work: release scheduled broadcasts when their time comes, keep each
organiser's progress message current (edited at most every 3 seconds), and queue the final report once.

Everything is claimed in the database (the release, each edit, the final report), so replicas and
restarts neither skip nor repeat any of it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot.answers.reply import Reply
from bot.broadcasts import replies
from bot.broadcasts.handlers import edit_progress, start_progress
from bot.broadcasts.service import BroadcastService, BroadcastView, Progress
from bot.i18n import Translator
from bot.runtime import Services

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0


def broadcast_loop(services: Services, svc: BroadcastService) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def broadcasts(app: Application) -> None:  # type: ignore[type-arg]
        while True:
            await tick(app.bot, services, svc)
            await services.clock.sleep(TICK_SECONDS)

    return broadcasts


async def tick(bot: Bot, services: Services, svc: BroadcastService) -> None:
    for released in await svc.release_due():
        view = released.broadcast
        if view.chat_id is not None:
            tr = await _organiser_translator(services, view)
            progress = await svc.progress(view.id)
            snap = await services.events.snapshot()
            await start_progress(bot, svc, view.chat_id, replies.progress_reply(tr, view, progress, snap), view.id)
            await svc.claim_progress_edit(view.id, progress)
    for view in await svc.sending():
        try:
            await _follow(bot, services, svc, view)
        except TelegramError:
            log.warning("could not update the progress of broadcast %s", view.id, exc_info=True)


async def _follow(bot: Bot, services: Services, svc: BroadcastService, view: BroadcastView) -> None:
    progress = await svc.progress(view.id)
    if progress.finished:
        tr = await _organiser_translator(services, view)
        snap = await services.events.snapshot()

        def report(done: BroadcastView, final: Progress) -> tuple[Reply, ...]:
            elapsed = done.finished_at - done.released_at if done.finished_at and done.released_at else None
            return (replies.final_report(tr, done, final, snap, elapsed),)

        done = await svc.finish(view.id, report)  # the report goes out through the outbox
        if done is not None and done.chat_id is not None and done.progress_message_id is not None:
            await edit_progress(bot, done.chat_id, done.progress_message_id, replies.progress_reply(tr, done, progress, snap))
        return
    if view.chat_id is not None and view.progress_message_id is not None and await svc.claim_progress_edit(view.id, progress):
        tr = await _organiser_translator(services, view)
        await edit_progress(bot, view.chat_id, view.progress_message_id, replies.progress_reply(tr, view, progress, await services.events.snapshot()))


async def _organiser_translator(services: Services, view: BroadcastView) -> Translator:
    organiser = await services.delegates.get(view.created_by) if view.created_by is not None else None
    return await services.answers.translator(organiser.language if organiser else services.delegates.default_language)
