"""PostgreSQL restarts while delegates chat and a broadcast goes out: every question is still
answered (handled again once the database is back, in order), the broadcast reaches everyone, no
delegate gets an apology, and no error with a traceback is logged."""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import shutil
import subprocess
from collections import Counter
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.answers.reply import Reply
from bot.outbox.service import PRIORITY_BROADCAST, Outgoing, enqueue
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import emulator, pg_harness  # noqa: F401

# Serial: it restarts the PostgreSQL server that every other test (and test worker) uses.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres, pytest.mark.serial]
DELEGATES, QUESTIONS = 30, 3
SORRY = "Sorry, something went wrong"


async def restart_postgres(url: str) -> str:
    """A real restart (pg_ctlcluster, as root on the test machine) when possible; otherwise what the
    clients of a restart see: every connection cut and new ones refused for a few seconds."""
    target = make_url(url)
    clusters = glob.glob("/etc/postgresql/*/main")
    if os.geteuid() == 0 and shutil.which("pg_ctlcluster") and target.host in ("127.0.0.1", "localhost") and len(clusters) == 1:
        version = clusters[0].split("/")[3]
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"]
        await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True, timeout=60)
        return "restarted"
    admin = await asyncpg.connect(host=target.host, port=target.port or 5432, user=target.username, database="postgres")
    try:
        await admin.execute(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", target.database)
        await asyncio.sleep(3)
        await admin.execute(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()
    return "connections cut for 3 s"


async def test_a_database_restart_under_load_loses_nothing(pg_harness, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.INFO)
    h = pg_harness
    delegates = [h.user(9100 + i, f"D{i}", language_code="en") for i in range(DELEGATES)]
    for d in delegates:  # known to the bot (a broadcast goes to delegates it has seen)
        await d.send("hello")
    await _until(lambda: all(d.replies for d in delegates), 60, "the greetings")
    now = h.clock.now()
    async with h.services.database.session() as db:
        await enqueue(db, [Outgoing(d.id, (Reply("Lunch moves to the Orchid Room."),), "broadcast", f"restart-test:{d.id}", now,
                                    priority=PRIORITY_BROADCAST, expires_at=now + timedelta(hours=1)) for d in delegates], now)

    async def chat(d, i: int) -> None:
        for _ in range(QUESTIONS):
            await d.send("what's the wifi password?")
            await asyncio.sleep(1.0 + (i % 5) * 0.3)

    talking = asyncio.gather(*(chat(d, i) for i, d in enumerate(delegates)))
    await asyncio.sleep(1.5)
    how = await restart_postgres(POSTGRES_URL or "")
    await talking

    def answers(d) -> int:
        return sum("RCDD2019" in (m.text or "") for m in h.emu.sent_messages(d.id))

    await _until(lambda: all(answers(d) >= QUESTIONS for d in delegates), 180, "every question's answer")
    await _until(lambda: all(any("Orchid Room" in (m.text or "") for m in h.emu.sent_messages(d.id)) for d in delegates), 120, "the broadcast")
    await asyncio.sleep(2.0)

    counts = Counter(answers(d) for d in delegates)
    texts = [m.text or "" for d in delegates for m in h.emu.sent_messages(d.id)]
    retried = h.services.metrics.updates_retried
    print(f"\nPostgreSQL {how}; answers per delegate {dict(counts)}; updates handled again: {retried}")
    assert not any(SORRY in t for t in texts), "a delegate was told something went wrong"
    assert max(counts) <= QUESTIONS + 1, f"answers per delegate: {dict(counts)}"
    broadcasts = Counter(sum("Orchid Room" in (m.text or "") for m in h.emu.sent_messages(d.id)) for d in delegates)
    assert set(broadcasts) <= {1, 2} and broadcasts[2] <= 8, f"broadcast copies per delegate: {dict(broadcasts)}"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and not r.name.startswith("bot.telegram.emulator")]
    assert errors == [], [f"{r.name}: {r.getMessage()}" for r in errors]
    assert await h.services.database.available()


async def _until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)
