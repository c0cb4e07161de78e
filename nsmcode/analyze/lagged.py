"""Lagged correlations of period-over-period log changes, computed in SQL on the connection.

One query, built with sqlglot expression builders on top of the compiled metrics' tree (the
`compile_metrics` query of the north star, the outcome and the inputs, at the north star's
grain: one scan per source, one shared period spine). Its CTEs are kept and these follow:

    nsm_an_series(period, m0, m1, ...)   the compiled metrics, one row per period
    nsm_an_indexed      t = the period's position (the spine has no gaps), values as DOUBLE;
                        a period still in progress is left out (its partial values would look
                        like a drop of every metric at once)
    nsm_an_changes      d<i> = ln(m<i> at t) - ln(m<i> at t-1); NULL unless both are positive
    nsm_an_lags         k = -max_lag .. max_lag
    nsm_an_pairs        per (pair, k): x = leader's change at t, y = follower's at t + k
    nsm_an_means        per (pair, k): n, mean x, mean y
    nsm_an_moments      per (pair, k): sums of (x - mean)(y - mean), squares
    final rows          kind 0: (pair, k, n, r), r = sxy / sqrt(sxx syy); kind 1: the series

Only sums, counts, LN and SQRT: no CORR or other statistical function, so it runs on engines
that have none. Two passes (means, then centred sums) keep the result stable in floating point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from nsmcode import models
from nsmcode.analyze.stats import LagPoint
from nsmcode.compile.expressions import (
    alias,
    cast,
    col,
    conjunction,
    cte,
    date_literal,
    number,
    table,
)
from nsmcode.project import Project
from nsmcode.run.connections import as_date

SERIES = "nsm_an_series"
INDEXED = "nsm_an_indexed"
CHANGES = "nsm_an_changes"
LAGS = "nsm_an_lags"
PAIRS = "nsm_an_pairs"
MEANS = "nsm_an_means"
MOMENTS = "nsm_an_moments"
TINY = "1e-18"
"""Sums of squared log changes below this are no variation at all (r is undefined)."""


@dataclass(frozen=True)
class LagResults:
    """What the query returns: per pair, one LagPoint per lag; per metric, its series."""

    points: dict[int, list[LagPoint]]
    periods: list[dt.date]
    values: dict[int, list[float | None]]


def query(
    project: Project,
    names: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    max_lag: int,
    grain: models.Grain,
    current: dt.date | None = None,
) -> exp.Select:
    """The dialect-free tree: `pairs` are (leader index, follower index) into `names`; the
    period starting on `current` (still in progress) is left out."""
    from nsmcode.compile import QueryOptions
    from nsmcode.compile.rows import metrics_expression

    compiled = metrics_expression(project, names, QueryOptions(grain=grain)).copy()
    ctes: list[exp.CTE] = list(compiled.args["with_"].expressions)
    compiled.set("with_", None)
    compiled.set("order", None)
    metrics = [f"m{i}" for i in range(len(names))]
    ctes.append(cte(SERIES, compiled, ["period", *metrics]))
    ctes.append(cte(INDEXED, _indexed(metrics, current)))
    ctes.append(cte(CHANGES, _changes(metrics)))
    ctes.append(cte(LAGS, _union([_constant(k, "k") for k in range(-max_lag, max_lag + 1)])))
    ctes.append(cte(PAIRS, _union([_pairs(i, a, b) for i, (a, b) in enumerate(pairs)])))
    ctes.append(cte(MEANS, _means()))
    ctes.append(cte(MOMENTS, _moments()))
    rows = _union([_correlations(), *(_series(i) for i in range(len(names)))])
    final = exp.Select()
    final.select(exp.Star(), copy=False)
    final.from_(
        exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier("o"))), copy=False
    )
    final.set("with_", exp.With(expressions=ctes))
    return final


def read(rows: Sequence[Sequence[Any]], n_pairs: int, n_metrics: int, max_lag: int) -> LagResults:
    """Turn the query's rows into lag points and series, in a fixed order."""
    found: dict[tuple[int, int], tuple[int, float | None]] = {}
    series: dict[int, dict[int, tuple[Any, float | None]]] = {i: {} for i in range(n_metrics)}
    for kind, a, b, n, r, period in rows:
        if int(kind) == 0:
            found[(int(a), int(b))] = (int(n), None if r is None else float(r))
        else:
            series[int(a)][int(b)] = (period, None if r is None else float(r))
    points = {
        pair: [LagPoint(k, *found.get((pair, k), (0, None))) for k in range(-max_lag, max_lag + 1)]
        for pair in range(n_pairs)
    }
    order = sorted(series[0])
    periods = [_date(series[0][t][0]) for t in order]
    values = {i: [series[i].get(t, (None, None))[1] for t in order] for i in series}
    return LagResults(points, periods, values)


def _date(value: Any) -> dt.date:
    day = as_date(value)  # SQLite returns text
    assert day is not None  # every spine period has a date
    return day


# ------------------------------------------------------------------------------------------------


def _indexed(metrics: list[str], current: dt.date | None) -> exp.Select:
    position = exp.Window(
        this=exp.RowNumber(), order=exp.Order(expressions=[exp.Ordered(this=col("period"))])
    )
    select = exp.Select()
    select.select(alias(position, "t"), col("period"), copy=False)
    select.select(*(alias(cast(col(m), "DOUBLE"), m) for m in metrics), copy=False)
    select.from_(table(SERIES), copy=False)
    if current is not None:
        select.where(exp.NEQ(this=col("period"), expression=date_literal(current)), copy=False)
    return select


