"""The Mini App in a real headless browser, served by the running bot: opened with initData signed
for a test user it shows the programme; a star made in the page becomes a reminder that the bot
then delivers in the chat (through the emulator); opened with forged initData it shows nothing.
Also: the menu button and the button under /agenda open it, in the delegate's language."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.conftest import Harness
from tests.miniapp.e2e.conftest import PUBLIC_URL, WAIT, miniapp_url

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ANA = {"id": 7101, "first_name": "Ana", "language_code": "en"}
PANEL = "session-2-panel-economic"  # 15:45 on day 1; the harness's clock says 10:15


def at(local: str) -> datetime:
    return datetime.fromisoformat(f"2019-09-10T{local}:00+07:00")


async def test_a_star_in_the_page_becomes_a_reminder_the_chat_delivers_and_forged_init_data_gets_nothing(app_harness: Harness, browser) -> None:  # type: ignore[no-untyped-def]
    h = app_harness
    assert h.services is not None
    ana = h.user(7101, "Ana", language_code="en")
    await h.services.delegates.seen(7101, 7101, h.clock.now(), first_name="Ana", language_code="en")  # she talked to the bot before
    page = await browser.new_page(viewport={"width": 390, "height": 844})

    await page.goto(miniapp_url(h, ANA))
    await page.wait_for_selector("li.session", timeout=WAIT * 1000)
    listed = await page.inner_text("#sessions")
    await page.click(f'[data-star="{PANEL}"]')
    await page.wait_for_selector(f'[data-star="{PANEL}"][aria-pressed="true"]', timeout=WAIT * 1000)
    toast = await page.inner_text("#toast")

    from bot.reminders.feature import Reminders

    entries = await h.services.features.get(Reminders).service.entries(7101)
    assert "Opening ceremony" in listed and "Economic" in listed
    assert [s.id for s, _ in entries] == [PANEL] and "remind you" in toast
    h.clock.set(at("15:30"))
    reminder = await ana.next_reply(timeout=WAIT)
    assert reminder.text.startswith("🔔") and "Economic" in reminder.text

    forged = await browser.new_page()
    await forged.goto(miniapp_url(h, {**ANA, "id": 7102}, token="654321:NOT-THIS-BOT"))
    await forged.wait_for_selector(".refused", timeout=WAIT * 1000)
    assert "only works when opened from the assistant" in await forged.inner_text("main")
    assert await forged.locator("li.session").count() == 0


async def test_the_menu_button_and_the_agenda_open_the_mini_app_in_the_delegates_language(app_harness: Harness) -> None:
    h = app_harness
    sari = h.user(7201, "Sari", language_code="id")

    await sari.command("/agenda")
    agenda = await sari.next_reply(timeout=WAIT)
    buttons = [b for row in agenda.buttons for b in row if b.web_app]
    for _ in range(100):
        if 7201 in h.emu.state.menu_buttons:
            break
        await h.clock.sleep(0.1)
        h.clock.advance(seconds=5)

    default, hers = h.emu.state.menu_buttons.get(None), h.emu.state.menu_buttons.get(7201)
    assert [b.web_app for b in buttons] == [f"{PUBLIC_URL}/app"]
    assert default is not None and default["type"] == "web_app" and default["web_app"]["url"] == f"{PUBLIC_URL}/app"
    assert default["text"] == "Programme" and hers is not None and hers["text"] == "Program"
