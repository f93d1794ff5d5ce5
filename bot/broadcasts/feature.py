"""Installs organiser broadcasts: the service, the /broadcast conversation, its buttons and its loop."""

from __future__ import annotations

from bot.runtime import Services


def install(services: Services) -> None:
    from bot.broadcasts.handlers import on_button
    from bot.broadcasts.replies import KIND
    from bot.broadcasts.scheduled import broadcast_loop
    from bot.broadcasts.service import BroadcastService
    from bot.outbox.feature import doorbell
    from bot.telegram.handlers.common import CALLBACKS

    services.extras["broadcasts"] = BroadcastService(
        services.database, services.events, services.delegates.languages, services.clock.now,
        on_queued=doorbell(services).ring,
    )
    services.extras.setdefault("handler_modules", []).append("bot.broadcasts.handlers")
    services.extras.setdefault("background", []).append(broadcast_loop(services))
    CALLBACKS[KIND] = on_button
