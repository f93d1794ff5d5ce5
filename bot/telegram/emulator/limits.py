"""Telegram's limits as a policy object.

Telegram answers a flood with HTTP 429 and `parameters.retry_after` (whole seconds, at least 1).
The numbers here are the documented ones: about 30 messages per second over all chats, about one
per second in one chat (short bursts pass), 20 per minute in a group. Only methods that put a
message into a chat are counted; getUpdates, answerCallbackQuery, setMyCommands and the like are not.

Buckets run on an injectable monotonic clock (`clock`, seconds as float), so rate tests move a fake
clock instead of sleeping. `Limits.lifted()` turns the rates off for benchmarks; the size limits
(text, caption, callback data, buttons) always apply because Telegram never lifts them.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MonotonicClock = Callable[[], float]


def busiest_window(times: Iterable[float], width: float = 1.0) -> int:
    """The most events in any window [t, t + width): how the recorded calls compare with a rate."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + width) - i for i, t in enumerate(ordered)), default=0)

#: Methods that deliver (or change) a message in a chat and therefore count against the rates.
RATE_LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendVenue",
        "sendLocation",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "copyMessage",
        "forwardMessage",
    }
)


class TokenBucket:
    """`capacity` tokens, refilled continuously at `rate` tokens per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


@dataclass
class Limits:
    global_per_second: float = 30
    per_chat_per_second: float = 1
    per_chat_burst: int = 3
    group_per_minute: float = 20
    max_text: int = 4096
    max_caption: int = 1024
    max_callback_data: int = 64
    enabled: bool = True
    max_buttons: int = 100
    clock: MonotonicClock = field(default=time.monotonic, repr=False)
    _global: TokenBucket | None = field(default=None, init=False, repr=False)
    _chats: dict[int, TokenBucket] = field(default_factory=dict, init=False, repr=False)
    _groups: dict[int, TokenBucket] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def lifted(cls, clock: MonotonicClock = time.monotonic) -> Limits:
        """No rate limits (benchmarks); size limits still apply."""
        return cls(enabled=False, clock=clock)

    @staticmethod
    def counts(method: str) -> bool:
        return method in RATE_LIMITED_METHODS

    def reset(self) -> None:
        """Forget all buckets (every chat starts with a full burst again)."""
        self._global = None
        self._chats.clear()
        self._groups.clear()

    def acquire(self, method: str, chat_id: int, is_group: bool) -> int | None:
        """Count one call. None when it may go through; else the retry_after Telegram would answer.

        A refused call consumes nothing, as on Telegram: waiting retry_after seconds is enough.
        """
        if not self.enabled or not self.counts(method):
            return None
        now = self.clock()
        buckets = self._buckets(chat_id, is_group, now)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait - 1e-9))
        for bucket in buckets:
            bucket.take(now)
        return None

    def _buckets(self, chat_id: int, is_group: bool, now: float) -> list[TokenBucket]:
        if self._global is None:
            self._global = TokenBucket(self.global_per_second, self.global_per_second, now)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = TokenBucket(self.per_chat_burst, self.per_chat_per_second, now)
        buckets = [self._global, chat]
        if is_group:
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = TokenBucket(self.group_per_minute, self.group_per_minute / 60, now)
            buckets.append(group)
        return buckets


def too_many_requests(retry_after: int) -> dict[str, object]:
    """The body Telegram answers with HTTP 429."""
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
