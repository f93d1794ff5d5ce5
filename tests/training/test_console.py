"""The console's Training page: "Retrain now" for organisers (others get 403), the result with the
held-out accuracy before and after."""

from __future__ import annotations

import asyncio
import re

from aiohttp.test_utils import TestClient, TestServer

from bot.helpdesk.web.app import Console
from bot.training.web import training_pages
from tests.helpdesk.conftest import Desk, desk  # noqa: F401
from tests.training.test_service import Lab, lab, service  # noqa: F401

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def log_in(client: TestClient, name: str) -> str:
    token = CSRF.search(await (await client.get("/login")).text())
    assert token
    await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)})
    found = CSRF.search(await (await client.get("/tickets")).text())
    assert found
    return found.group(1)


async def test_an_organiser_retrains_and_sees_the_accuracy_before_and_after(desk: Desk, lab: Lab) -> None:  # noqa: F811
    lab.accuracy = {"current": 0.875, "new": 0.9}
    training = service(desk.database, desk.clock, lab)
    runs: list[asyncio.Task[object]] = []
    pages = training_pages(training, lambda run_id: runs.append(asyncio.create_task(training.run(run_id))))
    await desk.agents.add("olga", PASSWORD, organiser=True)
    await desk.agents.add("budi", PASSWORD)
    async with TestClient(TestServer(Console(desk.helpdesk, desk.agents, pages=pages).application())) as client:
        csrf = await log_in(client, "budi")
        refused = await client.post("/training/start", data={"csrf": csrf})
        assert refused.status == 403 and runs == []
        await client.post("/logout", data={"csrf": csrf})

        csrf = await log_in(client, "olga")
        started = await client.post("/training/start", data={"csrf": csrf}, allow_redirects=False)
        await asyncio.gather(*runs)
        html = await (await client.get("/training")).text()

    assert started.headers["Location"] == "/training?notice=started" and len(runs) == 1
    assert 'id="before">87.5 %<' in html and 'id="after">90.0 %<' in html and "the new model answers" in html
