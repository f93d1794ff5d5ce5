"""Schedule benchmark: importing, syncing and searching synthetic conferences of 20, 900 and 5 000
talks (FOSDEM's proportions: 30 talks a room, 14 a track, two days; tests/schedule/synthetic.py).

For each size, in a fresh process (so that memory is its own):
- parse: reading the pretalx schedule.json of that size;
- import: the first import into an empty SQLite database (the event is created);
- sync-diff: the re-import of an edited export (5 % of the talks moved, 1 % cancelled, 1 % new) with
  its change alerts, for 200 delegates holding reminders;
- index: building the search index of the new snapshot;
- search p50/p99: answering 300 questions ("when does <speaker> talk", "talks about <title words>",
  "what's in the <track> track", typos included) through the real answer hook;
- memory: the process's peak resident memory.

    python bench/schedule.py                  # 20, 900 and 5 000 talks
    python bench/schedule.py --sizes 900 20000
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answers.service import Question  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.delegates.service import DelegateService  # noqa: E402
from bot.event.models import Session  # noqa: E402
from bot.event.service import EventService  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.reminders.service import ReminderService  # noqa: E402
from bot.schedule.answers import ProgrammeAnswers  # noqa: E402
from bot.schedule.parse import parse_schedule  # noqa: E402
from bot.schedule.schema import Person, Schedule, Talk  # noqa: E402
from bot.schedule.search import ProgrammeIndex, SearchIndexes  # noqa: E402
from bot.schedule.service import import_with_alerts  # noqa: E402
from tests.schedule.synthetic import as_pretalx_json, synthetic_schedule  # noqa: E402

NOW = datetime(2025, 1, 31, 12, 0, tzinfo=timezone.utc)
QUESTIONS = 300
DELEGATES = 200


def edited(schedule: Schedule) -> Schedule:
    talks = list(schedule.talks)
    n = len(talks)
    for i in range(0, n, 20):  # 5 % moved by 30 minutes
        t = talks[i]
        talks[i] = dataclasses.replace(t, starts_at=t.starts_at + timedelta(minutes=30), ends_at=t.ends_at + timedelta(minutes=30))
    gone = set(range(7, n, 100))  # 1 % cancelled
    new = [dataclasses.replace(talks[i], guid=f"new-{i}", export_id=f"new-{i}", title=f"Late addition {i}",
                               persons=(Person(f"code:new{i}", f"Newcomer {i}"),)) for i in range(3, n, 100)]
    return dataclasses.replace(schedule, talks=tuple(t for i, t in enumerate(talks) if i not in gone) + tuple(new))


def questions(schedule: Schedule) -> list[Question]:
    asked = []
    talks = schedule.talks
    for i in range(QUESTIONS):
        t: Talk = talks[(i * 37) % len(talks)]
        name = t.persons[0].name
        kind = i % 4
        if kind == 0:
            asked.append(Question(f"when does {name} talk?", "ask_speaker", 0.9, {}))
        elif kind == 1:
            asked.append(Question(f"talks about {' '.join(t.title.split()[:2])}", "ask_session", 0.9, {}))
        elif kind == 2:
            asked.append(Question(f"what's in the {t.track} track", "ask_session", 0.9, {}))
        else:
            first, last = name.split(" ", 1)
            asked.append(Question(f"kapan {first} {last[:2]}{last[3:]} bicara?", "ask_speaker", 0.9, {}))  # a typo, in Indonesian
    return asked


async def one(size: int) -> dict[str, float]:
    schedule = synthetic_schedule(size)
    data = as_pretalx_json(schedule)
    started = time.perf_counter()
    parsed = parse_schedule(data)
    parse_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/bench.db")
        await database.migrate()
        started = time.perf_counter()
        await import_with_alerts(database, parsed, NOW, source="bench")
        import_s = time.perf_counter() - started

        events = EventService(database)
        delegates = DelegateService(database, ["en", "id"], "en")
        reminders = ReminderService(database, events, lambda: NOW, 15)
        async with database.session() as db:
            from sqlalchemy import select

            ids = list((await db.execute(select(Session.id).order_by(Session.position))).scalars())
        for user in range(1, DELEGATES + 1):
            await delegates.seen(user, user, NOW, first_name="D", language_code="en" if user % 2 else "id")
            await reminders.subscribe(user, ids[user % 20 :: max(1, len(ids) // 10)][:10])
        started = time.perf_counter()
        synced = await import_with_alerts(database, edited(parsed), NOW + timedelta(minutes=5), source="bench", organiser_ids={1})
        sync_s = time.perf_counter() - started

        snap = await events.snapshot()
        started = time.perf_counter()
        ProgrammeIndex(snap)
        index_s = time.perf_counter() - started
        hook = ProgrammeAnswers(SearchIndexes())
        tr = Translator("en", snap.timezone)
        await hook(tr, snap, Question("warm up", "ask_session", 0.9, {}), NOW)
        latencies = []
        for q in questions(schedule):
            started = time.perf_counter()
            await hook(tr, snap, q, NOW)
            latencies.append(time.perf_counter() - started)
        await database.dispose()
    latencies.sort()
    return {
        "talks": size, "parse_s": parse_s, "import_s": import_s, "sync_s": sync_s, "changes": len(synced.changes.changes),
        "alerts": synced.told, "index_s": index_s, "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 900, 5000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one(args.one))))
        return
    header = f"{'talks':>6} {'parse':>8} {'import':>8} {'sync-diff':>10} {'changes':>8} {'alerts':>7} {'index':>8} {'search p50':>11} {'p99':>9} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['talks']:>6} {r['parse_s']:>7.2f}s {r['import_s']:>7.2f}s {r['sync_s']:>9.2f}s {r['changes']:>8} {r['alerts']:>7} "
              f"{r['index_s']:>7.2f}s {r['p50_ms']:>9.1f}ms {r['p99_ms']:>7.1f}ms {r['rss_mb']:>7.0f}MB")


if __name__ == "__main__":
    main()
