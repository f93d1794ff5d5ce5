"""Questions fixtures: the sample event in the real database (SQLite, and PostgreSQL with
TEST_DATABASE_URL), delegates and moderators, and the real QuestionService on it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.service import DelegateService, RoleService
from bot.event.service import EventService
from bot.i18n import UI_LANGUAGES
from bot.outbox.models import OutboxMessage
from bot.questions.service import QuestionService

ORGANISER = 900  # ORGANISER_IDS: a moderator by right
SESSION_1 = "session-1-general-debate"  # 09:30-12:00 on day 1; the clock starts at 10:15


@dataclass
class World:
    database: Database
    clock: ManualClock
    delegates: DelegateService
    roles: RoleService
    questions: QuestionService

    async def delegate(self, user_id: int, language: str = "en", name: str | None = None) -> None:
        """Someone who has talked to the bot (a private chat: chat id = user id)."""
        await self.delegates.seen(user_id, user_id, self.clock.now(), first_name=name or f"D{user_id}", language_code=language)

    async def moderator(self, user_id: int, language: str = "en", role: str = "moderator") -> None:
        await self.delegate(user_id, language)
        await self.roles.grant(user_id, role, self.clock.now())

    async def outbox(self, prefix: str = "question:") -> list[OutboxMessage]:
        async with self.database.session() as db:
            query = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(prefix)).order_by(OutboxMessage.id)
            return list((await db.execute(query)).scalars())

    def service(self) -> QuestionService:
        """Another instance on the same database, as a second replica would have."""
        return QuestionService(self.database, EventService(self.database), self.clock.now, organiser_ids={ORGANISER})

    async def ask(self, user_id: int, text: str, *, show_name: bool = False, session_id: str = SESSION_1) -> int:
        """A question the whole way to the moderation queue; its id."""
        draft = await self.questions.start_draft(user_id, user_id, session_id)
        await self.questions.set_text(draft.id, user_id, text)
        delegate = await self.delegates.get(user_id)
        queued = await self.questions.submit(draft.id, user_id, show_name, delegate.first_name if delegate else None)
        assert queued is not None
        return queued.id


@pytest.fixture
async def world(loaded_database: Database, clock: ManualClock) -> World:
    languages = list(UI_LANGUAGES)
    return World(
        loaded_database, clock, DelegateService(loaded_database, languages, "en"), RoleService(loaded_database, {ORGANISER}),
        QuestionService(loaded_database, EventService(loaded_database), clock.now, organiser_ids={ORGANISER}),
    )
