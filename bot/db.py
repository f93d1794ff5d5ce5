"""Database access: engine, sessions, the shared declarative base and schema migrations.

SQLite (aiosqlite) is the embedded default and PostgreSQL (asyncpg) the production database.
Users write the URL they know; `async_url` turns it into the async driver's form.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event, text
from sqlalchemy.engine import URL, Connection, CursorResult, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.types import TypeDecorator

from bot.settings import PROJECT_ROOT

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING))

# Telegram ids exceed 32 bits; SQLite only autoincrements INTEGER primary keys.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as UTC and always hands back aware UTC datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use bot.clock.utc()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)




def affected(result: Any) -> int:
    """How many rows an UPDATE or DELETE changed (a session's execute() is typed as returning a plain
    Result; for these statements it is a CursorResult, which counts them)."""
    return int(cast(CursorResult, result).rowcount or 0)


def async_url(url: str) -> str:
    """The async-driver form of a SQLite or PostgreSQL URL (sqlite:// -> sqlite+aiosqlite://)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = _sslmode_as_asyncpg_ssl(parsed.set(drivername="postgresql+asyncpg"))
    else:
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    return parsed.render_as_string(hide_password=False)


def _sslmode_as_asyncpg_ssl(url: URL) -> URL:
    """Managed PostgreSQL hands out libpq URLs with `?sslmode=require`; SQLAlchemy passes query
    parameters to asyncpg.connect() as keywords, and asyncpg takes the same values as `ssl`."""
    sslmode = url.query.get("sslmode")
    if sslmode is None:
        return url
    url = url.difference_update_query(["sslmode"])
    return url if "ssl" in url.query else url.update_query_dict({"ssl": sslmode})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# What a database restart or a network cut looks like from here: the connection went away, or the
# server refuses new ones for a moment ("the database system is starting up").
_OUTAGE_NAMES = {
    "ConnectionDoesNotExistError", "CannotConnectNowError", "ObjectNotInPrerequisiteStateError",
    "ConnectionFailureError", "InterfaceError", "InternalClientError", "TooManyConnectionsError",
}


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    """The error and what it wraps: SQLAlchemy's `orig`, then the cause or context, each once."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__


def is_outage(error: BaseException | None) -> bool:
    """True when an error means the database is unreachable for now (worth waiting and retrying),
    not that a statement was wrong."""
    for cause in _causes(error):
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError)):
            return True
        if type(cause).__name__ in _OUTAGE_NAMES and type(cause).__module__.startswith(("asyncpg", "sqlalchemy")):
            return True
    return False


# Two writers met: SQLite's "database is locked" (a read snapshot that cannot become a write, which
# its busy timeout does not wait out) and PostgreSQL's serialization, deadlock and lock-wait refusals.
# The transaction was rolled back and may simply be tried again.
_CONTENTION_NAMES = {"SerializationError", "DeadlockDetectedError", "LockNotAvailableError"}
_SQLITE_CONTENTION = ("database is locked", "database table is locked", "database is busy")


def is_contention(error: BaseException | None) -> bool:
    """True when a statement lost a race with another writer (worth trying again at once)."""
    for cause in _causes(error):
        if type(cause).__name__ in _CONTENTION_NAMES and type(cause).__module__.startswith("asyncpg"):
            return True
        if type(cause).__name__ == "OperationalError" and any(s in str(cause).lower() for s in _SQLITE_CONTENTION):
            return True
    return False


def is_transient(error: BaseException | None) -> bool:
    """An outage or a lost race: the work failed as a whole and can be done again later."""
    return is_outage(error) or is_contention(error)


class DatabaseInUse(Exception):
    """Another running assistant holds this SQLite file (see Database.claim_runner)."""


class DatabaseUnreachable(Exception):
    """No connection to DATABASE_URL could be opened: no server at the address, an unknown host, no
    such database, credentials refused. Raised from the driver's error, so is_outage() still sees
    a refused connection as an outage while the bot runs; at start-up the CLI prints the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"DATABASE_URL: cannot connect to the database ({reason})")


