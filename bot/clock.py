"""One injectable clock for the whole application.

All instants are timezone-aware UTC. ASSISTANT_NOW starts the clock at a given instant and lets it
run forward in real time, so an event can be rehearsed before (or after) it happens; tests use a
ManualClock and move it instead of sleeping through real minutes.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Waits until `event` is set or `timeout` seconds have passed; True when it is set.

    Use this, not `asyncio.wait_for(event.wait(), timeout)`: on Python 3.10 wait_for swallows a
    cancellation that arrives while the event has just been set (bpo-42130), and a loop that sleeps
    that way then never stops (a background task cancelled at shutdown runs on, and the stop hangs).
    `asyncio.wait` always lets the cancellation through."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait((waiter,), timeout=max(0.0, timeout))
    finally:
        waiter.cancel()
    return event.is_set()


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
    """A clock that only moves when told to; sleepers wake up when it moves.

    It also knows which loops sleep on it (each a task, named after its loop) and when each began its
    latest whole round, so a test can wait until the loops have seen a move (`went_round`) before it
    checks that they did nothing: a silence check then cannot pass because a loop never ran."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)
        self._moved = asyncio.Event()
        self._moves = 0
        self._began: dict[asyncio.Task[object], int] = {}  # per loop: the move its current round began after
        self._finished: dict[asyncio.Task[object], int] = {}  # per loop: the same, for its latest whole round

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = utc(instant)
        self._moves += 1
        self._moved.set()

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.set(self._now + (delta or timedelta(**kwargs)))
        return self._now

    async def sleep(self, seconds: float) -> None:
        task = asyncio.current_task()
        if task is not None and task in self._began:
            self._finished[task] = self._began[task]
        # Wake on a move, and at least every 50 ms of real time so that loops stay responsive.
        self._moved.clear()
        await wait_event(self._moved, min(max(seconds, 0.0), 0.05))
        if task is not None:
            self._began[task] = self._moves

    async def went_round(self, *loops: str, timeout: float = 30.0) -> None:
        """Returns once each running loop sleeping on this clock (or each named one: "reminders",
        "broadcasts", "feedback", "schedule_sync"...) has done a whole round that began after the
        clock's latest move. Fails when a named loop is not running or no loop finishes a round."""
        target = self._moves
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for task in [t for t in self._began if t.done()]:
                self._began.pop(task)
                self._finished.pop(task, None)
            running = {t: t.get_name() for t in self._began}
            missing = set(loops) - set(running.values())
            behind = sorted(name for t, name in running.items()
                            if (not loops or name in loops) and self._finished.get(t, -1) < target)
            if running and not missing and not behind:
                return
            if asyncio.get_running_loop().time() > deadline:
                what = f"not running: {sorted(missing)}" if missing else f"no round after the move: {behind or 'no loop'}"
                raise AssertionError(f"the clock's loops did not go round within {timeout:g} s ({what})")
            await asyncio.sleep(0.01)


def clock_from(start: datetime | None) -> Clock:
    """The clock the settings ask for: real time, or real time shifted to start at `start`."""
    if start is not None:
        return OffsetClock(start)
    return SystemClock()
