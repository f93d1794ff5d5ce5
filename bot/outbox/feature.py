"""The outbox: its dispatcher runs as a background loop of every running bot and delivers what the
other features queued (they ring `services.doorbell` so that delivery starts at once)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram.ext import Application

from bot.feature import BackgroundTask, Feature
from bot.outbox.dispatcher import Dispatcher, DispatcherConfig
from bot.settings import Settings


def config_from(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        rate=settings.outbox_rate_per_second,
        lease_seconds=settings.outbox_lease_seconds,
        max_in_flight=settings.outbox_max_in_flight,
    )


class Outbox(Feature):
    name = "outbox"

    def background(self) -> Sequence[BackgroundTask]:
        return (self.outbox,)

    async def outbox(self, app: Application) -> None:  # type: ignore[type-arg]
        s = self.services
        dispatcher = Dispatcher(
            s.database, app.bot, s.clock, config_from(s.settings), on_blocked=s.delegates.mark_inactive, doorbell=s.doorbell,
        )
        s.dispatcher = dispatcher  # its stats are read by /metrics, tests and benchmarks
        await dispatcher.run()
