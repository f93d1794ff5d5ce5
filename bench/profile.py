"""Where the reply path's time goes: py-spy's collapsed stacks (bench/load.py --profile) summed by part.

Each sample of the bot's main thread (the event loop) is put in the first part its stack passes
through, in the order below; the NLU worker thread and the database driver's threads are counted
apart. Time per reply = samples / sampling rate / replies answered meanwhile.
Usage: python bench/profile.py STACKS --replies N [--rate 100]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

# (part, a frame that puts the sample in it): first match wins, so the narrower parts come first.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("event snapshot reads", ("snapshot (bot/event/service.py", "view (bot/event/service.py")),
    ("update ledger: claim", ("claim (bot/updates/service.py",)),
    ("update ledger: done", ("done (bot/updates/service.py", "done_and_claim")),
    ("delegate lookup/seen", ("bot/delegates/service.py",)),
    ("features' flow checks (take_input)", ("take_input (",)),
    ("follow-up: recent turns", ("_recent (bot/conversation",)),
    ("turn + ticket (record)", ("_record (bot/conversation",)),
    ("NLU parse (event loop side)", ("nlu/interpreter.py",)),
    ("Telegram call (sendMessage)", ("send_answer (bot/telegram/render.py", "send_reply (bot/telegram/render.py")),
    ("answering + rendering", ("bot/answers/", "bot/conversation/", "bot/i18n.py", "decorate_answer", "act_on_answer",
                               "session_opened")),
    ("PTB: getUpdates / webhook / dispatch", ("telegram/ext/", "telegram/_bot.py", "bot/telegram/webhook.py", "aiohttp/web")),
    ("other database work", ("sqlalchemy/", "aiosqlite/", "asyncpg/")),
    ("event loop waiting (idle)", ("select (selectors.py", "_run_once (asyncio/base_events.py")),
]
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")


def summarise(path: str) -> tuple[Counter[str], Counter[str], int]:
    parts: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    main = 0
    with open(path) as f:
        for line in f:
            m = _LINE.match(line.rstrip("\n"))
            if not m:
                continue
            stack, count = m["stack"], int(m["count"])
            frames = stack.split(";")
            thread = next((fr.split(": ", 1)[1] for fr in frames if fr.startswith("thread (")), "?")
            if thread != "MainThread":
                kind = "NLU worker" if thread.startswith("nlu") else "database driver" if "connection_worker" in thread else thread.split(" ")[0]
                # A thread blocked in C (a queue's get, a lock) shows its last Python frame as the leaf.
                idle = frames[-1].startswith(("wait (threading.py", "_worker (concurrent", "get (queue.py", "_wait", "select (",
                                              "_connection_worker_thread (aiosqlite"))
                threads[f"{kind} thread{' (idle)' if idle else ''}"] += count
                continue
            main += count
            part = next((name for name, needles in PARTS if any(n in stack for n in needles)), "other")
            parts[part] += count
    return parts, threads, main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stacks")
    parser.add_argument("--replies", type=int, required=True)
    parser.add_argument("--rate", type=float, default=100.0, help="py-spy's samples per second")
    args = parser.parse_args()
    parts, threads, main_samples = summarise(args.stacks)
    per = 1000 / args.rate / args.replies
    print(f"| {'main thread (event loop)':<38} | {'ms/reply':>8} | {'share':>6} |\n|{'-' * 40}|{'-' * 10}|{'-' * 8}|")
    for name, count in parts.most_common():
        print(f"| {name:<38} | {count * per:>8.2f} | {100 * count / main_samples:>5.1f}% |")
    print(f"| {'total':<38} | {main_samples * per:>8.2f} | {'100%':>6} |")
    for name, count in threads.most_common():
        print(f"| {name:<38} | {count * per:>8.2f} | {'':>6} |")


if __name__ == "__main__":
    main()
