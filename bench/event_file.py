"""Event file benchmark: how long validating and importing an event file takes as it grows.

A generated conference with N sessions in parallel rooms (titles in two languages, topics): the
time `parse_event` takes to validate it whole, and the time of the first import and of a
re-import into SQLite (the upsert compares every session). The shipped sample is measured too.

    python bench/event_file.py                 # 100, 1 000 and 3 000 sessions
    python bench/event_file.py --sessions 10000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import Database  # noqa: E402
from bot.event.importer import import_event  # noqa: E402
from bot.event.loader import parse_event  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from tests.event.minimal import MINIMAL_EVENT  # noqa: E402

NOW = datetime(2019, 9, 1, tzinfo=timezone.utc)
ROOMS = 100


def conference(sessions: int) -> str:
    """MINIMAL_EVENT's header with ROOMS rooms and `sessions` 50-minute sessions from 07:00."""
    head = MINIMAL_EVENT[:MINIMAL_EVENT.index("sessions:")]
    head = head.replace("rooms:\n", "rooms:\n" + "".join(f"  - id: r{i}\n    name: Room {i}\n" for i in range(ROOMS)))
    body = ["sessions:\n"]
    for i in range(sessions):
        minutes = 7 * 60 + i // ROOMS  # 1-minute slots keep even 10 000 sessions inside the day
        body.append(
            f"  - id: s{i}\n    title: {{en: Session {i}, id: Sesi {i}}}\n    kind: session\n"
            f"    start: 2019-09-10 {minutes // 60:02d}:{minutes % 60:02d}\n"
            f"    end: 2019-09-10 {(minutes + 1) // 60:02d}:{(minutes + 1) % 60:02d}\n"
            f"    room: r{i % ROOMS}\n    topics: {{en: [digital, diplomacy, panel], id: [digital, diplomasi]}}\n"
        )
    return head + "".join(body)


async def measure(label: str, text: str) -> None:
    started = time.perf_counter()
    data = parse_event(text)
    validated = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/bench.db")
        await database.migrate()
        started = time.perf_counter()
        await import_event(database, data, NOW)
        first = time.perf_counter() - started
        started = time.perf_counter()
        await import_event(database, parse_event(text.replace("Session 0,", "Session zero,")), NOW)
        again = time.perf_counter() - started
        await database.dispose()
    print(f"{label:>22}: {len(text) / 1e6:5.2f} MB, {len(data.sessions):6d} sessions | validate {validated:6.2f} s | "
          f"first import {first:6.2f} s | re-import (1 edit) {again:6.2f} s")


async def main(sizes: list[int]) -> None:
    await measure("sample (data/event.yml)", (PROJECT_ROOT / "data" / "event.yml").read_text(encoding="utf-8"))
    for n in sizes:
        await measure(f"generated, {n} sessions", conference(n))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, nargs="*", default=[100, 1000, 3000])
    asyncio.run(main(parser.parse_args().sessions))
