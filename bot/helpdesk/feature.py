"""The helpdesk: questions the assistant could not answer become tickets, relayed to the helpdesk
group (HELPDESK_CHAT_ID) where agents answer them, and shown in the web console (127.0.0.1:
HELPDESK_WEB_PORT, with the other features' pages); the "didn't answer my question" button under
answers; the model reload loop; /forget anonymises tickets."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot.answers.reply import Answer
from bot.conversation.handoff import Unanswered
from bot.delegates.service import DelegateView
from bot.feature import BackgroundTask, CallbackHandler, Feature
from bot.helpdesk.accounts import AgentService
from bot.helpdesk.export import domain_intents
from bot.helpdesk.service import HelpdeskService
from bot.helpdesk.web.server import HelpdeskConsole
from bot.runtime import Services

log = logging.getLogger(__name__)


class Helpdesk(Feature):
    name = "helpdesk"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        try:
            intents = domain_intents()
        except OSError:
            log.warning("domain.yml not found: questions cannot be labelled with intents")
            intents = ()
        self.service = HelpdeskService(
            services.database, services.events, services.delegates, services.interpreter, services.clock.now,
            services.settings.helpdesk_chat_id, intents, on_queued=services.doorbell.ring,
        )
        self.agents = AgentService(services.database, services.clock.now)
        self.console = HelpdeskConsole(services, self.service, self.agents, port=services.settings.helpdesk_web_port)

    def register_handlers(self, app: Application) -> None:  # type: ignore[type-arg]
        from bot.helpdesk import relay

        relay.register(app)

    def callbacks(self) -> Mapping[str, CallbackHandler]:
        from bot.helpdesk.feedback import on_not_helpful
        from bot.helpdesk.replies import NOT_HELPFUL_KIND

        return {NOT_HELPFUL_KIND: on_not_helpful}

    async def decorate_answer(self, delegate: DelegateView, answer: Answer) -> Answer:
        from bot.helpdesk.feedback import with_not_helpful_button

        return await with_not_helpful_button(self.services, delegate, answer)

    async def record_unanswered(self, db: AsyncSession, question: Unanswered) -> int | None:
        return await self.service.record_unanswered(db, question)

    async def unanswered_recorded(self, ticket_id: int) -> None:
        await self.service.unanswered_recorded(ticket_id)

    def background(self) -> Sequence[BackgroundTask]:
        from bot.helpdesk.scheduled import model_reload_loop, relay_loop

        return (relay_loop(self.services, self.service), model_reload_loop(self.services), self.serve_console)

    async def serve_console(self, app: Application) -> None:  # type: ignore[type-arg]
        self.console.console.pages = self.services.features.console_pages()  # every feature's pages, once all are built
        await self.console.serve(app)

    async def forget(self, user_id: int) -> None:
        await self.service.forget(user_id)
