"""Open-loop load benchmark of the reply path: questions arrive at a fixed rate, whatever the bot does.

The bot runs as it does in production, `python -m bot` in its own process (so its CPU and memory are
its own), against the Bot API emulator (limits lifted) in this process. Questions come from many
delegates (each below the per-delegate flood limit) at R questions/s for `--seconds`; a reply's
latency is from the update's arrival at the emulator to the bot's sendMessage reaching it. Prints
sent, answered, p50/p95/p99/max latency, CPU per reply (the bot's process, and its NLU child if
any), the bot's memory (RSS), and the cold start (process start to the first answer).

`--broadcast N` (issue 17 item 4): before the questions, N delegates are added to the bot's database
and `python -m bot broadcast --text ... --audience all` queues an announcement to all of them (the
product's own CLI; the running bot's outbox delivers it), with the emulator's limits on (Telegram's
30 messages/s overall, `--global-limit` to change it, 0 lifts only that one; about 1/s per chat).
The questions are asked while it is being sent, by other delegates who join after its release (not in
its audience), so replies and broadcast messages are told apart by chat. Also prints the broadcast
messages sent meanwhile, the busiest second over all chats and in one chat, and the 429s.

Rows: polling and webhook, SQLite and PostgreSQL (BENCH_DATABASE_URL / TEST_DATABASE_URL, else the
local server on 127.0.0.1:5432 as .ci/run finds it, database `perf`; its public schema is reset),
NLU in process and over HTTP (a `rasa run` server, `--nlu http`).

Usage:
  python bench/load.py --rate 100                   # one row per mode
  python bench/load.py --find                       # the highest rate with p99 <= 60 ms
  python bench/load.py --rate 100 --only polling/sqlite/process
  python bench/load.py --rate 30 --seconds 20 --broadcast 5000 --only polling/sqlite
Targets (printed, not asserted): >= 150 replies/s; at 100 q/s p50 <= 15 ms, p99 <= 60 ms; cold start <= 10 s;
with a broadcast of 5 000 running, the replies' p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.telegram.emulator.limits import Limits, busiest_window  # noqa: E402
from bot.telegram.emulator.server import BotApiEmulator  # noqa: E402
from nlu.server import free_port  # noqa: E402

# Questions whose answer is one message, so each reply can be paired with its question.
QUESTIONS = [
    "what is the dress code?", "what's the wifi password?", "what's next?", "when does Retno Marsudi speak?",
    "jadwal besok apa saja?", "makan siang di mana?", "who are the speakers?", "sesi tentang krisis jam berapa?",
]
NOW = "2019-09-10T10:15:00+07:00"
MAX_PER_DELEGATE = 10  # questions per delegate in a run, and within the flood guard's burst of 6 + 0.5/s
P99_TARGET = 60.0
BROADCAST_P99_TARGET = 100.0
BROADCAST_FIRST_ID = 100_000  # the broadcast's audience; the question askers are 1 000 000 and up
BROADCAST_TEXT = "The closing session moves to the Grand Ballroom at 15:30. Please be seated by 15:20."
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _tree(pid: int) -> list[int]:
    """The process and its descendants (the NLU child of NLU_PROCESSES)."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):  # a child started from a thread is listed under that thread
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            out += _tree(int(child))
    return out


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def rss_mb(pid: int) -> float:
    total = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def local_postgres() -> str | None:
    """The PostgreSQL to use, as .ci/run finds it: the environment's, else the local server's `perf`."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if shutil.which("pg_isready") and subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0:
        return "postgresql://postgres@127.0.0.1:5432/perf"
    return None


async def reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.db import async_url

    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@dataclass
class BroadcastFigures:
    """What the outbox sent while the questions were answered, from the emulator's record."""

    audience: int
    sent: int  # broadcast messages delivered from the first question to the last reply
    seconds: float
    global_limit: float
    busiest_second: int  # most messages (all chats, replies included) delivered in any 1-s window
    busiest_attempts: int  # most calls the bot made (refused ones too) in any 1-s window
    busiest_chat_second: int  # most messages delivered to one chat in any 1-s window
    refused_replies: int  # 429s answered to replies
    refused_broadcast: int  # 429s answered to broadcast messages

    def line(self) -> str:
        limit = (f"limit {self.global_limit:.0f}/s, a bucket that also holds a burst of {self.global_limit:.0f}"
                 if self.global_limit else "global limit lifted")
        return (f"broadcast to {self.audience}: {self.sent} messages delivered while the questions ran ({self.seconds:.1f} s,"
                f" {self.sent / max(self.seconds, 1e-9):.1f}/s); busiest 1-s window, all chats: {self.busiest_second} delivered ({limit}),"
                f" {self.busiest_attempts} calls made;"
                f" busiest 1-s window in one chat: {self.busiest_chat_second} (Telegram: about 1/s, the emulator allows a"
                f" burst of 3); 429s: {self.refused_replies} to replies, {self.refused_broadcast} to the broadcast")


