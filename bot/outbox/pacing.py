"""Pacing the outbox to Telegram's limits on a monotonic clock (real seconds, whatever the app clock says).

Telegram allows about 30 messages a second over all chats and about one a second in one chat. The
dispatcher stays a little under the overall limit (a token bucket refilled at `rate * headroom`, with
a small burst) so that Telegram never has to answer 429, and spaces the calls to one chat by
`per_chat_interval`. A 429 it receives anyway pauses what it names: the chat, or everything when
several chats are refused at once (then the limit is shared with someone else, e.g. another replica).
"""

from __future__ import annotations

import time
from collections.abc import Callable

Monotonic = Callable[[], float]


class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; `pause(seconds)` empties it for that long."""

    def __init__(self, rate: float, burst: float, clock: Monotonic = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        start = max(self._updated, self._paused_until)
        if now > start:
            self._tokens = min(self.burst, self._tokens + (now - start) * self.rate)
        self._updated = max(self._updated, now)

    def wait_time(self) -> float:
        """Seconds until a token is available (0: one is available now)."""
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now + (1 - min(self._tokens, 1)) / self.rate
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._refill(self._clock())
        self._tokens -= 1

    def pause(self, seconds: float) -> None:
        now = self._clock()
        self._refill(now)
        self._tokens = 0.0
        self._paused_until = max(self._paused_until, now + seconds)


class ChatPacer:
    """When each chat may receive its next call: `per_chat_interval` after the previous one, or
    later when Telegram asked for a pause (429) or a failed call waits for its retry."""

    def __init__(self, interval: float, clock: Monotonic = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._ready_at: dict[int, float] = {}

    def ready_in(self, chat_id: int) -> float:
        return max(0.0, self._ready_at.get(chat_id, 0.0) - self._clock())

    def sent(self, chat_id: int) -> None:
        self._ready_at[chat_id] = max(self._ready_at.get(chat_id, 0.0), self._clock() + self.interval)

    def hold(self, chat_id: int, seconds: float) -> None:
        self._ready_at[chat_id] = max(self._ready_at.get(chat_id, 0.0), self._clock() + seconds)

    def forget_idle(self) -> None:
        """Drops chats whose pause is over, so the map stays as small as the traffic of the last seconds."""
        now = self._clock()
        if len(self._ready_at) > 1000:
            self._ready_at = {chat: at for chat, at in self._ready_at.items() if at > now}


class FloodSignal:
    """Tells a refusal of one chat from a refusal of the whole bot: two or more different chats
    refused within `window` seconds means the overall limit is exhausted."""

    def __init__(self, window: float = 1.0, clock: Monotonic = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._recent: list[tuple[float, int]] = []

    def refused(self, chat_id: int) -> bool:
        """Records a 429 for `chat_id`; True when it looks like the overall limit."""
        now = self._clock()
        self._recent = [(at, chat) for at, chat in self._recent if now - at <= self.window]
        self._recent.append((now, chat_id))
        return len({chat for _, chat in self._recent}) >= 2
