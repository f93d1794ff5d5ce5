"""Installs schedules: the search behind questions about an imported programme, the "More" and
browsing buttons, and, with SCHEDULE_URL, the sync loop with its /healthz and /metrics details."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

from bot.runtime import Services

log = logging.getLogger(__name__)
IDLE_SECONDS = 5.0  # how often the loop looks whether a sync is due


def sync_loop(services: Services) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def schedule_sync(app: Application) -> None:  # type: ignore[type-arg]
        from bot.schedule.service import ScheduleService

        svc: ScheduleService = services.extras["schedule"]
        while True:
            if svc.due():
                await svc.sync_once()
            await services.clock.sleep(IDLE_SECONDS)

    return schedule_sync


def install(services: Services) -> None:
    from bot.outbox.feature import doorbell
    from bot.schedule.answers import ProgrammeAnswers
    from bot.schedule.handlers import CALLBACK_HANDLERS
    from bot.schedule.search import SearchIndexes
    from bot.schedule.service import ScheduleService
    from bot.telegram.handlers.common import CALLBACKS

    indexes = SearchIndexes()
    services.extras["schedule_indexes"] = indexes
    services.answers.hooks.append(ProgrammeAnswers(indexes))
    CALLBACKS.update(CALLBACK_HANDLERS)
    settings = services.settings
    if not settings.schedule_url:
        return
    svc = ScheduleService(
        services.database, services.clock.now, settings.schedule_url, settings.schedule_refresh_minutes,
        settings.organiser_ids, on_queued=doorbell(services).ring,
    )
    services.extras["schedule"] = svc
    services.extras.setdefault("background", []).append(sync_loop(services))

    async def health() -> dict[str, Any]:
        return {"schedule": await svc.status()}

    async def metrics() -> list[str]:
        try:
            status = await svc.status()
        except Exception:  # the database may be what failed; the counters still count
            status = None
        return svc.metric_lines(status)

    services.extras.setdefault("health_details", []).append(health)
    services.extras.setdefault("metrics_lines", []).append(metrics)
