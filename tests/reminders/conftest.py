"""Reminder fixtures: the sample event in the real database (SQLite, and PostgreSQL with
TEST_DATABASE_URL), delegates, and the real ReminderService on a ManualClock that tests move."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.service import EventService
from bot.outbox import payload
from bot.outbox.models import OutboxMessage
from bot.reminders.models import Reminder
from bot.reminders.service import ReminderService
from bot.settings import PROJECT_ROOT

EVENT_TEXT = (PROJECT_ROOT / "data" / "event.yml").read_text(encoding="utf-8")
JAKARTA = ZoneInfo("Asia/Jakarta")
CRISIS = "session-2-crisis"  # Session 2, day 1, 13:30-15:30 WIB, Grand Ballroom
LANGUAGES = ("en", "id", "ms", "vi", "th", "zh_Hans", "ja", "ko")


def at(hhmm: str, day: int = 10) -> datetime:
    """An instant of the conference, written as the delegates read it (Jakarta time)."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(2019, 9, day, hour, minute, tzinfo=JAKARTA)


def moved(text: str, session_id: str, start: str, end: str) -> str:
    """The event file with one session at another time ("2019-09-10 14:30")."""
    block = re.search(rf"  - id: {re.escape(session_id)}\n(?:(?!  - id: ).*\n)*", text)
    assert block is not None
    old = block.group(0)
    new = re.sub(r"start: .*", f"start: {start}", old, count=1)
    new = re.sub(r"end: .*", f"end: {end}", new, count=1)
    return text.replace(old, new)


def without(text: str, session_id: str) -> str:
    """The event file without one session (re-importing it marks the session cancelled)."""
    block = re.search(rf"  - id: {re.escape(session_id)}\n(?:(?!  - id: ).*\n)*", text)
    assert block is not None
    return text.replace(block.group(0), "")


def texts(row: OutboxMessage) -> list[str]:
    return [reply.text for reply in payload.load(row.payload)]


@dataclass
class World:
    database: Database
    clock: ManualClock
    events: EventService
    delegates: DelegateService
    reminders: ReminderService

    async def delegate(self, user_id: int, language: str = "en", *, lead: int | None = None, active: bool = True) -> int:
        """Someone who has talked to the bot (private chat: chat id = user id); returns the id."""
        await self.delegates.seen(user_id, user_id, self.clock.now(), first_name=f"D{user_id}", language_code=language)
        async with self.database.session() as db:
            await db.execute(update(Delegate).where(Delegate.user_id == user_id).values(reminder_lead_minutes=lead, active=active))
        return user_id

    async def reimport(self, text: str) -> None:
        await import_event(self.database, parse_event(text), self.clock.now())

    async def tick_at(self, instant: datetime) -> None:
        self.clock.set(instant)
        await self.reminders.tick()

    async def outbox(self, chat_id: int | None = None) -> list[OutboxMessage]:
        async with self.database.session() as db:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if chat_id is not None:
                query = query.where(OutboxMessage.chat_id == chat_id)
            return list((await db.execute(query)).scalars())

    async def reminder_rows(self) -> list[Reminder]:
        async with self.database.session() as db:
            return list((await db.execute(select(Reminder).order_by(Reminder.id))).scalars())

    def another_service(self) -> ReminderService:
        """The same service in a second replica (its own EventService, same database)."""
        return ReminderService(self.database, EventService(self.database), self.clock.now, 15)


@pytest.fixture
async def world(database: Database, clock: ManualClock) -> World:
    await import_event(database, parse_event(EVENT_TEXT), clock.now())
    events = EventService(database)
    return World(database, clock, events, DelegateService(database, LANGUAGES, "en"), ReminderService(database, events, clock.now, 15))
