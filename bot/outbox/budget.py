"""The sending budget: Telegram's ~30 messages/s is per bot, so every replica draws from one budget.

Before each Telegram call the dispatcher asks `take()`: 0 means one message may go now (and has been
counted), anything else is how long to wait before asking again. Three kinds, chosen by
SEND_BUDGET_URL (bot/settings.py):

- `LocalBudget`: an in-process token bucket, as before. For one running assistant (SQLite).
- `SharedBudget` on PostgreSQL (the default with a PostgreSQL DATABASE_URL): pyrate-limiter's GCRA
  (a token bucket kept as one "theoretical arrival time"), its state in the `send_budget` row. The
  library decides (`GCRA.step`); the store below only makes the read-modify-write atomic across
  replicas, as pyrate-limiter's StateStore contract asks: a row lock, and the database's clock read
  under it, so replicas on machines whose clocks differ still agree. (pyrate-limiter's own
  PostgresBucket is synchronous psycopg 3, a second driver beside asyncpg that would block the
  event loop; this store uses the bot's async engine.)
- `SharedBudget` on Redis (`redis://...`): the same GCRA through pyrate-limiter's RedisStateStore
  (its Lua script), on the replicas' wall clocks (keep them in NTP sync).

The shared budget paces `rate * headroom` with a burst of 2 (one late call is caught up), and never
more than `rate - 1`, so that no one-second window ever holds more than `rate` calls, whatever the
number of replicas. It fails closed: when it cannot be checked (the database or Redis is away)
`take()` raises and the dispatcher sends nothing until it can; the rows stay in the outbox.

A 429 for the whole bot (`pause`) stays local, as before: the replica that was refused waits.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from pyrate_limiter import GCRA, Decision, Rate, RateItem, StateAlgorithm, StateBucket, StateStore, WallClock
from pyrate_limiter.buckets.redis_state import RedisStateStore
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from bot.db import Database
from bot.outbox.models import SendBudgetState
from bot.outbox.pacing import Monotonic, TokenBucket

BUDGET_NAME = "telegram"  # one budget per bot (one bot per database)
REDIS_KEY = "delegate-assistant:send-budget"
SHARED_BURST = 2


class SendBudget(Protocol):
    async def take(self) -> float:
        """0.0: one call may start now (it has been counted); else seconds to wait before asking again.
        Raises when the budget cannot be checked: then nothing may be sent."""

    def pause(self, seconds: float) -> None:
        """Telegram refused the whole bot (429): nothing from this process for `seconds`."""

    async def close(self) -> None: ...


class LocalBudget:
    """This process alone: the token bucket the dispatcher always had."""

    def __init__(self, rate: float, burst: float, clock: Monotonic = time.monotonic) -> None:
        self.bucket = TokenBucket(rate, burst, clock)

    async def take(self) -> float:
        wait = self.bucket.wait_time()
        if wait <= 0:
            self.bucket.take()
        return wait

    def pause(self, seconds: float) -> None:
        self.bucket.pause(seconds)

    async def close(self) -> None:
        return None


def shared_rate(rate: float, headroom: float) -> Rate:
    """The GCRA rate for a bot limit of `rate` messages/s: `rate * headroom`, and at most `rate - 1`
    so that the burst of 2 cannot make any one-second window exceed `rate`."""
    burst = SHARED_BURST if rate >= SHARED_BURST else 1
    paced = min(rate * headroom, rate - (burst - 1))
    # Rate takes whole numbers: count per 1000 s, so that 29.1/s stays 29.1/s.
    return Rate(max(1, round(paced * 1000)), 1_000_000, burst=burst)


class SharedBudget:
    """pyrate-limiter's GCRA on a store every replica shares; `pause` is local (see the module)."""

    def __init__(self, store: StateStore, rate: float, headroom: float, clock: Monotonic = time.monotonic) -> None:
        self.rate = shared_rate(rate, headroom)
        self.bucket = StateBucket([self.rate], GCRA(), store, WallClock())
        self._clock = clock
        self._paused_until = 0.0

    async def take(self) -> float:
        paused = self._paused_until - self._clock()
        if paused > 0:
            return paused
        result: Any = self.bucket.put_decision(RateItem("send", self.bucket.now()))
        decision: Decision = await result
        if decision.allowed:
            return 0.0
        # Asked again a moment after the slot opens (at least 1 ms, never a busy loop).
        return max(1, decision.retry_after_ms or 0) / 1000

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def close(self) -> None:
        redis = getattr(self.bucket.store, "redis", None)
        if redis is not None:
            await redis.close()


