"""A funnel plan -> one dialect-free sqlglot tree, and its rendering for a target.

Query shape (CTE names prefixed `nsm_f_`):

    nsm_f_anchor         the anchor metric's rows: entity, time, segment columns, linked keys
    nsm_f_events<j>      each stage metric's rows: entity, time
    nsm_f_first          per entity, its first anchor time t0
    nsm_f_cohort         per entity: t0, its cohort period, segments and linked keys (from the
                         anchor rows at t0: the smallest non-NULL value when several)
    nsm_f_hit<k>         per entity, the first qualifying event of stage k (an inner join and a
                         WHERE: inequality joins are not portable)
    nsm_f_s<k>           the cohort with the times of stages 1..k (LEFT JOIN of the hits)
    nsm_f_entities       the last of those, with the seconds between consecutive stages
    nsm_f_counts         per period and segments, the entities at every stage
    nsm_f_ranked<k>, nsm_f_median<k>
                         the exact median of stage k's durations: ROW_NUMBER and COUNT windows,
                         the average of the one or two middle values (no engine's MEDIAN needed)
    final SELECT         one row per period, segments and stage, with the conversions

Durations are whole seconds where a target counts second boundaries (Snowflake, Redshift,
BigQuery, Spark, ClickHouse, MySQL, T-SQL, SQLite); DuckDB, PostgreSQL and Trino keep fractions.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from nsmcode import models
from nsmcode.compile import funnel as f
from nsmcode.compile.calendars import unit_name
from nsmcode.compile.checks import safe_division
from nsmcode.compile.entity_path import Link
from nsmcode.compile.expressions import (
    DayOf,
    Moment,
    PeriodStart,
    ShiftTimestamp,
    alias,
    cast,
    col,
    conjunction,
    cte,
    date_literal,
    func,
    number,
    table,
    unit,
)
from nsmcode.compile.rows import join_path
from nsmcode.project import Project

ANCHOR = "nsm_f_anchor"
COHORT = "nsm_f_cohort"
ENTITIES = "nsm_f_entities"
COUNTS = "nsm_f_counts"


class SecondsBetween(exp.Expression, exp.Func):
    """Seconds from `this` to `expression` (two event times, as `Moment` gives them)."""

    arg_types = {"this": True, "expression": True}  # noqa: RUF012 (sqlglot's convention)


def build_funnel(project: Project, plan: f.FunnelPlan) -> exp.Select:
    return _FunnelBuilder(project, plan).query()


def render_funnel(tree: exp.Select, target: object) -> str:
    """Render for a Target: durations spelled the target's way, names quoted where they would
    read as keywords, statement settings (ClickHouse join_use_nulls) as every query gets."""
    from nsmcode.compile.rows import render_query
    from nsmcode.compile.target import Target, quote_keywords

    assert isinstance(target, Target)
    query = tree.copy()
    for node in list(query.find_all(SecondsBetween)):
        node.replace(seconds_between(target.name, node.this, node.expression))
    quote_keywords(query, Dialect.get_or_raise(target.dialect))
    return render_query(query, target)


def seconds_between(target: str, start: exp.Expr, end: exp.Expr) -> exp.Expr:
    """`end - start` in seconds, in each target's spelling."""
    second = exp.Var(this="SECOND")
    if target == "duckdb":
        return exp.Sub(this=func("EPOCH", end), expression=func("EPOCH", start))
    if target == "postgres":
        epoch = exp.Var(this="EPOCH")
        return exp.Sub(
            this=exp.Extract(this=epoch, expression=end),
            expression=exp.Extract(this=epoch.copy(), expression=start),
        )
    if target in ("redshift", "snowflake", "tsql"):
        return func("DATEDIFF", second, start, end)
    if target == "bigquery":
        return func("TIMESTAMP_DIFF", end, start, second)
    if target in ("spark", "databricks", "mysql"):
        return func("TIMESTAMPDIFF", second, start, end)
    if target == "trino":
        return func("DATE_DIFF", exp.Literal.string("second"), start, end)
    if target == "clickhouse":
        return func("dateDiff", exp.Literal.string("second"), start, end)
    if target == "sqlite":
        seconds = exp.Literal.string("%s")
        return exp.Sub(
            this=cast(func("STRFTIME", seconds, end), "INTEGER"),
            expression=cast(func("STRFTIME", seconds.copy(), start), "INTEGER"),
        )
    raise ValueError(f"no duration spelling for target {target!r}")


def _not_null(expression: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=expression, expression=exp.Null()))


