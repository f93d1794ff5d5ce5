"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

The browser is not installed from here: `apt-get install -y chromium` (or the Makefile's set-up
target) does that. Without it the browser tests fail in CI and are skipped, saying so, elsewhere.
Import the fixtures into a conftest or a test module: `from tests.browser import browser, chromium`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    reason = "Chromium is not at /usr/bin/chromium: install it with `apt-get install -y chromium` (the browser tests never install it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextlib.contextmanager
def subprocess_friendly_policy() -> Iterator[None]:
    """Playwright starts its driver as a subprocess; Rasa installs uvloop's event loop policy, which
    has no child watcher for the standard loop the tests run on. Asyncio's default policy lends one."""
    policy = asyncio.get_event_loop_policy()
    try:
        policy.get_child_watcher()
    except NotImplementedError:
        asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
        try:
            yield
        finally:
            asyncio.set_event_loop_policy(policy)
        return
    yield


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    with subprocess_friendly_policy():
        playwright = async_playwright()
        p = await playwright.__aenter__()
    try:
        launched = await p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
    finally:
        await playwright.__aexit__(None, None, None)
