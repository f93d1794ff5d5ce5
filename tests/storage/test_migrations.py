"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and can be walked back down and up again (a release can be rolled back)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.db import Base, Database, _alembic_config, import_models


def drift(connection: Connection) -> list[Any]:
    """What `alembic revision --autogenerate` would write: nothing, when migrations match the models."""
    import_models()
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": ours})
    return compare_metadata(context, Base.metadata)


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Leaves out the database's own bookkeeping (SQLite's sqlite_sequence)."""
    return not (type_ == "table" and (name or "").startswith("sqlite_"))


def tables(connection: Connection) -> set[str]:
    return {t for t in inspect(connection).get_table_names() if ours(t, "table", None)} - {"alembic_version"}


async def test_migrations_build_the_schema_the_models_describe(database: Database) -> None:
    async with database.engine.connect() as conn:
        assert await conn.run_sync(drift) == []


async def test_migrating_twice_changes_nothing(database: Database) -> None:
    await database.migrate()
    async with database.engine.connect() as conn:
        assert await conn.run_sync(drift) == []


async def test_migrations_go_down_to_nothing_and_up_again(database: Database) -> None:
    import_models()
    async with database.engine.begin() as conn:
        assert await conn.run_sync(tables) == set(Base.metadata.tables)
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "base"))
        assert await conn.run_sync(tables) == set()
    await database.migrate()
    async with database.engine.connect() as conn:
        assert await conn.run_sync(drift) == []
