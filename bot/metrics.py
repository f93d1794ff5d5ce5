"""Operational figures in Prometheus' text format: what an operator graphs and alerts on.

Kept in process, per Services (so two bots in one test process do not mix their counts); no texts,
no user ids, only counts and timings. Rendering asks the outbox for its depth at scrape time.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

NLU_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    n: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.total += value
        self.n += 1

    def lines(self, name: str) -> Iterable[str]:
        cumulative = 0
        for bound, count in zip(self.buckets, self.counts, strict=True):
            cumulative += count
            yield f'{name}_bucket{{le="{bound}"}} {cumulative}'
        yield f'{name}_bucket{{le="+Inf"}} {self.n}'
        yield f"{name}_sum {self.total:.6f}"
        yield f"{name}_count {self.n}"


@dataclass
class Metrics:
    updates: Counter[str] = field(default_factory=Counter)  # by kind: message, callback_query, ...
    nlu_seconds: Histogram = field(default_factory=lambda: Histogram(NLU_BUCKETS))
    nlu_unavailable: int = 0
    updates_retried: int = 0  # handled again after a database outage (bot.telegram.outage)

    def update_handled(self, kind: str) -> None:
        self.updates[kind] += 1

    def render(self, outbox_depth: int | None, outbox: dict[str, int] | None) -> str:
        """The exposition text; `outbox` holds the dispatcher's counters (sent, failed, ...)."""
        out = [
            "# HELP assistant_updates_total Telegram updates handled, by kind.",
            "# TYPE assistant_updates_total counter",
            *(f'assistant_updates_total{{kind="{kind}"}} {n}' for kind, n in sorted(self.updates.items())),
            "# HELP assistant_nlu_seconds Time to understand one free-text question.",
            "# TYPE assistant_nlu_seconds histogram",
            *self.nlu_seconds.lines("assistant_nlu_seconds"),
            "# HELP assistant_nlu_unavailable_total Questions that found the NLU unavailable.",
            "# TYPE assistant_nlu_unavailable_total counter",
            f"assistant_nlu_unavailable_total {self.nlu_unavailable}",
            "# HELP assistant_updates_retried_total Updates handled again after a database outage.",
            "# TYPE assistant_updates_retried_total counter",
            f"assistant_updates_retried_total {self.updates_retried}",
        ]
        if outbox_depth is not None:
            out += [
                "# HELP assistant_outbox_depth Outbox messages waiting or being sent.",
                "# TYPE assistant_outbox_depth gauge",
                f"assistant_outbox_depth {outbox_depth}",
            ]
        if outbox is not None:
            out += [
                "# HELP assistant_outbox_messages_total Outbox messages settled by this process, by outcome.",
                "# TYPE assistant_outbox_messages_total counter",
                *(f'assistant_outbox_messages_total{{outcome="{k}"}} {outbox.get(k, 0)}' for k in ("sent", "failed", "blocked", "expired")),
                "# HELP assistant_telegram_retries_total Telegram calls retried by this process, by reason.",
                "# TYPE assistant_telegram_retries_total counter",
                f'assistant_telegram_retries_total{{reason="429"}} {outbox.get("refused", 0)}',
                f'assistant_telegram_retries_total{{reason="error"}} {outbox.get("retried", 0)}',
                "# HELP assistant_outbox_budget_unavailable_total Checks of the shared sending budget that failed (nothing was sent meanwhile).",
                "# TYPE assistant_outbox_budget_unavailable_total counter",
                f'assistant_outbox_budget_unavailable_total {outbox.get("budget_unavailable", 0)}',
            ]
        return "\n".join(out) + "\n"
