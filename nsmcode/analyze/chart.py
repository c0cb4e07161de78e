"""The analysis for the docs site: the JSON result plus chart geometry (computed here, drawn as
inline SVG by `site/templates/analysis.html.j2`), so the site only passes it to its template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nsmcode.analyze.render import ADVERB
from nsmcode.analyze.stats import LagPoint

if TYPE_CHECKING:
    from nsmcode.project import Project
    from nsmcode.run.connections import Engine

STATUS_CLASS = {
    "pass": "on-track",
    "fail": "off-track",
    "insufficient": "at-risk",
    "skipped": "no-data",
}
STATUS_LABEL = {
    "pass": "Pass",
    "fail": "Fail",
    "insufficient": "Not enough data",
    "skipped": "Skipped",
}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    lag: int
    label: str
    """The correlation as text (or "too few" when the lag is not read)."""
    kind: str
    """`lead` (the strongest positive lag of a passing check) or `other`."""


@dataclass(frozen=True)
class LagChart:
    """Bars of r per lag (up for positive r, down for negative) around a zero line, with the
    ±2/√n band as two dashed paths."""

    width: int
    height: int
    zero: float
    bars: tuple[Bar, ...]
    upper: str
    lower: str
    label_y: float


@dataclass(frozen=True)
class TrendChart:
    """The north star and the outcome over time, each scaled to its own range: what an
    executive reads first (do the two rise and fall together, one ahead of the other?)."""

    width: int
    height: int
    north_star: str
    """SVG path of the north star; the outcome's below."""
    outcome: str
    first: str
    last: str
    """The first and last period, as dates to label the axis."""


@dataclass(frozen=True)
class SiteAnalysis:
    report: dict[str, Any]
    """`AnalysisReport.to_dict()`."""
    chart: LagChart
    trend: TrendChart | None = None

    @property
    def adverb(self) -> str:
        """'weekly' for a weekly north star."""
        return ADVERB[self.report["grain"]]

    def status_class(self, status: str) -> str:
        return STATUS_CLASS[status]

    def status_label(self, status: str) -> str:
        return STATUS_LABEL[status]


BAR = 30
PLOT = 90
PAD = 8


def lag_chart(points: Sequence[LagPoint], lead: int | None) -> LagChart:
    """Geometry of the lag bars; r runs from -1 (bottom) to 1 (top)."""
    half = PLOT / 2
    zero = PAD + half

    def y(r: float) -> float:
        return zero - r * half

    bars = []
    upper: list[str] = []
    lower: list[str] = []
    for i, point in enumerate(points):
        x = i * BAR
        r = point.r if point.enough and point.r is not None else 0.0
        top = min(y(r), zero)
        bars.append(
            Bar(
                round(x + 5, 1),
                round(top, 1),
                BAR - 10,
                round(abs(y(r) - zero), 1),
                point.lag,
                f"{point.r:+.2f}" if point.enough and point.r is not None else "too few",
                "lead" if point.lag == lead else "other",
            )
        )
        if point.bound is not None and point.enough:
            for path, sign in ((upper, 1), (lower, -1)):
                level = round(y(sign * min(point.bound, 1.0)), 1)
                path.append(f"{'M' if not path else 'L'}{x + 2},{level} L{x + BAR - 2},{level}")
    return LagChart(
        width=len(points) * BAR,
        height=int(PLOT + 2 * PAD + 14),
        zero=zero,
        bars=tuple(bars),
        upper=" ".join(upper),
        lower=" ".join(lower),
        label_y=PLOT + 2 * PAD + 9,
    )


def trend_chart(
    periods: Sequence[dt.date],
    north_star: Sequence[float | None],
    outcome: Sequence[float | None],
    width: int = 600,
    height: int = 120,
) -> TrendChart | None:
    """Two lines across the same periods, each from its own low (bottom) to high (top)."""
    if len(periods) < 2:
        return None
    paths = [_line(values, width, height) for values in (north_star, outcome)]
    if not all(paths):
        return None
    return TrendChart(
        width, height, paths[0], paths[1], periods[0].isoformat(), periods[-1].isoformat()
    )


def _line(values: Sequence[float | None], width: int, height: int) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, span = min(known), (max(known) - min(known)) or 1.0
    step = (width - 2 * PAD) / (len(values) - 1)
    parts: list[str] = []
    pen = "M"
    for i, v in enumerate(values):
        if v is None:
            pen = "M"
            continue
        y = height - PAD - (v - low) / span * (height - 2 * PAD)
        parts.append(f"{pen}{PAD + i * step:.1f},{y:.1f}")
        pen = "L"
    return " ".join(parts)


def site_analysis(project: Project, engine: Engine, as_of: dt.date) -> SiteAnalysis | None:
    """The analysis for the handbook on the site's open `engine`, on data up to `as_of` (its
    last complete day), or None when the project declares no `analysis.outcome`. Setup and data
    errors raise InputError."""
    from nsmcode.analyze import analyze

    if project.config.analysis.outcome is None:
        return None
    report = analyze(project, engine, today=as_of + dt.timedelta(days=1))
    lead = report.lead.verdict.best.lag if report.lead.verdict.best else None
    chart = lag_chart(report.lead.points, lead if report.lead.status == "pass" else None)
    values = report.series.values
    trend = trend_chart(
        report.series.periods, values[report.north_star], values[report.outcome]
    )
    return SiteAnalysis(report.to_dict(), chart, trend)
