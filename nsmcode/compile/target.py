"""Compile targets: a sqlglot dialect plus what it takes to keep a metric's meaning there.

Each target is a small class of capability flags over a sqlglot dialect, and renders the nodes of
`expressions.py` its own way: the Monday week start, date arithmetic that stays a DATE, timestamps
moved by days, and the calendar (a recursive CTE, an array function, or a digits cross join where
recursion is limited). Everything else is sqlglot's own generation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import ClassVar, Literal

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, TokenError, UnsupportedError
from sqlglot.generator import Generator
from sqlglot.tokenizer_core import TokenType

from nsmcode.compile.calendars import shift_unit, split_unit
from nsmcode.compile.durations import WholeSeconds, whole_seconds
from nsmcode.compile.expressions import (
    BOUNDS,
    PERIODS,
    DayOf,
    Instant,
    Moment,
    PeriodSeries,
    PeriodStart,
    RoundHalfUp,
    ShiftDate,
    ShiftTimestamp,
    alias,
    cast,
    col,
    cte,
    func,
    number,
    table,
    unit,
)

Spine = Literal["recursive", "numbers", "array"]
_DIGITS = {"HOUR": 5, "DAY": 5, "WEEK": 4, "MONTH": 4, "QUARTER": 3, "YEAR": 3}
"""Digits of the numbers spine per grain: 11 years of hours, 273 of days, 192 of weeks, 250 of
quarters, 999 years."""


class Target:
    """Render the dialect-free tree for one warehouse."""

    name: ClassVar[str]
    dialect: ClassVar[str]
    spine: ClassVar[Spine] = "recursive"
    """How the calendar is generated (`recursive` CTE, target `array` function, or `numbers`)."""
    null_safe_eq: ClassVar[bool] = True
    """Whether `a IS NOT DISTINCT FROM b` (or its dialect spelling) exists."""
    unsupported: ClassVar[dict[str, str]] = {}
    """Plan features this target cannot express with the same meaning, and why."""

    def __init__(self) -> None:
        self._generator: type[Generator] | None = None
        self._dialect = Dialect.get_or_raise(self.dialect)

    def __repr__(self) -> str:
        return f"<Target {self.name}>"

    # -- per-target spellings (override) ---------------------------------------------------------

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        if grain == "DAY":
            return self.day(value)
        return cast(func("DATE_TRUNC", exp.Literal.string(grain.lower()), value), "DATE")

    def day(self, value: exp.Expr) -> exp.Expr:
        return cast(value, "DATE")

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        """The TIMESTAMP starting the hour that contains a timestamp (`grain: hour`)."""
        return func("DATE_TRUNC", exp.Literal.string("hour"), value)

    def instant(self, text: exp.Expr) -> exp.Expr:
        """A timestamp literal ('2026-03-01 23:00:00')."""
        return cast(text, "TIMESTAMP")

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return cast(exp.DateAdd(this=value, expression=count, unit=unit(grain)), "DATE")

    def shift_clamped(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        """`shift_date` of any day by months, a day past a shorter month's end clamped to it
        (what month arithmetic does on every target but SQLite)."""
        return self.shift_date(value, count, grain)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        # INTERVAL '-3 DAY' loses its sign in some dialects' spelling: subtract instead
        if isinstance(days, exp.Neg):
            return exp.Sub(this=value, expression=exp.Interval(this=days.this, unit=unit(grain)))
        return exp.Add(this=value, expression=exp.Interval(this=days, unit=unit(grain)))

    def moment(self, value: exp.Expr) -> exp.Expr:
        return value

    def round_half_up(self, value: exp.Expr, digits: int) -> exp.Expr:
        # ROUND on a DECIMAL rounds halves away from zero everywhere (on floats engines differ,
        # and PostgreSQL has no ROUND(double precision, integer))
        decimal = exp.Cast(this=value, to=exp.DataType.build("DECIMAL(38, 9)"))
        return cast(exp.Round(this=decimal, decimals=number(digits)), "DOUBLE")

    def array_series(self, grain: str) -> exp.Select:
        raise NotImplementedError

    def finish(self, query: exp.Select) -> None:
        """Statement-level settings the query needs on this target."""

    def transforms(self) -> dict[type[exp.Expr], Callable[..., str]]:
        """Extra sqlglot generator transforms for this target."""
        return {}

    # -- rendering -------------------------------------------------------------------------------

    def render(self, tree: exp.Select) -> str:
        query = tree.copy()
        self._calendar(query)
        self.finish(query)
        quote_keywords(query, self._dialect)
        generator = self.generator_class()(
            dialect=self._dialect, pretty=True, unsupported_level=ErrorLevel.RAISE
        )
        try:
            return generator.generate(query, copy=False)
        except UnsupportedError as error:
            raise NotExpressible(str(error)) from error

    def generator_class(self) -> type[Generator]:
        if self._generator is None:
            base = self._dialect.generator_class
            transforms: dict[type[exp.Expr], Callable[..., str]] = {
                **base.TRANSFORMS,
                PeriodStart: lambda g, e: g.sql(
                    self.hour_start(e.this)
                    if e.text("unit") == "HOUR"
                    else self._period_start(e.this, e.text("unit"))
                ),
                Instant: lambda g, e: g.sql(self.instant(e.this)),
                DayOf: lambda g, e: g.sql(self.day(e.this)),
                Moment: lambda g, e: g.sql(self.moment(e.this)),
                ShiftDate: lambda g, e: g.sql(self._shift(e)),
                ShiftTimestamp: lambda g, e: g.sql(
                    self.shift_timestamp(e.this, e.expression, e.text("unit") or "DAY")
                ),
                WholeSeconds: lambda g, e: g.sql(whole_seconds(self.name, e.this, e.expression)),
                RoundHalfUp: lambda g, e: g.sql(
                    self.round_half_up(e.this, int(e.args["decimals"].name))
                ),
            }
            if not self.null_safe_eq:
                transforms[exp.NullSafeEQ] = lambda g, e: g.sql(_null_safe_eq(e))
            transforms.update(self.transforms())
            self._generator = type(
                f"{type(self).__name__}Generator", (base,), {"TRANSFORMS": transforms}
            )
        return self._generator

    def _period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        """The start of a period, moved ones too (calendars.py): truncate the date moved back,
        then move the start forward again, with this target's own spellings."""
        name, moved = split_unit(grain)
        if not moved:
            return self.period_start(value, name)
        by = shift_unit(name)
        # months are moved from the first of the month: SQLite's '-1 months' from 31 October
        # is 1 October (no 31 September), not 30 September
        anchor = self.day(value) if by == "DAY" else self.period_start(value, "MONTH")
        back = self.shift_date(anchor, number(-moved), by)
        return self.shift_date(self.period_start(back, name), number(moved), by)

    def _shift(self, node: exp.Expr) -> exp.Expr:
        grain = split_unit(node.text("unit"))[0]  # a moved calendar's unit: its grain
        if grain == "HOUR":  # an hour's period is a timestamp
            return self.shift_timestamp(node.this, node.expression, grain)
        shift = self.shift_clamped if node.args.get("clamp") else self.shift_date
        return shift(node.this, node.expression, grain)

    def _calendar(self, query: exp.Select) -> None:
        """Replace the calendar placeholder with this target's series."""
        with_ = query.args["with_"]
        ctes: list[exp.CTE] = list(with_.expressions)
        index = next((i for i, c in enumerate(ctes) if isinstance(c.this, PeriodSeries)), None)
        if index is None:  # a custom granularity's calendar is a query of its table
            return
        grain = split_unit(ctes[index].this.text("unit"))[0]
        if grain == "TOTAL":
            ctes[index] = cte(PERIODS, _one_period())
        elif self.spine == "recursive":
            ctes[index] = cte(PERIODS, _recursive(grain), ["period"])
            with_.set("recursive", True)
        elif self.spine == "numbers":
            ctes[index : index + 1] = [cte("nsm_digits", _digits()), cte(PERIODS, _numbers(grain))]
        else:
            ctes[index] = cte(PERIODS, self.array_series(grain))
        with_.set("expressions", ctes)


