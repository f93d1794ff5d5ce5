"""The helpdesk console over HTTP (aiohttp's test client on the real application and database):
accounts, sessions, CSRF, security headers, escaping, filters, actions and statistics.
The browser tests (test_console_browser.py) repeat the essentials in a real Chromium."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main
from bot.helpdesk.accounts import AccountError
from bot.helpdesk.web.app import Console
from tests.helpdesk.conftest import Desk

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def client(desk: Desk) -> AsyncIterator[TestClient]:
    await desk.agents.add("budi", PASSWORD)
    async with TestClient(TestServer(Console(desk.helpdesk, desk.agents).application())) as c:
        yield c


async def csrf_of(client: TestClient, path: str) -> str:
    response = await client.get(path)
    found = CSRF.search(await response.text())
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def log_in(client: TestClient, name: str = "budi", password: str = PASSWORD) -> str:
    token = await csrf_of(client, "/login")
    response = await client.post("/login", data={"name": name, "password": password, "csrf": token}, allow_redirects=False)
    assert response.status == 302, await response.text()
    return await csrf_of(client, "/tickets")


async def test_an_agent_logs_in_only_with_the_right_password(desk: Desk) -> None:
    await desk.agents.add("citra", PASSWORD)

    assert await desk.agents.authenticate("citra", "wrong password!!") is None
    assert await desk.agents.authenticate("nobody", PASSWORD) is None
    agent = await desk.agents.authenticate("citra", PASSWORD)
    assert agent is not None and agent.name == "citra"
    with pytest.raises(AccountError):
        await desk.agents.add("citra", PASSWORD)
    with pytest.raises(AccountError):
        await desk.agents.add("dewi", "short")


async def test_a_removed_agent_is_logged_out_and_cannot_log_in_again(desk: Desk, client: TestClient) -> None:
    await log_in(client)
    assert (await client.get("/tickets", allow_redirects=False)).status == 200

    await desk.agents.deactivate("budi")

    assert (await client.get("/tickets", allow_redirects=False)).status == 302
    assert await desk.agents.authenticate("budi", PASSWORD) is None


async def test_sessions_are_stored_as_hashes_and_expire(desk: Desk, client: TestClient) -> None:
    from sqlalchemy import select

    from bot.helpdesk.models import HelpdeskSession

    await log_in(client)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["hd_session"].value
    async with desk.database.session() as db:
        [stored] = (await db.execute(select(HelpdeskSession.token_hash))).scalars().all()
    assert cookie not in stored and len(stored) == 64

    desk.clock.advance(hours=13)

    assert (await client.get("/tickets", allow_redirects=False)).headers["Location"] == "/login"


async def test_pages_need_a_login_and_carry_the_security_headers(client: TestClient) -> None:
    for path in ("/tickets", "/tickets/1", "/stats"):
        response = await client.get(path, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (302, "/login"), path
    login = await client.get("/login")
    csp = login.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "unsafe-inline" not in csp
    assert login.headers["X-Content-Type-Options"] == "nosniff" and login.headers["X-Frame-Options"] == "DENY"
    assert "HttpOnly" in login.headers["Set-Cookie"] and "SameSite=Strict" in login.headers["Set-Cookie"]
    assert "<script" not in await login.text()


def set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each cookie the response sets, with its attributes (`Set-Cookie` as the browser reads it)."""
    return {morsel.key: morsel.OutputString() for morsel in response.cookies.values()}


async def cookies_of_a_login(console: Console, headers: dict[str, str] | None = None) -> dict[str, str]:
    """The cookies the login page and a successful login set, through `console`."""
    async with TestClient(TestServer(console.application())) as c:
        page = await c.get("/login", headers=headers)
        token = CSRF.search(await page.text())
        assert token is not None
        login = await c.post(  # the cookie by hand: the client keeps a Secure cookie from plain HTTP
            "/login", data={"name": "budi", "password": PASSWORD, "csrf": token.group(1)}, headers=headers,
            cookies={"hd_login": token.group(1)}, allow_redirects=False,
        )
        assert login.status == 302
        return {**set_cookies(page), **{k: v for k, v in set_cookies(login).items() if k == "hd_session"}}


async def test_the_session_cookie_is_secure_when_configured_or_when_a_trusted_proxy_says_https(desk: Desk) -> None:
    await desk.agents.add("budi", PASSWORD)
    https = {"X-Forwarded-Proto": "https"}

    plain = await cookies_of_a_login(Console(desk.helpdesk, desk.agents))
    configured = await cookies_of_a_login(Console(desk.helpdesk, desk.agents, secure_cookies=True))
    proxied = await cookies_of_a_login(Console(desk.helpdesk, desk.agents, trust_proxy=True), https)
    proxied_http = await cookies_of_a_login(Console(desk.helpdesk, desk.agents, trust_proxy=True), {"X-Forwarded-Proto": "http"})
    untrusted = await cookies_of_a_login(Console(desk.helpdesk, desk.agents), https)  # anyone can send the header

    assert set(plain) == {"hd_login", "hd_session"}
    for cookies in (configured, proxied):
        assert all("Secure" in c and "HttpOnly" in c and "SameSite=Strict" in c for c in cookies.values()), cookies
    for cookies in (plain, proxied_http, untrusted):
        assert not any("Secure" in c for c in cookies.values()), cookies


