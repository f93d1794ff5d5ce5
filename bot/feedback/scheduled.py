"""The feedback scheduler: a tick every few seconds (of the application's clock) queues the prompts due.

Everything it decides is in the database (see FeedbackService.tick), so a restart at any moment, or
two replicas ticking together, neither loses nor repeats a prompt. After a tick that queued
something it rings the outbox doorbell, so delivery starts at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram.ext import Application

from bot.feedback.service import FeedbackService
from bot.runtime import Services

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0  # prompts are due minutes after a session ends: no need to look every second


def feedback_loop(services: Services, svc: FeedbackService) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def feedback(app: Application) -> None:  # type: ignore[type-arg]
        while True:
            report = await svc.tick()
            if report.queued:
                log.info("feedback: %d prompts queued", report.queued)
                services.doorbell.ring()
            await services.clock.sleep(TICK_SECONDS)

    return feedback