class NotExpressible(Exception):
    """sqlglot reports the target cannot express part of the query."""


def _null_safe_eq(node: exp.Expr) -> exp.Expr:
    left, right = node.this, node.expression
    both_null = exp.And(
        this=exp.Is(this=left.copy(), expression=exp.Null()),
        expression=exp.Is(this=right.copy(), expression=exp.Null()),
    )
    return exp.Paren(
        this=exp.Or(this=exp.EQ(this=left, expression=right), expression=exp.Paren(this=both_null))
    )


def _one_period() -> exp.Select:
    """A total's calendar: its one period, when the bounds have one."""
    select = exp.Select().select(alias(col("period_lo", "b"), "period"), copy=False)
    select.from_(table(BOUNDS, "b"), copy=False)
    select.where(
        exp.LTE(this=col("period_lo", "b"), expression=col("period_hi", "b")), copy=False
    )
    return select


def _next(grain: str, value: exp.Expr) -> exp.Expr:
    return ShiftDate(this=value, expression=number(1), unit=unit(grain))


def _recursive(grain: str) -> exp.Expr:
    anchor = exp.Select()
    anchor.select(alias(col("period_from", "b"), "period"), copy=False)
    anchor.from_(table(BOUNDS, "b"), copy=False)
    anchor.where(
        exp.LTE(this=col("period_from", "b"), expression=col("period_hi", "b")), copy=False
    )
    step = exp.Select()
    step.select(_next(grain, col("period", "pr")), copy=False)
    step.from_(table(PERIODS, "pr"), copy=False)
    step.join(exp.Join(this=table(BOUNDS, "b"), kind="CROSS"), copy=False)
    step.where(
        exp.LTE(this=_next(grain, col("period", "pr")), expression=col("period_hi", "b")),
        copy=False,
    )
    return exp.Union(this=anchor, expression=step, distinct=False)