def connection_failure(error: BaseException | None) -> DatabaseUnreachable | None:
    """The DatabaseUnreachable behind an error, if opening a connection is what failed."""
    return next((c for c in _causes(error) if isinstance(c, DatabaseUnreachable)), None)


def _why_unreachable(error: Exception, dialect_name: str, cargs: Any, cparams: dict[str, Any]) -> str:
    if dialect_name == "sqlite":
        return f"{cargs[0] if cargs else cparams.get('database')}: {error}"
    host = cparams.get("host") or "localhost"
    where = f"{host}:{cparams.get('port') or 5432}"
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused at {where}"
    if isinstance(error, socket.gaierror):
        return f"unknown host {host}"
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return f"no answer from {where}"
    if isinstance(error, OSError) and error.strerror:
        return f"{where}: {error.strerror}"
    return str(error) or type(error).__name__


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
    """Opens a driver connection (SQLAlchemy's do_connect hook); a failure names the address."""
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as exc:
        raise DatabaseUnreachable(_why_unreachable(exc, dialect.name, cargs, cparams)) from exc


def log_failure(logger: logging.Logger, message: str, *args: object) -> None:
    """Inside an except block: a database outage is a warning without a traceback (it is expected
    during a restart and retried); anything else is logged with its traceback."""
    error = sys.exc_info()[1]
    if is_outage(error):
        logger.warning(message + " (database unavailable: %s)", *args, type(error).__name__)
    else:
        logger.exception(message, *args)


def _make_parent_directory(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnreachable(f"cannot create the directory {path.parent}: {exc.strerror}") from exc


class Database:
    """The engine and a session factory; the only place that knows how to connect."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                _make_parent_directory(Path(parsed.database))
            kwargs["connect_args"] = {"timeout": 30}
            # A connection (and its thread) per unit of work is slow: connections are kept, enough of them
            # for a burst of replies (an overflow connection is closed when given back, a new thread each time).
            kwargs["poolclass"] = AsyncAdaptedQueuePool
            kwargs["pool_size"], kwargs["max_overflow"] = 16, 8
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 10
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        event.listen(self.engine.sync_engine, "do_connect", _connect)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._runner_lock: IO[str] | None = None

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back on an exception."""
        async with self._sessions() as session, session.begin():
            yield session

    async def available(self) -> bool:
        """One round trip: can the database be used right now?"""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "not now"
            return False

    async def migrate(self) -> None:
        """Brings the schema to the newest Alembic revision (idempotent)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_head)

    async def dispose(self) -> None:
        self.release_runner()
        await self.engine.dispose()

    def claim_runner(self) -> None:
        """Makes this process the only running assistant on a SQLite file.

        SQLite has one writer and no row locks, so replicas sharing a file race on every claim (and
        two pollers of one bot fight over getUpdates); several replicas need PostgreSQL. A second
        assistant started on the same file stops with one line naming DATABASE_URL. Commands beside
        the running bot (import-event, codes, broadcast) do not call this and keep working.
        PostgreSQL needs no such lock: its claims are row locks.
        """
        database = make_url(self.url).database
        if not self.is_sqlite or not database or database == ":memory:" or self._runner_lock is not None:
            return
        import fcntl

        path = Path(database + ".runner")
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DatabaseInUse(
                f"DATABASE_URL: the SQLite database {database} is used by another running assistant; "
                "run one assistant per SQLite file, or use PostgreSQL for several replicas"
            ) from None
        self._runner_lock = handle

    def release_runner(self) -> None:
        if self._runner_lock is not None:
            self._runner_lock.close()  # closing the file drops the lock
            self._runner_lock = None


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade_head(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), "heads")


def import_models() -> None:
    """Imports every feature's models so that Base.metadata knows all tables (for Alembic)."""
    import importlib
    import pkgutil

    import bot

    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)


def run(coro: Any) -> Any:
    """Runs a coroutine from synchronous code (the CLI)."""
    return asyncio.run(coro)
