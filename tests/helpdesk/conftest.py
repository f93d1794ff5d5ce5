"""Helpdesk fixtures: the sample event in the real database (SQLite, and PostgreSQL with
TEST_DATABASE_URL), delegates who asked things, and the real HelpdeskService and AgentService on it.

Tickets are arranged as ConversationService records them (the end-to-end tests create them by
asking the real bot). The interpreter here is a Rasa server that is down: tickets opened with
"This didn't answer my question" must still be opened then, only without the NLU ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.conversation.models import Turn
from bot.db import Database
from bot.delegates.service import DelegateService, DelegateView
from bot.event.service import EventService
from bot.helpdesk.accounts import AgentService
from bot.helpdesk.export import domain_intents
from bot.helpdesk.models import Ticket
from bot.helpdesk.service import HelpdeskService
from bot.outbox.models import OutboxMessage
from nlu.interpreter import RasaHttpInterpreter

HELPDESK_GROUP = -1001
LANGUAGES = ("en", "id")


@dataclass
class Desk:
    database: Database
    clock: ManualClock
    delegates: DelegateService
    helpdesk: HelpdeskService
    agents: AgentService

    async def delegate(self, user_id: int = 1001, name: str = "Ana", language: str = "en") -> DelegateView:
        return await self.delegates.seen(user_id, user_id, self.clock.now(), first_name=name, language_code=language)

    async def turn(self, delegate: DelegateView, text: str, intent: str | None = "ask_wifi", topic: str | None = "ask_wifi") -> int:
        """A question the assistant answered (what ConversationService records for every message)."""
        async with self.database.session() as db:
            turn = Turn(user_id=delegate.user_id, at=self.clock.now(), text=text, intent=intent, confidence=0.9, topic=topic)
            db.add(turn)
            await db.flush()
            return turn.id

    async def ticket(
        self, delegate: DelegateView | None = None, text: str = "what's the weather in Paris?", *,
        intent: str = "out_of_scope", reason: str = "out_of_scope", language: str | None = None, at: datetime | None = None,
        context: list[str] = (),  # type: ignore[assignment]
    ) -> int:
        """An unanswered question, as ConversationService._record stores it (context: earlier turns)."""
        delegate = delegate or await self.delegate()
        now = at or self.clock.now()
        async with self.database.session() as db:
            ticket = Ticket(
                user_id=delegate.user_id, chat_id=delegate.chat_id, delegate_name=delegate.first_name,
                language=language or delegate.language, text=text, reason=reason, intent=intent, confidence=0.31,
                ranking=[[intent, 0.31], ["ask_venue", 0.2]],
                context=[{"at": (now - timedelta(minutes=len(context) - i)).isoformat(), "text": t, "intent": "ask_wifi", "topic": None} for i, t in enumerate(context)],
                status="open", created_at=now,
            )
            db.add(ticket)
            await db.flush()
            return ticket.id

    async def outbox(self, chat_id: int | None = None) -> list[OutboxMessage]:
        async with self.database.session() as db:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if chat_id is not None:
                query = query.where(OutboxMessage.chat_id == chat_id)
            return list((await db.execute(query)).scalars())

    async def mark_sent(self, dedupe_key: str, message_id: int) -> None:
        """What the outbox dispatcher records when Telegram accepted the message."""
        async with self.database.session() as db:
            row = (await db.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))).scalars().one()
            row.status, row.sent_at, row.telegram_message_ids = "sent", self.clock.now(), [message_id]

    def service(self, helpdesk_chat_id: int | None = HELPDESK_GROUP) -> HelpdeskService:
        """Another instance on the same database, as a second replica would have."""
        return HelpdeskService(
            self.database, EventService(self.database), self.delegates, self.helpdesk.interpreter, self.clock.now,
            helpdesk_chat_id, domain_intents(),
        )


@pytest.fixture
async def desk(loaded_database: Database, clock: ManualClock) -> Desk:
    delegates = DelegateService(loaded_database, LANGUAGES, "en")
    interpreter = RasaHttpInterpreter("http://127.0.0.1:9", timeout=0.5, retries=0)
    helpdesk = HelpdeskService(
        loaded_database, EventService(loaded_database), delegates, interpreter, clock.now, HELPDESK_GROUP, domain_intents(),
    )
    yield Desk(loaded_database, clock, delegates, helpdesk, AgentService(loaded_database, clock.now))
    await interpreter.close()
