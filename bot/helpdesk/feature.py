"""Installs the helpdesk: the service, the relay to the helpdesk group, the "didn't answer" button,
the web console (on 127.0.0.1:HELPDESK_WEB_PORT) and the background loops."""

from __future__ import annotations

import logging

from bot.runtime import Services

log = logging.getLogger(__name__)


def install(services: Services) -> None:
    from bot.helpdesk.accounts import AgentService
    from bot.helpdesk.export import domain_intents
    from bot.helpdesk.feedback import on_not_helpful
    from bot.helpdesk.replies import NOT_HELPFUL_KIND
    from bot.helpdesk.scheduled import model_reload_loop, relay_loop
    from bot.helpdesk.service import HelpdeskService
    from bot.helpdesk.web.server import HelpdeskConsole
    from bot.outbox.feature import doorbell
    from bot.telegram.handlers.common import CALLBACKS

    try:
        intents = domain_intents()
    except OSError:
        log.warning("domain.yml not found: questions cannot be labelled with intents")
        intents = ()
    helpdesk = HelpdeskService(
        services.database, services.events, services.delegates, services.interpreter, services.clock.now,
        services.settings.helpdesk_chat_id, intents, on_queued=doorbell(services).ring,
    )
    agents = AgentService(services.database, services.clock.now)
    console = HelpdeskConsole(services, helpdesk, agents, port=services.settings.helpdesk_web_port)
    services.extras["helpdesk"] = helpdesk
    services.extras["helpdesk_agents"] = agents
    services.extras["helpdesk_console"] = console
    services.conversation.on_ticket.append(helpdesk.relay)
    services.extras.setdefault("handler_modules", []).extend(["bot.helpdesk.relay", "bot.helpdesk.feedback"])
    services.extras.setdefault("background", []).extend([relay_loop(services), model_reload_loop(services), console.serve])
    CALLBACKS[NOT_HELPFUL_KIND] = on_not_helpful
