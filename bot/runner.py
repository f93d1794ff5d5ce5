"""`python -m bot run`: the assistant, polling Telegram; with no token, the local emulator and a
terminal chat so that anyone can talk to it at once."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys

from bot.event.loader import EventFileError
from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("run", help="run the assistant (default)")
    p.add_argument("--no-console", action="store_true", help="with the emulator: no terminal chat, just serve")
    p.add_argument("--webhook-url", help="webhook mode: the public HTTPS URL Telegram posts updates to (WEBHOOK_URL); "
                   "needs WEBHOOK_SECRET; the bot serves them at path /telegram")
    p.add_argument("--listen", help="address of the bot's HTTP server: webhook, /healthz, /metrics (LISTEN, default 127.0.0.1)")
    p.add_argument("--port", type=tcp_port, help="port of the bot's HTTP server (PORT, default 8443; 0 takes any free port)")
    p.set_defaults(handler=_run)


def tcp_port(raw: str) -> int:
    """argparse type for --port: the same range as PORT (0 lets the system pick a free port)."""
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a TCP port (0-65535)")
    return port


async def serve(settings: Settings, console: bool) -> int:
    from bot.features import install_features
    from bot.runtime import build_services
    from bot.telegram.lifecycle import RunningBot

    emulator = None
    if settings.uses_emulator:
        from bot.telegram.emulator.server import BotApiEmulator

        emulator = BotApiEmulator(port=settings.emulator_port)
        try:
            await emulator.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            # Another assistant (or anything else) holds the port: a local emulator can live on any port.
            print(f"EMULATOR_PORT {settings.emulator_port} is in use; the emulator takes a free port instead", flush=True)
            emulator = BotApiEmulator(port=0)
            await emulator.start()
        settings = settings.with_overrides(telegram_api_base_url=emulator.base_url)
        print(f"No TELEGRAM_BOT_TOKEN: using the local Bot API emulator at {emulator.base_url} (logs: var/assistant.log)", flush=True)
    print("Loading the language model...", flush=True)
    try:
        services = await build_services(settings)
    except BaseException:
        if emulator is not None:
            await emulator.stop()
        raise
    install_features(services)
    bot = RunningBot(services)
    try:
        await bot.start()
    except BaseException:
        await bot.stop()
        await services.close()  # aiosqlite's connection thread would keep a failed start-up from exiting
        if emulator is not None:
            await emulator.stop()
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if emulator is not None and console:
            from bot.telegram.console import run_console

            console_task = asyncio.create_task(run_console(emulator))
            stop_task = asyncio.create_task(stop.wait())
            await asyncio.wait({console_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            for t in (console_task, stop_task):
                t.cancel()
        else:
            print("The assistant is running; press Ctrl+C to stop.", flush=True)
            await stop.wait()
    finally:
        await bot.stop()
        await services.close()
        if emulator is not None:
            await emulator.stop()
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        overrides = {k: v for k, v in (("webhook_url", args.webhook_url), ("listen", args.listen), ("port", args.port)) if v is not None}
        settings = settings.with_overrides(**overrides)
        if settings.webhook_url and not settings.webhook_secret:
            raise SettingsError("WEBHOOK_SECRET: required in webhook mode (Telegram sends it with every update)")
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    console = settings.uses_emulator and not args.no_console and sys.stdin.isatty()
    setup_logging(settings, to_file=console)
    logging.captureWarnings(True)  # libraries' deprecation notices go to the log, not into the terminal chat
    try:
        return asyncio.run(serve(settings, console=console))
    except EventFileError as exc:
        print(f"EVENT_FILE {exc.source}: refused, {len(exc.problems)} problem(s); the assistant did not start", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
