"""Fixtures for the production tests: one database shared by several bot processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.conftest import POSTGRES_URL, _reset_postgres


@pytest.fixture
def shared_database_url() -> Iterator[str]:
    """PostgreSQL (emptied), as in production: several replicas need it. One SQLite file serves one
    running assistant (a second one refuses to start: tests/updates/test_claims.py)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: several replicas need PostgreSQL")
    asyncio.run(_reset_postgres(POSTGRES_URL))
    yield POSTGRES_URL
