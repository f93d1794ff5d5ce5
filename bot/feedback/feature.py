"""Installs session feedback: the service, the buttons and comment capture, the prompt loop, and the
results page of the helpdesk console (when the helpdesk is installed)."""

from __future__ import annotations

from bot.runtime import Services


def install(services: Services) -> None:
    from bot.feedback.handlers import CALLBACK_HANDLERS
    from bot.feedback.scheduled import feedback_loop
    from bot.feedback.service import FeedbackService
    from bot.feedback.web import feedback_page
    from bot.outbox.feature import doorbell
    from bot.telegram.handlers.common import CALLBACKS

    svc = FeedbackService(services.database, services.events, services.clock.now, services.settings.feedback_delay_minutes)
    services.extras["feedback"] = svc
    services.extras.setdefault("handler_modules", []).append("bot.feedback.handlers")
    services.extras.setdefault("background", []).append(feedback_loop(services, doorbell(services)))
    CALLBACKS.update(CALLBACK_HANDLERS)
    console = services.extras.get("helpdesk_console")
    if console is not None:
        console.console.add_page(feedback_page(svc, services.events))
