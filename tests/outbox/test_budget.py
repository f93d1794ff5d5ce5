"""One sending budget for the whole bot: Telegram's limit is per bot, so replicas share it.

Two dispatchers on separate engines (as two replicas have) draw from one budget in PostgreSQL: no
one-second window of what the emulator received ever holds more than the limit, and once one of
them stops the other alone sends at the whole budget's pace, not at half of it. The budget fails
closed: while it cannot be checked nothing is sent, and nothing is lost. With SQLite (one running
assistant) the budget stays in process.

Rates are read from the emulator's record of when each call arrived, counted in windows; nothing
here times the test itself.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from bot.db import Database
from bot.outbox.budget import (
    LocalBudget,
    PostgresStateStore,
    SharedBudget,
    budget_kind,
    make_budget,
    redis_store,
    shared_rate,
)
from bot.outbox.dispatcher import DispatcherConfig
from bot.outbox.models import SENT
from bot.telegram.emulator.limits import busiest_window
from tests.outbox.conftest import Post

LIMIT = 10.0  # the bot's limit in these tests (Telegram's is 30)
# Paced at 6/s with a burst of 2: the room up to 10 absorbs the time between the budget's grant and
# the emulator's record of the call (the event loop of a loaded test machine stalls for a while).
CONFIG = DispatcherConfig(rate=LIMIT, headroom=0.6, retry_base=0.05)
PACED = 6


def send_times(post: Post, after: float = 0.0) -> list[float]:
    return [c.at for c in post.emu.calls if c.method == "sendMessage" and c.status == 200 and c.at >= after]


@pytest.fixture
async def second_engine(database: Database) -> AsyncIterator[Database]:
    """The same database through its own engine and pool, as a second replica reaches it."""
    if database.is_sqlite:
        pytest.skip("replicas share PostgreSQL; SQLite serves one running assistant")
    other = Database(database.url)
    yield other
    await other.dispose()


@asynccontextmanager
async def refusing_budget_writes(database: Database) -> AsyncIterator[None]:
    """A real fault: the budget's table refuses writes (as a revoked grant or a full disk would)."""
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE FUNCTION refuse_budget() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql"))
        await conn.execute(text("CREATE TRIGGER refuse_budget BEFORE INSERT OR UPDATE ON send_budget FOR EACH ROW EXECUTE FUNCTION refuse_budget()"))
    try:
        yield
    finally:
        async with database.engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER refuse_budget ON send_budget"))
            await conn.execute(text("DROP FUNCTION refuse_budget()"))


def shared(database: Database) -> SharedBudget:
    return SharedBudget(PostgresStateStore(database), CONFIG.rate, CONFIG.headroom)


@pytest.mark.serial  # counts messages per second: another worker's CPU load would delay them
async def test_two_replicas_together_stay_within_the_limit_and_one_alone_reaches_the_whole_budget(
    post: Post, second_engine: Database,
) -> None:
    chats = post.chats(30)
    for chat in chats:
        await post.queue(chat)

    first = post.start(CONFIG, worker_id="replica-a", budget=shared(post.database))
    second = post.start(CONFIG, worker_id="replica-b", database=second_engine, budget=shared(second_engine))
    await post.until(lambda: len(post.delivered()) >= 12, what="12 messages sent by the two replicas together")
    assert first.stats.sent > 0 and second.stats.sent > 0, "both replicas took part"
    await post.stop(second)
    survivor_from = max(send_times(post))
    statuses = await post.settled(len(chats))

    assert statuses == {SENT: len(chats)} and post.delivered() == {chat: 1 for chat in chats}
    assert busiest_window(send_times(post)) <= LIMIT, "no second ever held more than the bot's limit"
    alone = send_times(post, after=survivor_from + 0.5)  # the survivor alone, once the budget settled
    assert len(alone) >= 2 * PACED
    assert busiest_window(alone) > PACED / 2 + 1, "one replica alone sends at the whole budget's pace, not half of it"
    assert post.refused() == 0


async def test_while_the_budget_cannot_be_checked_nothing_is_sent_and_nothing_is_lost(post: Post, second_engine: Database) -> None:
    chats = post.chats(6)
    for chat in chats:
        await post.queue(chat)

    async with refusing_budget_writes(post.database):
        dispatcher = post.start(CONFIG, budget=shared(post.database))
        await post.until(lambda: dispatcher.stats.budget_unavailable >= 2, what="the dispatcher to try the budget")
        assert post.delivered() == {}, "fail closed: no call without the budget's say-so"

    statuses = await post.settled(len(chats))
    assert statuses == {SENT: len(chats)} and post.delivered() == {chat: 1 for chat in chats}


def test_the_shared_budget_never_allows_more_than_the_limit_in_a_second() -> None:
    """Telegram's 30/s paced at 97 % with a burst of 2 would allow 31 in a second after a pause:
    the shared pace is capped at limit - 1 (29/s) so that burst and pace together stay at 30."""
    for limit, headroom in ((30.0, 0.97), (10.0, 0.8), (10.0, 1.0), (1.0, 0.97)):
        rate = shared_rate(limit, headroom)
        per_second = rate.limit * 1000 / rate.interval
        assert rate.burst - 1 + per_second <= limit
    assert shared_rate(30.0, 0.97).limit / 1000 == 29.0


async def test_sqlite_keeps_the_budget_in_process_and_postgresql_shares_it(database: Database) -> None:
    kind = budget_kind(None, database)
    budget = make_budget(kind, database, 30.0, 0.97, 10.0)
    if database.is_sqlite:
        assert kind == "local" and isinstance(budget, LocalBudget)
    else:
        assert kind == "database" and isinstance(budget, SharedBudget)
    assert budget_kind("local", database) == "local"


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def test_replicas_can_share_the_budget_through_redis_instead() -> None:
    """Two replicas' budgets on one Redis key (pyrate-limiter's own store) grant, together, no more
    than the limit in any second; the grants are counted by when they were made."""
    key = f"delegate-assistant:test-send-budget:{os.getpid()}"
    budgets = [SharedBudget(redis_store(REDIS_URL, key), CONFIG.rate, CONFIG.headroom) for _ in range(2)]
    try:
        await budgets[0].bucket.store.redis.ping()  # type: ignore[attr-defined]
    except Exception:
        for budget in budgets:
            await budget.close()
        pytest.skip(f"no Redis at {REDIS_URL} (TEST_REDIS_URL)")
    granted: list[list[float]] = [[], []]

    async def replica(i: int, stop_after: int) -> None:
        while len(granted[i]) < stop_after:
            wait = await budgets[i].take()
            if wait == 0:
                granted[i].append(time.monotonic())
            else:
                await asyncio.sleep(wait)

    try:
        await asyncio.gather(replica(0, 8), replica(1, 8))
        together = sorted(granted[0] + granted[1])
        await replica(0, 8 + 12)  # the other replica is gone
        alone = granted[0][8:]
    finally:
        await budgets[0].bucket.store.redis.delete(key)  # type: ignore[attr-defined]
        for budget in budgets:
            await budget.close()

    assert busiest_window(together + alone) <= LIMIT
    assert busiest_window(alone) >= PACED - 1, "one alone is granted the whole budget, not half of it"
