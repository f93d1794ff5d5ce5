"""Feedback fixtures: the sample event in the real database (SQLite, and PostgreSQL with
TEST_DATABASE_URL), delegates, reminders, and the real FeedbackService on a ManualClock tests move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.service import DelegateService
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.service import EventService
from bot.feedback.models import FeedbackVote
from bot.feedback.service import FeedbackService
from bot.outbox.models import OutboxMessage
from bot.reminders.service import ReminderService
from tests.helpdesk.conftest import desk  # noqa: F401  (the console tests' fixture)
from tests.reminders.conftest import EVENT_TEXT, LANGUAGES, at
from tests.reminders.conftest import World as ReminderWorld

CRISIS = "session-2-crisis"  # Session 2, day 1, 13:30-15:30 WIB
CRISIS_ENDED = at("15:30")
PROMPT_DUE = at("15:35")  # FEEDBACK_DELAY_MINUTES = 5
DELAY_MINUTES = 5


@dataclass
class World(ReminderWorld):
    """The reminders' world (database, clock, delegates, reminders) plus the feedback service."""

    feedback: FeedbackService

    async def subscriber(self, user_id: int, language: str = "en", session_id: str = CRISIS) -> int:
        await self.delegate(user_id, language)
        await self.reminders.subscribe(user_id, [session_id])
        return user_id

    async def tick_at(self, instant: datetime) -> int:  # type: ignore[override]
        self.clock.set(instant)
        return (await self.feedback.tick()).queued

    async def prompts(self, chat_id: int | None = None) -> list[OutboxMessage]:
        async with self.database.session() as db:
            query = select(OutboxMessage).where(OutboxMessage.kind == "feedback").order_by(OutboxMessage.id)
            if chat_id is not None:
                query = query.where(OutboxMessage.chat_id == chat_id)
            return list((await db.execute(query)).scalars())

    async def votes(self) -> list[FeedbackVote]:
        async with self.database.session() as db:
            return list((await db.execute(select(FeedbackVote).order_by(FeedbackVote.id))).scalars())

    def another_replica(self) -> FeedbackService:
        return FeedbackService(self.database, EventService(self.database), self.clock.now, DELAY_MINUTES)


@pytest.fixture
async def world(database: Database, clock: ManualClock) -> World:
    await import_event(database, parse_event(EVENT_TEXT), clock.now())
    events = EventService(database)
    return World(
        database, clock, events, DelegateService(database, LANGUAGES, "en"),
        ReminderService(database, events, clock.now, 15), FeedbackService(database, events, clock.now, DELAY_MINUTES),
    )
