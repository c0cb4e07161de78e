"""dbt derived-metric inputs read at an offset -> nsmcode derived `inputs:`.

MetricFlow shifts an input by a calendar interval (`offset_window: 1 month`) whatever the grain
of the query, or reads it at the start of a coarser period (`offset_to_grain: month`). nsmcode
offsets count periods of the query's grain (`N periods`) or read the same period a year earlier
(`1 year`). The two agree at one grain, so the imported derived metric gets that grain: `1
month` is `1 period` at `grain: month`, `14 days` is `2 periods` at `grain: week` when the
dbt metric says `time_granularity: week`. At that grain `offset_to_grain: G` reads the period
itself. Whatever has no exact equivalent at the chosen grain is reported (D104).

Hours are periods of the hour grain (`offset_window: 3 hours` is `3 periods` at `grain:
hour`). Custom granularities (nsmcode refuses offsets read by one, C045) are reported; adding a
unit is one entry of `UNITS` and `PER`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# dbt interval unit -> the nsmcode grain its periods are counted in
UNITS = {u: u for u in ("hour", "day", "week", "month", "quarter", "year")}
# how many periods of a grain one unit spans, exactly (None: not a whole number of periods)
PER: dict[tuple[str, str], int] = {
    ("hour", "hour"): 1,
    ("day", "hour"): 24,
    ("week", "hour"): 168,
    ("day", "day"): 1,
    ("week", "day"): 7,
    ("week", "week"): 1,
    ("month", "month"): 1,
    ("quarter", "month"): 3,
    ("quarter", "quarter"): 1,
    ("year", "month"): 12,
    ("year", "quarter"): 4,
    ("year", "year"): 1,
}
GRAINS = ("hour", "day", "week", "month", "quarter", "year")
HOURS_PER = {"day": 24, "week": 168}  # `48 hours` is `2 periods` at a daily grain
_WINDOW = re.compile(r"^\s*(\d+)\s+([A-Za-z_]+?)s?\s*$")


class OffsetError(ValueError):
    """An offset nsmcode cannot read the same way; the message says why."""


@dataclass(frozen=True)
class Offset:
    """One dbt offset, before a grain is chosen."""

    count: int
    unit: str
    """day, week, month, quarter, year; or `to_grain` (offset_to_grain: read the period)."""

    @property
    def natural_grain(self) -> str:
        return "month" if self.unit == "year" else self.unit


def parse_window(value: Any) -> tuple[int, str]:
    """`'1 month'`, `'2 weeks'`, or a compiled manifest's `{count: 1, granularity: month}`."""
    if isinstance(value, dict):
        count = value.get("count")
        unit = str(value.get("granularity", "")).lower().removesuffix("s")
        if isinstance(count, int) and not isinstance(count, bool):
            return count, unit
        raise OffsetError(f"{value!r} is not a window")
    match = _WINDOW.match(str(value))
    if match is None:
        raise OffsetError(f"{value!r} is not a window such as '1 month'")
    return int(match.group(1)), match.group(2).lower()


def read(window: Any, to_grain: Any) -> Offset | None:
    """The offset of one dbt input (None: it has none)."""
    if window is not None and to_grain is not None:
        raise OffsetError("an input has either offset_window or offset_to_grain, not both")
    if window is not None:
        count, unit = parse_window(window)
        if unit not in UNITS:
            raise OffsetError(
                f"offsets in {unit}s are not carried over; nsmcode offsets count hours, days, "
                "weeks, months, quarters or years"
            )
        if count < 1:
            raise OffsetError("an offset of 0 periods reads the same period: drop it in dbt")
        return Offset(count, unit)
    if to_grain is not None:
        grain = str(to_grain).lower()
        if grain not in GRAINS:
            raise OffsetError(
                f"offset_to_grain {to_grain!r} is not carried over (nsmcode grains: "
                f"{', '.join(GRAINS)})"
            )
        return Offset(0, grain)
    return None


def choose_grain(declared: str | None, offsets: list[Offset]) -> str:
    """The grain at which every offset reads what MetricFlow reads."""
    if declared is not None:
        return declared
    return offsets[0].natural_grain


def nsmcode_offset(offset: Offset, grain: str) -> str | None:
    """The nsmcode `offset:` at `grain` (None: the input reads the period itself).

    Raises OffsetError when the dbt offset is not a whole number of `grain` periods."""
    if offset.count == 0:  # offset_to_grain
        if offset.unit != grain:
            raise OffsetError(
                f"offset_to_grain {offset.unit!r} reads the start of a {offset.unit}, which "
                f"nsmcode can only express at grain {offset.unit} (this metric's is {grain})"
            )
        return None
    if offset.unit == "year" and offset.count == 1 and grain in ("week", "month", "quarter"):
        return "1 year"
    per = PER.get((offset.unit, grain))
    if per is None and (grain, offset.unit) == ("week", "day") and offset.count % 7 == 0:
        return _periods(offset.count // 7)
    if per is None and (grain, offset.unit) == ("quarter", "month") and offset.count % 3 == 0:
        return _periods(offset.count // 3)
    hours = HOURS_PER.get(grain)
    if per is None and offset.unit == "hour" and hours and offset.count % hours == 0:
        return _periods(offset.count // hours)
    if per is None:
        raise OffsetError(
            f"an offset of {offset.count} {offset.unit}(s) is not a whole number of {grain}s, "
            f"the grain of this metric"
        )
    return _periods(offset.count * per)


def _periods(n: int) -> str:
    if n > 520:
        raise OffsetError(f"an offset of {n} periods is more than nsmcode's 520")
    return f"{n} period{'s' if n != 1 else ''}"
