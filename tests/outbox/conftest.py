"""Outbox fixtures: the real database (SQLite, and PostgreSQL with TEST_DATABASE_URL), the Bot API
emulator at Telegram's real limits, a real python-telegram-bot Bot pointed at it, and `Post`, which
queues rows exactly as features do (`bot.outbox.service.enqueue`) and runs dispatchers."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.answers.reply import Reply
from bot.clock import ManualClock
from bot.db import Database
from bot.outbox import service as outbox
from bot.outbox.budget import SendBudget
from bot.outbox.dispatcher import Dispatcher, DispatcherConfig, OnBlocked
from bot.outbox.models import OutboxMessage
from bot.outbox.service import PRIORITY_BROADCAST, Outgoing
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator

FIRST_CHAT = 50_000


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(limits=Limits()) as emu:
        yield emu


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=32, read_timeout=2.0, connect_timeout=2.0)
    async with Bot("123456:OUTBOX", base_url=emulator.base_url, base_file_url=emulator.base_file_url, request=request) as b:
        yield b


@dataclass
class Post:
    """The outbox under test: queue rows, run dispatchers, read what Telegram (the emulator) got."""

    database: Database
    emu: BotApiEmulator
    bot: Bot
    clock: ManualClock
    _running: list[tuple[Dispatcher, asyncio.Task[None]]] = field(default_factory=list)
    _keys: int = 0

    def chats(self, count: int, first: int = FIRST_CHAT) -> list[int]:
        for chat in range(first, first + count):
            self.emu.user(chat, f"D{chat}", language_code="en")
        return list(range(first, first + count))

    async def queue(self, chat_id: int, *replies: Reply, text: str | None = None, expires_at: datetime | None = None,
                    not_before: datetime | None = None, priority: int = PRIORITY_BROADCAST, kind: str = "test") -> None:
        self._keys += 1
        message = Outgoing(
            chat_id, replies or (Reply(text or f"message {self._keys} for {chat_id}"),), kind, f"test:{self._keys}",
            not_before or self.clock.now(), priority=priority, expires_at=expires_at,
        )
        async with self.database.session() as db:
            await outbox.enqueue(db, [message], self.clock.now())

    def start(self, config: DispatcherConfig | None = None, *, on_blocked: OnBlocked | None = None, worker_id: str | None = None,
              database: Database | None = None, budget: SendBudget | None = None) -> Dispatcher:
        """A dispatcher on this database (or `database`, e.g. a second engine as another replica has),
        with the local budget unless `budget` is given."""
        dispatcher = Dispatcher(database or self.database, self.bot, self.clock, config or DispatcherConfig(retry_base=0.05),
                                on_blocked=on_blocked, worker_id=worker_id, budget=budget)
        self._running.append((dispatcher, asyncio.create_task(dispatcher.run())))
        return dispatcher

    async def stop(self, dispatcher: Dispatcher | None = None) -> None:
        """A clean stop, as RunningBot.stop() does it: cancel the loop and let it drain."""
        for entry in list(self._running):
            if dispatcher is None or entry[0] is dispatcher:
                entry[1].cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await entry[1]
                self._running.remove(entry)

    async def rows(self) -> list[OutboxMessage]:
        async with self.database.session() as db:
            return list((await db.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())

    async def statuses(self) -> Counter[str]:
        return Counter(row.status for row in await self.rows())

    async def until(self, condition: Callable[[], object], timeout: float = 30.0, what: str = "the condition") -> None:
        """Waits (real time) until `condition()` holds; a failing test says what never happened."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return
            if loop.time() > deadline:
                raise AssertionError(f"not within {timeout:g} s: {what}")
            await asyncio.sleep(0.05)

    async def settled(self, count: int, timeout: float = 60.0) -> Counter[str]:
        """Waits until `count` rows reached a final status (sent, failed, expired, cancelled)."""
        async def done() -> bool:
            statuses = await self.statuses()
            return sum(statuses[s] for s in ("sent", "failed", "expired", "cancelled")) >= count
        await self.until(done, timeout, f"{count} rows settled")
        return await self.statuses()

    def delivered(self, method: str = "sendMessage") -> Counter[int]:
        return Counter(c.chat_id for c in self.emu.calls if c.method == method and c.status == 200)  # type: ignore[misc]

    def refused(self) -> int:
        return sum(1 for c in self.emu.calls if c.status == 429 and c.fault is None)

    def later(self, **kwargs: float) -> datetime:
        return self.clock.now() + timedelta(**kwargs)


@pytest.fixture
async def post(database: Database, emulator: BotApiEmulator, bot: Bot, clock: ManualClock) -> AsyncIterator[Post]:
    p = Post(database, emulator, bot, clock)
    yield p
    await p.stop()
