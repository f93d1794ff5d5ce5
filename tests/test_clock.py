"""One injectable clock: ASSISTANT_NOW starts it at an instant and it runs forward."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.clock import ManualClock, OffsetClock, SystemClock, clock_from

START = datetime.fromisoformat("2019-09-10T10:15:00+07:00")


def test_offset_clock_starts_at_the_instant_and_runs_forward() -> None:
    clock = OffsetClock(START)
    first = clock.now()
    time.sleep(0.05)
    assert first.tzinfo == timezone.utc
    assert timedelta(0) <= first - START < timedelta(seconds=1)
    assert clock.now() > first


def test_clock_from_settings() -> None:
    assert isinstance(clock_from(None), SystemClock)
    assert isinstance(clock_from(START), OffsetClock)


async def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(START)
    assert clock.now() == START
    clock.advance(minutes=15)
    assert clock.now() == START + timedelta(minutes=15)


async def _ticking(clock: ManualClock, seen: list[datetime]) -> None:
    """A background loop as the bot's are: look at the clock, then sleep on it."""
    while True:
        seen.append(clock.now())
        await clock.sleep(1.0)


async def test_went_round_returns_once_the_loop_has_seen_the_latest_move() -> None:
    clock, seen = ManualClock(START), []
    loop = asyncio.create_task(_ticking(clock, seen), name="reminders")
    try:
        clock.set(START + timedelta(minutes=59))
        await clock.went_round("reminders", timeout=10)
        assert seen[-1] == START + timedelta(minutes=59)
    finally:
        loop.cancel()


async def test_went_round_fails_when_the_loop_under_test_is_not_running() -> None:
    """So a silence check waiting on it cannot pass because nothing ran."""
    clock = ManualClock(START)
    other = asyncio.create_task(_ticking(clock, []), name="feedback")
    try:
        clock.advance(minutes=1)
        with pytest.raises(AssertionError, match=r"not running: \['reminders'\]"):
            await clock.went_round("reminders", timeout=0.3)
    finally:
        other.cancel()
    with pytest.raises(AssertionError, match="no loop"):
        await ManualClock(START).went_round(timeout=0.1)
