"""Reminder delivery at Telegram's real limit: a burst of reminders due in one window, through the
real bot process and the Bot API emulator (in its own process, enforcing 30 messages/s overall).

    .venv/bin/python bench/reminders.py                                  # 500 delegates x 10 = 5 000
    .venv/bin/python bench/reminders.py --delegates 5000 --per-delegate 10 --window 300   # the full 50 000
    .venv/bin/python bench/reminders.py --latency 80                     # every call takes 80 ms

Every delegate subscribes to `--per-delegate` sessions whose reminders fall due, spread evenly, within
`--window` seconds (default: the full run's density, 50 000 in 5 minutes, scaled to the count), so a
backlog builds up and the outbox has to drain it at the limit. Printed figures:

- messages/s against the limit (first to last delivery, emulator clock) and the 429s received;
- lateness (delivered minus due) p50/p99/max, next to the lateness the queue position forces on a
  perfect sender at the limit (message k of a backlog cannot go before k/limit): the difference is
  what the dispatcher adds;
- lost and doubled reminders (emulator's record against the subscriptions), both should be 0;
- memory: the bot process's resident set before the window and at its peak.

The bot runs with NLU_URL pointing nowhere: nobody types in this benchmark, and the Rasa model would
only add its gigabyte to the memory figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import Database  # noqa: E402
from bot.delegates.models import Delegate  # noqa: E402
from bot.event.importer import import_event  # noqa: E402
from bot.event.loader import parse_event  # noqa: E402
from bot.outbox.models import OutboxMessage  # noqa: E402
from bot.reminders.models import WAITING, Reminder  # noqa: E402

ZONE_OFFSET = timedelta(hours=7)  # the generated event is in Jakarta
LEAD_MINUTES = 60  # long enough that a 50 000 backlog (28 minutes at 30/s) drains before the sessions start
FIRST_CHAT = 1_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def event_text(sessions: int, first_start: datetime, step: float) -> str:
    """A small event with `sessions` parallel sessions, one room each, starting `step` seconds apart."""
    def local(instant: datetime) -> str:
        return (instant + ZONE_OFFSET).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")

    day = (first_start + ZONE_OFFSET).date().isoformat()
    rooms = "".join(f"  - id: room-{k}\n    name: Room {k}\n" for k in range(sessions))
    items = "".join(
        f"  - id: talk-{k}\n    number: {k + 1}\n    title: {{en: Talk {k + 1} on digital diplomacy, id: Sesi {k + 1} diplomasi digital}}\n"
        f"    kind: session\n    start: {local(first_start + timedelta(seconds=k * step))}\n"
        f"    end: {local(first_start + timedelta(seconds=k * step, hours=1))}\n    room: room-{k}\n"
        for k in range(sessions)
    )
    return f"""\
event:
  id: bench
  name: {{en: Benchmark Conference, id: Konferensi Benchmark}}
  host: Host Ministry
  organiser: Host Ministry
  description: {{en: A benchmark., id: Sebuah benchmark.}}
  timezone: Asia/Jakarta
  languages: [en, id]
  default_language: en
venue:
  name: Bench Hotel
  address: Jl. Bench 1, Jakarta
  latitude: -6.2
  longitude: 106.8
  directions: Take a taxi.
  transport: Taxis at the airport.
rooms:
{rooms}days:
  - id: day-1
    date: {day}
    label: {{en: Day 1, id: Hari pertama}}
