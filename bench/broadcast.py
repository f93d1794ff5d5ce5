"""Broadcast benchmark: one announcement to N delegates through the Bot API emulator.

Run 1, the emulator at Telegram's real limits (30 messages/s overall): achieved rate ÷ limit
(target >= 0.97), 429s received, messages lost and duplicated (target 0).
Run 2, the limits lifted and the outbox pacing raised: the bot's own ceiling in messages/s.

The whole bot runs (real SQLite database, python-telegram-bot, the outbox dispatcher, the broadcast
loop); the broadcast is queued as `python -m bot broadcast` queues it. The figures come from the
emulator's record of calls, not from the bot's own counters.

    python bench/broadcast.py                      # 1 800 delegates: about a minute at 30/s
    python bench/broadcast.py --delegates 10000    # the full run, about 5.5 minutes

Run 3, `--replicas N` (PostgreSQL: `--database-url`, else TEST_DATABASE_URL; a scratch database is
created on that server and dropped afterwards): N replica processes, each running the outbox
dispatcher as `python -m bot run` does, sharing one sending budget (SEND_BUDGET_URL: the database
by default, `--budget redis://...` or `--budget local` for each replica on its own). It prints the
rate of all replicas together and the busiest second (target: <= the limit, and near 30/s), then
kills one replica with SIGKILL part way (`--kill-after`, share of the delegates delivered) and
prints the survivors' rate (target: ~30/s, not 30 x (N-1)/N).

    python bench/broadcast.py --replicas 2 --lifted-delegates 0 --delegates 0 --replica-delegates 1800
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.broadcasts.feature import Broadcasts
from bot.broadcasts.service import Audience, BroadcastService, Released  # noqa: E402
from bot.clock import OffsetClock  # noqa: E402
from bot.db import async_url  # noqa: E402
from bot.delegates.models import Delegate  # noqa: E402
from bot.features import install_features  # noqa: E402
from bot.i18n import UI_LANGUAGES  # noqa: E402
from bot.outbox.dispatcher import Dispatcher  # noqa: E402
from bot.outbox.feature import budget_from, config_from  # noqa: E402
from bot.runtime import Services, build_services  # noqa: E402
from bot.settings import PROJECT_ROOT, Settings, load_settings  # noqa: E402
from bot.telegram.emulator.limits import (
    Limits,  # noqa: E402
    busiest_window,  # noqa: E402
)
from bot.telegram.emulator.server import BotApiEmulator  # noqa: E402
from bot.telegram.lifecycle import RunningBot  # noqa: E402

START = datetime.fromisoformat("2019-09-10T10:15:00+07:00")
FIRST_ID = 100_000
TEXT = "The closing session moves to the Grand Ballroom at 15:30. Please be seated by 15:20."


@dataclass
class Figures:
    delegates: int
    limit: float | None
    queue_seconds: float  # resolving the audience, rendering and inserting the outbox rows
    total_seconds: float  # from the broadcast's creation to the last delivery
    delivery_seconds: float  # from the first delivery to the last
    delivered: int
    lost: int
    duplicated: int
    too_many_requests: int
    other_errors: int

    @property
    def rate(self) -> float:
        """Messages per second while delivering (first to last message)."""
        return (self.delivered - 1) / self.delivery_seconds if self.delivery_seconds else 0.0

    @property
    def end_to_end_rate(self) -> float:
        return self.delivered / self.total_seconds if self.total_seconds else 0.0


async def add_delegates(services: Services, count: int) -> None:
    """N delegates who have talked to the bot, in the event's languages, in one transaction."""
    languages = [lang for lang in UI_LANGUAGES if lang in services.delegates.languages]
    now = services.clock.now()
    rows = [
        {"user_id": FIRST_ID + i, "chat_id": FIRST_ID + i, "first_name": f"D{i}", "language": languages[i % len(languages)],
         "language_chosen": False, "consent": False, "verified": False, "active": True, "first_seen": now, "last_seen": now}
        for i in range(count)
    ]
    async with services.database.session() as db:
        for start in range(0, len(rows), 1000):
            await db.execute(insert(Delegate), rows[start : start + 1000])


