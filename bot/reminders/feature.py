"""Installs session reminders: the service, the commands and buttons, the scheduler loop."""

from __future__ import annotations

from bot.runtime import Services


def install(services: Services) -> None:
    from bot.outbox.feature import doorbell
    from bot.reminders.handlers import CALLBACK_HANDLERS
    from bot.reminders.scheduled import reminder_loop
    from bot.reminders.service import ReminderService
    from bot.telegram.handlers.common import CALLBACKS

    services.extras["reminders"] = ReminderService(
        services.database, services.events, services.clock.now, services.settings.reminder_lead_minutes
    )
    services.extras.setdefault("handler_modules", []).append("bot.reminders.handlers")
    services.extras.setdefault("background", []).append(reminder_loop(services, doorbell(services)))
    CALLBACKS.update(CALLBACK_HANDLERS)
