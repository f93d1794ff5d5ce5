"""One injectable clock for the whole application.

All instants are timezone-aware UTC. ASSISTANT_NOW starts the clock at a given instant and lets it
run forward in real time, so an event can be rehearsed before (or after) it happens; tests use a
ManualClock and move it instead of sleeping through real minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


def utc(value: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait about `seconds` of this clock's time (a ManualClock wakes as soon as it is moved)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class OffsetClock:
    """Starts at `start` and runs forward in real time from the moment it is created."""

    def __init__(self, start: datetime) -> None:
        self._start = utc(start)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to; sleepers wake up when it moves."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = utc(instant)
        self._moved.set()

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.set(self._now + (delta or timedelta(**kwargs)))
        return self._now

    async def sleep(self, seconds: float) -> None:
        # Wake on a move, and at least every 50 ms of real time so that loops stay responsive.
        self._moved.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._moved.wait(), timeout=min(max(seconds, 0.0), 0.05))


def clock_from(start: datetime | None) -> Clock:
    """The clock the settings ask for: real time, or real time shifted to start at `start`."""
    return OffsetClock(start) if start is not None else SystemClock()
