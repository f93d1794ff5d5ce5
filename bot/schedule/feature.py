"""Schedules: the search behind questions about an imported programme, the "More" and browsing
buttons, and, with SCHEDULE_URL, the sync loop with its /healthz and /metrics details."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.answers.reply import Answer
from bot.answers.service import Question
from bot.event.service import EventSnapshot
from bot.feature import BackgroundTask, CallbackHandler, Feature
from bot.i18n import Translator
from bot.runtime import Services
from bot.schedule.answers import ProgrammeAnswers
from bot.schedule.search import SearchIndexes
from bot.schedule.service import ScheduleService

log = logging.getLogger(__name__)
IDLE_SECONDS = 5.0  # how often the loop looks whether a sync is due


class Schedule(Feature):
    name = "schedule"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.indexes = SearchIndexes()  # one full-text index per version of the programme, in memory
        self.answers = ProgrammeAnswers(self.indexes, services.answers.session_card)
        settings = services.settings
        self.sync: ScheduleService | None = None
        if settings.schedule_url:
            self.sync = ScheduleService(
                services.database, services.clock.now, settings.schedule_url, settings.schedule_refresh_minutes,
                settings.organiser_ids, on_queued=services.doorbell.ring,
            )

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.schedule.handlers import CALLBACK_HANDLERS

        return CALLBACK_HANDLERS

    async def answer_first(self, tr: Translator, snap: EventSnapshot, question: Question, now: datetime) -> Answer | None:
        return await self.answers(tr, snap, question, now)

    def background(self) -> Sequence[BackgroundTask]:
        return (self.schedule_sync,) if self.sync is not None else ()

    async def schedule_sync(self, app: Application) -> None:  # type: ignore[type-arg]
        assert self.sync is not None
        while True:
            if self.sync.due():
                await self.sync.sync_once()
            await self.services.clock.sleep(IDLE_SECONDS)

    async def health_details(self) -> Mapping[str, Any]:
        return {"schedule": await self.sync.status()} if self.sync is not None else {}

    async def metrics_lines(self) -> Sequence[str]:
        if self.sync is None:
            return ()
        try:
            status = await self.sync.status()
        except Exception:  # the database may be what failed; the counters still count
            status = None
        return self.sync.metric_lines(status)
