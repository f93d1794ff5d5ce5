"""The helpdesk console in a real headless browser (Debian's Chromium driven by Playwright), served by
the running bot: an agent logs in and answers, and the delegate gets the answer in Telegram (the
emulator); a delegate's <script> is shown as text and runs nothing; a form without its CSRF token
is refused."""

from __future__ import annotations

import re

import pytest

from bot.helpdesk.feature import Helpdesk
from bot.helpdesk.views import TicketFilter, TicketView
from tests.helpdesk.e2e.conftest import WAIT, HelpdeskHarness

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "a password for the tests"
NOT_HELPFUL = "🙋 This didn't answer my question"


async def ticket_from(h: HelpdeskHarness, user_id: int, name: str, question: str) -> TicketView:
    """The delegate asks; a question the assistant cannot answer (or whose answer they say did not
    help) becomes a ticket."""
    delegate = h.user(user_id, name, language_code="en")
    await delegate.send(question)
    reply = await delegate.next_reply(timeout=WAIT)
    if any(NOT_HELPFUL in row for row in reply.button_texts):
        await delegate.press(reply, NOT_HELPFUL)
        await delegate.next_reply(timeout=WAIT)
    tickets, _ = await h.helpdesk.tickets(TicketFilter(status="open"))
    return next(t for t in tickets if t.user_id == user_id)


async def logged_in_page(h: HelpdeskHarness, browser, name: str = "budi"):  # type: ignore[no-untyped-def]
    assert h.services is not None
    await h.services.features.get(Helpdesk).agents.add(name, PASSWORD)
    console = await h.console()
    page = await browser.new_page()
    dialogs: list[str] = []

    async def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    await page.goto(console.url + "/tickets")
    assert page.url.endswith("/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_url("**/tickets")
    return console, page, dialogs


async def test_an_agent_logs_in_answers_and_the_delegate_receives_the_answer(desk_harness: HelpdeskHarness, browser) -> None:  # type: ignore[no-untyped-def]
    ticket = await ticket_from(desk_harness, 3101, "Ana", "what's the weather in Paris?")
    console, page, dialogs = await logged_in_page(desk_harness, browser)

    await page.click(f"a[href='/tickets/{ticket.id}'] >> nth=0")
    await page.fill("form.answer textarea[name=text]", "Sunny and 24 °C — bring a hat & water.")
    await page.click("form.answer button[type=submit]")
    await page.wait_for_url(re.compile(rf"/tickets/{ticket.id}\?notice=answered$"))
    notice = await page.inner_text(".notice")

    ana = desk_harness.user(3101)
    answer = await ana.next_reply(timeout=WAIT)
    assert "Answer from the helpdesk" in answer.text and "Sunny and 24 °C — bring a hat & water." in answer.text
    assert "Answer queued" in notice and dialogs == []
    assert "Answered by budi" in await page.inner_text("main")


async def test_a_delegates_script_is_shown_as_text_and_runs_nothing(desk_harness: HelpdeskHarness, browser) -> None:  # type: ignore[no-untyped-def]
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)"> what is the weather in Paris?'
    ticket = await ticket_from(desk_harness, 3102, "<b onmouseover=alert(3)>Eve</b>", evil)
    console, page, dialogs = await logged_in_page(desk_harness, browser)

    await page.goto(console.url + "/tickets")
    await page.hover("table.tickets tbody tr >> nth=0")
    listed = await page.inner_text("table.tickets")
    await page.goto(f"{console.url}/tickets/{ticket.id}")
    shown = await page.inner_text("#question")

    assert dialogs == []
    assert "<script>alert(1)</script>" in shown and '<img src=x onerror="alert(2)">' in shown
    assert "<b onmouseover=alert(3)>Eve</b>" in listed
    assert await page.locator("main script").count() == 0 and await page.locator("main img").count() == 0


async def test_a_form_posted_without_its_csrf_token_is_refused(desk_harness: HelpdeskHarness, browser) -> None:  # type: ignore[no-untyped-def]
    ticket = await ticket_from(desk_harness, 3103, "Tom", "what's the weather in Paris?")
    console, page, _ = await logged_in_page(desk_harness, browser)

    response = await page.request.post(f"{console.url}/tickets/{ticket.id}/answer", form={"text": "forged answer"})
    wrong = await page.request.post(f"{console.url}/tickets/{ticket.id}/close", form={"csrf": "guessed"})

    assert response.status == 403 and wrong.status == 403
    assert "did not come from the helpdesk console" in await response.text()
    after = await desk_harness.helpdesk.get(ticket.id)
    assert after is not None and after.status == "open"
    await desk_harness.user(3103).expect_silence(within=1.0)
