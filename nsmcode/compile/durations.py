"""Time to convert (`type: time_to_convert`): a percentile of the time each entity takes from its
first base event to its first conversion event at or after it ("median days to the first
production call"), exact and the same on every target.

Query shape (i: the leaf's number in the query):

    nsm_start<i>     per base entity: t0, the time of its first base event, ever
    nsm_entry<i>     per base entity: t0, its period and segments, and its key for the matched
                     entity, read from the base row(s) at t0 (the smallest when several)
    nsm_elapsed<i>   per base entity: the whole seconds from t0 to its first conversion event at
                     or after t0 (within the cap); entities without one have no row
    nsm_durations<i> the percentile of those seconds per period (percentiles.py), in the unit

Durations are whole seconds: both times are read to the second (fractions dropped), then
subtracted, so every target gives the same integer (`WholeSeconds`, spelled per target below).
The order of the two events and the cap are checked on the same integer, so they agree with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp

from nsmcode.compile import plan as p
from nsmcode.compile.expressions import (
    alias,
    cast,
    col,
    conjunction,
    cte,
    func,
    number,
    table,
)
from nsmcode.compile.leaves import key_column, rows_cte, value_column
from nsmcode.compile.percentiles import ranked_percentile

Flag = Callable[[p.Rows, str | None], list[exp.Expr]]


class WholeSeconds(exp.Expression, exp.Func):
    """Seconds from `this` to `expression` (two event times as `Moment` gives them), each read to
    the whole second: floor(end) - floor(start), an integer on every target."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "expression": True}


def whole_seconds(target: str, start: exp.Expr, end: exp.Expr) -> exp.Expr:
    """`WholeSeconds` in each target's spelling: a function that counts second boundaries
    crossed (DATEDIFF), or the difference of the times truncated to the second."""
    second = exp.Var(this="SECOND")
    if target == "duckdb":
        return func("DATE_DIFF", exp.Literal.string("second"), start, end)
    if target == "postgres":
        epoch = exp.Var(this="EPOCH")

        def floor(value: exp.Expr) -> exp.Expr:
            return exp.Floor(this=exp.Extract(this=epoch.copy(), expression=value))

        return cast(exp.Sub(this=floor(end), expression=floor(start)), "BIGINT")
    if target in ("redshift", "snowflake"):
        return func("DATEDIFF", second, start, end)
    if target == "tsql":
        return func("DATEDIFF_BIG", second, start, end)
    if target == "clickhouse":
        return func("dateDiff", exp.Literal.string("second"), start, end)
    if target == "bigquery":
        return func(
            "TIMESTAMP_DIFF",
            func("TIMESTAMP_TRUNC", end, second.copy()),
            func("TIMESTAMP_TRUNC", start, second.copy()),
            second,
        )
    if target in ("spark", "databricks"):
        trunc = exp.Literal.string("SECOND")
        return func(
            "TIMESTAMPDIFF",
            second,
            func("DATE_TRUNC", trunc, start),
            func("DATE_TRUNC", trunc.copy(), end),
        )
    if target == "trino":
        unit = exp.Literal.string("second")
        return func(
            "DATE_DIFF",
            unit,
            func("DATE_TRUNC", unit.copy(), start),
            func("DATE_TRUNC", unit.copy(), end),
        )
    if target == "mysql":  # formatting drops the fraction exactly (CAST would round it)
        pattern = exp.Literal.string("%Y-%m-%d %H:%i:%s")
        return func(
            "TIMESTAMPDIFF",
            second,
            func("DATE_FORMAT", start, pattern),
            func("DATE_FORMAT", end, pattern.copy()),
        )
    if target == "sqlite":
        seconds = exp.Literal.string("%s")
        return exp.Sub(
            this=cast(func("STRFTIME", seconds, end), "INTEGER"),
            expression=cast(func("STRFTIME", seconds.copy(), start), "INTEGER"),
        )
    raise ValueError(f"no duration spelling for target {target!r}")


