"""Shared fixtures: real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
the sample event, a manual clock. Tests never reach the network: only loopback."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.db import Database
from bot.event.importer import import_event
from bot.event.loader import load_event_file
from bot.event.schema import EventData
from bot.settings import PROJECT_ROOT
from tests.databases import migrated_sqlite, reset_postgres, worker_postgres_url

SAMPLE_EVENT = PROJECT_ROOT / "data" / "event.yml"
# 10:15 in Jakarta on day 1: session 1 (general debate) is running.
DAY1_MORNING = datetime.fromisoformat("2019-09-10T10:15:00+07:00")
# Under pytest-xdist, this worker's own database beside TEST_DATABASE_URL's (tests/databases.py).
POSTGRES_URL = worker_postgres_url(os.environ.get("TEST_DATABASE_URL"))
# Helpers shared by several test modules fail with pytest's detailed assertion messages too.
pytest.register_assert_rewrite("tests.processes")


def pytest_report_header(config: pytest.Config) -> str:
    return f"databases: sqlite{' + ' + POSTGRES_URL if POSTGRES_URL else ' (TEST_DATABASE_URL unset: PostgreSQL tests skipped)'}"


async def _reset_postgres(url: str) -> None:
    """The PostgreSQL database at the newest revision with no rows (cheap: tables emptied, not rebuilt)."""
    await reset_postgres(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assistant.db'}"
    if not POSTGRES_URL:
        warnings.warn("TEST_DATABASE_URL is not set: PostgreSQL variant skipped", stacklevel=1)
        pytest.skip("TEST_DATABASE_URL is not set")
    return POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'assistant.db'}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """Migrated and empty: a copy of the session's migrated SQLite file, or PostgreSQL emptied."""
    if database_url.startswith("postgres"):
        await _reset_postgres(database_url)
    else:
        migrated_sqlite(Path(str(make_url(database_url).database)))
    db = Database(database_url)
    await db.migrate()
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def sample_event() -> EventData:
    return load_event_file(SAMPLE_EVENT)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DAY1_MORNING)


@pytest.fixture
async def loaded_database(database: Database, sample_event: EventData, clock: ManualClock) -> Database:
    await import_event(database, sample_event, clock.now())
    return database


def pytest_unconfigure(config: pytest.Config) -> None:
    """A SQLite connection that a test left open (a bot stopped while a handler still held one) keeps
    its aiosqlite thread, which is not a daemon, and the test process (an xdist worker too) would never
    exit: each such thread is told to stop once the tests are over."""
    import threading

    from aiosqlite import core

    for thread in threading.enumerate():
        if getattr(thread, "_target", None) is core._connection_worker_thread:
            thread._args[0].put_nowait((None, lambda: core._STOP_RUNNING_SENTINEL))  # type: ignore[attr-defined]