def _digits() -> exp.Expr:
    union: exp.Expr = exp.Select().select(alias(number(0), "n"), copy=False)
    for digit in range(1, 10):
        select = exp.Select().select(alias(number(digit), "n"), copy=False)
        union = exp.Union(this=union, expression=select, distinct=False)
    return union


def _numbers(grain: str) -> exp.Select:
    """Periods as `from + n` for n < 10^k, from a cross join of digits (no recursion limits)."""
    digits = _DIGITS[grain]
    count: exp.Expr = col("n", "d0")
    for i in range(1, digits):
        place = exp.Mul(this=col("n", f"d{i}"), expression=number(10**i))
        count = exp.Add(this=count, expression=place)
    shifted = ShiftDate(this=col("period_from", "b"), expression=count, unit=unit(grain))
    select = exp.Select()
    select.select(alias(shifted, "period"), copy=False)
    select.from_(table(BOUNDS, "b"), copy=False)
    for i in range(digits):
        select.join(exp.Join(this=table("nsm_digits", f"d{i}"), kind="CROSS"), copy=False)
    select.where(exp.LTE(this=shifted.copy(), expression=col("period_hi", "b")), copy=False)
    return select


# Words PostgreSQL reserves, or reads as a function without parentheses (`user`), that sqlglot's
# tokenizers read as plain names (`order`, `group` only start ORDER BY / GROUP BY tokens).
_POSTGRES_RESERVED = """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user default
    deferrable desc distinct do else end except false fetch for foreign freeze from full grant
    group having ilike in initially inner intersect into is isnull join lateral leading left like
    limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps
    placing primary qualify references returning right select session_user similar some symmetric
    system_user table tablesample then to trailing true union unique user using variadic verbose
    when where window with"""
_RESERVED = frozenset(_POSTGRES_RESERVED.split())


@lru_cache(maxsize=4096)
def _is_keyword(name: str, dialect: Dialect) -> bool:
    if name.lower() in _RESERVED or name.lower() in dialect.generator_class.RESERVED_KEYWORDS:
        return True
    try:
        tokens = dialect.tokenize(name)
    except TokenError:  # a name the tokenizer cannot read needs quotes too
        return True
    return len(tokens) != 1 or tokens[0].token_type is not TokenType.VAR


def quote_keywords(tree: exp.Expr, dialect: Dialect) -> None:
    """Quote every name the target would read as a keyword (a column `order`, a table
    `analytics.order`, a source `user`), spelled as the target folds unquoted names (ORDER on
    Snowflake, order on PostgreSQL) so that quoting changes nothing but the parse."""
    for node in list(tree.find_all(exp.Identifier)):
        if not node.quoted and _is_keyword(node.name, dialect):
            dialect.normalize_identifier(node)
            node.set("quoted", True)
