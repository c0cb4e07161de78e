"""Sparklines and progress, computed in Python and drawn as inline SVG by the templates."""

from __future__ import annotations

from dataclasses import dataclass


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
    fraction: float  # 0..1, share of the way from baseline to target (clamped for drawing)
    status: str  # CSS key: "achieved" | "on-track" | "at-risk" | "off-track" | "no-data"
    label: str
    percent: str = ""
    """The progress as read: never clamped (below 0%: the metric moved the wrong way)."""


def progress(value: float | None, status: str) -> Progress:
    """A goal's progress as computed by `nsmcode.run.status` (the same maths as `okr status`)."""
    if value is None:
        return Progress(0.0, "no-data", "No data")
    fraction = max(0.0, min(1.0, value))
    shown = f"{value * 100:.0f}%".replace("-", "\N{MINUS SIGN}")
    if value >= 1:
        return Progress(1.0, "achieved", "Achieved", shown)
    key = status.replace(" ", "-")
    return Progress(round(fraction, 4), key, status.capitalize(), shown)
