"""Rasa as its own service: the HTTP interpreter parses through it and says clearly when it is down."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time

import pytest

from nlu.interpreter import NluUnavailable, RasaHttpInterpreter
from nlu.train import ROOT, ensure_model

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def rasa_server():
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "rasa"), "run", "--enable-api", "--model", str(ensure_model(quiet=True)), "-i", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    yield process, f"http://127.0.0.1:{port}"
    process.kill()
    process.wait(timeout=30)


async def wait_ready(client: RasaHttpInterpreter, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not await client.ready():
        assert time.monotonic() < deadline, "rasa server did not start"
        await asyncio.sleep(0.5)


async def test_http_interpreter_parses_through_the_server_then_reports_it_down(rasa_server) -> None:
    process, url = rasa_server
    client = RasaHttpInterpreter(url, timeout=2.0, retries=1)
    await wait_ready(client)
    parse = await client.parse("what's the wifi password?")
    assert parse.intent == "ask_wifi" and parse.ranking
    process.kill()
    process.wait(timeout=30)
    with pytest.raises(NluUnavailable):
        await client.parse("what's the wifi password?")
    assert not await client.ready()
    await client.close()


async def test_unreachable_server_is_unavailable_not_a_crash() -> None:
    client = RasaHttpInterpreter(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=1)
    with pytest.raises(NluUnavailable):
        await client.parse("hello")
    assert (await client.parse("")).intent == "nlu_fallback"  # nothing to understand: no call at all
    await client.close()
