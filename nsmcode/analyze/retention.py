"""Retention by north-star score: do entities that score high early retain better later?

One query, built with sqlglot expression builders on the rows the metrics aggregate
(`nsmcode.compile.rows.metric_rows`: the compiler's own qualifiers, filters and joins):

    nsm_an_rows<i>      the rows of the cohort, north-star and activity metrics (each scanned once)
    nsm_an_start        per entity: its first cohort event (the start of its clock)
    nsm_an_horizon      the last activity event in the data
    nsm_an_observed     entities whose later window has fully happened (no one is judged early)
    nsm_an_early        per entity: its north-star contribution in days 1-28 after the start
    nsm_an_later        entities with an activity event in days 57-84 after the start
    nsm_an_scored       per entity: score (0 without contribution) and retained (0/1)
    nsm_an_ranked       entities with a positive score, ranked (ties share a rank)
    nsm_an_buckets      bucket 0 = no contribution, 1-4 = quartiles of the rank
    final rows          per bucket: entities, retained, lowest and highest score

Quartiles come from RANK and integer comparisons, so tied scores always share a bucket and every
engine puts every entity in the same bucket (NTILE would split ties arbitrarily).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from nsmcode.analyze.setup import Setup
from nsmcode.analyze.stats import Bucket
from nsmcode.compile.expressions import (
    ShiftTimestamp,
    alias,
    col,
    conjunction,
    cte,
    number,
    table,
)
from nsmcode.compile.rows import TIME, metric_rows
from nsmcode.project import Project

SCORE_DAYS = 28
"""The early window: the north-star contribution counted from the start, in days."""
LATER = (56, 84)
"""The later window, in days after the start: [56, 84) is days 57-84, weeks 9-12."""

START = "nsm_an_start"
HORIZON = "nsm_an_horizon"
OBSERVED = "nsm_an_observed"
EARLY = "nsm_an_early"
LATER_CTE = "nsm_an_later"
SCORED = "nsm_an_scored"
RANKED = "nsm_an_ranked"
BUCKETS = "nsm_an_buckets"
ENTITY = "nsm_entity"


def query(project: Project, setup: Setup) -> exp.Select:
    """The dialect-free tree (needs `setup.retention` not skipped)."""
    retention = setup.retention
    assert retention.entity and retention.cohort and retention.activity
    scorer = retention.score or setup.north_star
    calc = project.metrics[scorer].calculation
    scored_columns: tuple[str, ...] = getattr(calc, "columns", ()) or (
        (calc.column,) if hasattr(calc, "column") else ()
    )
    ctes: list[exp.CTE] = []
    scans: dict[str, tuple[str, str]] = {}
    for name in dict.fromkeys((retention.cohort, scorer, retention.activity)):
        metric = project.metrics[name]
        assert metric.source is not None
        entity = project.entity_column(metric.source, retention.entity)
        assert entity is not None
        extra = scored_columns if name == scorer else ()
        rows = f"nsm_an_rows{len(scans)}"
        ctes.append(cte(rows, metric_rows(project, name, [entity, *extra])))
        scans[name] = (rows, f"c_{entity}")
    cohort, star_rows, activity = (
        scans[retention.cohort],
        scans[scorer],
        scans[retention.activity],
    )
    ctes.append(cte(START, _start(*cohort)))
    ctes.append(cte(HORIZON, _horizon(activity[0])))
    ctes.append(cte(OBSERVED, _observed()))
    ctes.append(cte(EARLY, _early(calc.type, scored_columns, *star_rows)))
    ctes.append(cte(LATER_CTE, _later(*activity)))
    ctes.append(cte(SCORED, _scored()))
    ctes.append(cte(RANKED, _ranked()))
    ctes.append(cte(BUCKETS, _buckets()))
    final = exp.Select()
    final.select(
        col("bucket"),
        alias(exp.Count(this=exp.Star()), "entities"),
        alias(exp.Sum(this=col("retained")), "retained"),
        alias(exp.Min(this=col("score")), "low"),
        alias(exp.Max(this=col("score")), "high"),
        copy=False,
    )
    final.from_(table(BUCKETS), copy=False)
    final.group_by(col("bucket"), copy=False)
    final.set("with_", exp.With(expressions=ctes))
    return final


def read(rows: Sequence[Sequence[Any]]) -> list[Bucket]:
    """Buckets 0-4 in order; a bucket no entity fell in has zero entities."""
    found = {
        int(bucket): Bucket(int(bucket), int(n), int(kept or 0), _number(lo), _number(hi))
        for bucket, n, kept, lo, hi in rows
    }
    return [found.get(b, Bucket(b, 0, 0, None, None)) for b in range(5)]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


# ------------------------------------------------------------------------------------------------


def _days(value: exp.Expr, days: int) -> exp.Expr:
    return ShiftTimestamp(this=value, expression=number(days))


def _not_null(value: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=value, expression=exp.Null()))


def _start(rows: str, entity: str) -> exp.Select:
    select = exp.Select()
    select.select(
        alias(col(entity), ENTITY), alias(exp.Min(this=col(TIME)), "start_ts"), copy=False
    )
    select.from_(table(rows), copy=False)
    select.where(_not_null(col(entity)), copy=False)
    select.group_by(col(entity), copy=False)
    return select


def _horizon(rows: str) -> exp.Select:
    select = exp.Select().select(alias(exp.Max(this=col(TIME)), "last_ts"), copy=False)
    select.from_(table(rows), copy=False)
    return select


def _observed() -> exp.Select:
    select = exp.Select()
    select.select(col(ENTITY, "s"), col("start_ts", "s"), copy=False)
    select.from_(table(START, "s"), copy=False)
    select.join(exp.Join(this=table(HORIZON, "h"), kind="CROSS"), copy=False)
    ended = exp.LTE(this=_days(col("start_ts", "s"), LATER[1]), expression=col("last_ts", "h"))
    select.where(ended, copy=False)
    return select


def _window(rows_alias: str, entity: str, lo: int, hi: int) -> exp.Expr:
    """The rows of an observed entity between `lo` and `hi` days after its start."""
    start = col("start_ts", "o")
    since = start.copy() if lo == 0 else _days(start.copy(), lo)
    condition = conjunction(
        [
            exp.EQ(this=col(entity, rows_alias), expression=col(ENTITY, "o")),
            exp.GTE(this=col(TIME, rows_alias), expression=since),
            exp.LT(this=col(TIME, rows_alias), expression=_days(start, hi)),
        ]
    )
    assert condition is not None
    return condition


def _early(kind: str, columns: tuple[str, ...], rows: str, entity: str) -> exp.Select:
    """Per entity, the north star's calculation over its rows in the early window."""
    join = exp.Join(this=table(rows, "r"), on=_window("r", entity, 0, SCORE_DAYS))
    select = exp.Select()
    if kind == "count_distinct":
        # distinct non-NULL combinations, as the compiled metric counts them
        distinct = exp.Select(distinct=exp.Distinct())
        distinct.select(col(ENTITY, "o"), copy=False)
        distinct.select(*(col(f"c_{c}", "r") for c in columns), copy=False)
        distinct.from_(table(OBSERVED, "o"), copy=False)
        distinct.join(join, copy=False)
        present = conjunction([_not_null(col(f"c_{c}", "r")) for c in columns])
        assert present is not None
        distinct.where(present, copy=False)
        subquery = exp.Subquery(this=distinct, alias=exp.TableAlias(this=exp.to_identifier("d")))
        select.select(col(ENTITY, "d"), alias(exp.Count(this=exp.Star()), "score"), copy=False)
        select.from_(subquery, copy=False)
        select.group_by(col(ENTITY, "d"), copy=False)
        return select
    value: exp.Expr = (
        exp.Sum(this=col(f"c_{columns[0]}", "r")) if kind == "sum" else exp.Count(this=exp.Star())
    )
    select.select(col(ENTITY, "o"), alias(value, "score"), copy=False)
    select.from_(table(OBSERVED, "o"), copy=False)
    select.join(join, copy=False)
    select.group_by(col(ENTITY, "o"), copy=False)
    return select


