"""The organisers' Broadcasts page in the console (aiohttp's test client on the real console, the real
BroadcastWizard and BroadcastService and the real database): only organisers see it; the reach per
language and each language's text as delegates will see it before sending; one send per form; who
sent it is recorded; delivery counts and cancel."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.broadcasts.service import BroadcastService
from bot.broadcasts.web import broadcast_pages
from bot.broadcasts.wizard import BroadcastWizard
from bot.delegates.models import Delegate
from bot.event.service import EventService
from bot.helpdesk.web.app import Console
from tests.broadcasts.conftest import LANGUAGES, World, world  # noqa: F401
from tests.helpdesk.conftest import HELPDESK_GROUP

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


@pytest.fixture
async def client(world: World) -> AsyncIterator[TestClient]:  # noqa: F811
    from bot.helpdesk.accounts import AgentService
    from bot.helpdesk.service import HelpdeskService
    from nlu.interpreter import RasaHttpInterpreter

    events = EventService(world.database)
    interpreter = RasaHttpInterpreter("http://127.0.0.1:9", timeout=0.5, retries=0)
    helpdesk = HelpdeskService(world.database, events, world.delegates, interpreter, world.clock.now, HELPDESK_GROUP, ())
    agents = AgentService(world.database, world.clock.now)
    await agents.add("olga", PASSWORD, organiser=True)
    await agents.add("budi", PASSWORD)
    wizard = BroadcastWizard(world.broadcasts, events, world.clock.now)
    console = Console(helpdesk, agents, pages=broadcast_pages(wizard, rate_limit=30.0))
    async with TestClient(TestServer(console.application())) as c:
        yield c
    await interpreter.close()


async def log_in(client: TestClient, name: str) -> str:
    page = await (await client.get("/login")).text()
    token = CSRF.search(page)
    assert token
    response = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)}, allow_redirects=False)
    assert response.status == 302
    found = CSRF.search(await (await client.get("/tickets")).text())
    assert found
    return found.group(1)


async def delegates(world: World, people: dict[int, str], verified: tuple[int, ...] = ()) -> None:  # noqa: F811
    for user_id, language in people.items():
        await world.delegate(user_id, language)
    async with world.database.session() as db:
        await db.execute(update(Delegate).where(Delegate.user_id.in_(verified)).values(verified=True))


async def test_an_agent_who_is_not_an_organiser_gets_403_and_no_menu_entry(client: TestClient, world: World) -> None:  # noqa: F811
    csrf = await log_in(client, "budi")

    tickets = await (await client.get("/tickets")).text()
    page = await client.get("/broadcasts")
    preview = await client.post("/broadcasts/preview", data={"csrf": csrf, "text_en": "Hi", "audience": "all"})
    send = await client.post("/broadcasts/send", data={"csrf": csrf, "text_en": "Hi", "audience": "all"})

    assert 'href="/broadcasts"' not in tickets
    assert (page.status, preview.status, send.status) == (403, 403, 403)
    assert "Ask an organiser to give you the role" in await page.text()
    assert await world.outbox() == []


async def test_an_organiser_sees_the_reach_per_language_and_each_text_as_delegates_will(client: TestClient, world: World) -> None:  # noqa: F811
    await delegates(world, {1: "en", 2: "en", 3: "id", 4: "th"})
    csrf = await log_in(client, "olga")

    form = await (await client.get("/broadcasts")).text()
    preview = await client.post("/broadcasts/preview", data={
        "csrf": csrf, "form_key": FORM_KEY.search(form).group(1),  # type: ignore[union-attr]
        "text_en": "Lunch moves to the <Orchid> Room.", "text_id": "Makan siang pindah.", "audience": "all",
    })
    html = await preview.text()

    assert 'href="/broadcasts"' in form and "falls back" not in form and "get the English text" in form
    assert preview.status == 200 and 'id="reach-total">4<' in html
    assert "Makan siang pindah." in html and "no text: falls back to English" in html
    assert "Lunch moves to the &lt;Orchid&gt; Room." in html and "<Orchid>" not in html
    assert "Send to 4 delegates" in html
    assert await world.outbox() == []


async def test_a_send_goes_through_the_outbox_once_and_records_who_sent_it(client: TestClient, world: World) -> None:  # noqa: F811
    await delegates(world, {1: "en", 2: "id", 3: "th"}, verified=(1, 3))
    csrf = await log_in(client, "olga")
    form = {"csrf": csrf, "form_key": "k" * 32, "text_en": "Badges at desk 2.", "text_th": "ป้ายชื่อที่โต๊ะ 2", "audience": "verified"}

    first = await client.post("/broadcasts/send", data=form, allow_redirects=False)
    again = await client.post("/broadcasts/send", data=form, allow_redirects=False)

    assert first.status == again.status == 302 and first.headers["Location"] == again.headers["Location"]
    rows = await world.outbox()
    assert sorted(r.chat_id for r in rows) == [1, 3]
    [view] = await world.broadcasts.recent()
    assert (view.origin, view.sent_by, view.total) == ("console", "olga", 2)
    page = await (await client.get(first.headers["Location"])).text()
    assert 'id="delivered">0/2<' in page and "olga (console)" in page and 'http-equiv="refresh"' in page


async def test_a_broadcast_under_way_is_cancelled_from_its_page(client: TestClient, world: World) -> None:  # noqa: F811
    await delegates(world, {1: "en", 2: "en"})
    csrf = await log_in(client, "olga")
    sent = await client.post("/broadcasts/send", data={"csrf": csrf, "form_key": "c" * 32, "text_en": "Hi", "audience": "all"}, allow_redirects=False)
    page = sent.headers["Location"]

    cancelled = await client.post(page + "/cancel", data={"csrf": csrf}, allow_redirects=False)
    html = await (await client.get(cancelled.headers["Location"])).text()

    assert {r.status for r in await world.outbox()} == {"cancelled"}
    assert 'id="cancelled">2<' in html and "Cancelled: messages not yet sent will not go out." in html


async def test_a_missing_default_text_is_asked_for_politely(client: TestClient, world: World) -> None:  # noqa: F811
    csrf = await log_in(client, "olga")

    response = await client.post("/broadcasts/preview", data={"csrf": csrf, "text_id": "Halo", "audience": "lang:zz"})

    assert response.status == 400
    assert "in the event&#39;s default language first" in await response.text()
    assert "Halo" in await response.text()


async def test_the_audience_is_the_same_service_as_the_telegram_wizard(world: World) -> None:  # noqa: F811
    """Reach and preview come from BroadcastWizard, which /broadcast in Telegram walks too."""
    await delegates(world, {1: "en", 2: "id", 3: "th"})
    wizard = BroadcastWizard(BroadcastService(world.database, EventService(world.database), LANGUAGES, world.clock.now),
                             EventService(world.database), world.clock.now)
    from bot.broadcasts.service import Audience

    preview = await wizard.preview({"en": "Hello", "id": "Halo"}, Audience("all"))

    assert preview.size.total == 3
    assert [(v.languages, v.count, v.translated) for v in preview.variants] == [(("en",), 1, True), (("id",), 1, True), (("th",), 1, False)]
    assert "Halo" in preview.variants[1].replies[0].text and "Hello" in preview.variants[2].replies[0].text