sessions:
{items}"""


async def prepare(url: str, delegates: int, per_delegate: int, first_due: datetime, window: float, now: datetime) -> dict[str, datetime]:
    """The event, the delegates (half English, half Indonesian) and their reminders; returns each
    session's due time."""
    step = window / max(1, per_delegate - 1) if per_delegate > 1 else 0.0
    first_start = first_due + timedelta(minutes=LEAD_MINUTES)
    database = Database(url)
    await database.migrate()
    await import_event(database, parse_event(event_text(per_delegate, first_start, step)), now)
    async with database.session() as db:
        for start in range(0, delegates, 2000):
            chunk = range(FIRST_CHAT + start, FIRST_CHAT + min(delegates, start + 2000))
            await db.execute(insert(Delegate), [
                {"user_id": c, "chat_id": c, "language": "en" if c % 2 else "id", "language_chosen": True, "consent": False,
                 "verified": False, "active": True, "first_seen": now, "last_seen": now, "reminder_lead_minutes": LEAD_MINUTES}
                for c in chunk
            ])
            await db.execute(insert(Reminder), [
                {"user_id": c, "session_id": f"talk-{k}", "status": WAITING, "created_at": now}
                for c in chunk for k in range(per_delegate)
            ])
    await database.dispose()
    return {f"talk-{k}": first_due + timedelta(seconds=k * step) for k in range(per_delegate)}


