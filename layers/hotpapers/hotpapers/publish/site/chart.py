"""A paper's score over the days it was listed, as the geometry of an inline SVG chart.

Python computes numbers only (coordinates, tick values, labels); the template `paper.html`
writes the markup, and the stylesheet colours it through classes (`currentColor` and the
site's CSS variables), so it reads in light and dark mode with no inline style and no script.
Coordinates are rounded to one decimal: the same history draws byte-identical markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hotpapers.core.history import HistoryEntry
from hotpapers.publish.site.formatting import format_count, medium_date, pluralize

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 56, 20, 16, 40  # room for the score labels (left) and the dates (bottom)
TICKS = 4  # intervals on the score axis


@dataclass(frozen=True)
class _ChartPoint:
    x: float
    y: float
    label: str  # "1 June 2021: rank 3, 920 points" (the point's tooltip)


@dataclass(frozen=True)
class _ChartTick:
    y: float
    label: str


@dataclass(frozen=True)
class _ChartDate:
    x: float
    label: str
    anchor: str  # SVG text-anchor: "start", "middle" or "end"


@dataclass(frozen=True)
class Chart:
    """A paper's score chart (an inline SVG): its frame, points, line, ticks, dates and text alternative."""

    width: int
    height: int
    left: int
    right: float  # the plot's right edge
    baseline: float  # the y of score 0
    points: list[_ChartPoint]
    line: str  # the polyline's points attribute: "x,y x,y …"
    ticks: list[_ChartTick]
    dates: list[_ChartDate]
    summary: str  # the chart's text alternative (its <title>)


def nice_top(highest: int) -> int:
    """The axis' top: the smallest 1, 2, 2.5 or 5 × 10^k step times TICKS that reaches `highest`."""
    if highest <= 0:
        return TICKS
    magnitude = 1
    while True:
        for step in (1, 2, 2.5, 5):
            size = step * magnitude
            if size == int(size) and size * TICKS >= highest:
                return int(size * TICKS)
        magnitude *= 10


def _round(value: float) -> float:
    return round(value, 1) + 0.0  # + 0.0: never "-0.0"


def score_chart(history: Sequence[HistoryEntry]) -> Chart:
    """The chart of `history` (oldest first, at least one entry): x is the date, y the score from 0."""
    if not history:
        raise ValueError("a chart needs at least one listed day")
    first, last = history[0].day, history[-1].day
    span = (last - first).days
    right = WIDTH - RIGHT
    baseline = HEIGHT - BOTTOM
    top = nice_top(max(entry.score for entry in history))

    def x_of(entry: HistoryEntry) -> float:
        if span == 0:  # one day: the point in the middle
            return _round((LEFT + right) / 2)
        return _round(LEFT + (entry.day - first).days / span * (right - LEFT))

    def y_of(score: int) -> float:
        return _round(baseline - max(score, 0) / top * (baseline - TOP))

    points = [
        _ChartPoint(
            x_of(entry),
            y_of(entry.score),
            f"{medium_date(entry.day)}: rank {entry.rank}, {pluralize(entry.score, 'point', 'points')}",
        )
        for entry in history
    ]
    ticks = [_ChartTick(y_of(top * n // TICKS), format_count(top * n // TICKS)) for n in range(TICKS + 1)]
    if span == 0:
        dates = [_ChartDate(points[0].x, medium_date(first), "middle")]
    else:
        dates = [_ChartDate(LEFT, medium_date(first), "start"), _ChartDate(right, medium_date(last), "end")]
    best = max(history, key=lambda entry: (entry.score, -entry.day.toordinal()))
    days = pluralize(len(history), "day", "days")
    summary = (
        f"Score on the {days} listed, from {medium_date(first)} to {medium_date(last)}: "
        f"highest {pluralize(best.score, 'point', 'points')} on {medium_date(best.day)}."
        if span
        else f"Score on the one day listed, {medium_date(first)}: {pluralize(best.score, 'point', 'points')}."
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        baseline=baseline,
        points=points,
        line=" ".join(f"{point.x:g},{point.y:g}" for point in points),
        ticks=ticks,
        dates=dates,
        summary=summary,
    )