async def run(delegates: int, limits: Limits, outbox_rate: float, timeout: float, in_flight: int = 8) -> Figures:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiEmulator(limits=limits) as emu:
            for i in range(delegates):
                emu.state.add_user(FIRST_ID + i, f"D{i}", language_code="en")
            settings = Settings(
                telegram_bot_token="123456:BENCH", telegram_api_base_url=emu.base_url,
                database_url=f"sqlite:///{tmp}/bench.db", event_file=Path(os.environ.get("EVENT_FILE") or PROJECT_ROOT / "data" / "event.yml"),
                outbox_rate_per_second=outbox_rate, outbox_max_in_flight=in_flight,
                nlu_url="http://127.0.0.1:9",  # no questions are asked here: spares loading the NLU model
            )
            services = await build_services(settings, clock=OffsetClock(START))
            install_features(services)
            await add_delegates(services, delegates)
            bot = RunningBot(services)
            await bot.start()
            try:
                broadcasts: BroadcastService = services.features.get(Broadcasts).service
                started = time.monotonic()
                released = await broadcasts.create({services.delegates.default_language: TEXT}, Audience("all"))
                queued = time.monotonic()
                assert isinstance(released, Released)
                chats = set(range(FIRST_ID, FIRST_ID + delegates))
                deadline = started + timeout
                delivered: set[int] = set()
                seen = 0  # the emulator's call record only grows: read each call once
                while time.monotonic() < deadline and len(delivered) < delegates:
                    calls = emu.state.calls
                    delivered.update(c.chat_id for c in calls[seen:] if c.method == "sendMessage" and c.status == 200 and c.chat_id in chats)  # type: ignore[misc]
                    seen = len(calls)
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1.0)  # let anything still in flight land before counting duplicates
            finally:
                await bot.stop()
                await services.close()
            sends = [c for c in emu.state.calls if c.method == "sendMessage" and c.chat_id in chats]
            per_chat = Counter(c.chat_id for c in sends if c.status == 200)
            delivered_at = sorted(c.at for c in sends if c.status == 200)  # the emulator's clock is time.monotonic
            tenth = max(1, len(delivered_at) // 10)
            rates = [tenth / (delivered_at[i + tenth - 1] - delivered_at[i]) for i in range(0, len(delivered_at) - tenth + 1, tenth) if delivered_at[i + tenth - 1] > delivered_at[i]]
            print("  messages/s by tenth of the broadcast: " + " ".join(f"{r:.1f}" for r in rates))
            return Figures(
                delegates=delegates, limit=limits.global_per_second if limits.enabled else None,
                queue_seconds=queued - started, total_seconds=(delivered_at[-1] - started) if delivered_at else 0.0,
                delivery_seconds=(delivered_at[-1] - delivered_at[0]) if delivered_at else 0.0,
                delivered=sum(1 for chat in chats if per_chat[chat] > 0),
                lost=sum(1 for chat in chats if per_chat[chat] == 0), duplicated=sum(n - 1 for n in per_chat.values() if n > 1),
                too_many_requests=sum(1 for c in emu.state.calls if c.status == 429),
                other_errors=sum(1 for c in sends if c.status not in (200, 429)),
            )


def report(title: str, f: Figures) -> None:
    print(f"\n{title}")
    print(f"  delegates {f.delegates}: queued in {f.queue_seconds:.1f} s, delivered {f.delivered} in {f.delivery_seconds:.1f} s")
    print(f"  delivery rate {f.rate:.2f} messages/s (first to last message); end to end {f.end_to_end_rate:.2f}/s over {f.total_seconds:.1f} s")
    if f.limit:
        print(f"  achieved rate / limit: {f.rate / f.limit:.3f} (target >= 0.97); end to end {f.end_to_end_rate / f.limit:.3f}")
    print(f"  429s received {f.too_many_requests}, other errors {f.other_errors}, lost {f.lost}, duplicated {f.duplicated} (target 0)")


# --- run 3: several replica processes sharing one budget ------------------------------------------

async def replica_worker() -> None:
    """One replica (a child process): the outbox dispatcher as `python -m bot run` runs it, its settings
    from the environment, until SIGTERM (a clean stop) or SIGKILL."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    services = await build_services(settings)
    config = config_from(settings)
    request = HTTPXRequest(connection_pool_size=32, read_timeout=10.0, connect_timeout=5.0)  # as bot/telegram/app.py
    async with Bot(settings.telegram_bot_token or "123456:BENCH", base_url=settings.telegram_api_base_url, request=request) as bot:
        dispatcher = Dispatcher(services.database, bot, services.clock, config, on_blocked=services.delegates.mark_inactive,
                                budget=budget_from(settings, services.database, config))
        task = asyncio.create_task(dispatcher.run())
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        print("ready", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await services.close()


def per_second(times: list[float]) -> list[int]:
    """Calls in each whole second from the first one."""
    if not times:
        return []
    counts = [0] * (int(times[-1] - times[0]) + 1)
    for at in times:
        counts[int(at - times[0])] += 1
    return counts


def steady_rate(times: list[float]) -> float:
    """Messages/s over a stretch, its first and last second left out (the burst, the tail)."""
    inner = [t for t in times if times[0] + 1.0 <= t <= times[-1] - 1.0] if times else []
    return (len(inner) - 1) / (inner[-1] - inner[0]) if len(inner) > 1 and inner[-1] > inner[0] else 0.0


async def scratch_database(server_url: str) -> tuple[str, str]:
    """A new empty database on the server of `server_url`: (its URL, its name)."""
    name = f"bench_broadcast_{os.getpid()}"
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


async def drop_database(server_url: str, name: str) -> None:
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def run_replicas(server_url: str, replicas: int, delegates: int, limit: float, outbox_rate: float, budget: str,
                       kill_after: float, lease: float) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url, name = await scratch_database(server_url)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        async with BotApiEmulator(limits=Limits(global_per_second=limit)) as emu:
            for i in range(delegates):
                emu.state.add_user(FIRST_ID + i, f"D{i}", language_code="en")
            event_file = Path(os.environ.get("EVENT_FILE") or PROJECT_ROOT / "data" / "event.yml")
            settings = Settings(telegram_bot_token="123456:BENCH", telegram_api_base_url=emu.base_url, database_url=url,
                                event_file=event_file, nlu_url="http://127.0.0.1:9")
            services = await build_services(settings, clock=OffsetClock(START))
            install_features(services)
            await add_delegates(services, delegates)
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123456:BENCH", "TELEGRAM_API_BASE_URL": emu.base_url, "DATABASE_URL": url,
                   "EVENT_FILE": str(event_file), "NLU_URL": "http://127.0.0.1:9", "ASSISTANT_NOW": START.isoformat(),
                   "OUTBOX_RATE": f"{outbox_rate:g}", "OUTBOX_LEASE_SECONDS": f"{lease:g}", "SEND_BUDGET_URL": budget}
            for _ in range(replicas):
                processes.append(subprocess.Popen([sys.executable, __file__, "--replica-worker"], env=env, stdout=subprocess.PIPE))
            for p in processes:  # each says "ready" once its dispatcher runs
                line = await asyncio.get_running_loop().run_in_executor(None, p.stdout.readline)  # type: ignore[union-attr]
                assert line.strip() == b"ready", f"a replica did not start: {line!r}"
            broadcasts: BroadcastService = services.features.get(Broadcasts).service
            released = await broadcasts.create({services.delegates.default_language: TEXT}, Audience("all"))
            assert isinstance(released, Released)
            chats = set(range(FIRST_ID, FIRST_ID + delegates))

            def delivered_times() -> list[float]:
                return sorted(c.at for c in emu.state.calls if c.method == "sendMessage" and c.status == 200 and c.chat_id in chats)

            killed_at: float | None = None
            deadline = time.monotonic() + delegates / (outbox_rate / 2) + lease + 120
            while time.monotonic() < deadline:
                times = delivered_times()
                if len(set(c.chat_id for c in emu.state.calls if c.method == "sendMessage" and c.status == 200 and c.chat_id in chats)) >= delegates:
                    break
                if killed_at is None and replicas > 1 and len(times) >= delegates * kill_after:
                    processes[0].send_signal(signal.SIGKILL)
                    killed_at = emu.state.monotonic()
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)
            await services.close()
            times = delivered_times()
            sends = [c for c in emu.state.calls if c.method == "sendMessage" and c.chat_id in chats]
            per_chat = Counter(c.chat_id for c in sends if c.status == 200)
            together = [t for t in times if killed_at is None or t < killed_at]
            alone = [t for t in times if killed_at is not None and t >= killed_at]
            how = "each pacing itself" if budget == "local" else "sharing one budget"
            print(f"\n{replicas} replicas {how} (SEND_BUDGET_URL={budget}, OUTBOX_RATE={outbox_rate:g}, emulator limit {limit:g}/s), {delegates} delegates")
            print(f"  all {replicas} replicas: {len(together)} messages, steady {steady_rate(together):.2f}/s, busiest second {busiest_window(together)} (limit {limit:g})")
            print("    per second: " + " ".join(str(n) for n in per_second(together)))
            if killed_at is not None:
                print(f"  replica 0 killed (SIGKILL) after {len(together)} messages; {replicas - 1} left: {len(alone)} messages, "
                      f"steady {steady_rate(alone):.2f}/s, busiest second {busiest_window(alone)}")
                print("    per second: " + " ".join(str(n) for n in per_second(alone)))
            print(f"  busiest second overall {busiest_window(times)} (limit {limit:g}); 429s {sum(1 for c in emu.state.calls if c.status == 429)}; "
                  f"lost {sum(1 for chat in chats if per_chat[chat] == 0)}; duplicated {sum(n - 1 for n in per_chat.values() if n > 1)} "
                  f"(at most the kill's calls in flight)")
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        await drop_database(server_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=1800, help="recipients at the real limit (default 1800, about a minute)")
    parser.add_argument("--limit", type=float, default=30.0, help="the emulator's overall limit, messages/s (Telegram: 30)")
    parser.add_argument("--rate", type=float, default=None, help="OUTBOX_RATE for the bot (default: the limit)")
    parser.add_argument("--lifted-delegates", type=int, default=5000, help="recipients with the limits lifted (0 skips the run)")
    parser.add_argument("--in-flight", type=int, default=8, help="OUTBOX_MAX_IN_FLIGHT (default 8, the bot's default)")
    parser.add_argument("--replicas", type=int, default=0, help="run 3: this many replica processes sharing one budget (PostgreSQL)")
    parser.add_argument("--replica-delegates", type=int, default=1800, help="recipients in run 3 (default 1800)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"), help="run 3's PostgreSQL server (default TEST_DATABASE_URL)")
    parser.add_argument("--budget", default="database", help="run 3's SEND_BUDGET_URL: database, redis://..., local")
    parser.add_argument("--kill-after", type=float, default=0.4, help="run 3: SIGKILL replica 0 after this share was delivered (1 = never)")
    parser.add_argument("--lease", type=float, default=10.0, help="run 3: OUTBOX_LEASE_SECONDS (a killed replica's rows return after it)")
    parser.add_argument("--replica-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replica_worker:
        asyncio.run(replica_worker())
        return
    if args.delegates:
        limited = asyncio.run(run(args.delegates, Limits(global_per_second=args.limit), args.rate or args.limit, timeout=args.delegates / args.limit * 3 + 60, in_flight=args.in_flight))
        report(f"At the emulator's real limit ({args.limit:g}/s, OUTBOX_RATE={args.rate or args.limit:g})", limited)
    if args.lifted_delegates:
        lifted = asyncio.run(run(args.lifted_delegates, Limits.lifted(), 100_000.0, timeout=600, in_flight=args.in_flight))
        report(f"Limits lifted (OUTBOX_RATE=100000, OUTBOX_MAX_IN_FLIGHT={args.in_flight}): the bot's own ceiling", lifted)
    if args.replicas:
        if not args.database_url or not args.database_url.startswith("postgres"):
            parser.error("--replicas needs PostgreSQL: --database-url postgresql://... (or TEST_DATABASE_URL)")
        asyncio.run(run_replicas(args.database_url, args.replicas, args.replica_delegates, args.limit, args.rate or args.limit,
                                 args.budget, args.kill_after, args.lease))


if __name__ == "__main__":
    main()
