"""The live picture (console, organisers only) on the real database: questions per hour and the share
the bot answered, the top unanswered questions grouped, intents, reminders and ratings per session,
broadcast deliveries; each a server-side chart, a table and a CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.event.service import EventService
from bot.feedback.service import FeedbackService
from bot.helpdesk.web.app import Console
from bot.insights.service import InsightsService, question_key
from bot.insights.web import live_pages
from bot.reminders.service import ReminderService
from tests.helpdesk.conftest import Desk, desk  # noqa: F401

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def client(desk: Desk) -> AsyncIterator[TestClient]:  # noqa: F811
    events = EventService(desk.database)
    feedback = FeedbackService(desk.database, events, desk.clock.now, 5)
    service = InsightsService(desk.database, events, desk.clock.now, feedback, None)
    await desk.agents.add("olga", PASSWORD, organiser=True)
    await desk.agents.add("budi", PASSWORD)
    async with TestClient(TestServer(Console(desk.helpdesk, desk.agents, pages=live_pages(service)).application())) as c:
        yield c


async def log_in(client: TestClient, name: str) -> None:
    token = CSRF.search(await (await client.get("/login")).text())
    assert token
    await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)})


def test_the_same_question_in_other_words_is_one_group() -> None:
    assert question_key("Where is the toilet?") == question_key("toilet where") == question_key("the TOILET is where!")
    assert question_key("Where is the toilet?") != question_key("Where is the prayer room?")


async def test_questions_answered_and_unanswered_per_hour(desk: Desk) -> None:  # noqa: F811
    ana = await desk.delegate(1001)
    for minutes in (0, 5, 10):
        desk.clock.advance(minutes=minutes)
        await desk.turn(ana, "wifi?")
    await desk.ticket(ana, "Is there a shuttle at night?")
    service = InsightsService(desk.database, EventService(desk.database), desk.clock.now)

    hours = await service.questions_per_hour()

    assert len(hours) == 24 and hours[-1].questions == 3 and hours[-1].unanswered == 1
    assert hours[-1].share_answered == pytest.approx(2 / 3) and hours[0].share_answered is None


async def test_only_organisers_see_the_live_picture(desk: Desk, client: TestClient) -> None:  # noqa: F811
    await log_in(client, "budi")

    assert (await client.get("/live")).status == 403
    assert (await client.get("/live/questions.csv")).status == 403


async def test_each_figure_is_a_chart_a_table_and_a_csv(desk: Desk, client: TestClient) -> None:  # noqa: F811
    ana, budi = await desk.delegate(1001), await desk.delegate(1002)
    await desk.turn(ana, "wifi?", intent="ask_wifi")
    await desk.turn(budi, "agenda", intent="ask_agenda")
    await desk.ticket(ana, "<script>alert(1)</script>")
    await desk.ticket(ana, "Where is the toilet?")
    desk.clock.advance(minutes=1)
    await desk.ticket(budi, "toilet where")  # the latest wording stands for its group
    await desk.ticket(budi, "=HYPERLINK(\"http://x\")")
    await ReminderService(desk.database, EventService(desk.database), desk.clock.now, 15).subscribe(1001, ["welcome-dinner"])
    await log_in(client, "olga")

    html = await (await client.get("/live")).text()
    exported = await client.get("/live/unanswered.csv")
    rows = list(csv.reader(io.StringIO((await exported.read()).decode("utf-8-sig"))))
    missing = await client.get("/live/nothing.csv")

    assert html.count("<svg") == 5 and "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert 'http-equiv="refresh"' in html and "Welcome dinner" in html and "ask_wifi" in html
    assert exported.headers["Content-Disposition"] == 'attachment; filename="unanswered.csv"'
    assert rows[0] == ["Question", "Times asked", "Last asked"]
    assert [r[1] for r in rows[1:]] == ["2", "1", "1"] and rows[1][0] == "toilet where"
    assert any(r[0].startswith("'=HYPERLINK") for r in rows)
    assert missing.status == 404


async def test_the_statistics_page_counts_in_the_right_number(desk: Desk, client: TestClient) -> None:  # noqa: F811
    await desk.ticket()
    await log_in(client, "budi")

    html = await (await client.get("/stats")).text()

    assert "1 unanswered question in all" in html
