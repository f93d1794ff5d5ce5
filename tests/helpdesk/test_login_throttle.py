"""Guessing a console password does not pay: failed logins are counted per name and per address in
the database (so a restart or another replica changes nothing), and past a few of them logins pause
for some minutes, right password included. A paused login answers like a wrong one (never saying
whether the password was right), names the pause, and is logged without the password.
Through aiohttp's test client on the real Console and database (SQLite, and PostgreSQL with
TEST_DATABASE_URL). Each password check costs an argon2 hash, so all but the first test use small
limits (NAMES, ADDRESSES) to keep them fast; the first shows the real ones."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.helpdesk.accounts import AgentService
from bot.helpdesk.throttle import NAME_LIMIT, WINDOW, LoginThrottle
from bot.helpdesk.web.app import Console
from tests.helpdesk.conftest import Desk

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAUSED = "paused"
NAMES, ADDRESSES = 2, 4  # the small limits


async def console_client(desk: Desk, *, trust_proxy: bool = False, limits: tuple[int, int] = (NAMES, ADDRESSES)) -> TestClient:
    """A client of a console on `desk`'s database; a new one is what a restart or another replica is."""
    throttle = LoginThrottle(desk.database, desk.clock.now, name_limit=limits[0], address_limit=limits[1])
    agents = AgentService(desk.database, desk.clock.now, throttle)
    client = TestClient(TestServer(Console(desk.helpdesk, agents, trust_proxy=trust_proxy).application()))
    await client.start_server()
    return client


@pytest.fixture
async def client(desk: Desk) -> AsyncIterator[TestClient]:
    await desk.agents.add("budi", PASSWORD)
    await desk.agents.add("citra", PASSWORD)
    c = await console_client(desk)
    yield c
    await c.close()


async def attempt(client: TestClient, name: str, password: str, address: str | None = None) -> tuple[int, str]:
    """One login through the form, as a fresh browser: (status, page). 302 means logged in."""
    client.session.cookie_jar.clear()
    headers = {"X-Forwarded-For": address} if address else None
    page = await client.get("/login", headers=headers)
    token = CSRF.search(await page.text())
    assert token is not None
    response = await client.post(
        "/login", data={"name": name, "password": password, "csrf": token.group(1)}, headers=headers, allow_redirects=False,
    )
    return response.status, CSRF.sub('name="csrf" value="…"', await response.text())  # a fresh browser's own token aside


async def test_twenty_wrong_passwords_then_the_right_one_is_paused_until_the_pause_ends(desk: Desk) -> None:
    await desk.agents.add("budi", PASSWORD)
    client = await console_client(desk, limits=(NAME_LIMIT, 20))  # the real limits
    try:
        answers = [await attempt(client, "budi", f"guess number {n}") for n in range(20)]
        right = await attempt(client, "budi", PASSWORD)
        desk.clock.advance(WINDOW + timedelta(seconds=1))
        later = await attempt(client, "budi", PASSWORD)
    finally:
        await client.close()

    assert [status for status, _ in answers] == [401] * 20
    assert all(PAUSED not in page for _, page in answers[: NAME_LIMIT - 1])
    assert all(PAUSED in page for _, page in answers[NAME_LIMIT - 1 :])  # the fifth failure starts the pause
    assert right[0] == 401 and PAUSED in right[1] and "15 minutes" in right[1]
    assert later[0] == 302


async def test_a_paused_login_answers_alike_for_the_right_and_a_wrong_password(desk: Desk, client: TestClient) -> None:
    for n in range(NAMES):
        await attempt(client, "budi", f"guess number {n}")

    right = await attempt(client, "budi", PASSWORD)
    wrong = await attempt(client, "budi", "another guess!")

    assert right == wrong and right[0] == 401
    assert "Wrong name or password." in right[1] and PAUSED in right[1]


async def test_an_unknown_name_is_paused_like_a_real_one(desk: Desk, client: TestClient) -> None:
    real = [await attempt(client, "budi", f"guess {n}", "198.51.100.1") for n in range(NAMES + 1)]
    unknown = [await attempt(client, "nobody", f"guess {n}", "198.51.100.1") for n in range(NAMES + 1)]

    assert [(status, PAUSED in page) for status, page in real] == [(status, PAUSED in page) for status, page in unknown]
    assert real[-1][1] == unknown[-1][1]


async def test_the_pause_is_per_name_and_a_success_clears_the_names_failures(desk: Desk, client: TestClient) -> None:
    await attempt(client, "budi", "guess 1")
    assert (await attempt(client, "budi", PASSWORD))[0] == 302
    await attempt(client, "budi", "guess 2")
    assert (await attempt(client, "budi", PASSWORD))[0] == 302  # one failure again, not two

    await attempt(client, "budi", "guess 3")
    await attempt(client, "budi", "guess 4")
    assert PAUSED in (await attempt(client, "budi", PASSWORD))[1]
    assert (await attempt(client, "citra", PASSWORD))[0] == 302  # another name from the same address


async def test_many_names_guessed_from_one_address_pause_that_address_only(desk: Desk) -> None:
    await desk.agents.add("budi", PASSWORD)
    client = await console_client(desk, trust_proxy=True)
    try:
        for n in range(ADDRESSES):
            await attempt(client, f"name{n}", "a wrong password", "203.0.113.9")
        from_there = await attempt(client, "budi", PASSWORD, "203.0.113.9")
        from_elsewhere = await attempt(client, "budi", PASSWORD, "192.0.2.44")
    finally:
        await client.close()

    assert from_there[0] == 401 and PAUSED in from_there[1]
    assert from_elsewhere[0] == 302


async def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(desk: Desk, client: TestClient) -> None:
    """Without HELPDESK_WEB_TRUST_PROXY anyone may send X-Forwarded-For: it must not spread the count."""
    for n in range(ADDRESSES):
        await attempt(client, f"name{n}", "a wrong password", f"192.0.2.{n}")

    assert PAUSED in (await attempt(client, "citra", PASSWORD, "192.0.2.200"))[1]


async def test_the_pause_holds_after_a_restart_and_on_another_replica(desk: Desk, client: TestClient) -> None:
    for n in range(NAMES):
        await attempt(client, "budi", f"guess {n}")

    other = await console_client(desk)
    try:
        status, page = await attempt(other, "budi", PASSWORD)
    finally:
        await other.close()

    assert status == 401 and PAUSED in page


async def test_failures_and_pauses_are_logged_without_the_password(desk: Desk, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.helpdesk")
    for n in range(NAMES + 1):
        await attempt(client, "budi", f"secret-guess-{n}")
    await attempt(client, "budi", PASSWORD)

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("bot.helpdesk")]
    assert sum("login failed" in m for m in messages) == NAMES
    assert sum("refused unchecked" in m for m in messages) == 2
    assert not any("secret-guess" in m or PASSWORD in m or "budi" in m for m in messages)


async def test_a_burst_of_simultaneous_guesses_gets_no_more_checks_than_the_limit(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    """Each attempt is counted before its password is checked, so attempts racing each other (several
    connections, several replicas) cannot all be checked before the first failure is recorded."""
    await desk.agents.add("budi", PASSWORD)
    agents = AgentService(desk.database, desk.clock.now, LoginThrottle(desk.database, desk.clock.now, name_limit=NAMES))
    caplog.set_level(logging.INFO, logger="bot.helpdesk")

    results = await asyncio.gather(*(agents.login("budi", f"guess {n}", "198.51.100.7") for n in range(8)))

    assert all(r.agent is None for r in results)
    checked = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert len(checked) <= NAMES  # may be none: attempts that see enough others in flight are refused unchecked
