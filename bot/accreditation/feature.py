"""Installs accreditation: the code service and the chat handlers (/verify, typed codes, deep links)."""

from __future__ import annotations

from bot.runtime import Services


def install(services: Services) -> None:
    from bot.accreditation.service import AccreditationService

    services.extras["accreditation"] = AccreditationService(services.database, services.clock.now)
    services.extras.setdefault("handler_modules", []).append("bot.accreditation.handlers")
