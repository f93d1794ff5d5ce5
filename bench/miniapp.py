"""Mini App benchmark: how fast the programme's views come at FOSDEM's size (883 talks, generated).

The server side of what a phone waits for: rendering a day's first page (the HTML fragment the page
inserts), the next page as the delegate scrolls, a search, a talk's page and My agenda with 50 stars,
through the real routes, initData validation and database. With --browser, also the time headless
Chromium takes from opening the Mini App to the first page of talks on screen.

    python bench/miniapp.py
    python bench/miniapp.py --browser
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from bot.db import Database  # noqa: E402
from bot.delegates.service import DelegateService  # noqa: E402
from bot.event.importer import import_event  # noqa: E402
from bot.event.loader import parse_event  # noqa: E402
from bot.event.service import EventService  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.miniapp.initdata import InitDataValidator, sign_init_data  # noqa: E402
from bot.miniapp.service import MiniAppService  # noqa: E402
from bot.miniapp.web import miniapp_routes  # noqa: E402
from bot.reminders.service import ReminderService  # noqa: E402
from tests.miniapp.synthetic import TALKS, fosdem_like  # noqa: E402

NOW = datetime(2019, 9, 9, tzinfo=timezone.utc)
TOKEN = "123456:BENCH"
RUNS = 20


async def timed(client: TestClient, path: str, headers: dict[str, str]) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        body = await response.read()
        times.append(time.perf_counter() - started)
        assert response.status == 200, (path, response.status)
        size = len(body)
    return statistics.median(times), size


async def main(browser: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/bench.db")
        await database.migrate()
        await import_event(database, parse_event(fosdem_like()), NOW)
        events = EventService(database)
        snap = await events.snapshot()
        delegates = DelegateService(database, ("en", "id"), "en")
        await delegates.seen(1, 1, NOW, first_name="Bench", language_code="en")
        reminders = ReminderService(database, events, lambda: NOW, 15)
        await reminders.subscribe(1, [s.id for s in snap.sessions[::17]][:50])

        async def translator(language: str) -> Translator:
            return Translator(language, snap.timezone, snap.default_language)

        app = web.Application()
        app.add_routes(miniapp_routes(MiniAppService(delegates, events, reminders, translator), InitDataValidator(TOKEN, timedelta(hours=1)), lambda: NOW, wall_clock=lambda: NOW))
        init_data = sign_init_data(TOKEN, {"id": 1, "first_name": "Bench"}, NOW)
        headers = {"Authorization": f"tma {init_data}"}
        async with TestClient(TestServer(app)) as client:
            print(f"Mini App views, {TALKS} talks in {len(snap.days)} days (median of {RUNS}, server side):")
            for label, path in (
                ("a day, first page", "/app/api/programme?day=sat"),
                ("a day, next page", "/app/api/programme?day=sat&offset=60"),
                ("search 'python'", "/app/api/programme?q=python"),
                ("a talk", "/app/api/talk/t500"),
                ("my agenda (50 stars)", "/app/api/agenda"),
                ("speakers (700)", "/app/api/speakers"),
            ):
                seconds, size = await timed(client, path, headers)
                print(f"  {label:<22} {seconds * 1000:7.1f} ms  {size / 1024:6.1f} KiB")
            if browser:
                await in_browser(str(client.make_url("/app")), init_data)
        await database.dispose()


async def in_browser(url: str, init_data: str) -> None:
    from urllib.parse import quote

    from playwright.async_api import async_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = await chromium.new_page(viewport={"width": 390, "height": 844})
        times = []
        for _ in range(5):
            await page.goto("about:blank")
            started = time.perf_counter()
            await page.goto(f"{url}#tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0")
            await page.wait_for_selector("li.session")
            times.append(time.perf_counter() - started)
        print(f"  headless Chromium, open to first talks on screen: median {statistics.median(times) * 1000:.0f} ms")
        await chromium.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browser", action="store_true", help="also time headless Chromium (Debian's /usr/bin/chromium)")
    asyncio.run(main(parser.parse_args().browser))
