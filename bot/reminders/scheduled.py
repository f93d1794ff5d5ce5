"""The reminder scheduler: one tick a second (of the application's clock) queues what is due.

Everything it decides is in the database (see ReminderService.tick), so a restart at any moment, or
two replicas ticking together, neither loses nor repeats a reminder. After a tick that queued
something it rings the outbox doorbell, so delivery starts at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram.ext import Application

from bot.reminders.service import ReminderService, TickReport
from bot.runtime import Services

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0


def reminder_loop(services: Services, svc: ReminderService) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def reminders(app: Application) -> None:  # type: ignore[type-arg]
        while True:
            report = await svc.tick()
            if report != TickReport():
                log.info("reminders: %s", report)
            if report.queued_any:
                services.doorbell.ring()
            await services.clock.sleep(TICK_SECONDS)

    return reminders
