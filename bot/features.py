"""Feature modules that add services, handlers and background loops to the application.

Each entry is `module.install(services)`; it may add to services.extras["handler_modules"],
services.extras["background"] and services.conversation hooks.
"""

from __future__ import annotations

import importlib

from bot.runtime import Services

FEATURE_MODULES: list[str] = [
    "bot.broadcasts.feature",
    "bot.helpdesk.feature",
    "bot.reminders.feature",
    "bot.feedback.feature",
    "bot.questions.feature",
    "bot.outbox.feature",
    "bot.accreditation.feature",
    "bot.schedule.feature",
]


def install_features(services: Services) -> None:
    for name in FEATURE_MODULES:
        importlib.import_module(name).install(services)
