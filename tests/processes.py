"""Real bot processes in tests: waiting on them without blocking the event loop, and webhook replicas
behind a load balancer that delivers every update to each of them.

The emulator and the balancer live in the test's event loop, and a bot process still talks to them
while it runs and while it stops; so every wait here sleeps on the loop rather than blocking it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiohttp import ClientSession, web

from bot.settings import PROJECT_ROOT
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from nlu.server import free_port
from nlu.testing import session_model

REPLICA_SECRET = "replica-test-secret"
REPLICA_TOKEN = "123456:REPLICAS"


def start_bot(env: Mapping[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    """`python -m bot run --no-console [options]` from the project root, with `env` over this process's
    environment; its output is appended to `log`, so a restarted bot adds to the same file."""
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-console", *options], cwd=PROJECT_ROOT, env={**os.environ, **env},
                            stdin=subprocess.DEVNULL, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def exited(process: subprocess.Popen[bytes], timeout: float = 30.0) -> int | None:
    """The process's exit code once it has ended (None after `timeout`). Waits without blocking the event
    loop: the emulator lives in it, and a bot stopping cleanly still talks to it (calls in flight, the
    last getUpdates); `process.wait()` here would freeze both until the time-out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while process.poll() is None and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return process.poll()


async def stop(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, the clean stop, which finishes the calls in flight; SIGKILL when the process is still
    running 30 s later. Returns the exit code of the clean stop (None when it had to be killed)."""
    process.send_signal(signal.SIGTERM)
    stopped = await exited(process)
    if stopped is None:
        process.kill()
        await exited(process)
    return stopped


async def wait_until(
    condition: Callable[[], object], timeout: float, what: str, process: subprocess.Popen[bytes], log: Path,
    *, interval: float = 0.05,
) -> None:
    """Returns once `condition()` holds; fails with the tail of the bot's log when the process exits first
    or `timeout` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the bot exited with {process.returncode} before {what}:\n{log.read_text()[-3000:]}")
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}\n{log.read_text()[-3000:]}")
        await asyncio.sleep(interval)


async def until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Returns once `condition()` holds; fails after `timeout` seconds, naming `what` it waited for."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


@dataclass
class Replica:
    """A bot process serving webhooks on `port`, its output in `log`."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@asynccontextmanager
async def duplicating_balancer(ports: list[int]) -> AsyncIterator[int]:
    """Posts each update it receives to every replica, as a careless load balancer (or Telegram
    retrying a slow delivery on another node) would; accepted when any replica accepted it."""
    async with ClientSession() as session:
        async def fan_out(request: web.Request) -> web.Response:
            body, headers = await request.read(), {SECRET_HEADER: request.headers.get(SECRET_HEADER, "")}

            async def post(port: int) -> int:
                try:
                    async with session.post(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", data=body, headers=headers) as r:
                        return r.status
                except OSError:
                    return 0

            statuses = await asyncio.gather(*(post(p) for p in ports))
            return web.Response(status=200 if 200 in statuses else 502)

        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, fan_out)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield port
        finally:
            await runner.cleanup()


def start_replica(name: str, port: int, balancer_port: int, emu: BotApiEmulator, database_url: str, tmp_path: Path) -> Replica:
    """`python -m bot run` with webhooks on `port`, registered at the balancer's address, with the trained
    model in process; its token is REPLICA_TOKEN and its webhook secret REPLICA_SECRET."""
    env = {
        "TELEGRAM_BOT_TOKEN": REPLICA_TOKEN, "TELEGRAM_API_BASE_URL": emu.base_url, "DATABASE_URL": database_url,
        "WEBHOOK_SECRET": REPLICA_SECRET, "ASSISTANT_NOW": "2019-09-10T10:15:00+07:00", "HELPDESK_WEB_PORT": "0",
        "OUTBOX_RATE": "15", "OUTBOX_LEASE_SECONDS": "5", "MODEL_DIR": str(session_model().parent), "LOG_LEVEL": "INFO",
    }
    log = tmp_path / f"{name}.log"
    process = start_bot(env, log, "--webhook-url", f"http://127.0.0.1:{balancer_port}{WEBHOOK_PATH}", "--port", str(port))
    return Replica(name, port, process, log)


async def wait_healthy(replica: Replica, timeout: float = 120.0) -> None:
    """Returns once the replica's /healthz answers 200; fails with its log when it exits or `timeout` passes."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            assert replica.process.poll() is None, f"{replica.name} exited:\n{replica.log.read_text()[-3000:]}"
            try:
                if (await client.get(f"http://127.0.0.1:{replica.port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert asyncio.get_running_loop().time() < deadline, f"{replica.name} never became healthy:\n{replica.log.read_text()[-3000:]}"
            await asyncio.sleep(0.5)


def broadcast(database_url: str, text: str) -> str:
    """`python -m bot broadcast --text TEXT --audience all` as an organiser runs it beside the replicas."""
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": REPLICA_TOKEN, "ASSISTANT_NOW": "2019-09-10T10:16:00+07:00"}
    done = subprocess.run([sys.executable, "-m", "bot", "broadcast", "--text", text, "--audience", "all"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()
