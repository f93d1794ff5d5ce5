"""Load benchmark: delegates chatting concurrently through the emulator (limits lifted), for polling
vs webhook and SQLite vs PostgreSQL. Prints replies/s and reply latency p50/p99 as a table.

PostgreSQL rows need BENCH_DATABASE_URL or TEST_DATABASE_URL (its public schema is reset first).
Usage: python bench/load.py [--delegates N] [--per-delegate M]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat import run  # noqa: E402


async def _reset(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.db import async_url

    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=50)
    parser.add_argument("--per-delegate", type=int, default=6)
    args = parser.parse_args()
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    databases: list[tuple[str, str | None]] = [("SQLite", None)] + ([("PostgreSQL", postgres)] if postgres else [])
    print(f"{args.delegates} delegates x {args.per_delegate} questions, emulator limits lifted, {os.cpu_count()} cores")
    print(f"| {'updates via':<11} | {'database':<10} | {'replies/s':>9} | {'p50 ms':>7} | {'p99 ms':>7} |")
    print(f"|{'-' * 13}|{'-' * 12}|{'-' * 11}|{'-' * 9}|{'-' * 9}|")
    for label, url in databases:
        for webhook in (False, True):
            if url:
                asyncio.run(_reset(url))
            r = asyncio.run(run(args.delegates, args.per_delegate, webhook=webhook, database_url=url))
            mode = "webhook" if webhook else "polling"
            print(f"| {mode:<11} | {label:<10} | {r['replies_per_s']:>9.1f} | {r['p50_ms']:>7.1f} | {r['p99_ms']:>7.1f} |", flush=True)
    if not postgres:
        print("(set BENCH_DATABASE_URL or TEST_DATABASE_URL for the PostgreSQL rows)")
    os._exit(0)  # the model's worker thread must not keep a finished benchmark alive


if __name__ == "__main__":
    main()
