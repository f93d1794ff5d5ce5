"""Console roles: every agent sees the tickets; organisers also see the organisers' pages. The role
is given and taken on the server (`python -m bot helpdesk grant-organiser NAME`) and counts from the
agent's next request."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main
from bot.helpdesk.web.app import ORGANISER, Console, ConsolePage
from tests.helpdesk.conftest import Desk

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def secret(console: Console, request: web.Request) -> web.StreamResponse:
    return web.Response(text="the organisers' page")


@pytest.fixture
async def client(desk: Desk) -> AsyncIterator[TestClient]:
    pages = [ConsolePage("/secret", lambda tr: "Secret", secret, role=ORGANISER), ConsolePage("/open", lambda tr: "Open", secret)]
    async with TestClient(TestServer(Console(desk.helpdesk, desk.agents, pages=pages).application())) as c:
        yield c


async def log_in(client: TestClient, name: str) -> None:
    token = CSRF.search(await (await client.get("/login")).text())
    assert token
    response = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)}, allow_redirects=False)
    assert response.status == 302


async def test_only_organisers_see_and_open_the_organisers_pages(desk: Desk, client: TestClient) -> None:
    await desk.agents.add("budi", PASSWORD)
    await log_in(client, "budi")

    menu = await (await client.get("/tickets")).text()
    refused = await client.get("/secret")
    await desk.agents.set_organiser("budi", True)
    allowed = await client.get("/secret")
    menu_after = await (await client.get("/tickets")).text()

    assert 'href="/open"' in menu and 'href="/secret"' not in menu
    assert refused.status == 403 and "the organisers&#39; page" not in await refused.text()
    assert allowed.status == 200 and 'href="/secret"' in menu_after


async def test_the_organiser_role_is_given_and_taken_from_the_command_line(desk: Desk, database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))

    assert await asyncio.to_thread(main, ["helpdesk", "add-agent", "sari", "--organiser", "--password-stdin"]) == 0
    added = await desk.agents.authenticate("sari", "a long enough password")
    assert await asyncio.to_thread(main, ["helpdesk", "revoke-organiser", "sari"]) == 0
    revoked = await desk.agents.authenticate("sari", "a long enough password")
    assert await asyncio.to_thread(main, ["helpdesk", "grant-organiser", "nobody"]) == 1

    assert added is not None and added.organiser and revoked is not None and not revoked.organiser
