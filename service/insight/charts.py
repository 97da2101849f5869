"""Chart geometry for the report's inline SVG: bars and heat-map cells with their numbers.

Only positions and labels are computed here; templates/report_charts.j2 draws them. Every
mark carries its figure as text (a <title> and a visible label), so a screen reader, a
printed page and a colour-blind reader get the numbers as well as the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.domain.insight import Figures

BAR_AREA = 160  # px of height the tallest bar may take
BAR_WIDTH = 18
MONTH_WIDTH = 56
CELL_W, CELL_H, LABEL_W = 56, 26, 180


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    value: int
    kind: str  # held | missed
    title: str


@dataclass(frozen=True)
class MonthChart:
    width: int
    height: int
    baseline: int
    bars: tuple[Bar, ...]
    months: tuple[tuple[int, str], ...]  # (x of the label's centre, "YYYY-MM")
    rows: tuple[tuple[str, int, int], ...]  # month, held, missed: the same figures as a table


def month_chart(figures: Figures, months: Sequence[str]) -> MonthChart:
    """Held and missed 1-2-1s per month, side by side."""
    top = max([1, *figures.held_by_month.values(), *figures.missed_by_month.values()])
    baseline = BAR_AREA + 24
    bars: list[Bar] = []
    labels: list[tuple[int, str]] = []
    rows: list[tuple[str, int, int]] = []
    for i, month in enumerate(months):
        x0 = 40 + i * MONTH_WIDTH
        held = figures.held_by_month.get(month, 0)
        missed = figures.missed_by_month.get(month, 0)
        for j, (kind, value) in enumerate((("held", held), ("missed", missed))):
            h = round(BAR_AREA * value / top)
            bars.append(Bar(x0 + j * (BAR_WIDTH + 2), baseline - h, h, value, kind,
                            f"{month}: {value} {kind}"))
        labels.append((x0 + BAR_WIDTH, month))
        rows.append((month, held, missed))
    width = 40 + max(1, len(months)) * MONTH_WIDTH + 20
    return MonthChart(width, baseline + 40, baseline, tuple(bars), tuple(labels), tuple(rows))


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    fill: str
    text: str  # "3/4" held of due, or "–"
    title: str


@dataclass(frozen=True)
class HeatMap:
    width: int
    height: int
    months: tuple[tuple[int, str], ...]
    names: tuple[tuple[int, str], ...]  # (y of the row's middle, manager)
    cells: tuple[Cell, ...]


def _fill(share: float | None) -> str:
    """Red (none held) through amber to green (all held); grey when nothing was due."""
    if share is None:
        return "#eeeeee"
    if share >= 0.9:
        return "#8fd19e"
    if share >= 0.6:
        return "#ffe08a"
    return "#f4a3a3"


def heat_map(managers: Sequence[tuple[str, Figures]], months: Sequence[str]) -> HeatMap:
    """Per manager and month: how many of their pairs' due 1-2-1s were held."""
    cells: list[Cell] = []
    names: list[tuple[int, str]] = []
    for r, (name, f) in enumerate(managers):
        y = 30 + r * CELL_H
        names.append((y + CELL_H // 2 + 4, name))
        for c, month in enumerate(months):
            held = f.held_by_month.get(month, 0)
            due = held + f.missed_by_month.get(month, 0)
            share = held / due if due else None
            text = f"{held}/{due}" if due else "–"
            title = (f"{name}, {month}: {held} of {due} held" if due
                     else f"{name}, {month}: none due")
            cells.append(Cell(LABEL_W + c * CELL_W, y, _fill(share), text, title))
    tops = tuple((LABEL_W + c * CELL_W + CELL_W // 2, m) for c, m in enumerate(months))
    return HeatMap(LABEL_W + max(1, len(months)) * CELL_W + 10,
                   30 + max(1, len(managers)) * CELL_H + 10, tops, tuple(names), tuple(cells))
