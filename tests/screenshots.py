"""`make screenshots` (python -m tests.screenshots): a picture of every Mini App and organisers' page,
for a person to look at, in var/screenshots/.

The whole bot runs against the Bot API emulator on a scratch database with the sample event, with a
morning's worth of questions, tickets, reminders, ratings and one broadcast, on the event's day
1 at 10:15. Headless Chromium (Debian's /usr/bin/chromium) opens the Mini App with initData signed
for a test delegate (a phone-sized window) and the console as an organiser. `--docs` also refreshes
the two pictures the README shows (docs/miniapp-programme.png, docs/live-picture.png).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from bot.broadcasts.feature import Broadcasts
from bot.broadcasts.service import Audience
from bot.clock import ManualClock
from bot.conversation.models import Turn
from bot.feedback.models import FeedbackVote
from bot.helpdesk.feature import Helpdesk
from bot.helpdesk.models import Ticket
from bot.miniapp.initdata import sign_init_data
from bot.reminders.feature import Reminders
from bot.settings import PROJECT_ROOT
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from tests.browser import CHROMIUM, CHROMIUM_ARGS, subprocess_friendly_policy
from tests.e2e.conftest import DAY1_MORNING, HELPDESK_CHAT_ID, Harness, harness_settings

OUT = PROJECT_ROOT / "var" / "screenshots"
DOCS = PROJECT_ROOT / "docs"
TOKEN = "123456:TEST"
PASSWORD = "a password for the screenshots"
QUESTIONS = [
    ("ask_wifi", "what is the wifi password"), ("ask_agenda", "what's on this afternoon"), ("ask_venue", "where is the venue"),
    ("ask_meals", "is lunch halal"), ("ask_session", "when is session 2"), ("ask_nearby", "nearest atm"),
    ("ask_speakers", "who speaks in the panel"), ("ask_wifi", "wifi not working"), ("ask_directions", "how do I get there by MRT"),
]
UNANSWERED = ["Is there a shuttle back to the hotel tonight?", "shuttle to hotel tonight?", "Can I bring a guest to the dinner?",
              "Where can I print my slides?", "print slides where", "Is there a prayer room on the 2nd floor?"]


async def seed(h: Harness) -> None:
    """A morning of the conference: delegates in four languages, their questions, tickets,
    reminders, ratings, and a broadcast delivered."""
    assert h.services is not None
    s, now = h.services, h.clock.now()
    languages = ("en", "id", "ms", "th")
    h.emu.group(HELPDESK_CHAT_ID, "Helpdesk")
    for i in range(40):
        h.user(9000 + i, f"Delegate {i}", language_code=languages[i % 4])
        await s.delegates.seen(9000 + i, 9000 + i, now, first_name=f"Delegate {i}", language_code=languages[i % 4])
    reminders = s.features.get(Reminders).service
    for i, session in enumerate(("session-2-crisis", "session-2-panel-economic", "welcome-dinner", "session-3-digital-technology")):
        for user in range(9000, 9000 + 30 - 6 * i):
            await reminders.subscribe(user, [session])
    async with s.database.session() as db:
        for hour in range(12):
            for n in range(3 + (hour * 7) % 11):
                intent, text = QUESTIONS[(hour + n) % len(QUESTIONS)]
                db.add(Turn(user_id=9000 + n, at=now - timedelta(hours=hour, minutes=n), text=text, intent=intent, confidence=0.9, topic=intent))
        for n, text in enumerate(UNANSWERED * 2):
            db.add(Ticket(user_id=9000 + n, chat_id=9000 + n, delegate_name=f"Delegate {n}", language="en", text=text, reason="out_of_scope",
                          intent="out_of_scope", confidence=0.3, ranking=[], context=[], status="open", created_at=now - timedelta(hours=n % 9)))
        for n in range(24):
            for session, base in (("opening-ceremony", 4), ("session-1-general-debate", 3), ("exhibition-opening", 4)):
                db.add(FeedbackVote(user_id=9000 + n, session_id=session, rating=min(5, base + (n % 3) // 2), created_at=now, updated_at=now))
    broadcasts = s.features.get(Broadcasts).service
    await broadcasts.create({"en": "Coffee is served in the foyer until 10:45.", "id": "Kopi tersedia di foyer hingga 10.45."},
                            Audience("all"), origin="console", sent_by="olga")
    await s.features.get(Helpdesk).agents.add("olga", PASSWORD, organiser=True)


async def shoot(docs: bool) -> list[Path]:
    from playwright.async_api import async_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiEmulator(limits=Limits()) as emu:
            settings = harness_settings(f"sqlite:///{tmp}/bot.db", emu, public_url="https://assistant.example.org")
            from nlu.testing import session_interpreter

            h = Harness(emu, settings, ManualClock(DAY1_MORNING), session_interpreter())
            await h.start()
            try:
                await seed(h)
                assert h.services is not None
                console = h.services.features.get(Helpdesk).console
                await asyncio.wait_for(console.started.wait(), 30)
                for _ in range(50):  # the broadcast goes out through the outbox
                    if not await h.services.features.get(Broadcasts).service.sending():
                        break
                    await asyncio.sleep(0.2)
                with subprocess_friendly_policy():
                    playwright = async_playwright()
                    p = await playwright.__aenter__()
                try:
                    browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                    shots += await miniapp(browser, h)
                    shots += await organisers(browser, console.url)
                    await browser.close()
                finally:
                    await playwright.__aexit__(None, None, None)
            finally:
                await h.stop()
    if docs:
        shutil.copyfile(OUT / "miniapp-programme.png", DOCS / "miniapp-programme.png")
        shutil.copyfile(OUT / "live-picture.png", DOCS / "live-picture.png")
    return shots


async def miniapp(browser, h: Harness) -> list[Path]:  # type: ignore[no-untyped-def]
    assert h.services is not None
    base = f"http://127.0.0.1:{h.services.http_port}/app"
    shots = []
    for user_id, language in ((9000, "en"), (9001, "id")):
        init_data = sign_init_data(TOKEN, {"id": user_id, "first_name": f"Delegate {user_id}", "language_code": language}, datetime.now(timezone.utc))
        page = await browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        await page.goto(f"{base}#tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0")
        await page.wait_for_selector("li.session")
        suffix = "" if language == "en" else f"-{language}"
        for name, selector in (("programme", None), ("talk", "[data-view='/app/api/talk/session-2-panel-economic']"),
                               ("agenda", "nav.tabs button[data-view='/app/api/agenda']"), ("speakers", "nav.tabs button[data-view='/app/api/speakers']"),
                               ("venue", "nav.tabs button[data-view='/app/api/venue']")):
            if selector:
                await page.click(selector)
                await page.wait_for_load_state("networkidle")
            path = OUT / f"miniapp-{name}{suffix}.png"
            await page.screenshot(path=str(path))
            shots.append(path)
            if name == "talk":
                await page.click("[data-back]")
                await page.wait_for_selector("li.session")
        await page.close()
    return shots


async def organisers(browser, url: str) -> list[Path]:  # type: ignore[no-untyped-def]
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(url + "/login")
    await page.fill("input[name=name]", "olga")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_url("**/tickets")
    shots = []

    async def save(name: str, full: bool = True) -> None:
        path = OUT / f"{name}.png"
        await page.screenshot(path=str(path), full_page=full)
        shots.append(path)

    await page.goto(url + "/live")
    await save("live-picture")
    await page.goto(url + "/broadcasts")
    await page.fill("textarea[name=text_en]", "The closing session moves to the Grand Ballroom at 16:00.")
    await page.fill("textarea[name=text_id]", "Sesi penutupan pindah ke Grand Ballroom pukul 16.00.")
    await save("broadcasts-compose")
    await page.click("form.compose button[type=submit]")
    await save("broadcasts-preview")
    await page.goto(url + "/broadcasts/1")
    await save("broadcasts-delivery")
    await page.goto(url + "/training")
    await save("training")
    await page.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", action="store_true", help="also refresh the README's pictures in docs/")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"screenshots: Chromium is not at {CHROMIUM}: install it with `apt-get install -y chromium`", file=sys.stderr)
        return 1
    for path in asyncio.run(shoot(args.docs)):
        print(path.relative_to(PROJECT_ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
