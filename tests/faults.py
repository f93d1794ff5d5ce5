"""Real database faults for fail-closed tests: a table that refuses writes, as a full disk, a
revoked grant or a constraint added by someone else would. Nothing of ours is replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from bot.db import Database


@asynccontextmanager
async def refusing_inserts(database: Database, table: str) -> AsyncIterator[None]:
    """While the block runs, every INSERT into `table` fails (and with it its transaction)."""
    if database.is_sqlite:
        install = [f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected fault'); END"]
        remove = [f"DROP TRIGGER refuse_{table}"]
    else:
        install = [
            "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_insert()",
        ]
        remove = [f"DROP TRIGGER refuse_{table} ON {table}", "DROP FUNCTION refuse_insert()"]
    async with database.engine.begin() as conn:
        for statement in install:
            await conn.execute(text(statement))
    try:
        yield
    finally:
        async with database.engine.begin() as conn:
            for statement in remove:
                await conn.execute(text(statement))
