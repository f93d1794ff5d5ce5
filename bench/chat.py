"""Chat benchmark: N simulated delegates asking questions through the emulator (limits lifted).

Prints replies/s and reply latency (p50/p99) for the whole bot: real model, real SQLite database,
python-telegram-bot polling the local Bot API emulator. Usage: python bench/chat.py [--delegates N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock  # noqa: E402
from bot.features import install_features  # noqa: E402
from bot.runtime import build_services  # noqa: E402
from bot.settings import PROJECT_ROOT, Settings  # noqa: E402
from bot.telegram.emulator.limits import Limits  # noqa: E402
from bot.telegram.emulator.server import BotApiEmulator  # noqa: E402
from bot.telegram.lifecycle import RunningBot  # noqa: E402

# Questions whose answer is one message, so each reply can be paired with its question.
QUESTIONS = [
    "what is the dress code?", "what's the wifi password?", "what's next?", "when does Retno Marsudi speak?",
    "jadwal besok apa saja?", "makan siang di mana?", "who are the speakers?", "sesi tentang krisis jam berapa?",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(delegates: int, per_delegate: int, *, webhook: bool = False, database_url: str | None = None) -> dict[str, float]:
    """Replies/s and latency percentiles for `delegates` chatting at once, `per_delegate` questions each."""
    from datetime import datetime

    from nlu.server import free_port

    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiEmulator(limits=Limits.lifted()) as emu:
            port = free_port()
            settings = Settings(
                telegram_bot_token="123456:BENCH", telegram_api_base_url=emu.base_url,
                database_url=database_url or f"sqlite:///{tmp}/bench.db", event_file=PROJECT_ROOT / "data" / "event.yml",
                port=port, helpdesk_web_port=0,
                webhook_url=f"http://127.0.0.1:{port}/telegram" if webhook else None, webhook_secret="bench" if webhook else None,
            )
            services = await build_services(settings, clock=ManualClock(datetime.fromisoformat("2019-09-10T10:15:00+07:00")))
            install_features(services)
            bot = RunningBot(services)
            await bot.start()
            users = [emu.user(10_000 + i, f"D{i}", language_code="en" if i % 2 else "id") for i in range(delegates)]
            latencies: list[float] = []

            async def chat(index: int) -> None:
                user = users[index]
                for n in range(per_delegate):
                    started = time.perf_counter()
                    await user.send(QUESTIONS[(index + n) % len(QUESTIONS)])
                    await user.next_reply(timeout=60)
                    latencies.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(chat(i) for i in range(delegates)))
            elapsed = time.perf_counter() - started
            await bot.stop()
            await services.close()
    return {
        "questions": len(latencies), "replies_per_s": len(latencies) / elapsed, "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99), "mean_ms": statistics.mean(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delegates", type=int, default=40)
    parser.add_argument("--per-delegate", type=int, default=5, help="at most 6: a delegate asking faster gets the flood note")
    args = parser.parse_args()
    r = asyncio.run(run(args.delegates, args.per_delegate))
    print(f"{'delegates':>10} {'questions':>10} {'replies/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    print(f"{args.delegates:>10} {r['questions']:>10.0f} {r['replies_per_s']:>10.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['mean_ms']:>8.1f}", flush=True)
    os._exit(0)  # the model's worker thread must not keep a finished benchmark alive


if __name__ == "__main__":
    main()