def _changes(metrics: list[str]) -> exp.Select:
    select = exp.Select()
    select.select(col("t", "c"), copy=False)
    for i, m in enumerate(metrics):
        now, before = col(m, "c"), col(m, "p")
        both_positive = exp.And(
            this=exp.GT(this=now, expression=number(0)),
            expression=exp.GT(this=before, expression=number(0)),
        )
        change = exp.Sub(this=exp.Ln(this=now.copy()), expression=exp.Ln(this=before.copy()))
        select.select(
            alias(exp.Case(ifs=[exp.If(this=both_positive, true=change)]), f"d{i}"), copy=False
        )
    select.from_(table(INDEXED, "c"), copy=False)
    previous = exp.EQ(
        this=col("t", "p"), expression=exp.Sub(this=col("t", "c"), expression=number(1))
    )
    select.join(exp.Join(this=table(INDEXED, "p"), on=previous), copy=False)
    return select


def _constant(value: int, name: str) -> exp.Select:
    return exp.Select().select(alias(number(value), name), copy=False)


def _union(selects: list[exp.Select]) -> exp.Expr:
    out: exp.Expr = selects[0]
    for select in selects[1:]:
        out = exp.Union(this=out, expression=select, distinct=False)
    return out


def _pairs(pair: int, leader: int, follower: int) -> exp.Select:
    """(pair, k, x, y): the leader's change at t with the follower's at t + k."""
    x, y = col(f"d{leader}", "a"), col(f"d{follower}", "b")
    select = exp.Select()
    select.select(
        alias(number(pair), "pair"), col("k", "l"), alias(x, "x"), alias(y, "y"), copy=False
    )
    select.from_(table(CHANGES, "a"), copy=False)
    select.join(exp.Join(this=table(LAGS, "l"), kind="CROSS"), copy=False)
    later = exp.EQ(
        this=col("t", "b"), expression=exp.Add(this=col("t", "a"), expression=col("k", "l"))
    )
    select.join(exp.Join(this=table(CHANGES, "b"), on=later), copy=False)
    present = conjunction([_not_null(x.copy()), _not_null(y.copy())])
    assert present is not None
    select.where(present, copy=False)
    return select


def _means() -> exp.Select:
    count = exp.Count(this=exp.Star())
    select = exp.Select()
    select.select(col("pair"), col("k"), alias(count, "n"), copy=False)
    for name in ("x", "y"):
        mean = exp.Div(this=exp.Sum(this=col(name)), expression=count.copy())
        select.select(alias(mean, f"mean_{name}"), copy=False)
    select.from_(table(PAIRS), copy=False)
    select.group_by(col("pair"), col("k"), copy=False)
    return select


def _moments() -> exp.Select:
    dx = exp.Paren(this=exp.Sub(this=col("x", "q"), expression=col("mean_x", "m")))
    dy = exp.Paren(this=exp.Sub(this=col("y", "q"), expression=col("mean_y", "m")))
    select = exp.Select()
    select.select(col("pair", "q"), col("k", "q"), col("n", "m"), copy=False)
    for name, left, right in (("sxy", dx, dy), ("sxx", dx, dx), ("syy", dy, dy)):
        product = exp.Mul(this=left.copy(), expression=right.copy())
        select.select(alias(exp.Sum(this=product), name), copy=False)
    select.from_(table(PAIRS, "q"), copy=False)
    same = conjunction(
        [
            exp.EQ(this=col("pair", "m"), expression=col("pair", "q")),
            exp.EQ(this=col("k", "m"), expression=col("k", "q")),
        ]
    )
    select.join(exp.Join(this=table(MEANS, "m"), on=same), copy=False)
    select.group_by(col("pair", "q"), col("k", "q"), col("n", "m"), copy=False)
    return select


def _correlations() -> exp.Select:
    varies = conjunction(
        [
            exp.GT(this=col("sxx"), expression=number(TINY)),
            exp.GT(this=col("syy"), expression=number(TINY)),
        ]
    )
    assert varies is not None
    r = exp.Div(
        this=col("sxy"),
        expression=exp.Sqrt(this=exp.Mul(this=col("sxx"), expression=col("syy"))),
    )
    select = exp.Select()
    select.select(
        alias(number(0), "kind"),
        alias(col("pair"), "a"),
        alias(col("k"), "b"),
        alias(col("n"), "n"),
        alias(exp.Case(ifs=[exp.If(this=varies, true=r)]), "r"),
        alias(cast(exp.Null(), "DATE"), "period"),
        copy=False,
    )
    select.from_(table(MOMENTS), copy=False)
    return select


def _series(index: int) -> exp.Select:
    select = exp.Select()
    select.select(
        alias(number(1), "kind"),
        alias(number(index), "a"),
        alias(col("t"), "b"),
        alias(cast(exp.Null(), "BIGINT"), "n"),
        alias(col(f"m{index}"), "r"),
        alias(col("period"), "period"),
        copy=False,
    )
    select.from_(table(INDEXED), copy=False)
    return select


def _not_null(value: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=value, expression=exp.Null()))
