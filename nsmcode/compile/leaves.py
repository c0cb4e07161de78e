"""SQL for the leaves that are more than a GROUP BY of one scan: distinct combinations of several
columns, windows over the calendar, conversions within a time window, cohort retention.

A mixin of the builder (build.py): it uses the builder's segment columns, flags and CTE list.
"""

from __future__ import annotations

from sqlglot import exp

from nsmcode import models
from nsmcode.compile import calendars
from nsmcode.compile import plan as p
from nsmcode.compile.checks import safe_division
from nsmcode.compile.entities import EntityKey
from nsmcode.compile.expressions import (
    BOUNDS,
    PERIODS,
    PeriodStart,
    ShiftDate,
    ShiftTimestamp,
    alias,
    cast,
    col,
    conjunction,
    cte,
    fit,
    number,
    table,
    unit,
)


def rows_cte(source: str) -> str:
    return fit(f"nsm_rows_{source}")


def value_column(column: str) -> str:
    """A scan's alias for a column of its own source."""
    return fit(f"c_{column}")


def key_column(key: EntityKey) -> str:
    """A scan's alias for an entity key: the source's own column, or the joined owner's."""
    if key.owner == key.source:
        return value_column(key.column)
    return fit(f"k_{key.owner}_{key.column}")


def combinations(measure: p.Measure) -> bool:
    """Count distinct over several columns (computed from SELECT DISTINCT, not a GROUP BY)."""
    return measure.aggregation == "count_distinct" and len(measure.columns) > 1


def aggregate(measure: p.Measure, flag: list[exp.Expr], table_alias: str | None = None) -> exp.Expr:
    """The aggregate of one measure; with a flag, only over the rows whose flag is set."""
    column: exp.Expr = (
        col(value_column(measure.columns[0]), table_alias) if measure.columns else number(1)
    )
    if measure.aggregation == "average":
        column = cast(column, "DOUBLE")
    if flag:
        column = exp.Case(ifs=[exp.If(this=flag[0], true=column)])
    elif measure.aggregation == "count":
        return exp.Count(this=exp.Star())
    if measure.aggregation == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[column]))
    kinds: dict[str, type[exp.Func]] = {
        "count": exp.Count,
        "sum": exp.Sum,
        "average": exp.Avg,
        "min": exp.Min,
        "max": exp.Max,
    }
    return kinds[measure.aggregation](this=column)


