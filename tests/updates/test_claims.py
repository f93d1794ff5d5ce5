"""The update claim fails closed: an update whose claim could not be made runs no handler on that
replica; a passing failure is tried again, so the delegate is answered once and nothing is lost."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.clock import ManualClock
from bot.features import install_features
from bot.runtime import Services, build_services
from bot.settings import Settings
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.lifecycle import RunningBot
from bot.telegram.webhook import WEBHOOK_PATH
from bot.updates.models import HandledUpdate
from bot.updates.service import UpdateLedger
from nlu.server import free_port
from nlu.testing import session_interpreter
from tests.conftest import DAY1_MORNING, POSTGRES_URL, _reset_postgres
from tests.e2e.conftest import harness_settings
from tests.processes import REPLICA_SECRET, duplicating_balancer

pytestmark = [pytest.mark.e2e]
SORRY = "Sorry, something went wrong"
WIFI = "RCDD2019"  # in the answer to "what's the wifi password?"


class FaultyLedger(UpdateLedger):
    """The real ledger, with a fault injected into the claims of the updates `fails` picks."""

    def __init__(self, database, fails: Callable[[int, int], Exception | None]) -> None:  # type: ignore[no-untyped-def]
        super().__init__(database)
        self.fails = fails
        self.attempts: dict[int, int] = {}

    async def claim(self, update_id: int) -> bool:
        self.attempts[update_id] = self.attempts.get(update_id, 0) + 1
        fault = self.fails(update_id, self.attempts[update_id])
        if fault is not None:
            raise fault
        return await super().claim(update_id)


async def start_bot(settings: Settings, fails: Callable[[int, int], Exception | None]) -> tuple[Services, RunningBot]:
    services = await build_services(settings, clock=ManualClock(DAY1_MORNING), interpreter=session_interpreter())
    services.ledger = FaultyLedger(services.database, fails)
    install_features(services)
    bot = RunningBot(services)
    await bot.start()
    return services, bot


async def stop_bot(services: Services, bot: RunningBot) -> None:
    await bot.stop()
    await services.database.dispose()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emu:
        yield emu


def texts(emu: BotApiEmulator, user_id: int) -> list[str]:
    return [m.text or "" for m in emu.sent_messages(user_id)]


async def test_a_claim_that_keeps_failing_runs_no_handler_and_the_delegate_is_asked_to_try_again(emulator, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    services, bot = await start_bot(harness_settings(f"sqlite:///{tmp_path / 'bot.db'}", emulator), lambda uid, n: RuntimeError("injected"))
    try:
        delegate = emulator.user(6001, "Ana", language_code="en")
        await delegate.send("what's the wifi password?")
        reply = await delegate.next_reply(timeout=20)
        assert SORRY in (reply.text or "")
        await delegate.expect_silence(within=1.0)
        assert not any(WIFI in t for t in texts(emulator, delegate.id)), "no handler ran"
        async with services.database.session() as db:
            assert (await db.execute(select(func.count()).select_from(HandledUpdate))).scalar() == 0, "no claim is left behind"
        assert caplog.text.count("its claim failed") == 1, "logged once"
    finally:
        await stop_bot(services, bot)


@pytest.mark.parametrize("fault", [
    RuntimeError("injected"),
    OperationalError("INSERT INTO handled_update", {}, sqlite3.OperationalError("database is locked")),
])
async def test_a_claim_that_fails_for_a_moment_is_made_again_and_the_delegate_answered_once(emulator, tmp_path: Path, fault: Exception) -> None:
    services, bot = await start_bot(harness_settings(f"sqlite:///{tmp_path / 'bot.db'}", emulator), lambda uid, n: fault if n <= 2 else None)
    try:
        delegates = [emulator.user(6100 + i, f"D{i}", language_code="en") for i in range(5)]
        for d in delegates:
            await d.send("what's the wifi password?")
        for d in delegates:
            assert WIFI in ((await d.next_reply(timeout=30)).text or "")
            await d.expect_silence(within=0.5)
        assert not any(SORRY in t for d in delegates for t in texts(emulator, d.id))
    finally:
        await stop_bot(services, bot)


async def test_a_second_assistant_on_the_same_sqlite_file_refuses_to_start(emulator, tmp_path: Path) -> None:
    settings = harness_settings(f"sqlite:///{tmp_path / 'bot.db'}", emulator)
    services, bot = await start_bot(settings, lambda uid, n: None)
    try:
        second = await build_services(settings, clock=ManualClock(DAY1_MORNING), interpreter=session_interpreter())
        install_features(second)
        other = RunningBot(second)
        with pytest.raises(Exception, match="DATABASE_URL: the SQLite database .* is used by another running assistant"):
            await other.start()
        await stop_bot(second, other)
    finally:
        await stop_bot(services, bot)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.serial  # two webhook replicas and a balancer on ports of their own
async def test_a_replica_whose_claims_fail_stands_back_while_the_other_answers_each_update_once(emulator) -> None:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: several replicas need PostgreSQL")
    await _reset_postgres(POSTGRES_URL)
    ports = [free_port(), free_port()]
    async with duplicating_balancer(ports) as balancer:
        bots = []
        for port, fails in zip(ports, [lambda uid, n: RuntimeError("injected"), lambda uid, n: None], strict=True):
            settings = harness_settings(POSTGRES_URL, emulator, webhook_url=f"http://127.0.0.1:{balancer}{WEBHOOK_PATH}",
                                        webhook_secret=REPLICA_SECRET, port=port)
            bots.append(await start_bot(settings, fails))
        try:
            delegates = [emulator.user(6200 + i, f"D{i}", language_code="en") for i in range(20)]
            for d in delegates:
                await d.send("what's the wifi password?")
            for d in delegates:
                assert WIFI in ((await d.next_reply(timeout=30)).text or "")
            await asyncio.sleep(2.0)  # a second answer or an apology, if any, would arrive now
            for d in delegates:
                assert len(texts(emulator, d.id)) == 1, f"{d.id} got {texts(emulator, d.id)}"
        finally:
            for services, bot in bots:
                await stop_bot(services, bot)