async def test_every_form_without_its_csrf_token_is_refused(desk: Desk, client: TestClient) -> None:
    ticket_id = await desk.ticket()
    login_token = await csrf_of(client, "/login")
    refused = await client.post("/login", data={"name": "budi", "password": PASSWORD}, allow_redirects=False)
    assert refused.status == 403
    forged = await client.post("/login", data={"name": "budi", "password": PASSWORD, "csrf": login_token + "x"}, allow_redirects=False)
    assert forged.status == 403

    token = await log_in(client)
    for action, data in (("answer", {"text": "Sunny."}), ("close", {}), ("label", {"label": "ask_wifi"})):
        assert (await client.post(f"/tickets/{ticket_id}/{action}", data=data, allow_redirects=False)).status == 403
        assert (await client.post(f"/tickets/{ticket_id}/{action}", data={**data, "csrf": login_token}, allow_redirects=False)).status == 403
    assert (await client.post("/logout", data={}, allow_redirects=False)).status == 403
    ticket = await desk.helpdesk.get(ticket_id)
    assert ticket is not None and ticket.status == "open" and ticket.label_intent is None
    assert (await client.get("/tickets")).status == 200 and token


async def test_delegate_text_is_shown_escaped(desk: Desk, client: TestClient) -> None:
    evil = await desk.delegate(1666, '<img src=x onerror="alert(2)">')
    ticket_id = await desk.ticket(evil, "<script>alert(1)</script> & \"quotes\"", context=["</blockquote><b>hi</b>"])
    await log_in(client)

    for path in ("/tickets", f"/tickets/{ticket_id}"):
        html = await (await client.get(path)).text()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<img src=x" not in html and "&lt;img src=x" in html, path
    assert "&lt;/blockquote&gt;&lt;b&gt;hi&lt;/b&gt;" in html


async def test_an_agent_answers_closes_and_labels_from_the_console(desk: Desk, client: TestClient) -> None:
    ana = await desk.delegate(1001, "Ana")
    first, second = await desk.ticket(ana, "Is there a shuttle at night?"), await desk.ticket(ana, "spam spam")
    token = await log_in(client)

    answered = await client.post(f"/tickets/{first}/answer", data={"text": "Yes, every hour.", "csrf": token}, allow_redirects=False)
    again = await client.post(f"/tickets/{first}/answer", data={"text": "Twice!", "csrf": token})
    await client.post(f"/tickets/{second}/close", data={"csrf": token})
    await client.post(f"/tickets/{first}/label", data={"label": "ask_directions", "csrf": token})
    await client.post(f"/tickets/{second}/label", data={"label": "__faq__", "csrf": token})

    assert answered.headers["Location"] == f"/tickets/{first}?notice=answered"
    assert "already answered" in await again.text()
    one, two = await desk.helpdesk.get(first), await desk.helpdesk.get(second)
    assert one is not None and two is not None
    assert (one.status, one.answered_by, one.label_intent) == ("answered", "budi", "ask_directions")
    assert (two.status, two.closed_by, two.new_faq) == ("closed", "budi", True)
    assert len(await desk.outbox(ana.chat_id)) == 1


async def test_the_ticket_list_filters(desk: Desk, client: TestClient) -> None:
    ana, budi = await desk.delegate(1001, "Ana", "en"), await desk.delegate(1002, "Budi", "id")
    await desk.ticket(ana, "english question")
    await desk.ticket(budi, "pertanyaan bahasa", intent="ask_wifi")
    await log_in(client)

    indonesian = await (await client.get("/tickets?language=id")).text()
    wifi = await (await client.get("/tickets?intent=ask_wifi&status=all")).text()
    nonsense = await (await client.get("/tickets?language=<x>&day=yesterday&page=abc&status=zzz")).text()

    assert "pertanyaan bahasa" in indonesian and "english question" not in indonesian
    assert "pertanyaan bahasa" in wifi and "english question" not in wifi
    assert "pertanyaan bahasa" in nonsense and "english question" in nonsense


async def test_statistics_are_drawn_as_inline_svg_without_scripts(desk: Desk, client: TestClient) -> None:
    ana = await desk.delegate(1001, "Ana")
    await desk.ticket(ana, intent="<evil>")
    await desk.ticket(ana)
    await log_in(client)

    html = await (await client.get("/stats")).text()

    assert html.count("<svg") == 3 and html.count('class="bar"') == 1 + 2 + 1
    assert "&lt;evil&gt;" in html and "<evil>" not in html and "<script" not in html


async def test_add_agent_reads_the_password_from_stdin(desk: Desk, database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))

    assert await asyncio.to_thread(main, ["helpdesk", "add-agent", "dewi", "--password-stdin"]) == 0
    assert await asyncio.to_thread(main, ["helpdesk", "remove-agent", "nobody"]) == 1

    assert await desk.agents.authenticate("dewi", "a long enough password") is not None
