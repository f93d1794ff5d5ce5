"""The "Feedback" page of the helpdesk console (aiohttp's test client on the real application and
database): behind the login, the numbers per session, one session's comments escaped."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.event.service import EventService
from bot.feedback.service import FeedbackService
from bot.feedback.web import feedback_page
from bot.helpdesk.web.app import Console
from bot.reminders.service import ReminderService
from tests.feedback.conftest import CRISIS, DELAY_MINUTES, PROMPT_DUE
from tests.helpdesk.conftest import Desk
from tests.helpdesk.test_console import PASSWORD, log_in


@pytest.fixture
async def client(desk: Desk) -> AsyncIterator[TestClient]:
    await desk.agents.add("budi", PASSWORD)
    events = EventService(desk.database)
    feedback = FeedbackService(desk.database, events, desk.clock.now, DELAY_MINUTES)
    reminders = ReminderService(desk.database, events, desk.clock.now, 15)
    for user_id in (1, 2):
        await desk.delegate(user_id)
        await reminders.subscribe(user_id, [CRISIS])
    desk.clock.set(PROMPT_DUE)
    await feedback.tick()
    await feedback.rate(1, CRISIS, 5)
    await feedback.rate(2, CRISIS, 3)
    await feedback.want_comment(1, CRISIS)
    await feedback.take_comment(1, "<script>alert(1)</script> great")
    async with TestClient(TestServer(Console(desk.helpdesk, desk.agents, pages=[feedback_page(feedback, events)]).application())) as c:
        yield c


async def test_the_feedback_page_needs_a_login(client: TestClient) -> None:
    response = await client.get("/feedback", allow_redirects=False)

    assert response.status == 302 and response.headers["Location"] == "/login"


async def test_the_feedback_page_lists_sessions_with_their_numbers(client: TestClient) -> None:
    await log_in(client)

    html = await (await client.get("/feedback")).text()

    assert '<a href="/feedback">Feedback</a>' in html  # in the console's menu
    assert "Session 2: The Role of Digital Diplomacy in Crisis Situation" in html
    assert "<td>2</td><td>2</td><td>4.00</td>" in html  # asked, votes, average
    assert "<td>0</td><td>0</td><td>1</td><td>0</td><td>1</td>" in html  # the distribution


async def test_one_sessions_comments_are_escaped(client: TestClient) -> None:
    await log_in(client)

    response = await client.get(f"/feedback?session={CRISIS}")
    html = await response.text()

    assert response.status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; great" in html and "<script>" not in html
    assert (await client.get("/feedback?session=<nope>")).status == 404
