"""Broadcast fixtures: an event with three languages and three delegations, delegates in the real
database, and the real BroadcastService on it (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from bot.broadcasts.service import BroadcastService
from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.service import EventService
from bot.outbox.models import OutboxMessage
from tests.event.minimal import MINIMAL_EVENT

LANGUAGES = ("en", "id", "th")
BROADCAST_EVENT = (
    MINIMAL_EVENT.replace("languages: [en, id]", "languages: [en, id, th]")
    + """\
delegations:
  - id: ID
    name: {en: Indonesia, id: Indonesia}
    group: ASEAN
  - id: JP
    name: {en: Japan, id: Jepang}
  - id: TH
    name: {en: Thailand, id: Thailand}
"""
)


@dataclass
class World:
    """The database with the event, the delegates service and the broadcast service under test."""

    database: Database
    clock: ManualClock
    delegates: DelegateService
    broadcasts: BroadcastService

    async def delegate(self, user_id: int, language: str = "en", delegation: str | None = None, active: bool = True) -> None:
        """Someone who has talked to the bot (a private chat: chat id = user id)."""
        await self.delegates.seen(user_id, user_id, self.clock.now(), first_name=f"D{user_id}", language_code=language)
        async with self.database.session() as db:
            await db.execute(update(Delegate).where(Delegate.user_id == user_id).values(delegation_id=delegation, active=active))

    async def outbox(self, source_id: int | None = None) -> list[OutboxMessage]:
        async with self.database.session() as db:
            query = select(OutboxMessage).order_by(OutboxMessage.chat_id)
            if source_id is not None:
                query = query.where(OutboxMessage.source_id == str(source_id))
            return list((await db.execute(query)).scalars())

    def service(self) -> BroadcastService:
        """Another instance on the same database, as a second replica would have."""
        return BroadcastService(self.database, EventService(self.database), LANGUAGES, self.clock.now)


@pytest.fixture
async def world(database: Database, clock: ManualClock) -> World:
    await import_event(database, parse_event(BROADCAST_EVENT), clock.now())
    return World(
        database, clock, DelegateService(database, LANGUAGES, "en"),
        BroadcastService(database, EventService(database), LANGUAGES, clock.now),
    )
