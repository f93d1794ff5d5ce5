"""Fault injection for resilience tests: the emulator misbehaves the way Telegram's edge sometimes does.

Kinds:
  "429"      flood control, `parameters.retry_after` = `retry_after`
  "500"      Internal Server Error (JSON body, as the Bot API answers)
  "502"      Bad Gateway with nginx's HTML page (the body is not JSON)
  "timeout"  the answer comes only after `timeout_delay` seconds; with `timeout_delivers=True` the
             message reached the chat anyway (the case that makes naive retries send twice)
  "reset"    the connection is closed without any answer

Faults only hit sending methods (see `limits.RATE_LIMITED_METHODS`) and never deliver the message,
except "timeout" with `timeout_delivers=True`. `rate` picks faults at random (seeded, reproducible);
`inject(...)` queues exact faults for the next sending calls, for tests that need one precise failure.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.telegram.emulator.limits import RATE_LIMITED_METHODS

FAULT_KINDS = ("429", "500", "502", "timeout", "reset")


@dataclass
class Faults:
    rate: float = 0.2
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int | None = None
    timeout_delay: float = 10.0
    timeout_delivers: bool = False
    retry_after: int = 1
    methods: frozenset[str] = RATE_LIMITED_METHODS
    _random: random.Random = field(init=False, repr=False)
    _queued: deque[str] = field(default_factory=deque, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if not 0 <= self.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        self._random = random.Random(self.seed)

    @classmethod
    def none(cls) -> Faults:
        """No random faults; use `inject` to queue exact ones."""
        return cls(rate=0.0)

    @classmethod
    def always(cls, kind: str, **options: Any) -> Faults:
        """Every sending call fails with `kind`."""
        return cls(rate=1.0, kinds=(kind,), **options)

    def inject(self, *kinds: str, times: int = 1) -> None:
        """Queue faults for the next sending calls, in order (before any random ones)."""
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; known: {FAULT_KINDS}")
            self._queued.extend([kind] * times)

    def pick(self, method: str) -> str | None:
        """The fault for this call, or None when it should go through."""
        if method not in self.methods:
            return None
        if self._queued:
            return self._queued.popleft()
        if self.rate > 0 and self._random.random() < self.rate:
            return self._random.choice(self.kinds)
        return None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        """Build from the control API's JSON ({"rate": 0.2, "kinds": [...], ...})."""
        options = dict(data)
        if "kinds" in options:
            options["kinds"] = tuple(options["kinds"])
        if "methods" in options:
            options["methods"] = frozenset(options["methods"])
        inject: Iterable[str] = options.pop("inject", ())
        faults = cls(**options)
        faults.inject(*inject)
        return faults
