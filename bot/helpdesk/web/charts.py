"""Bar charts as geometry for inline SVG, computed on the server (no JavaScript, nothing from a CDN).

The template draws the rectangles and texts; labels stay plain strings so that Jinja escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.helpdesk.views import Count


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float


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


def column_chart(chart_id: str, title: str, counts: tuple[Count, ...], labels: dict[str, str] | None = None, width: int = 720, height: int = 240) -> Chart:
    """Vertical bars in order (days), labelled underneath, the value on top."""
    top, bottom, side = 24.0, 36.0, 8.0
    peak = max((c.count for c in counts), default=0) or 1
    slot = (width - 2 * side) / max(len(counts), 1)
    bar_width = max(min(slot * 0.7, 80.0), 2.0)
    bars = []
    for i, c in enumerate(counts):
        h = (height - top - bottom) * c.count / peak
        x = side + i * slot + (slot - bar_width) / 2
        y = height - bottom - h
        centre = x + bar_width / 2
        bars.append(Bar((labels or {}).get(c.key, c.key), c.count, round(x, 1), round(y, 1), round(bar_width, 1), round(h, 1),
                        round(centre, 1), height - bottom + 18, round(centre, 1), round(y - 6, 1)))
    return Chart(chart_id, title, "columns", width, height, tuple(bars))


def row_chart(chart_id: str, title: str, counts: tuple[Count, ...], width: int = 720, row: int = 26, limit: int = 15) -> Chart:
    """Horizontal bars, largest first, the label on the left and the value after the bar."""
    shown = counts[:limit]
    label_width, side = 180.0, 8.0
    peak = max((c.count for c in shown), default=0) or 1
    room = width - label_width - 2 * side - 40
    bars = []
    for i, c in enumerate(shown):
        y = side + i * row
        w = max(room * c.count / peak, 1.0)
        bars.append(Bar(c.key, c.count, label_width, y, round(w, 1), row - 8.0,
                        label_width - 8, y + row / 2, round(label_width + w + 6, 1), y + row / 2))
    return Chart(chart_id, title, "rows", width, int(2 * side + len(shown) * row), tuple(bars))
