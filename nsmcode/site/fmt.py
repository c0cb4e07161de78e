"""Numbers as people read them: shares as percentages, big counts with separators, no noise."""

from __future__ import annotations

import math

from nsmcode import models
from nsmcode.run.status import PERCENT_TYPES, is_share

__all__ = ["PERCENT_TYPES", "is_share", "number", "points", "target"]

def number(value: float | None, *, share: bool = False, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\N{EN DASH}"
    if signed and value < 0:
        return "\N{MINUS SIGN}" + number(-value, share=share)
    sign = "+" if signed and value > 0 else ""
    if share:
        pct = value * 100
        digits = 0 if abs(pct) >= 10 else 1
        return f"{sign}{pct:,.{digits}f}%"
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return f"{sign}{value:,.0f}"
    if magnitude >= 1:
        return f"{sign}{value:,.2f}".rstrip("0").rstrip(".")
    return f"{sign}{value:.3g}"


def points(value: float) -> str:
    """A change of a share in percentage points: `+1.4 pts`, `-0.19 pts`."""
    digits = 1 if abs(value) >= 1 else 2
    text = f"{value:+.{digits}f}".replace("-", "\N{MINUS SIGN}")
    return f"{text} pts"


def target(value: float | None, metric: models.Metric | None) -> str:
    """A KPI / key result target or baseline, formatted like the metric's values."""
    if value is None:
        return "\N{EN DASH}"
    share = metric is not None and is_share(metric) and abs(value) <= 1
    return number(value, share=share)
