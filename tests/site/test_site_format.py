"""Numbers, sparklines and progress as the pages show them."""

from __future__ import annotations

import datetime as dt

import pytest

from nsmcode import models
from nsmcode.project import Project
from nsmcode.site import charts, fmt
from nsmcode.site.views import period_label, values_view


@pytest.mark.parametrize(
    ("value", "share", "signed", "text"),
    [
        (3622.0, False, False, "3,622"),
        (4.333, False, False, "4.33"),
        (0.0123, False, False, "0.0123"),
        (0.2444, True, False, "24%"),
        (0.038, True, False, "3.8%"),
        (0.052, True, True, "+5.2%"),
        (-0.051, True, True, "\N{MINUS SIGN}5.1%"),
        (None, False, False, "\N{EN DASH}"),
    ],
)
def test_numbers(value: float | None, share: bool, signed: bool, text: str) -> None:
    assert fmt.number(value, share=share, signed=signed) == text


def test_points() -> None:
    assert fmt.points(1.43) == "+1.4 pts"
    assert fmt.points(-0.191) == "\N{MINUS SIGN}0.19 pts"


def test_sparkline_scales_and_breaks_at_gaps() -> None:
    line = charts.sparkline([1.0, 2.0, None, 3.0, 5.0], width=100, height=20)
    assert line is not None
    assert line.line.count("M") == 2  # two segments around the missing value
    assert (line.last_x, line.last_y) == (97.0, 3.0)  # the highest point at the top right
    assert charts.sparkline([1.0]) is None


@pytest.mark.parametrize(
    ("value", "status", "key", "fraction", "shown"),
    [
        (0.5, "on track", "on-track", 0.5, "50%"),
        (1.2, "on track", "achieved", 1.0, "120%"),
        (-0.4, "off track", "off-track", 0.0, "\N{MINUS SIGN}40%"),  # not clamped at 0%
        (None, "no data", "no-data", 0.0, ""),
    ],
)
def test_progress(value: float | None, status: str, key: str, fraction: float, shown: str) -> None:
    result = charts.progress(value, status)
    assert (result.status, result.fraction, result.percent) == (key, fraction, shown)


def test_values_view_of_a_guardrail(mini: Project) -> None:
    metric = mini.metrics["api_error_rate"]
    monday = dt.date(2026, 11, 2)
    series = [(monday - dt.timedelta(weeks=2 - i), v) for i, v in enumerate([0.02, 0.012, 0.01])]
    view = values_view(metric, [*series, (monday + dt.timedelta(weeks=1), None)])
    assert view is not None
    assert view.current == "1.0%" and view.period == monday
    assert view.change == "\N{MINUS SIGN}0.20 pts" and view.change_direction == "down"
    assert view.change_tone == "neutral"
    good = values_view(metric, series, models.Direction.DECREASE)
    assert good is not None and good.change_tone == "good"
    assert period_label(monday, models.Grain.WEEK) == "week of 02 Nov 2026"
    assert period_label(monday, models.Grain.QUARTER) == "2026-Q4"
