"""Telegram misbehaving on 20 % of the calls (429, 500, 502, slow answers that arrive anyway, reset
connections) while two replicas answer 40 delegates and send a broadcast: every delegate gets an
answer and the broadcast, doubles happen only where Telegram delivered a call it reported as timed
out, no replica crashes, and no traceback is logged."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bot.telegram.emulator.faults import FAULT_KINDS, Faults
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from nlu.server import free_port
from tests.processes import broadcast, duplicating_balancer, start_replica, until, wait_healthy

# Serial: replica processes on ports of their own, and timing that a busy neighbour would skew.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.serial]
DELEGATES = 40


async def test_two_replicas_ride_out_twenty_percent_of_failing_calls(shared_database_url: str, tmp_path: Path) -> None:
    async with BotApiEmulator(limits=Limits()) as emu:
        ports = [free_port(), free_port()]
        async with duplicating_balancer(ports) as balancer:
            replicas = [start_replica(f"faulty-{i}", port, balancer, emu, shared_database_url, tmp_path) for i, port in enumerate(ports)]
            try:
                await asyncio.gather(*(wait_healthy(r) for r in replicas))
                # Slow answers take longer than the bot waits (10 s), and the message went through.
                emu.faults = Faults(rate=0.2, kinds=FAULT_KINDS, seed=20, timeout_delay=11.0, timeout_delivers=True, retry_after=1)
                delegates = [emu.user(7600 + i, f"F{i}", language_code="en") for i in range(DELEGATES)]

                for d in delegates:
                    await d.send("what's the wifi password?")
                await until(lambda: all(_count(emu, d.id, "RCDD2019") for d in delegates), 240, "every delegate's answer")
                broadcast(shared_database_url, "The closing session moves to the Grand Ballroom.")
                await until(lambda: all(_count(emu, d.id, "closing session moves") for d in delegates), 240, "the broadcast")
                await asyncio.sleep(12.0)  # a late double would arrive now

                faults = Counter(c.fault for c in emu.calls if c.fault)
                delivered_late = sum(1 for c in emu.calls if c.fault == "timeout" and c.status == 200)
                answers = Counter(_count(emu, d.id, "RCDD2019") for d in delegates)
                copies = Counter(_count(emu, d.id, "closing session moves") for d in delegates)
                doubles = sum((n - 1) * k for n, k in answers.items()) + sum((n - 1) * k for n, k in copies.items())
                print(f"\nfaults injected {dict(faults)} of {len(emu.calls)} calls; answers per delegate {dict(answers)}; "
                      f"broadcast copies per delegate {dict(copies)}; late deliveries {delivered_late}")
                assert sum(faults.values()) >= 20, "the faults were injected"
                assert doubles <= delivered_late, "a message was sent twice although Telegram had refused the first call"
                async with httpx.AsyncClient() as client:
                    for r in replicas:
                        assert r.process.poll() is None, f"{r.name} died:\n{r.log.read_text()[-3000:]}"
                        assert (await client.get(f"http://127.0.0.1:{r.port}/healthz")).status_code == 200
            finally:
                emu.faults = None
                for r in replicas:
                    r.stop()
            for r in replicas:
                log = r.log.read_text()
                assert "Traceback" not in log, log[-3000:]
                assert " ERROR " not in log, [line for line in log.splitlines() if " ERROR " in line][:5]


def _count(emu: BotApiEmulator, chat_id: int, marker: str) -> int:
    return sum(marker in (m.text or "") for m in emu.sent_messages(chat_id))