class PostgresStateStore(StateStore):
    """pyrate-limiter's StateStore on the bot's PostgreSQL: the state row is read, stepped and written
    in one transaction under its row lock (SELECT ... FOR UPDATE), so no two replicas spend the same
    slot. `now` is the database's clock read under that lock, not the caller's."""

    is_async = True

    def __init__(self, database: Database, name: str = BUDGET_NAME) -> None:
        if database.is_sqlite:
            raise ValueError("the shared sending budget needs PostgreSQL (SQLite serves one replica)")
        self.database = database
        self.name = name

    async def check(self, algorithm: StateAlgorithm, rates: list[Rate], now: int, weight: int) -> Decision:  # type: ignore[override]
        table = SendBudgetState.__table__
        database_now = func.floor(func.extract("epoch", func.clock_timestamp()) * 1000)
        locked = select(table.c.state, database_now).where(table.c.name == self.name).with_for_update()
        async with self.database.session() as db:
            row = (await db.execute(locked)).first()
            if row is None:  # the first check ever: create the row, then lock it like any other
                await db.execute(insert(table).values(name=self.name, state="").on_conflict_do_nothing())
                row = (await db.execute(locked)).one()
            stored, db_now = row
            state = algorithm.decode(stored.split(",")) if stored else algorithm.initial(rates)
            new_state, decision = algorithm.step(rates, state, int(db_now), weight)
            if decision.allowed:
                encoded = ",".join(str(int(v)) if float(v).is_integer() else repr(v) for v in new_state)
                await db.execute(update(table).where(table.c.name == self.name).values(state=encoded))
        return decision

    async def read(self, algorithm: StateAlgorithm, rates: list[Rate]) -> tuple[float, ...]:  # type: ignore[override]
        table = SendBudgetState.__table__
        async with self.database.session() as db:
            stored = (await db.execute(select(table.c.state).where(table.c.name == self.name))).scalar()
        return algorithm.decode(stored.split(",")) if stored else algorithm.initial(rates)

    async def reset(self) -> None:  # type: ignore[override]
        table = SendBudgetState.__table__
        async with self.database.session() as db:
            await db.execute(update(table).where(table.c.name == self.name).values(state=""))


def redis_store(url: str, key: str = REDIS_KEY) -> RedisStateStore:
    from redis.asyncio import Redis  # type: ignore[import-untyped]

    return RedisStateStore(Redis.from_url(url), key)


def make_budget(url: str, database: Database, rate: float, headroom: float, burst: float, bot_id: str = "") -> SendBudget:
    """The budget SEND_BUDGET_URL names: "local", "database" (PostgreSQL) or a redis:// URL. In Redis
    the key names the bot (`bot_id`, the token's number): bots sharing one Redis have a budget each."""
    if url == "local":
        return LocalBudget(rate * headroom, burst)
    if url == "database":
        return SharedBudget(PostgresStateStore(database), rate, headroom)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return SharedBudget(redis_store(url, f"{REDIS_KEY}:{bot_id}" if bot_id else REDIS_KEY), rate, headroom)
    raise ValueError(f"SEND_BUDGET_URL: {url!r} is not local, database or a redis:// URL")


def budget_kind(url: str | None, database: Database) -> str:
    """SEND_BUDGET_URL unset: the database's own budget on PostgreSQL, the local one on SQLite."""
    if url:
        return url
    return "local" if database.is_sqlite else "database"

