"""The event database for CLI commands that run beside (or without) the bot: migrated, with its event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.db import Database
from bot.event.service import EventService, EventSnapshot
from bot.settings import Settings


class NoEvent(Exception):
    """The database holds no event yet; the command cannot do anything useful."""

    def __str__(self) -> str:
        return "no event in the database yet: run `python -m bot import-event` (or start the bot) first"


@dataclass(frozen=True)
class EventDatabase:
    database: Database
    events: EventService
    snapshot: EventSnapshot


@asynccontextmanager
async def event_database(settings: Settings) -> AsyncIterator[EventDatabase]:
    """Opens DATABASE_URL, brings its schema up to date and loads the event; raises NoEvent without one."""
    database = Database(settings.database_url)
    try:
        await database.migrate()
        events = EventService(database)
        try:
            snapshot = await events.snapshot()
        except LookupError:
            raise NoEvent() from None
        yield EventDatabase(database, events, snapshot)
    finally:
        await database.dispose()
