"""Sparklines and progress, computed in Python and drawn as inline SVG by the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nsmcode import models


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    line: str
    area: str
    last_x: float
    last_y: float


def sparkline(values: list[float | None], width: int = 160, height: int = 40) -> Sparkline | None:
    """A line through the points (gaps where a value is missing), scaled to its own range."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    span = high - low or 1.0
    pad = 3.0
    step = (width - 2 * pad) / (len(values) - 1)

    def y(v: float) -> float:
        return height - pad - (v - low) / span * (height - 2 * pad)

    segments: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((pad + i * step, y(v)))
    segments = [s for s in segments if s]
    line = " ".join(
        "M" + " L".join(f"{x:.1f},{yy:.1f}" for x, yy in segment) for segment in segments
    )
    area = " ".join(
        f"M{seg[0][0]:.1f},{height - pad:.1f} L"
        + " L".join(f"{x:.1f},{yy:.1f}" for x, yy in seg)
        + f" L{seg[-1][0]:.1f},{height - pad:.1f} Z"
        for seg in segments
        if len(seg) > 1
    )
    last_x, last_y = segments[-1][-1]
    return Sparkline(width, height, line, area, round(last_x, 1), round(last_y, 1))


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0..1, share of the way from baseline to target
    status: str  # "achieved" | "on-track" | "at-risk" | "off-track"
    label: str


def progress(
    current: float | None,
    baseline: float | None,
    target: float | None,
    direction: models.Direction | None,
    *,
    start: dt.date | None = None,
    due: dt.date | None = None,
    today: dt.date | None = None,
) -> Progress | None:
    """How far `current` has moved from baseline to target, and whether that is on pace.

    On pace means at least as far along as the time elapsed between `start` and `due`, measured
    at `today` (the last period with data, never the wall clock: builds stay reproducible).
    """
    if current is None or target is None:
        return None
    down = direction is models.Direction.DECREASE or (
        direction is None and baseline is not None and target < baseline
    )
    achieved = current <= target if down else current >= target
    if baseline is None or baseline == target:
        fraction = 1.0 if achieved else 0.0
    else:
        fraction = max(0.0, min(1.0, (current - baseline) / (target - baseline)))
    if achieved:
        return Progress(1.0, "achieved", "Achieved")
    expected = None
    if start and due and today and due > start:
        expected = max(0.0, min(1.0, (today - start).days / (due - start).days))
    if expected is None:
        status = "on-track" if fraction >= 0.5 else "at-risk"
    elif fraction >= expected - 0.05:
        status = "on-track"
    elif fraction >= expected * 0.5:
        status = "at-risk"
    else:
        status = "off-track"
    label = {"on-track": "On track", "at-risk": "At risk", "off-track": "Off track"}[status]
    return Progress(round(fraction, 4), status, label)
