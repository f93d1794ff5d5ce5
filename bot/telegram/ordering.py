"""Update processing: chats are served concurrently, one chat's updates strictly in arrival order.

PTB's plain `concurrent_updates(n)` runs any n updates at once, so two quick messages from one
delegate could be answered out of order, or race each other creating the delegate's row. Here each
chat has a lock that its updates take in the order the Application hands them over (asyncio locks
are fair: FIFO), while updates of other chats proceed in parallel. It also notes when each update
arrived, so that limits per delegate (bot.telegram.flood) count arrivals, not the slower replies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """At most `max_concurrent_updates` at once overall; within a chat, one at a time, in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._arrived: dict[int, float] = {}
        # Set by the application builder: runs PTB's processing of an update through the update gate
        # (claimed once across replicas, handled again after an outage), in the chat's turn.
        self.run_update: Callable[[object, Coroutine[Any, Any, Any]], Awaitable[None]] | None = None

    def arrival(self, update: object) -> float:
        """time.monotonic() when the update was handed over (now, for one not being processed)."""
        if isinstance(update, Update):
            return self._arrived.get(update.update_id, time.monotonic())
        return time.monotonic()

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        chat = update.effective_chat
        if chat is not None:
            return chat.id
        user = update.effective_user
        return user.id if user is not None else None

    async def do_process_update(self, update: object, coroutine: Coroutine[Any, Any, Any]) -> None:  # type: ignore[override]
        key = self._key(update)
        if isinstance(update, Update):
            self._arrived[update.update_id] = time.monotonic()
        try:
            await self._process(key, update, coroutine)
        finally:
            if isinstance(update, Update):
                self._arrived.pop(update.update_id, None)

    async def _handle(self, update: object, coroutine: Coroutine[Any, Any, Any]) -> None:
        if self.run_update is None:
            await coroutine
        else:
            await self.run_update(update, coroutine)

    async def _process(self, key: int | None, update: object, coroutine: Coroutine[Any, Any, Any]) -> None:
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await self._handle(update, coroutine)
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody else waits on this chat: forget its lock
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up: locks are created per chat on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: locks go with the updates that hold them."""
