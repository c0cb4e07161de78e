"""Percentiles (`type: percentile`), exact on every target, with one portable query.

The value is PERCENTILE_CONT's: over the period's n non-NULL values sorted ascending (x_0 ..
x_{n-1}), the position f = p * (n - 1) is read with linear interpolation, x_lo + (f - lo) *
(x_hi - x_lo) where lo = floor(f) and hi = ceil(f). Warehouses disagree on percentile functions
(exact on some, approximate only on BigQuery and Trino, none on MySQL and SQLite), so every target
gets the same query: ROW_NUMBER and COUNT over each (period, segments...) partition, then the two
rows at `lo` and `hi` picked with integer comparisons (p = num / den, no FLOOR, no division
by engines that disagree on integer division).
"""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from nsmcode.compile import plan as p
from nsmcode.compile.expressions import alias, cast, col, conjunction, number, paren, table


def fraction(value: float) -> tuple[int, int]:
    """A percentile as num / den in lowest terms (0.99 -> (99, 100))."""
    num, den = Decimal(repr(value)).as_integer_ratio()
    return num, den


def percentile_query(
    measure: p.Measure, source_cte: str, segment_cols: list[str], flag: list[exp.Expr]
) -> exp.Select:
    """(period, segments..., value) of one percentile measure."""
    assert measure.fraction is not None
    column = f"c_{measure.columns[0]}"
    return ranked_percentile(column, measure.fraction, source_cte, segment_cols, flag)


def ranked_percentile(
    column: str,
    share: float,
    source_cte: str,
    segment_cols: list[str],
    flag: list[exp.Expr],
    per: int = 1,
) -> exp.Select:
    """(period, segments..., value): the `share` percentile of `column` over the rows of
    `source_cte` (those whose flag is set) per period and segments, divided by `per` (a
    duration's unit: the interpolation commutes with the division)."""
    num, den = fraction(share)
    value = col(column)
    keys = [col("period"), *(col(c) for c in segment_cols)]

    def over(function: exp.Expr, ordered: bool) -> exp.Expr:
        window = exp.Window(this=function, partition_by=[k.copy() for k in keys])
        if ordered:
            window.set("order", exp.Order(expressions=[exp.Ordered(this=value.copy())]))
        return exp.Sub(this=window, expression=number(1))

    ranked = exp.Select()
    ranked.select(*(k.copy() for k in keys), copy=False)
    ranked.select(alias(value.copy(), "nsm_x"), copy=False)
    ranked.select(alias(over(exp.RowNumber(), True), "nsm_r"), copy=False)
    ranked.select(alias(over(exp.Count(this=exp.Star()), False), "nsm_m"), copy=False)
    ranked.from_(table(source_cte), copy=False)
    notnull = exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))
    where = conjunction([*flag, notnull])
    assert where is not None
    ranked.where(where, copy=False)

    r, m = col("nsm_r", "r"), col("nsm_m", "r")
    target = exp.Mul(this=number(num), expression=m)  # num * (n - 1) = den * f

    def times(a: exp.Expr, b: int) -> exp.Expr:
        return exp.Mul(this=paren(a), expression=number(b))

    # row r is lo when r * den <= den * f < (r + 1) * den; hi when r * den - den < den * f <=
    # r * den (written without a subtraction that could go below 0 on unsigned engines)
    is_lo = conjunction(
        [
            exp.LTE(this=times(r.copy(), den), expression=target.copy()),
            exp.LT(
                this=target.copy(),
                expression=times(exp.Add(this=r.copy(), expression=number(1)), den),
            ),
        ]
    )
    is_hi = conjunction(
        [
            exp.LT(
                this=times(r.copy(), den),
                expression=exp.Add(this=target.copy(), expression=number(den)),
            ),
            exp.LTE(this=target.copy(), expression=times(r.copy(), den)),
        ]
    )
    assert is_lo is not None and is_hi is not None

    def pick(condition: exp.Expr, what: exp.Expr) -> exp.Expr:
        return exp.Max(this=exp.Case(ifs=[exp.If(this=condition.copy(), true=what)]))

    x = col("nsm_x", "r")
    low = pick(is_lo, x.copy())
    weight_sum = exp.Sub(this=target.copy(), expression=times(r.copy(), den))
    weight = exp.Div(this=cast(weight_sum, "DOUBLE"), expression=number(den))
    spread = exp.Sub(this=pick(is_hi, x.copy()), expression=low.copy())
    result: exp.Expr = exp.Add(
        this=low, expression=exp.Mul(this=pick(is_lo, weight), expression=exp.Paren(this=spread))
    )
    if per != 1:
        result = exp.Div(this=exp.Paren(this=result), expression=number(per))
    subquery = exp.Subquery(this=ranked, alias=exp.TableAlias(this=exp.to_identifier("r")))
    outer_keys = [col("period", "r"), *(col(c, "r") for c in segment_cols)]
    select = exp.Select()
    select.select(*outer_keys, copy=False)
    select.select(alias(result, "value"), copy=False)
    select.from_(subquery, copy=False)
    select.group_by(*(k.copy() for k in outer_keys), copy=False)
    return select
