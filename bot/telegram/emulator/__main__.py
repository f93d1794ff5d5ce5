"""Run the Bot API emulator on its own: `python -m bot.telegram.emulator --port 8081 [--no-limits]`.

Point the bot at it with TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot and any token such as
123456:LOCAL; drive it through the control API (/_emulator/..., see server.py). Each call is logged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from bot.telegram.emulator.faults import FAULT_KINDS, Faults
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.telegram.emulator", description="The local Telegram Bot API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--no-limits", action="store_true", help="lift the rate limits (benchmarks)")
    parser.add_argument("--bot-username", default="delegate_assistant_bot")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of sending calls that fail (0..1)")
    parser.add_argument(
        "--fault-kinds", default=",".join(FAULT_KINDS), help="comma-separated: " + ",".join(FAULT_KINDS)
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the fault injection")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    limits = Limits.lifted() if args.no_limits else Limits()
    faults = (
        Faults(rate=args.fault_rate, kinds=tuple(args.fault_kinds.split(",")), seed=args.seed)
        if args.fault_rate > 0
        else None
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with BotApiEmulator(
        args.host, args.port, limits=limits, faults=faults, bot_username=args.bot_username
    ) as emu:
        logging.getLogger("bot.telegram.emulator").info(
            "base_url=%s base_file_url=%s control=%s/_emulator limits=%s",
            emu.base_url,
            emu.base_file_url,
            emu.url,
            "on" if limits.enabled else "lifted",
        )
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