def _later(rows: str, entity: str) -> exp.Select:
    select = exp.Select(distinct=exp.Distinct())
    select.select(col(ENTITY, "o"), copy=False)
    select.from_(table(OBSERVED, "o"), copy=False)
    select.join(exp.Join(this=table(rows, "a"), on=_window("a", entity, *LATER)), copy=False)
    return select


def _scored() -> exp.Select:
    retained = exp.Case(
        ifs=[exp.If(this=exp.Is(this=col(ENTITY, "l"), expression=exp.Null()), true=number(0))],
        default=number(1),
    )
    select = exp.Select()
    select.select(
        col(ENTITY, "o"),
        alias(exp.Coalesce(this=col("score", "e"), expressions=[number(0)]), "score"),
        alias(retained, "retained"),
        copy=False,
    )
    select.from_(table(OBSERVED, "o"), copy=False)
    for name, short in ((EARLY, "e"), (LATER_CTE, "l")):
        on = exp.EQ(this=col(ENTITY, short), expression=col(ENTITY, "o"))
        select.join(exp.Join(this=table(name, short), side="LEFT", on=on), copy=False)
    return select


def _ranked() -> exp.Select:
    by_score = exp.Order(expressions=[exp.Ordered(this=col("score"))])
    select = exp.Select()
    select.select(
        col("score"),
        col("retained"),
        alias(exp.Window(this=exp.Rank(), order=by_score), "rnk"),
        alias(exp.Window(this=exp.Count(this=exp.Star())), "cnt"),
        copy=False,
    )
    select.from_(table(SCORED), copy=False)
    select.where(exp.GT(this=col("score"), expression=number(0)), copy=False)
    return select


def _buckets() -> exp.Expr:
    none = exp.Select()
    none.select(alias(number(0), "bucket"), col("score"), col("retained"), copy=False)
    none.from_(table(SCORED), copy=False)
    none.where(exp.Not(this=exp.GT(this=col("score"), expression=number(0))), copy=False)
    # quartile q holds ranks with 4 (rank - 1) < q * count: exact integer arithmetic
    position = exp.Mul(
        this=number(4), expression=exp.Paren(this=exp.Sub(this=col("rnk"), expression=number(1)))
    )
    ifs = [
        exp.If(
            this=exp.LT(
                this=position.copy(), expression=exp.Mul(this=number(q), expression=col("cnt"))
            ),
            true=number(q),
        )
        for q in (1, 2, 3)
    ]
    quartile = exp.Select()
    quartile.select(
        alias(exp.Case(ifs=ifs, default=number(4)), "bucket"),
        col("score"),
        col("retained"),
        copy=False,
    )
    quartile.from_(table(RANKED), copy=False)
    return exp.Union(this=none, expression=quartile, distinct=False)
