"""Bar charts as geometry for inline SVG, computed on the server (no JavaScript, nothing from a CDN).

The template draws the rectangles and texts; labels stay plain strings so that Jinja escapes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Measure(Protocol):
    """What a bar shows: a label and a number (helpdesk Counts, or the live picture's figures)."""

    @property
    def key(self) -> str: ...

    @property
    def count(self) -> float: ...


Format = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    shown: str = ""  # the value as written on the chart ("4.5", "80 %"); empty: the number itself


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: str  # "columns" (per day) or "rows" (per intent, per language)
    width: int
    height: int
    bars: tuple[Bar, ...]

    @property
    def empty(self) -> bool:
        return not self.bars


def column_chart(chart_id: str, title: str, counts: Sequence[Measure], labels: dict[str, str] | None = None, width: int = 720, height: int = 240,
                 fmt: Format | None = None, peak: float | None = None) -> Chart:
    """Vertical bars in order (days, hours), labelled underneath, the value on top; `peak` fixes the
    scale (100 for a share in per cent)."""
    top, bottom, side = 24.0, 36.0, 8.0
    peak = peak or max((c.count for c in counts), default=0) or 1
    slot = (width - 2 * side) / max(len(counts), 1)
    bar_width = max(min(slot * 0.7, 80.0), 2.0)
    bars = []
    for i, c in enumerate(counts):
        h = (height - top - bottom) * c.count / peak
        x = side + i * slot + (slot - bar_width) / 2
        y = height - bottom - h
        centre = x + bar_width / 2
        bars.append(Bar((labels or {}).get(c.key, c.key), c.count, round(x, 1), round(y, 1), round(bar_width, 1), round(h, 1),
                        round(centre, 1), height - bottom + 18, round(centre, 1), round(y - 6, 1), fmt(c.count) if fmt else ""))
    return Chart(chart_id, title, "columns", width, height, tuple(bars))


def row_chart(chart_id: str, title: str, counts: Sequence[Measure], width: int = 720, row: int = 26, limit: int = 15,
              fmt: Format | None = None, peak: float | None = None, label_width: float = 180.0) -> Chart:
    """Horizontal bars, largest first, the label on the left and the value after the bar."""
    shown = counts[:limit]
    side = 8.0
    peak = peak or max((c.count for c in shown), default=0) or 1
    room = width - label_width - 2 * side - 40
    bars = []
    for i, c in enumerate(shown):
        y = side + i * row
        w = max(room * c.count / peak, 1.0)
        bars.append(Bar(c.key, c.count, label_width, y, round(w, 1), row - 8.0,
                        label_width - 8, y + row / 2, round(label_width + w + 6, 1), y + row / 2, fmt(c.count) if fmt else ""))
    return Chart(chart_id, title, "rows", width, int(2 * side + len(shown) * row), tuple(bars))
