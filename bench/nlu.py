"""NLU benchmark: model load time, parse latency p50/p99 and parses/s, in process and over HTTP.

Usage: python bench/nlu.py [--n 500] [--no-http]. Targets on 2 cores: load <= 10 s, p50 <= 15 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlu.interpreter import RasaHttpInterpreter, RasaInterpreter  # noqa: E402
from nlu.train import ROOT, ensure_model  # noqa: E402

TEXTS = [
    "where is the venue?", "what's next?", "when does Retno Marsudi speak?", "jadwal besok apa aja",
    "password wifinya apa", "is there halal food?", "sesi tentang krisis jam berapa", "remind me about session 3",
    "siapa saja pembicaranya", "what's the weather in Paris?",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def measure(parse, n: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    for text in TEXTS:  # warm-up
        await parse(text)
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        await parse(TEXTS[i % len(TEXTS)])
        latencies.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - started
    return pct(latencies, 50), pct(latencies, 99), n / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main(n: int, http: bool) -> None:
    model = ensure_model(quiet=True)
    started = time.perf_counter()
    interpreter = RasaInterpreter.load(model)
    load = time.perf_counter() - started
    p50, p99, rate = await measure(interpreter.parse, n)
    rows = [("in process", f"{load:.1f}", p50, p99, rate)]
    await interpreter.close()
    if http:
        port = free_port()
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rasa"), "run", "--enable-api", "--model", str(model), "-i", "127.0.0.1", "-p", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = RasaHttpInterpreter(f"http://127.0.0.1:{port}", timeout=5.0)
        try:
            started = time.perf_counter()
            while not await client.ready():
                if time.perf_counter() - started > 120:
                    raise RuntimeError("rasa server did not start")
                await asyncio.sleep(0.5)
            ready = time.perf_counter() - started
            p50, p99, rate = await measure(client.parse, n)
            rows.append((f"HTTP :{port}", f"{ready:.1f}", p50, p99, rate))
        finally:
            await client.close()
            server.terminate()
            server.wait(timeout=30)
    print(f"model {model.name}, {n} parses each")
    print(f"{'mode':<14} {'load s':>7} {'p50 ms':>8} {'p99 ms':>8} {'parses/s':>9}")
    for mode, load_s, p50, p99, rate in rows:
        print(f"{mode:<14} {load_s:>7} {p50:>8.1f} {p99:>8.1f} {rate:>9.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.n, not args.no_http))
