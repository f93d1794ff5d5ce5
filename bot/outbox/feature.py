"""The outbox: its dispatcher runs as a background loop of every running bot and delivers what the
other features queued (they ring `services.doorbell` so that delivery starts at once)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram.ext import Application

from bot.db import Database
from bot.feature import BackgroundTask, Feature
from bot.outbox.budget import SendBudget, budget_kind, make_budget
from bot.outbox.dispatcher import Dispatcher, DispatcherConfig
from bot.settings import Settings


def config_from(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        rate=settings.outbox_rate_per_second,
        lease_seconds=settings.outbox_lease_seconds,
        max_in_flight=settings.outbox_max_in_flight,
    )


def budget_from(settings: Settings, database: Database, config: DispatcherConfig) -> SendBudget:
    """SEND_BUDGET_URL's budget (unset: shared through PostgreSQL, in process with SQLite)."""
    kind = budget_kind(settings.send_budget_url, database)
    bot_id = (settings.telegram_bot_token or "").partition(":")[0]
    return make_budget(kind, database, config.rate, config.headroom, config.burst, bot_id)


class Outbox(Feature):
    name = "outbox"

    def background(self) -> Sequence[BackgroundTask]:
        return (self.outbox,)

    async def outbox(self, app: Application) -> None:  # type: ignore[type-arg]
        s = self.services
        config = config_from(s.settings)
        dispatcher = Dispatcher(
            s.database, app.bot, s.clock, config, on_blocked=s.delegates.mark_inactive, doorbell=s.doorbell,
            budget=budget_from(s.settings, s.database, config),
        )
        s.dispatcher = dispatcher  # its stats are read by /metrics, tests and benchmarks
        await dispatcher.run()
