"""Fresh databases for tests, cheaply: the migrations run once per test session, not once per test.

Migrating an empty database costs 0.2-1 s (17 Alembic revisions); the suite needs a fresh one for
hundreds of tests. So:
- SQLite: one file is migrated per session and copied for each test (a file copy, ~0.05 s).
- PostgreSQL: a test gets the schema at head with every table emptied and every sequence restarted
  (one round trip, ~0.01 s). When a test changed the schema itself (a downgrade, a dropped table),
  the next reset sees it and rebuilds the schema from the migrations.
- Under pytest-xdist each worker has its own PostgreSQL database, `<name>_<worker>` (e.g. `ts_gw0`),
  created on the server of TEST_DATABASE_URL, so workers never see each other's rows.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.db import Database

_sqlite_template: Path | None = None
# Per PostgreSQL URL: the schema as this process last left it at head (tables, columns, revisions).
_clean_state: dict[str, tuple[object, ...]] = {}
_created: set[str] = set()


def worker_postgres_url(base: str | None) -> str | None:
    """TEST_DATABASE_URL for this process: under pytest-xdist, the worker's own database beside it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not base or not worker:
        return base
    url = make_url(base)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _ensure_database(url: str) -> None:
    """Creates the worker's database on first use (connecting to the server's `postgres` database)."""
    if url in _created:
        return
    name = make_url(url).database
    admin = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    _created.add(url)


_STATE = """
SELECT
  (SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public'),
  (SELECT coalesce(string_agg(sequencename, ',' ORDER BY sequencename), '') FROM pg_sequences WHERE schemaname = 'public'),
  (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'),
  (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')
"""


async def _state(conn: asyncpg.Connection) -> tuple[object, ...]:
    """What tells a schema at head from one a test changed: tables, sequences, columns, indexes, revisions."""
    shape = tuple(await conn.fetchrow(_STATE))
    revisions = None
    if "alembic_version" in str(shape[0]).split(","):
        revisions = await conn.fetchval("SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version")
    return (*shape, revisions)


async def reset_postgres(url: str) -> None:
    """Leaves the database at the newest revision with no rows (what a freshly migrated one holds)."""
    await _ensure_database(url)
    conn = await asyncpg.connect(_dsn(url))
    try:
        state = await _state(conn)
        if _clean_state.get(url) == state:
            await _empty(conn, str(state[0]).split(","), [s for s in str(state[1]).split(",") if s])
            return
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()
    conn = await asyncpg.connect(_dsn(url))
    try:
        _clean_state[url] = await _state(conn)
    finally:
        await conn.close()


async def _empty(conn: asyncpg.Connection, tables: list[str], sequences: list[str]) -> None:
    rows = [t for t in tables if t and t != "alembic_version"]
    restarts = "".join(f'ALTER SEQUENCE "{s}" RESTART;' for s in sequences)
    try:
        async with conn.transaction():
            # Foreign keys are not checked while the replication role is `replica` (superuser only).
            await conn.execute("SET LOCAL session_replication_role = replica;"
                               + "".join(f'DELETE FROM "{t}";' for t in rows) + restarts)
    except asyncpg.InsufficientPrivilegeError:
        async with conn.transaction():
            await conn.execute(f"TRUNCATE {', '.join(f'{chr(34)}{t}{chr(34)}' for t in rows)} RESTART IDENTITY CASCADE;" + restarts)


def _in_thread(coroutine_function, *args):  # type: ignore[no-untyped-def]
    """Runs a coroutine to the end from sync code or from inside a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result()


def _migrated_sqlite() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="assistant-template-"))
        atexit.register(shutil.rmtree, folder, True)

        async def migrate(path: Path) -> None:
            database = Database(f"sqlite:///{path}")
            try:
                await database.migrate()
            finally:
                await database.dispose()  # the last connection's close folds the WAL into the file

        path = folder / "template.db"
        _in_thread(migrate, path)
        assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
        _sqlite_template = path
    return _sqlite_template


def migrated_sqlite(path: Path) -> str:
    """A SQLite file at `path` with the schema at head and no rows; returns its URL."""
    shutil.copyfile(_migrated_sqlite(), path)
    return f"sqlite:///{path}"
