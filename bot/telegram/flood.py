"""A per-delegate limit: a person (or a stuck client) flooding the bot gets one polite note."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


@dataclass
class FloodGuard:
    """Token bucket per user: `burst` messages at once, then `rate` per second."""

    burst: int = 6
    rate: float = 0.5
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[int, _Bucket] = field(default_factory=dict)

    def check(self, user_id: int, at: float | None = None) -> str:
        """'ok' to answer, 'warn' to send the one note, 'drop' to stay silent. `at`: when the
        message arrived (on `clock`), so a queue of messages is judged by how fast they came."""
        now = self.clock() if at is None else at
        bucket = self._buckets.get(user_id) or _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + max(0.0, now - bucket.updated) * self.rate)
        bucket.updated = max(now, bucket.updated)
        self._buckets[user_id] = bucket
        if len(self._buckets) > 50_000:
            self._buckets = {k: v for k, v in self._buckets.items() if now - v.updated < 60}
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return "ok"
        if not bucket.warned:
            bucket.warned = True
            return "warn"
        return "drop"
