"""One injectable clock: ASSISTANT_NOW starts it at an instant and it runs forward."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

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
