"""Two real bot processes on one database, fed the same stream of updates (a load balancer that
delivers every webhook post to both): every update is answered once, every outbox message is sent
once, both together stay within Telegram's 30 messages/s, and a kill -9 of one loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiohttp import ClientSession, web

from bot.settings import PROJECT_ROOT
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from nlu.server import free_port
from nlu.testing import session_model
from tests.conftest import POSTGRES_URL, _reset_postgres

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SECRET = "replica-test-secret"
TOKEN = "123456:REPLICAS"


@dataclass
class Replica:
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


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if POSTGRES_URL:
        asyncio.run(_reset_postgres(POSTGRES_URL))
        yield POSTGRES_URL
    else:
        yield f"sqlite:///{tmp_path / 'shared.db'}"


def start_replica(name: str, port: int, balancer_port: int, emu: BotApiEmulator, database_url: str, tmp_path: Path) -> Replica:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emu.base_url, "DATABASE_URL": database_url,
        "WEBHOOK_SECRET": SECRET, "ASSISTANT_NOW": "2019-09-10T10:15:00+07:00", "HELPDESK_WEB_PORT": "0",
        "OUTBOX_RATE": "15", "OUTBOX_LEASE_SECONDS": "5", "MODEL_DIR": str(session_model().parent), "LOG_LEVEL": "INFO",
    }
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-console", "--webhook-url", f"http://127.0.0.1:{balancer_port}{WEBHOOK_PATH}", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    return Replica(name, port, process, log)


async def wait_healthy(replica: Replica, timeout: float = 120.0) -> None:
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


async def until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def broadcast(database_url: str, text: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN, "ASSISTANT_NOW": "2019-09-10T10:16:00+07:00"}
    done = subprocess.run([sys.executable, "-m", "bot", "broadcast", "--text", text, "--audience", "all"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


async def test_two_replicas_answer_every_update_once_and_share_the_outbox(database_url: str, tmp_path: Path) -> None:
    async with BotApiEmulator(limits=Limits()) as emu:
        ports = [free_port(), free_port()]
        async with duplicating_balancer(ports) as balancer:
            replicas = [start_replica(f"replica-{i}", port, balancer, emu, database_url, tmp_path) for i, port in enumerate(ports)]
            try:
                await asyncio.gather(*(wait_healthy(r) for r in replicas))

                # 1. Questions: each is delivered to both replicas and answered exactly once.
                delegates = [emu.user(7000 + i, f"D{i}", language_code="en") for i in range(60)]
                for d in delegates:
                    await d.send("what's the wifi password?")
                await until(lambda: all(emu.sent_messages(d.id) for d in delegates), 120, "every delegate's answer")
                await asyncio.sleep(2.0)  # a second answer, if any, would arrive now
                answers = Counter(d.id for d in delegates for m in emu.sent_messages(d.id) if "RCDD2019" in (m.text or ""))
                assert set(answers.values()) == {1}, f"answered more than once: {[k for k, v in answers.items() if v > 1]}"
                skipped = sum(r.log.read_text().count("handled by another replica") for r in replicas)
                assert skipped >= len(delegates), "each update reached both replicas and one of them stood back"

                # 2. A broadcast: both dispatchers share the rows; a kill -9 of one in the middle loses nothing.
                before = {d.id: len(emu.sent_messages(d.id)) for d in delegates}
                # Direct replies to a burst of 60 questions may meet a 429 (then retried, as asserted above):
                # the paced outbox must not.
                calls_before = len(emu.calls)
                broadcast(database_url, "Lunch is served in the Grand Ballroom.")

                def delivered() -> Counter[int]:
                    return Counter(d.id for d in delegates for m in emu.sent_messages(d.id)[before[d.id]:] if "Lunch is served" in (m.text or ""))

                await until(lambda: sum(delivered().values()) >= 15, 60, "the broadcast to start")
                replicas[0].kill()
                await until(lambda: len(delivered()) == len(delegates), 120, "the survivor to finish the broadcast")
                await asyncio.sleep(2.0)
                counts = delivered()
                doubles = sum(n - 1 for n in counts.values())
                assert doubles <= 8, f"{doubles} doubles: at most the calls in flight at the kill (OUTBOX_MAX_IN_FLIGHT)"
                refused = [c for c in emu.calls[calls_before:] if c.status == 429]
                assert refused == [], f"{len(refused)} outbox calls refused with 429: the replicas together exceeded Telegram's limits"
            finally:
                for r in replicas:
                    r.stop()
            for r in replicas[1:]:
                log = r.log.read_text()
                assert "Traceback" not in log, log[-3000:]