@dataclass
class Result:
    rate: float
    sent: int
    answered: int
    p50: float
    p95: float
    p99: float
    max: float
    replies_per_s: float
    cpu_ms_per_reply: float
    rss_mb: float
    cold_start_s: float
    broadcast: BroadcastFigures | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.answered == self.sent and self.p99 <= (BROADCAST_P99_TARGET if self.broadcast else P99_TARGET)


class BotProcess:
    """`python -m bot` against the emulator, with the settings of a production replica."""

    def __init__(
        self, emu: BotApiEmulator, database_url: str, webhook: bool, nlu_url: str | None, extra_env: dict[str, str],
        profile: str | None = None,
    ) -> None:
        port = free_port()
        env = {
            **os.environ, "TELEGRAM_BOT_TOKEN": "123456:BENCH", "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": database_url, "EVENT_FILE": str(ROOT / "data" / "event.yml"), "ASSISTANT_NOW": NOW,
            "PORT": str(port), "LISTEN": "127.0.0.1", "HELPDESK_WEB_PORT": "0", "LOG_LEVEL": "WARNING",
            "MODEL_DIR": str(ROOT / "models"), "TF_CPP_MIN_LOG_LEVEL": "3", **extra_env,
        }
        for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "NLU_URL"):
            env.pop(name, None)
        if webhook:
            env.update(WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", WEBHOOK_SECRET="bench")
        if nlu_url:
            env["NLU_URL"] = nlu_url
        self.env = env
        self.log = tempfile.NamedTemporaryFile(prefix="bench-bot-", suffix=".log", delete=False)  # noqa: SIM115
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-console"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()
        if os.environ.get("BENCH_KEEP_LOG"):
            print(f"    the bot's log: {self.log.name}", flush=True)
        else:
            Path(self.log.name).unlink(missing_ok=True)


def profiler(pid: int, seconds: float, out: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the running bot (its threads apart, idle samples too: the event loop's waiting)
    into collapsed stacks, for the length of one offered rate; summarised by bench/profile.py."""
    spy = str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100", "--idle", "--threads",
         "--nonblocking", "--subprocesses", "--format", "raw", "-o", out],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _replies(emu: BotApiEmulator, chat_id: int) -> list[float]:
    return [c.at for c in emu.calls_to("sendMessage") if c.chat_id == chat_id and c.status == 200]


async def cold_start(emu: BotApiEmulator, bot: BotProcess) -> float:
    """Seconds from the process start to the first answer (the question is waiting from the start)."""
    user = emu.user(9_000_000, "Cold", language_code="en")
    await user.send("what's the wifi password?")
    deadline = time.monotonic() + 180
    while not _replies(emu, user.id):
        if not bot.alive():
            raise RuntimeError(f"the bot exited:\n{bot.output()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no first answer after 180 s:\n{bot.output()}")
        await asyncio.sleep(0.02)
    return _replies(emu, user.id)[0] - bot.started


async def add_delegates(database_url: str, count: int) -> None:
    """`count` delegates who have talked to the bot (as bench/broadcast.py adds them), written into the
    running bot's database: 5 000 of them starting the bot one by one would take minutes."""
    from sqlalchemy import insert
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.db import async_url
    from bot.delegates.models import Delegate

    now = datetime.fromisoformat(NOW)
    rows = [
        {"user_id": BROADCAST_FIRST_ID + i, "chat_id": BROADCAST_FIRST_ID + i, "first_name": f"B{i}",
         "language": "en" if i % 2 else "id", "language_chosen": False, "consent": False, "verified": False,
         "active": True, "first_seen": now, "last_seen": now}
        for i in range(count)
    ]
    engine = create_async_engine(async_url(database_url))
    try:
        for start in range(0, len(rows), 1000):
            async with engine.begin() as conn:
                await conn.execute(insert(Delegate), rows[start : start + 1000])
    finally:
        await engine.dispose()


async def start_broadcast(emu: BotApiEmulator, bot: BotProcess, database_url: str, count: int, global_limit: float) -> None:
    """The emulator's limits on, `count` delegates added, a broadcast to all of them queued by the
    product's CLI; returns once its first message has reached the emulator."""
    for i in range(count):
        emu.state.add_user(BROADCAST_FIRST_ID + i, f"B{i}", language_code="en" if i % 2 else "id")
    limits = emu.limits
    limits.enabled = True
    limits.global_per_second = global_limit if global_limit > 0 else 1e9
    limits.reset()
    await add_delegates(database_url, count)
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "broadcast", "--text", BROADCAST_TEXT, "--audience", "all", cwd=ROOT, env=bot.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await cli.communicate()
    print(f"    python -m bot broadcast: {out.decode(errors='replace').strip()[-300:]}", flush=True)
    if cli.returncode != 0:
        raise RuntimeError(f"python -m bot broadcast exited with {cli.returncode}")
    audience = range(BROADCAST_FIRST_ID, BROADCAST_FIRST_ID + count)
    deadline = time.monotonic() + 60
    while not any(c.chat_id in audience and c.ok for c in emu.calls_to("sendMessage")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no broadcast message within 60 s:\n{bot.output()}")
        await asyncio.sleep(0.05)


def broadcast_figures(emu: BotApiEmulator, askers: set[int], audience: int, since: float, until: float) -> BroadcastFigures:
    calls = [c for c in emu.state.calls if Limits.counts(c.method) and since <= c.at <= until]
    delivered = [c for c in calls if c.ok]
    per_chat: dict[object, list[float]] = defaultdict(list)
    for c in delivered:
        per_chat[c.chat_id].append(c.at)
    return BroadcastFigures(
        audience=audience, sent=sum(1 for c in delivered if c.chat_id not in askers), seconds=until - since,
        global_limit=emu.limits.global_per_second if emu.limits.global_per_second < 1e9 else 0.0,
        busiest_second=busiest_window([c.at for c in delivered]), busiest_attempts=busiest_window([c.at for c in calls]),
        busiest_chat_second=max((busiest_window(times) for times in per_chat.values()), default=0),
        refused_replies=sum(1 for c in calls if c.status == 429 and c.chat_id in askers),
        refused_broadcast=sum(1 for c in calls if c.status == 429 and c.chat_id not in askers),
    )


async def offer(
    emu: BotApiEmulator, bot: BotProcess, rate: float, seconds: float, first_user: int, broadcast: int = 0,
) -> Result:
    """`rate` questions/s for `seconds`, round-robin over enough delegates, then waits for the replies.
    With `broadcast` (its audience's size) also the figures of the broadcast sent meanwhile."""
    total = int(rate * seconds)
    per_delegate = max(1, min(MAX_PER_DELEGATE, int(5 + 0.4 * seconds)))
    delegates = max(1, math.ceil(total / per_delegate))
    users = [emu.user(first_user + i, f"D{i}", language_code="en" if i % 2 else "id") for i in range(delegates)]
    sent_at: dict[int, list[float]] = {u.id: [] for u in users}
    askers = set(sent_at)

    def replied() -> int:
        return sum(1 for c in emu.calls_to("sendMessage") if c.chat_id in askers and c.ok)

    cpu0 = cpu_seconds(bot.pid)
    loop = asyncio.get_running_loop()
    start = loop.time()
    since = time.monotonic()
    for k in range(total):
        due = start + k / rate
        if (pause := due - loop.time()) > 0:
            await asyncio.sleep(pause)
        user = users[k % delegates]
        sent_at[user.id].append(time.monotonic())
        await user.send(QUESTIONS[(k // delegates + k) % len(QUESTIONS)])
    offered_for = loop.time() - start
    deadline = time.monotonic() + 30
    while replied() < total and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    elapsed = loop.time() - start
    figures = broadcast_figures(emu, askers, broadcast, since, time.monotonic()) if broadcast else None
    cpu = cpu_seconds(bot.pid) - cpu0
    latencies: list[float] = []
    for user in users:
        replies = _replies(emu, user.id)
        latencies += [(r - s) * 1000 for s, r in zip(sent_at[user.id], replies, strict=False)]
    answered = len(latencies)
    return Result(
        rate=rate, sent=total, answered=answered, p50=percentile(latencies, 50), p95=percentile(latencies, 95),
        p99=percentile(latencies, 99), max=max(latencies, default=math.nan),
        replies_per_s=answered / max(elapsed, offered_for), cpu_ms_per_reply=cpu * 1000 / max(answered, 1),
        rss_mb=rss_mb(bot.pid), cold_start_s=math.nan, broadcast=figures,
    )


async def run_mode(
    rates: list[float], seconds: float, *, webhook: bool, database: str | None, nlu_url: str | None,
    find: bool, extra_env: dict[str, str], profile: str | None = None, broadcast: int = 0, global_limit: float = 30.0,
) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database or f"sqlite:///{tmp}/bench.db"
        if database:
            await reset_postgres(database)
        async with BotApiEmulator(limits=Limits.lifted()) as emu:
            bot = BotProcess(emu, url, webhook, nlu_url, extra_env)
            try:
                cold = await cold_start(emu, bot)
                await offer(emu, bot, 20, 2, 1_000_000)  # warm-up: connections, caches, the model's first calls
                if broadcast:
                    await start_broadcast(emu, bot, url, broadcast, global_limit)
                results: list[Result] = []
                for n, rate in enumerate(rates):
                    spy = profiler(bot.pid, seconds, profile) if profile else None
                    r = await offer(emu, bot, rate, seconds, 2_000_000 + n * 100_000, broadcast)
                    r.cold_start_s = cold
                    if spy is not None:
                        spy.wait()
                    results.append(r)
                    if r.broadcast is not None:
                        print(f"    {r.broadcast.line()}", flush=True)
                    if find:
                        print(f"    {rate:>6.0f} q/s: answered {r.answered}/{r.sent}, p50 {r.p50:.1f} ms, p99 {r.p99:.1f} ms"
                              f" -> {'ok' if r.ok else 'over'}", flush=True)
                        if not r.ok:
                            break
                return results
            finally:
                bot.stop()


def header() -> str:
    return (f"| {'updates via':<11} | {'database':<10} | {'NLU':<10} | {'rate q/s':>8} | {'sent':>5} | {'answered':>8} | "
            f"{'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'max ms':>7} | {'replies/s':>9} | {'CPU ms/reply':>12} | "
            f"{'RSS MB':>6} | {'cold s':>6} |\n|" + "|".join("-" * (w + 2) for w in (11, 10, 10, 8, 5, 8, 7, 7, 7, 7, 9, 12, 6, 6)) + "|")


def row(mode: str, db: str, nlu: str, r: Result) -> str:
    return (f"| {mode:<11} | {db:<10} | {nlu:<10} | {r.rate:>8.0f} | {r.sent:>5} | {r.answered:>8} | {r.p50:>7.1f} | {r.p95:>7.1f} | "
            f"{r.p99:>7.1f} | {r.max:>7.1f} | {r.replies_per_s:>9.1f} | {r.cpu_ms_per_reply:>12.1f} | {r.rss_mb:>6.0f} | {r.cold_start_s:>6.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="questions offered per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--find", action="store_true", help="raise the rate until p99 > 60 ms; print the highest that held")
    parser.add_argument("--start", type=float, default=50.0, help="--find: the first rate")
    parser.add_argument("--step", type=float, default=25.0, help="--find: the rate's step")
    parser.add_argument("--only", action="append", default=[],
                        help="modes to run, e.g. polling/sqlite/process (updates/database/nlu; parts may be omitted)")
    parser.add_argument("--profile", help="py-spy's collapsed stacks of the bot (whole run) into this file")
    parser.add_argument("--nlu", choices=("process", "http", "both"), default="process")
    parser.add_argument("--broadcast", type=int, default=0, metavar="N",
                        help="a broadcast to N other delegates running while the questions are answered (limits on)")
    parser.add_argument("--global-limit", type=float, default=30.0,
                        help="--broadcast: the emulator's messages/s over all chats (Telegram's 30; 0 lifts it alone)")
    args = parser.parse_args()

    postgres = local_postgres()
    databases: list[tuple[str, str | None]] = [("SQLite", None)] + ([("PostgreSQL", postgres)] if postgres else [])
    nlus = {"process": ["process"], "http": ["http"], "both": ["process", "http"]}[args.nlu]
    load = os.getloadavg()
    limits = (f"emulator limits on from the broadcast's start (overall {args.global_limit:.0f}/s, 1/s per chat)"
              if args.broadcast else "emulator limits lifted")
    if args.broadcast and args.global_limit <= 0:
        limits = "emulator limits on from the broadcast's start (overall lifted, 1/s per chat)"
    print(f"open loop, {args.seconds:.0f} s per rate, {os.cpu_count()} cores, load average {load[0]:.1f} at start,"
          f" {limits}, NLU_PROCESSES={os.environ.get('NLU_PROCESSES', '(unset)')}")
    if not postgres:
        print("PostgreSQL: no server on 127.0.0.1:5432 and no BENCH_DATABASE_URL/TEST_DATABASE_URL: its rows are absent")
    rates = [args.start + args.step * i for i in range(40)] if args.find else [args.rate]
    rasa = None
    lines: list[str] = []
    best: list[str] = []
    try:
        for nlu in nlus:
            nlu_url = None
            if nlu == "http":
                from nlu.server import start_rasa_server
                from nlu.train import pick_model

                model = pick_model(ROOT / "models")
                if model is None:
                    raise SystemExit("no trained model in models/: run `make train`")
                rasa = start_rasa_server(model)
                rasa.wait_until_ready()
                nlu_url = rasa.url
            for label, url in databases:
                for webhook in (False, True):
                    mode = "webhook" if webhook else "polling"
                    key = f"{mode}/{label.lower()}/{nlu}"
                    if args.only and not any(all(part in key.split("/") for part in o.lower().split("/")) for o in args.only):
                        continue
                    if args.find:
                        print(f"  {key}:", flush=True)
                    results = asyncio.run(run_mode(rates, args.seconds, webhook=webhook, database=url, nlu_url=nlu_url,
                                                   find=args.find, extra_env={}, profile=args.profile,
                                                   broadcast=args.broadcast, global_limit=args.global_limit))
                    if args.find:
                        held = [r for r in results if r.ok]
                        best.append(f"{key}: highest rate with p99 <= {P99_TARGET:.0f} ms: "
                                    + (f"{held[-1].rate:.0f} q/s" if held else f"below {rates[0]:.0f} q/s"))
                        shown = held[-1:] + [r for r in results if not r.ok]
                    else:
                        shown = results
                    for r in shown:
                        lines.append(row(mode, label, nlu, r))
                    print(header() + "\n" + "\n".join(lines), flush=True) if not args.find else None
                    lines = lines if args.find else []
            if rasa is not None:
                rasa.stop()
                rasa = None
    finally:
        if rasa is not None:
            rasa.stop()
    if args.find:
        print(header())
        print("\n".join(lines))
        print("\n".join(best))
    print("targets (not asserted): >= 150 replies/s; at 100 q/s p50 <= 15 ms and p99 <= 60 ms; cold start <= 10 s;"
          " with a broadcast of 5 000 running, the replies' p99 <= 100 ms")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    os._exit(0)


if __name__ == "__main__":
    main()
