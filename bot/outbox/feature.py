"""Installs the outbox dispatcher as a background loop of every running bot.

`services.extras["outbox_doorbell"]` is a Doorbell that features may ring after queueing messages so
that delivery starts at once; `services.extras["outbox_dispatcher"]` is the running Dispatcher (its
`stats` are read by tests and benchmarks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram.ext import Application

from bot.outbox.dispatcher import Dispatcher, DispatcherConfig, Doorbell
from bot.runtime import Services
from bot.settings import Settings


def config_from(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        rate=settings.outbox_rate_per_second,
        lease_seconds=settings.outbox_lease_seconds,
        max_in_flight=settings.outbox_max_in_flight,
    )


def doorbell(services: Services) -> Doorbell:
    """The process's doorbell (created on first use, so features may ask before the outbox installs)."""
    bell = services.extras.get("outbox_doorbell")
    if bell is None:
        bell = services.extras["outbox_doorbell"] = Doorbell()
    return bell  # type: ignore[no-any-return]


def outbox_loop(services: Services) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    async def outbox(app: Application) -> None:  # type: ignore[type-arg]
        dispatcher = Dispatcher(
            services.database, app.bot, services.clock, config_from(services.settings),
            on_blocked=services.delegates.mark_inactive, doorbell=doorbell(services),
        )
        services.extras["outbox_dispatcher"] = dispatcher
        await dispatcher.run()

    return outbox


def install(services: Services) -> None:
    doorbell(services)
    services.extras.setdefault("background", []).append(outbox_loop(services))
