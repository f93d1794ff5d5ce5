"""Two real bot processes on one database, fed the same stream of updates (a load balancer that
delivers every webhook post to both): every update is answered once, every outbox message is sent
once, both together stay within Telegram's 30 messages/s, and a kill -9 of one loses nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from nlu.server import free_port
from tests.processes import broadcast, duplicating_balancer, start_replica, until, wait_healthy

# Serial: replica processes on ports of their own, and timing that a busy neighbour would skew.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.serial]


async def test_two_replicas_answer_every_update_once_and_share_the_outbox(shared_database_url: str, tmp_path: Path) -> None:
    async with BotApiEmulator(limits=Limits()) as emu:
        ports = [free_port(), free_port()]
        async with duplicating_balancer(ports) as balancer:
            replicas = [start_replica(f"replica-{i}", port, balancer, emu, shared_database_url, tmp_path) for i, port in enumerate(ports)]
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
                broadcast(shared_database_url, "Lunch is served in the Grand Ballroom.")

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
