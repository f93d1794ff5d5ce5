"""The organisers' Broadcasts page in a real headless browser, served by the running bot: an organiser
writes an announcement in two languages, sees it reaches 30 delegates, sends it, and watches the
delivery page count up to 30/30 while 30 emulated delegates each receive it once, in their language."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.helpdesk.feature import Helpdesk
from tests.browser import browser, chromium  # noqa: F401
from tests.e2e.conftest import Harness

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WAIT = 60.0  # seconds; generous for a loaded machine, never a timing assertion
PASSWORD = "a password for the organisers"


async def test_an_organiser_sends_a_two_language_broadcast_and_watches_30_of_30_arrive(harness: Harness, browser) -> None:  # noqa: F811
    assert harness.services is not None
    people = {8000 + i: ("en" if i % 2 else "id") for i in range(30)}
    delegates = {}
    for user_id, language in people.items():
        delegates[user_id] = harness.user(user_id, f"D{user_id}", language_code=language)
        await harness.services.delegates.seen(user_id, user_id, harness.clock.now(), first_name=f"D{user_id}", language_code=language)
    from playwright.async_api import expect

    desk = harness.services.features.get(Helpdesk)
    await desk.agents.add("olga", PASSWORD, organiser=True)
    await asyncio.wait_for(desk.console.started.wait(), WAIT)
    page = await browser.new_page()

    await page.goto(desk.console.url + "/login")
    await page.fill("input[name=name]", "olga")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_url("**/tickets")
    await page.click("a[href='/broadcasts']")
    await page.fill("textarea[name=text_en]", "The closing session moves to the Grand Ballroom.")
    await page.fill("textarea[name=text_id]", "Sesi penutupan pindah ke Grand Ballroom.")
    await page.select_option("select[name=audience]", "all")
    await page.click("form.compose button[type=submit]")
    reach = await page.inner_text("#reach-total")
    await page.click("#send")
    await page.wait_for_url(re.compile(r"/broadcasts/\d+$"))
    await expect(page.locator("#delivered")).to_have_text("30/30", timeout=WAIT * 1000)  # the page refreshes itself

    assert reach == "30"
    for user_id, user in delegates.items():
        message = await user.next_reply(timeout=WAIT)
        expected = "Sesi penutupan pindah" if people[user_id] == "id" else "The closing session moves"
        assert expected in message.text, (user_id, message.text)
    assert "olga (console)" in await page.inner_text("main")
