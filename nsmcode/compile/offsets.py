"""Offsets: a metric read N periods earlier, or at the same period a year earlier.

A derived metric's `inputs` name other metrics read at an offset. In the plan an offset is a
`Ref` read back: `shift` periods, after `years` steps of "the same ISO week a year earlier" (only
weeks need that step; a year is 12 months or 4 quarters, which are plain shifts).

The same-week-a-year-earlier step maps ISO week W of ISO year Y to ISO week W of year Y - 1;
week 53 has none when year Y - 1 has 52 weeks (NULL). Computed with portable date arithmetic
only (the week containing 4 January starts ISO week 1), so every target means the same.

At the edges, a value read before the metric's first period with data is NULL (no prior
value), not the 0 of an empty period; a growth over a zero prior is NULL (safe division).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlglot import exp

from nsmcode import models
from nsmcode.compile import calendars
from nsmcode.compile import plan as p
from nsmcode.compile.errors import fail
from nsmcode.compile.expressions import PeriodStart, ShiftDate, number, unit
from nsmcode.diagnostics import Span

PER_YEAR = {
    models.Grain.MONTH: 12,
    models.Grain.QUARTER: 4,
    models.Grain.YEAR: 1,
    models.Grain.FISCAL_QUARTER: 4,
    models.Grain.FISCAL_YEAR: 1,
}
"""Periods per year of the grains whose year-earlier period is a plain shift."""
WEEKS_BACK = 53
"""At most this many weeks separate a week from the same week a year earlier."""


def offset_value(
    value: p.Value,
    offset: str,
    grain: models.Grain,
    span: Span | None,
    metric: str,
    calendar: models.Calendar = calendars.DEFAULT,
) -> p.Value:
    """`value` read at `offset` ('N periods' or '1 year') at this grain."""
    count, what = offset.split()
    if what.startswith("period"):
        return p.shifted(value, int(count))
    if grain in PER_YEAR:
        return p.shifted(value, PER_YEAR[grain])
    if grain is models.Grain.WEEK and calendar.week_start is not models.Weekday.MONDAY:
        raise fail(
            "C041",
            f"metric {metric!r}: the same week a year earlier is defined for ISO weeks (Monday "
            f"to Sunday), and this project's weeks start on {calendar.week_start.value}",
            span,
            "use `offset: 52 periods` (the same weekday 52 weeks earlier), or report it per "
            "month, quarter or year",
        )
    if grain is models.Grain.WEEK:
        return year_shifted(value)
    raise fail(
        "C041",
        f"metric {metric!r}: the same period a year earlier is defined for weeks, months, "
        f"quarters and years, not per {grain.value} (29 February has none)",
        span,
        "report it per week, month, quarter or year, or use `offset: 364 periods` (the same "
        "weekday 52 weeks earlier)",
    )


def year_shifted(value: p.Value) -> p.Value:
    """The same value read at the same ISO week a year earlier."""
    if isinstance(value, p.Ref):
        return replace(value, years=value.years + 1)
    if isinstance(value, p.Arith):
        return replace(value, left=year_shifted(value.left), right=year_shifted(value.right))
    if isinstance(value, p.Divide):
        return p.Divide(year_shifted(value.left), year_shifted(value.right))
    if isinstance(value, p.Negate):
        return p.Negate(year_shifted(value.value))
    if isinstance(value, p.Call):
        return p.Call(value.name, tuple(year_shifted(a) for a in value.args))
    return value


def weeks_back(ref: p.Ref) -> int:
    """How many weeks before the spine's first period the leaf of `ref` may be read."""
    return ref.shift + WEEKS_BACK * ref.years


