"""Retention pages: a retention metric's cohort matrix as a heatmap (inline SVG, the share in
every cell) with the same numbers in a table, from `nsmcode query METRIC --cohorts N`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nsmcode import models
from nsmcode.project import Project
from nsmcode.site import fmt
from nsmcode.site.views import period_label

if TYPE_CHECKING:
    from nsmcode.run.connections import Engine

PERIODS = 8
CELL_W, CELL_H, LABEL_W, HEAD_H = 56, 26, 132, 22


def retention_url(name: str) -> str:
    return f"retention/{name}.html"


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    opacity: str
    """The share as fill opacity (0.06 .. 1): darker is more retained."""
    text: str
    dark: bool
    """White text on a dark cell."""


@dataclass(frozen=True)
class Heatmap:
    width: int
    height: int
    label_width: int
    cell_width: int
    cell_height: int
    head_height: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, str, int], ...]
    """(cohort label, cohort size, y)."""
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class RetentionView:
    name: str
    metric: models.Metric
    url: str
    grain: models.Grain
    heatmap: Heatmap | None
    table: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(cohort, size, shares p0..pN) as text."""


def heatmap(rows: list[tuple[dt.date, int, list[float | None]]], grain: models.Grain) -> Heatmap:
    periods = max((len(r[2]) for r in rows), default=0)
    cells: list[Cell] = []
    labels: list[tuple[str, str, int]] = []
    for i, (period, size, shares) in enumerate(rows):
        y = HEAD_H + i * CELL_H
        labels.append((period_label(period, grain), f"{size:,}", y))
        for k, share in enumerate(shares):
            if share is None:
                continue
            cells.append(
                Cell(
                    LABEL_W + k * CELL_W,
                    y,
                    f"{max(0.06, min(1.0, share)):.2f}",
                    fmt.number(share, share=True),
                    share >= 0.5,
                )
            )
    return Heatmap(
        LABEL_W + periods * CELL_W,
        HEAD_H + len(rows) * CELL_H,
        LABEL_W,
        CELL_W,
        CELL_H,
        HEAD_H,
        tuple(str(k) for k in range(periods)),
        tuple(labels),
        tuple(cells),
    )


def gather(project: Project, live: tuple[Engine, dt.date] | None) -> dict[str, RetentionView]:
    """A page per retention metric; with `live` (the site's open engine, as-of day), its matrix
    on that engine up to that day."""
    from nsmcode.compile.retention_matrix import MatrixOptions

    out: dict[str, RetentionView] = {}
    names = [n for n, m in sorted(project.metrics.items()) if m.calculation.type == "retention"]
    for name in names:
        metric = project.metrics[name]
        grain = metric.grain or models.Grain.WEEK
        drawn = None
        table: list[tuple[str, str, tuple[str, ...]]] = []
        if live is not None:
            from nsmcode.run.funnels import retention_matrix

            options = MatrixOptions(grain, PERIODS - 1, until=live[1])
            result = retention_matrix(project, live[0], name, options)
            rows = [(r[0], int(r[1]), [_share(v) for v in r[2:]]) for r in result.rows]
            drawn = heatmap(rows, grain)
            table = [
                (
                    period_label(period, grain),
                    f"{size:,}",
                    tuple(fmt.number(s, share=True) if s is not None else "" for s in shares),
                )
                for period, size, shares in rows
            ]
        out[name] = RetentionView(name, metric, retention_url(name), grain, drawn, tuple(table))
    return out


def _share(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