class LeafQueries:
    segment_cols: list[str]
    grain: exp.Var
    total: bool
    calendar: models.Calendar
    ctes: list[exp.CTE]

    def flag(self, rows: p.Rows, table_alias: str | None = None) -> list[exp.Expr]:
        raise NotImplementedError

    def grouped(self, relation: exp.Expr, table_alias: str | None) -> exp.Select:
        raise NotImplementedError

    def combinations(self, rows: p.Rows, measure: p.Measure, where: list[exp.Expr]) -> exp.Select:
        """COUNT of distinct non-NULL combinations of several columns, via SELECT DISTINCT (exact
        on every engine, unlike COUNT(DISTINCT a, b) or a concatenation)."""
        window = bool(where)
        keys = [col("period", "p" if window else "r"), *(col(c, "r") for c in self.segment_cols)]
        distinct = exp.Select(distinct=exp.Distinct())
        distinct.select(*keys, copy=False)
        distinct.select(*(col(value_column(c), "r") for c in measure.columns), copy=False)
        source = table(rows_cte(rows.source), "r")
        if window:
            distinct.from_(table(PERIODS, "p"), copy=False)
            distinct.join(exp.Join(this=source, kind="CROSS"), copy=False)
            if self.total:
                distinct.join(exp.Join(this=table(BOUNDS, "rb"), kind="CROSS"), copy=False)
        else:
            distinct.from_(source, copy=False)
        nonnull = [
            exp.Not(this=exp.Is(this=col(value_column(c), "r"), expression=exp.Null()))
            for c in measure.columns
        ]
        condition = conjunction([*where, *self.flag(rows, "r"), *nonnull])
        assert condition is not None
        distinct.where(condition, copy=False)
        subquery = exp.Subquery(this=distinct, alias=exp.TableAlias(this=exp.to_identifier("d")))
        select = self.grouped(subquery, "d")
        select.select(alias(exp.Count(this=exp.Star()), "value"), copy=False)
        return select

    def window(self, leaf: p.Window) -> exp.Select:
        """Rows of the days ending with each period (a total: with its range's last day)."""
        period = col("period", "p")
        upper = (
            ShiftDate(this=col("range_end", "rb"), expression=number(1), unit=unit("day"))
            if self.total
            else ShiftDate(this=period, expression=number(1), unit=self.grain.copy())
        )
        day = col("nsm_day", "r")
        where: list[exp.Expr] = [exp.LT(this=day, expression=upper)]
        if leaf.length is not None:
            count, length_unit = leaf.length
            lower: exp.Expr = ShiftDate(
                this=upper.copy(),
                expression=number(-count),
                unit=unit(length_unit),
                clamp=exp.true() if length_unit == "month" else None,
            )
            if self.grain.name == "HOUR":  # the window ends at an hour: keep the time of day
                lower = ShiftTimestamp(
                    this=upper.copy(), expression=number(-count), unit=unit(length_unit)
                )
            where.insert(0, exp.GTE(this=day.copy(), expression=lower))
        elif leaf.to_date is not None:
            to_date = calendars.unit_name(leaf.to_date, self.calendar)
            lower = PeriodStart(this=period.copy(), unit=unit(to_date))
            where.insert(0, exp.GTE(this=day.copy(), expression=lower))
        rows = leaf.measure.rows
        if combinations(leaf.measure):
            return self.combinations(rows, leaf.measure, where)
        keys = [col("period", "p"), *(col(c, "r") for c in self.segment_cols)]
        select = exp.Select()
        select.select(*keys, copy=False)
        select.select(alias(aggregate(leaf.measure, [], "r"), "value"), copy=False)
        select.from_(table(PERIODS, "p"), copy=False)
        select.join(exp.Join(this=table(rows_cte(rows.source), "r"), kind="CROSS"), copy=False)
        if self.total:
            select.join(exp.Join(this=table(BOUNDS, "rb"), kind="CROSS"), copy=False)
        condition = conjunction([*where, *self.flag(rows, "r")])
        assert condition is not None
        select.where(condition, copy=False)
        select.group_by(*(k.copy() for k in keys), copy=False)
        return select

    def converted(self, leaf: p.Converted) -> exp.Select:
        entity = col(value_column(leaf.base_entity), "b")
        keys = [col("period", "b"), *(col(c, "b") for c in self.segment_cols)]
        select = exp.Select()
        select.select(*keys, copy=False)
        select.select(
            alias(exp.Count(this=exp.Distinct(expressions=[entity])), "value"), copy=False
        )
        select.from_(table(rows_cte(leaf.base.source), "b"), copy=False)
        on = exp.EQ(
            this=col(key_column(leaf.conversion_key), "c"),
            expression=col(key_column(leaf.base_key), "b"),
        )
        select.join(exp.Join(this=table(rows_cte(leaf.conversion.source), "c"), on=on), copy=False)
        base_time, conv_time = col("nsm_ts", "b"), col("nsm_ts", "c")
        count, length_unit = leaf.length
        deadline = ShiftTimestamp(
            this=base_time.copy(), expression=number(count), unit=unit(length_unit)
        )
        before = exp.LTE if leaf.inclusive else exp.LT
        condition = conjunction(
            [
                *self.flag(leaf.base, "b"),
                *self.flag(leaf.conversion, "c"),
                exp.GTE(this=conv_time, expression=base_time),
                before(this=conv_time.copy(), expression=deadline),
            ]
        )
        assert condition is not None
        select.where(condition, copy=False)
        select.group_by(*(k.copy() for k in keys), copy=False)
        return select

    def retained(self, i: int, leaf: p.Retained, name: str) -> None:
        cohort, active = f"nsm_cohort{i}", f"nsm_active{i}"
        entity = col(value_column(leaf.cohort_entity))
        first = exp.Select()
        first.select(alias(entity, "nsm_entity"), copy=False)
        first.select(*(col(c) for c in self.segment_cols), copy=False)
        first.select(alias(exp.Min(this=col("period")), "period"), copy=False)
        first.from_(table(rows_cte(leaf.cohort.source)), copy=False)
        notnull = exp.Not(this=exp.Is(this=entity.copy(), expression=exp.Null()))
        first.where(conjunction([*self.flag(leaf.cohort), notnull]), copy=False)
        first.group_by(entity.copy(), *(col(c) for c in self.segment_cols), copy=False)
        self.ctes.append(cte(cohort, first))

        act_entity = col(value_column(leaf.activity_entity))
        seen = exp.Select(distinct=exp.Distinct())
        seen.select(alias(act_entity, "nsm_entity"), col("period"), copy=False)
        seen.from_(table(rows_cte(leaf.activity.source)), copy=False)
        notnull = exp.Not(this=exp.Is(this=act_entity.copy(), expression=exp.Null()))
        seen.where(conjunction([*self.flag(leaf.activity), notnull]), copy=False)
        self.ctes.append(cte(active, seen))

        later = ShiftDate(
            this=col("period", "c"), expression=number(leaf.offset), unit=self.grain.copy()
        )
        last = exp.Select()
        last.select(alias(exp.Max(this=col("period")), "last_period"), copy=False)
        last.from_(table(active), copy=False)
        share = safe_division(exp.Count(this=col("nsm_entity", "a")), exp.Count(this=exp.Star()))
        open_ = exp.GT(this=later, expression=exp.Max(this=col("last_period", "m")))
        value = exp.Case(ifs=[exp.If(this=open_, true=exp.Null())], default=share)
        select = self.grouped(table(cohort, "c"), "c")
        select.select(alias(value, "value"), copy=False)
        select.join(
            exp.Join(
                this=exp.Subquery(this=last, alias=exp.TableAlias(this=exp.to_identifier("m"))),
                kind="CROSS",
            ),
            copy=False,
        )
        on = conjunction(
            [
                exp.EQ(this=col("nsm_entity", "a"), expression=col("nsm_entity", "c")),
                exp.EQ(this=col("period", "a"), expression=later.copy()),
            ]
        )
        select.join(exp.Join(this=table(active, "a"), side="LEFT", on=on), copy=False)
        self.ctes.append(cte(name, select))