def control(base: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"},
                                     method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    if not answer.get("ok"):
        raise RuntimeError(f"{path}: {answer}")
    return answer["result"]


def rss_kb(pid: int) -> tuple[int, int]:
    """(resident now, peak resident) of a process, in kB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def outbox_rows(url: str) -> tuple[Counter[str], list[tuple[str, datetime | None]]]:
    """Outbox statuses, and (source, sent_at) per row: a reminder's source is "session:<id>"."""
    database = Database(url)
    async with database.session() as db:
        statuses = Counter(dict((await db.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()))
        times = list((await db.execute(select(OutboxMessage.source_id, OutboxMessage.sent_at))).all())
    await database.dispose()
    return statuses, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=500)
    parser.add_argument("--per-delegate", type=int, default=10)
    parser.add_argument("--window", type=float, default=None, help="seconds over which the reminders fall due (default: 50 000 per 300 s, scaled)")
    parser.add_argument("--rate", type=float, default=30.0, help="the emulator's limit and OUTBOX_RATE (messages/s)")
    parser.add_argument("--latency", type=float, default=0.0, help="extra milliseconds the emulator takes for every send")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--timeout", type=float, default=None, help="give up after this many seconds of delivery")
    args = parser.parse_args()
    total = args.delegates * args.per_delegate
    window = args.window if args.window is not None else 300.0 * total / 50_000
    workdir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"{args.delegates} delegates x {args.per_delegate} reminders = {total}, due within {window:.0f} s; "
          f"limit {args.rate:g}/s; database {url.split(':')[0]}; work dir {workdir}", flush=True)

    emulator = subprocess.Popen([sys.executable, "-m", "bot.telegram.emulator", "--port", str(port), "--log-level", "WARNING"],
                                cwd=ROOT, stdout=(workdir / "emulator.log").open("wb"), stderr=subprocess.STDOUT)
    bot: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(300):
            try:
                control(base, "/_emulator")
                break
            except OSError:
                time.sleep(0.1)
        control(base, "/_emulator/limits", {"global_per_second": args.rate})
        if args.latency > 0:
            control(base, "/_emulator/faults", {"rate": 1.0, "kinds": ["timeout"], "timeout_delay": args.latency / 1000, "timeout_delivers": True})
        for c in range(FIRST_CHAT, FIRST_CHAT + args.delegates):
            control(base, "/_emulator/users", {"id": c, "first_name": f"D{c}", "language_code": "en" if c % 2 else "id"})

        startup = 25.0  # the bot's start-up, before the first reminder falls due
        first_due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=startup + 30)
        clock_start = first_due - timedelta(seconds=startup)
        due = asyncio.run(prepare(url, args.delegates, args.per_delegate, first_due, window, clock_start - timedelta(hours=1)))
        env = {
            **os.environ, "TELEGRAM_BOT_TOKEN": "123456:BENCH", "TELEGRAM_API_BASE_URL": f"{base}/bot",
            "DATABASE_URL": url, "ASSISTANT_NOW": clock_start.isoformat(), "OUTBOX_RATE": str(args.rate),
            "NLU_URL": "http://127.0.0.1:9", "LOG_LEVEL": "WARNING", "EVENT_FILE": str(workdir / "unused.yml"),
        }
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-console"], cwd=ROOT, env=env,
                               stdin=subprocess.DEVNULL, stdout=(workdir / "bot.log").open("wb"), stderr=subprocess.STDOUT)
        started = time.monotonic()
        calls: list[dict[str, object]] = []
        after = -1
        baseline = (0, 0)
        deadline = None
        while True:
            time.sleep(1.0)
            if bot.poll() is not None:
                raise RuntimeError(f"the bot exited with {bot.returncode}; see {workdir / 'bot.log'}")
            fresh = control(base, f"/_emulator/calls?after={after}")
            assert isinstance(fresh, list)
            if fresh:
                after = int(fresh[-1]["index"])
                calls += [c for c in fresh if c["method"] == "sendMessage"]
            sent = sum(1 for c in calls if c["status"] == 200)
            if not sent:
                baseline = rss_kb(bot.pid)
            elif deadline is None:
                deadline = time.monotonic() + (args.timeout or total / args.rate * 3 + 120)
            progress = f"{time.monotonic() - started:6.0f} s: {sent}/{total} delivered, bot RSS {rss_kb(bot.pid)[0] / 1024:.0f} MB"
            if sys.stdout.isatty():
                print("\r" + progress, end="", flush=True)
            elif int(time.monotonic() - started) % 15 == 0:
                print(progress, flush=True)
            if sent >= total:
                time.sleep(2.0)  # anything still on its way lands before we count
                fresh = control(base, f"/_emulator/calls?after={after}")
                assert isinstance(fresh, list)
                calls += [c for c in fresh if c["method"] == "sendMessage"]
                break
            if deadline is not None and time.monotonic() > deadline:
                print("\ngave up waiting", flush=True)
                break
        peak = rss_kb(bot.pid)
    finally:
        if bot is not None and bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot.kill()
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=30)

    ok = [c for c in calls if c["status"] == 200]
    refused = sum(1 for c in calls if c["status"] == 429)
    span = float(ok[-1]["at"]) - float(ok[0]["at"]) if len(ok) > 1 else float("nan")
    rate = (len(ok) - 1) / span if len(ok) > 1 else float("nan")
    delivered = Counter((int(c["chat_id"]), str(c["params"].get("text", "")).split("\n", 1)[0]) for c in ok)  # type: ignore[union-attr]
    doubled = sum(n - 1 for n in delivered.values() if n > 1)
    lost = total - len(delivered)
    statuses, times = asyncio.run(outbox_rows(url))
    lateness = [(sent_at - due[source.split(":", 1)[1]]).total_seconds() for source, sent_at in times if sent_at is not None]
    # What a perfect sender at the limit achieves: FIFO by due time, message k not before k/limit.
    due_times = sorted(due[f"talk-{k}"] for k in range(args.per_delegate) for _ in range(args.delegates))
    ideal, free_at = [], None
    for at in due_times:
        free_at = at if free_at is None or free_at < at else free_at
        ideal.append((free_at - at).total_seconds())
        free_at += timedelta(seconds=1 / args.rate)
    print()
    print(f"delivered      {len(ok)} of {total} in {span:.1f} s: {rate:.2f} msg/s = {rate / args.rate:.1%} of the {args.rate:g}/s limit")
    print(f"429s received  {refused}")
    print(f"lateness (s)   p50 {percentile(lateness, .5):.1f}  p99 {percentile(lateness, .99):.1f}  max {max(lateness, default=float('nan')):.1f}"
          f"   (queue position alone: p50 {percentile(ideal, .5):.1f}  p99 {percentile(ideal, .99):.1f}  max {max(ideal, default=0):.1f})")
    print(f"lost / doubled {lost} / {doubled}   (outbox: {dict(statuses)})")
    print(f"bot memory     {baseline[0] / 1024:.0f} MB before the window, peak {peak[1] / 1024:.0f} MB")
    return 0 if lost == 0 and doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
