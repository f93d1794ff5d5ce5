"""Fixtures for the production tests: one database shared by several bot processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, _reset_postgres


@pytest.fixture
def shared_database_url(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL (emptied) when TEST_DATABASE_URL is set, as in production; else one SQLite file."""
    if POSTGRES_URL:
        asyncio.run(_reset_postgres(POSTGRES_URL))
        yield POSTGRES_URL
    else:
        yield f"sqlite:///{tmp_path / 'shared.db'}"
