"""NLU benchmark: model load time, parse latency (p50/p99) and parses per second, in process and
through a local `rasa run --enable-api` server that the benchmark starts on 127.0.0.1 and stops.

Usage: python bench/nlu.py [--n 500] [--no-http]
Targets on 2 cores: load <= 10 s, p50 <= 15 ms in process.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.train import ensure_model  # noqa: E402
from nlu.types import Parse  # noqa: E402

TEXTS = [
    "where is the venue?", "what's next?", "when does Retno Marsudi speak?", "jadwal besok apa aja",
    "password wifinya apa", "is there halal food?", "sesi tentang krisis jam berapa", "remind me about session 3",
    "siapa saja pembicaranya", "what's the weather in Paris?", "dari bandara naik apa ke hotel?",
    "can you speak English?", "makasih ya", "who are the panelists on economic diplomacy tomorrow",
]


@dataclass(frozen=True)
class Row:
    mode: str
    load_s: float
    p50_ms: float
    p99_ms: float
    per_s: float


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(parse: Callable[[str], Awaitable[Parse]], n: int) -> tuple[float, float, float]:
    for text in TEXTS:  # warm up
        await parse(text)
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        await parse(TEXTS[i % len(TEXTS)])
        latencies.append((time.perf_counter() - t) * 1000)
    return percentile(latencies, 50), percentile(latencies, 99), n / (time.perf_counter() - started)


def load_in_fresh_process(model: Path) -> float:
    """Seconds from a cold Python process to a loaded model (imports included), as the bot starts."""
    code = (
        "import time; t = time.perf_counter(); from pathlib import Path; from nlu.interpreter import RasaInterpreter; "
        f"RasaInterpreter.load(Path({str(model)!r})); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


async def in_process(model: Path, n: int) -> Row:
    from nlu.interpreter import RasaInterpreter

    load = load_in_fresh_process(model)
    interpreter = RasaInterpreter.load(model)
    try:
        p50, p99, rate = await measure(interpreter.parse, n)
    finally:
        await interpreter.close()
    return Row("in process", load, p50, p99, rate)


async def over_http(model: Path, n: int) -> Row:
    from nlu.interpreter import RasaHttpInterpreter
    from nlu.server import start_rasa_server

    server = start_rasa_server(model)
    try:
        ready = server.wait_until_ready()
        client = RasaHttpInterpreter(server.url, timeout=5.0)
        try:
            p50, p99, rate = await measure(client.parse, n)
        finally:
            await client.close()
    finally:
        server.stop()
    return Row(f"HTTP :{server.port}", ready, p50, p99, rate)


async def main(n: int, http: bool) -> None:
    model = ensure_model(quiet=True)
    rows = [await in_process(model, n)]
    if http:
        rows.append(await over_http(model, n))
    print(f"model {model.name}, {n} parses each, {len(TEXTS)} different messages")
    print(f"{'mode':<12} {'load s':>7} {'p50 ms':>7} {'p99 ms':>7} {'parses/s':>9}")
    for r in rows:
        print(f"{r.mode:<12} {r.load_s:>7.1f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.per_s:>9.0f}")
    print("load s: a fresh process importing Rasa and loading the model (in process); server start until /status is ready (HTTP)")
    in_proc = rows[0]
    verdict = "ok" if in_proc.load_s <= 10 and in_proc.p50_ms <= 15 else "MISSED"
    print(f"targets (2 cores): load <= 10 s, p50 <= 15 ms in process: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.n, not args.no_http))