class _FunnelBuilder:
    def __init__(self, project: Project, plan: f.FunnelPlan) -> None:
        from nsmcode.compile import _Compiler

        self.project = project
        self.plan = plan
        self.sources = _Compiler.of(project).sources
        self.ctes: list[exp.CTE] = []
        self.segs = [f"g_{s}" for s in plan.segments]
        self.links: dict[Link, str] = {
            link: f"nsm_link{i + 1}" for i, link in enumerate(plan.links)
        }
        self.events: dict[tuple[str, str], str] = {}
        self.carried: list[str] = [
            "nsm_entity",
            "period",
            *self.segs,
            *self.links.values(),
            "nsm_t0",
        ]

    # -- the query --------------------------------------------------------------------------------

    def query(self) -> exp.Select:
        plan = self.plan
        self.ctes.append(cte(ANCHOR, self.scan(plan.anchor, anchor=True)))
        for stage in plan.stages:
            key = (stage.events.metric, stage.events.entity_column)
            if key not in self.events:
                name = f"nsm_f_events{len(self.events) + 1}"
                self.events[key] = name
                self.ctes.append(cte(name, self.scan(stage.events, anchor=False)))
        self.cohort()
        previous = COHORT
        for stage in plan.stages:
            previous = self.stage(stage, previous)
        self.entities(previous)
        self.counts()
        medians = {s.index: self.median(s) for s in plan.stages if not s.any_time}
        return self.output(medians)

    def scan(self, events: f.Events, *, anchor: bool) -> exp.Select:
        source = self.project.sources[events.rows.source]
        assert source.time_column is not None  # planner.rows refuses sources without one
        entity = col(events.entity_column, source.name)
        select = exp.Select()
        time = Moment(this=col(source.time_column, source.name))
        select.select(alias(time, "nsm_ts"), copy=False)
        select.select(alias(entity, "nsm_entity"), copy=False)
        needed = {s for c in events.rows.conditions for s in c.checked.sources}
        if anchor:
            for segment, column in zip(self.plan.segments, self.segs, strict=True):
                owner = self.project.dimension_source(source.name, segment)
                assert owner is not None  # checked by the planner
                needed.add(owner)
                select.select(alias(col(segment, owner), column), copy=False)
            for link, name in self.links.items():
                needed.add(link.source)
                select.select(alias(col(link.column, link.source), name), copy=False)
        select.from_(self.sources.relation(source.name), copy=False)
        for join in join_path(self.project, self.sources, source.name, needed - {source.name}):
            select.join(join, copy=False)
        where = [c.checked.expression.copy() for c in events.rows.conditions]
        where.append(_not_null(entity.copy()))
        where.append(_not_null(col(source.time_column, source.name)))
        select.where(conjunction(where), copy=False)
        return select

    def cohort(self) -> None:
        first = exp.Select()
        first.select(col("nsm_entity"), alias(exp.Min(this=col("nsm_ts")), "nsm_t0"), copy=False)
        first.from_(table(ANCHOR), copy=False)
        first.group_by(col("nsm_entity"), copy=False)
        self.ctes.append(cte("nsm_f_first", first))

        t0 = col("nsm_t0", "fi")
        total = self.plan.cohort == "total"
        period = DayOf(this=t0.copy()) if total else PeriodStart(
            this=t0.copy(),
            unit=unit(unit_name(models.Grain(self.plan.cohort), self.project.config.calendar)),
        )
        select = exp.Select()
        select.select(alias(col("nsm_entity", "fi"), "nsm_entity"), copy=False)
        select.select(alias(period, "period"), copy=False)
        for name in [*self.segs, *self.links.values()]:
            select.select(alias(exp.Min(this=col(name, "a")), name), copy=False)
        select.select(alias(t0.copy(), "nsm_t0"), copy=False)
        select.from_(table("nsm_f_first", "fi"), copy=False)
        on = conjunction(
            [
                exp.EQ(this=col("nsm_entity", "a"), expression=col("nsm_entity", "fi")),
                exp.EQ(this=col("nsm_ts", "a"), expression=t0.copy()),
            ]
        )
        select.join(exp.Join(this=table(ANCHOR, "a"), on=on), copy=False)
        bounds: list[exp.Expr] = []
        if self.plan.lo is not None:
            bounds.append(exp.GTE(this=period.copy(), expression=date_literal(self.plan.lo)))
        if self.plan.hi is not None:
            bounds.append(exp.LTE(this=period.copy(), expression=date_literal(self.plan.hi)))
        if bounds:
            select.where(conjunction(bounds), copy=False)
        select.group_by(col("nsm_entity", "fi"), t0.copy(), copy=False)
        self.ctes.append(cte(COHORT, select))

    # -- stages -----------------------------------------------------------------------------------

    def clock(self, index: int) -> str:
        """The column holding the time stage `index` hands to the next one (0: the anchor)."""
        if index == 0:
            return "nsm_t0"
        stage = self.plan.stages[index - 1]
        return f"nsm_c{index}" if stage.any_time else f"nsm_t{index}"

    def stage(self, stage: f.Stage, previous: str) -> str:
        k = stage.index
        key = "nsm_entity" if stage.link is None else self.links[stage.link]
        events = self.events[(stage.events.metric, stage.events.entity_column)]
        ts = col("nsm_ts", "r")
        prior = col(self.clock(k - 1), "p")
        where: list[exp.Expr] = []
        if self.plan.strict and k > 1:
            where.append(_not_null(prior.copy()))
        if not stage.any_time:
            ref = col("nsm_t0", "p") if stage.after == "anchor" else prior.copy()
            base = col("nsm_t0", "p") if stage.window_from == "anchor" else prior.copy()
            where.append(exp.GTE(this=ts.copy(), expression=ref))
            if base != ref:
                where.append(exp.GTE(this=ts.copy(), expression=base.copy()))
            if stage.length is not None:
                deadline = ShiftTimestamp(
                    this=base.copy(),
                    expression=number(stage.length[0]),
                    unit=unit(stage.length[1]),
                )
                compare = exp.LT if self.plan.exclusive else exp.LTE
                where.append(compare(this=ts.copy(), expression=deadline))
        hit = exp.Select()
        hit.select(col("nsm_entity", "p"), alias(exp.Min(this=ts.copy()), "nsm_t"), copy=False)
        hit.from_(table(previous, "p"), copy=False)
        on = exp.EQ(this=col("nsm_entity", "r"), expression=col(key, "p"))
        hit.join(exp.Join(this=table(events, "r"), on=on), copy=False)
        condition = conjunction(where)
        if condition is not None:
            hit.where(condition, copy=False)
        hit.group_by(col("nsm_entity", "p"), copy=False)
        self.ctes.append(cte(f"nsm_f_hit{k}", hit))

        name = f"nsm_f_s{k}"
        select = exp.Select()
        select.select(*(col(c, "p") for c in self.carried), copy=False)
        select.select(alias(col("nsm_t", "h"), f"nsm_t{k}"), copy=False)
        self.carried.append(f"nsm_t{k}")
        if stage.any_time:
            clock: exp.Expr = col(self.clock(k - 1), "p")
            if self.plan.strict:
                reached = _not_null(col("nsm_t", "h"))
                clock = exp.Case(ifs=[exp.If(this=reached, true=clock)])
            select.select(alias(clock, f"nsm_c{k}"), copy=False)
            self.carried.append(f"nsm_c{k}")
        select.from_(table(previous, "p"), copy=False)
        on = exp.EQ(this=col("nsm_entity", "h"), expression=col("nsm_entity", "p"))
        select.join(exp.Join(this=table(f"nsm_f_hit{k}", "h"), side="LEFT", on=on), copy=False)
        self.ctes.append(cte(name, select))
        return name

    def entities(self, last: str) -> None:
        select = exp.Select()
        keys = ["period", *self.segs]
        if self.plan.cohort == "total":
            first = exp.Select()
            first.select(alias(self.range_start(), "period"), copy=False)
            if self.plan.lo is None:
                first.from_(table(COHORT), copy=False)
            self.ctes.append(cte("nsm_f_range", first))
            select.select(col("period", "rg"), copy=False)
            keys = self.segs
        select.select(*(col(c, "e") for c in keys), copy=False)
        for stage in self.plan.stages:
            k = stage.index
            select.select(col(f"nsm_t{k}", "e"), copy=False)
            if not stage.any_time:
                seconds = SecondsBetween(
                    this=col(self.clock(k - 1), "e"), expression=col(f"nsm_t{k}", "e")
                )
                select.select(alias(seconds, f"nsm_d{k}"), copy=False)
        select.from_(table(last, "e"), copy=False)
        if self.plan.cohort == "total":
            select.join(exp.Join(this=table("nsm_f_range", "rg"), kind="CROSS"), copy=False)
        self.ctes.append(cte(ENTITIES, select))

    def range_start(self) -> exp.Expr:
        if self.plan.lo is not None:
            return date_literal(self.plan.lo)
        return exp.Min(this=col("period"))

    # -- aggregates -------------------------------------------------------------------------------

    def keys(self, table_alias: str | None = None) -> list[exp.Expr]:
        return [col(c, table_alias) for c in ["period", *self.segs]]

    def counts(self) -> None:
        select = exp.Select()
        select.select(*self.keys(), copy=False)
        select.select(alias(exp.Count(this=exp.Star()), "nsm_n0"), copy=False)
        for stage in self.plan.stages:
            count = exp.Count(this=col(f"nsm_t{stage.index}"))
            select.select(alias(count, f"nsm_n{stage.index}"), copy=False)
        select.from_(table(ENTITIES), copy=False)
        select.group_by(*self.keys(), copy=False)
        self.ctes.append(cte(COUNTS, select))

    def median(self, stage: f.Stage) -> str:
        k = stage.index
        duration = col(f"nsm_d{k}")
        partition = self.keys()
        ranked = exp.Select()
        ranked.select(*self.keys(), alias(duration, "nsm_d"), copy=False)
        order = exp.Order(expressions=[exp.Ordered(this=duration.copy())])
        row_number = exp.Window(this=exp.RowNumber(), partition_by=partition, order=order)
        everyone = exp.Window(
            this=exp.Count(this=exp.Star()), partition_by=[p.copy() for p in partition]
        )
        ranked.select(alias(row_number, "nsm_rn"), alias(everyone, "nsm_cnt"), copy=False)
        ranked.from_(table(ENTITIES), copy=False)
        ranked.where(_not_null(duration.copy()), copy=False)
        self.ctes.append(cte(f"nsm_f_ranked{k}", ranked))

        twice = exp.Mul(this=number(2), expression=col("nsm_rn"))
        middle = conjunction(
            [
                exp.GTE(this=twice, expression=col("nsm_cnt")),
                exp.LTE(
                    this=twice.copy(),
                    expression=exp.Add(this=col("nsm_cnt"), expression=number(2)),
                ),
            ]
        )
        select = exp.Select()
        select.select(*self.keys(), copy=False)
        select.select(alias(exp.Avg(this=cast(col("nsm_d"), "DOUBLE")), "value"), copy=False)
        select.from_(table(f"nsm_f_ranked{k}"), copy=False)
        select.where(middle, copy=False)
        select.group_by(*self.keys(), copy=False)
        name = f"nsm_f_median{k}"
        self.ctes.append(cte(name, select))
        return name

    def output(self, medians: dict[int, str]) -> exp.Select:
        union: exp.Expr | None = None
        null = cast(exp.Null(), "DOUBLE")
        anchor_label = self.project.metrics[self.plan.anchor.metric].title
        for k in range(len(self.plan.stages) + 1):
            stage = self.plan.stages[k - 1] if k else None
            select = exp.Select()
            select.select(*self.keys("c"), copy=False)
            select.select(alias(number(k), "step"), copy=False)
            label = stage.label if stage else anchor_label
            select.select(alias(exp.Literal.string(label), "stage"), copy=False)
            count = col(f"nsm_n{k}", "c")
            select.select(alias(count, "entities"), copy=False)
            if stage is None:
                step_rate: exp.Expr = null.copy()
                overall: exp.Expr = null.copy()
            else:
                step_rate = safe_division(count.copy(), col(f"nsm_n{k - 1}", "c"))
                overall = safe_division(count.copy(), col("nsm_n1", "c"))
            select.select(alias(step_rate, "step_conversion"), copy=False)
            select.select(alias(overall, "overall_conversion"), copy=False)
            median: exp.Expr = null.copy()
            select.from_(table(COUNTS, "c"), copy=False)
            if k in medians:
                median = col("value", "m")
                on: list[exp.Expr] = [
                    exp.EQ(this=col("period", "m"), expression=col("period", "c"))
                ]
                on += [exp.NullSafeEQ(this=col(s, "m"), expression=col(s, "c")) for s in self.segs]
                join = exp.Join(this=table(medians[k], "m"), side="LEFT", on=conjunction(on))
                select.join(join, copy=False)
            select.select(alias(median, "median_seconds"), copy=False)
            union = select if union is None else exp.Union(
                this=union, expression=select, distinct=False
            )
        assert union is not None
        self.ctes.append(cte("nsm_f_out", union))
        final = exp.Select()
        final.select(col("period", "o"), copy=False)
        for segment, column in zip(self.plan.segments, self.segs, strict=True):
            final.select(alias(col(column, "o"), segment), copy=False)
        final.select(*(col(c, "o") for c in f.OUTPUT), copy=False)
        final.from_(table("nsm_f_out", "o"), copy=False)
        order = [col("period", "o"), *(col(c, "o") for c in self.segs), col("step", "o")]
        final.order_by(*(exp.Ordered(this=o, nulls_first=False) for o in order), copy=False)
        final.set("with_", exp.With(expressions=self.ctes))
        return final