def elapsed_ctes(
    i: int, leaf: p.Elapsed, segment_cols: list[str], breakdown: str | None, flag: Flag
) -> tuple[list[exp.CTE], str]:
    """The CTEs of one time-to-convert leaf and the name of the last, a (period, segments...,
    value) series. `breakdown`: the breakdown key column, when the query has one."""
    start, entry, elapsed = f"nsm_start{i}", f"nsm_entry{i}", f"nsm_elapsed{i}"
    base = rows_cte(leaf.base.source)
    entity = value_column(leaf.base_entity)
    carried = [breakdown] if breakdown else []
    dims = [c for c in segment_cols if c != breakdown]

    first = exp.Select()
    first.select(alias(col(entity, "b"), "nsm_entity"), copy=False)
    first.select(*(col(c, "b") for c in carried), copy=False)
    first.select(alias(exp.Min(this=col("nsm_ts", "b")), "nsm_t0"), copy=False)
    first.from_(table(base, "b"), copy=False)
    known = [_not_null(col(entity, "b")), _not_null(col("nsm_ts", "b"))]
    first.where(conjunction([*flag(leaf.base, "b"), *known]), copy=False)
    first.group_by(col(entity, "b"), *(col(c, "b") for c in carried), copy=False)

    keys = [col("nsm_entity", "s"), *(col(c, "s") for c in carried), col("nsm_t0", "s")]
    at_t0 = exp.Select()
    at_t0.select(*keys, copy=False)
    at_t0.select(alias(exp.Min(this=col("period", "b")), "period"), copy=False)
    for column in dims:
        at_t0.select(alias(exp.Min(this=col(column, "b")), column), copy=False)
    at_t0.select(alias(exp.Min(this=col(key_column(leaf.base_key), "b")), "nsm_key"), copy=False)
    at_t0.from_(table(start, "s"), copy=False)
    on: list[exp.Expr] = [
        exp.EQ(this=col(entity, "b"), expression=col("nsm_entity", "s")),
        exp.EQ(this=col("nsm_ts", "b"), expression=col("nsm_t0", "s")),
        *(exp.EQ(this=col(c, "b"), expression=col(c, "s")) for c in carried),
    ]
    at_t0.join(exp.Join(this=table(base, "b"), on=conjunction(on)), copy=False)
    rows_flag = conjunction(flag(leaf.base, "b"))
    if rows_flag is not None:
        at_t0.where(rows_flag, copy=False)
    at_t0.group_by(*(k.copy() for k in keys), copy=False)

    seconds = WholeSeconds(this=col("nsm_t0", "e"), expression=col("nsm_ts", "c"))
    groups = [col("period", "e"), *(col(c, "e") for c in segment_cols), col("nsm_entity", "e")]
    took = exp.Select()
    took.select(*groups, copy=False)
    took.select(alias(exp.Min(this=seconds.copy()), "nsm_d"), copy=False)
    took.from_(table(entry, "e"), copy=False)
    matched = exp.EQ(
        this=col(key_column(leaf.conversion_key), "c"), expression=col("nsm_key", "e")
    )
    took.join(
        exp.Join(this=table(rows_cte(leaf.conversion.source), "c"), on=matched), copy=False
    )
    window: list[exp.Expr] = [exp.GTE(this=seconds.copy(), expression=number(0))]
    if leaf.seconds is not None:
        before = exp.LTE if leaf.inclusive else exp.LT
        window.append(before(this=seconds.copy(), expression=number(leaf.seconds)))
    took.where(conjunction([*flag(leaf.conversion, "c"), *window]), copy=False)
    took.group_by(*(g.copy() for g in groups), copy=False)

    name = f"nsm_durations{i}"
    query = ranked_percentile("nsm_d", leaf.fraction, elapsed, segment_cols, [], leaf.per)
    ctes = [cte(start, first), cte(entry, at_t0), cte(elapsed, took), cte(name, query)]
    return ctes, name


def _not_null(value: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=value, expression=exp.Null()))