def week_a_year_earlier(monday: exp.Expr) -> exp.Expr:
    """The Monday of the same ISO week a year earlier, or NULL (week 53 without a week 53)."""

    def week_one(jan_first: exp.Expr) -> exp.Expr:
        fourth = ShiftDate(this=jan_first, expression=number(3), unit=unit("day"))
        return PeriodStart(this=fourth, unit=unit("week"))

    thursday = ShiftDate(this=monday.copy(), expression=number(3), unit=unit("day"))
    year = PeriodStart(this=thursday, unit=unit("year"))
    this_week_one = week_one(year.copy())
    last_week_one = week_one(ShiftDate(this=year, expression=number(-12), unit=unit("month")))
    long_year = exp.EQ(
        this=ShiftDate(this=last_week_one, expression=number(53), unit=unit("week")),
        expression=this_week_one.copy(),
    )
    back52 = ShiftDate(this=monday.copy(), expression=number(-52), unit=unit("week"))
    back53 = ShiftDate(this=monday.copy(), expression=number(-53), unit=unit("week"))
    return exp.Case(
        ifs=[
            exp.If(this=long_year, true=back53),
            exp.If(this=exp.LT(this=back52.copy(), expression=this_week_one), true=back52),
        ]
    )


# ----------------------------------------------------------------------------------------------
# Building (used by build.py)

FIRSTS = "nsm_first"
"""The CTE with each offset leaf's first period with data (one row, a column per leaf)."""


YEAR_AGO = "nsm_year_ago"
"""The CTE mapping each calendar week to the same week 1, 2, ... years earlier (prior<N>)."""


def year_ago_cte(refs: list[p.Ref]) -> exp.CTE | None:
    """The weeks a year (or N years) earlier of every calendar period, when a ref needs them."""
    from nsmcode.compile.expressions import PERIODS, alias, col, cte, table

    years = max((r.years for r in refs), default=0)
    if not years:
        return None
    select = exp.Select()
    select.select(col("period"), copy=False)
    prior: exp.Expr = col("period")
    for n in range(1, years + 1):
        prior = week_a_year_earlier(prior)
        select.select(alias(prior.copy(), f"prior{n}"), copy=False)
    select.from_(table(PERIODS), copy=False)
    return cte(YEAR_AGO, select)


def year_ago_join() -> exp.Join:
    from nsmcode.compile.expressions import col, table

    on = exp.EQ(this=col("period", YEAR_AGO), expression=col("period", "sp"))
    return exp.Join(this=table(YEAR_AGO, YEAR_AGO), side="LEFT", on=on)


def read_period(ref: p.Ref, grain: exp.Var) -> exp.Expr:
    """The period at which `ref` reads its leaf, for the spine's `period`."""
    from nsmcode.compile.expressions import col

    period: exp.Expr = col(f"prior{ref.years}", YEAR_AGO) if ref.years else col("period", "sp")
    if ref.shift:
        period = ShiftDate(this=period, expression=number(-ref.shift), unit=grain.copy())
    return period


def first_columns(refs: list[p.Ref]) -> dict[p.Leaf, str]:
    """Leaves read at an offset whose empty periods are not NULL: each needs its first period."""
    leaves = [r.leaf for r in refs if (r.shift or r.years) and r.fill is not None]
    return {leaf: f"first{i + 1}" for i, leaf in enumerate(dict.fromkeys(leaves))}


def first_periods(
    firsts: dict[p.Leaf, str], flag: Callable[[p.Rows], list[exp.Expr]]
) -> exp.Select:
    """One row: per leaf, the first period in which its (primary) rows have data."""
    from nsmcode.compile.expressions import alias, col, table
    from nsmcode.compile.leaves import rows_cte

    select = exp.Select()
    for leaf, name in firsts.items():
        rows = p.primary_rows(leaf)[0]
        first = exp.Select()
        first.select(exp.Min(this=col("period")), copy=False)
        first.from_(table(rows_cte(rows.source)), copy=False)
        condition = flag(rows)
        if condition:
            first.where(condition[0], copy=False)
        select.select(alias(exp.Subquery(this=first), name), copy=False)
    return select


def prior_or_null(value: exp.Expr, ref: p.Ref, first: str, grain: exp.Var) -> exp.Expr:
    """`value` where the period read is on or after the leaf's first period, else NULL."""
    from nsmcode.compile.expressions import col

    period = read_period(ref, grain)
    known = exp.GTE(this=period, expression=col(first, FIRSTS))
    return exp.Case(ifs=[exp.If(this=known, true=value)])
