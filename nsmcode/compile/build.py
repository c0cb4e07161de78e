"""Plan -> one dialect-free sqlglot tree (built with sqlglot.exp builders, never from strings).

Query shape (CTE names are prefixed `nsm_` so they cannot shadow a warehouse table):

    nsm_rows_<source>    one scan per source: period, segments, needed columns, condition flags
    nsm_agg_<source>     every simple measure of that source, aggregated per period in one pass
    nsm_combos<i>, nsm_window<i>, nsm_converted<i>, nsm_cohort<i>/nsm_active<i>/nsm_retained<i>
                         the other leaves, each a sparse (period, segments..., value) series
    nsm_bounds           first/last period: `since`/`until`, or the data's
    nsm_periods          the calendar (a target-specific series, see targets.py)
    nsm_segments, nsm_spine  periods x distinct segment values
    final SELECT         spine LEFT JOIN each leaf (at its period offset), values with fills

Every leaf is LEFT JOINed on the spine, so periods without rows get the leaf's fill (0 for counts
and sums, NULL for averages and ratios) the same way on every engine.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from nsmcode import models
from nsmcode.compile import calendars
from nsmcode.compile import plan as p
from nsmcode.compile.balances import balance_query, is_balance
from nsmcode.compile.checks import safe_division
from nsmcode.compile.durations import elapsed_ctes
from nsmcode.compile.entities import EntityKey
from nsmcode.compile.entity_filters import value_ctes, value_joins
from nsmcode.compile.expressions import (
    BOUNDS,
    PERIODS,
    DayOf,
    Moment,
    PeriodSeries,
    PeriodStart,
    RoundHalfUp,
    ShiftDate,
    alias,
    col,
    conjunction,
    cte,
    date_literal,
    disjunction,
    fit,
    hour_literal,
    number,
    paren,
    table,
    unit,
)
from nsmcode.compile.leaves import (
    LeafQueries,
    aggregate,
    combinations,
    key_column,
    rows_cte,
    value_column,
)
from nsmcode.compile.offsets import (
    FIRSTS,
    first_columns,
    first_periods,
    prior_or_null,
    read_period,
    weeks_back,
    year_ago_cte,
    year_ago_join,
)
from nsmcode.compile.percentiles import percentile_query
from nsmcode.compile.rows import join_path
from nsmcode.project import Project

SPINE = "nsm_spine"
BREAKDOWN = "nsm_breakdown"
"""The key column of a breakdown query: '' for all rows, else the segment broken down by."""
TOTAL_PERIOD = dt.date(1970, 1, 1)
"""The one period of a total, inside the query (the output shows the range's first day)."""
SEGMENTS = "nsm_segments"


def build(project: Project, planner_source: SourceQueries, plan: p.Plan) -> exp.Select:
    return _Builder(project, planner_source, plan).query()


class SourceQueries:
    """`select:` sources parsed once per project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, exp.Expr] = {}

    def relation(self, name: str) -> exp.Expr:
        source = self.project.sources[name]
        if source.table is not None:
            from nsmcode.compile.checks import check_table

            span = self.project.span("source", name, "table")
            node = check_table(source.table, span, f"source {name!r}")
            node.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
            return node
        if name not in self._cache:
            from nsmcode.compile.checks import check_select, parse
            from nsmcode.compile.errors import fail

            assert source.select is not None
            span = self.project.span("source", name, "select")
            query = parse(source.select, self.project.config.dialect, span, f"source {name!r}")
            if not isinstance(query, exp.Query):
                raise fail("C012", f"source {name!r}: `select` must be a SELECT query", span)
            check_select(query, span, f"source {name!r}")
            self._cache[name] = query
        return exp.Subquery(
            this=self._cache[name].copy(), alias=exp.TableAlias(this=exp.to_identifier(name))
        )


CALENDAR = "nsm_calendar"
"""The alias of the calendar table of a custom granularity."""


class _Builder(LeafQueries):
    def __init__(self, project: Project, sources: SourceQueries, plan: p.Plan) -> None:
        self.project = project
        self.sources = sources
        self.plan = plan
        self.total = plan.grain == p.TOTAL
        self.calendar = plan.calendar
        self.custom = plan.grain if isinstance(plan.grain, calendars.Custom) else None
        if self.total or self.custom:  # a custom granularity's periods come from its table
            self.grain = unit("TOTAL" if self.total else "DAY")
        else:
            self.grain = unit(calendars.unit_name(models.Grain(plan.grain), plan.calendar))
        self.refs = [r for _, value in plan.outputs for r in p.leaves(value)]
        self.leaves = list(dict.fromkeys(r.leaf for r in self.refs))
        self.primary = list(dict.fromkeys(r for leaf in self.leaves for r in p.primary_rows(leaf)))
        self.rows: dict[str, list[p.Rows]] = {}
        for leaf in self.leaves:
            for rows in p.rows_of(leaf):
                listed = self.rows.setdefault(rows.source, [])
                if rows not in listed:
                    listed.append(rows)
        self.pushdown = {s for s in self.rows if plan.lo is not None or plan.hi is not None}
        for ref in self.refs:
            if not (isinstance(ref.leaf, p.Measure) and ref.shift == 0 and ref.years == 0):
                self.pushdown -= {r.source for r in p.rows_of(ref.leaf)}
        if self.custom:  # the end of a period is in the calendar table, not known here
            self.pushdown = set()
        self.back = max(
            (weeks_back(r) for r in self.refs if isinstance(r.leaf, p.Window)), default=0
        )
        self.firsts = first_columns(self.refs)
        self.dimension_cols = [fit(f"g_{s}") for s in plan.segments]
        # the keys of every series besides the period; a breakdown adds which one a row is of
        self.segment_cols = [BREAKDOWN] * plan.breakdown + self.dimension_cols
        self.ctes: list[exp.CTE] = []
        self.located: dict[p.Leaf, tuple[str, str]] = {}
        self.flags: dict[p.Rows, str] = {}

    # -- the query --------------------------------------------------------------------------------

    def query(self) -> exp.Select:
        self.ctes += value_ctes(self)  # metric filters' per-entity values, before the scans
        for source in self.rows:
            self.ctes.append(cte(rows_cte(source), self.scan(source)))
        self.ctes.append(cte(BOUNDS, self.bounds()))
        periods = self.custom_periods() if self.custom else PeriodSeries(unit=self.grain.copy())
        self.ctes.append(cte(PERIODS, periods))
        self.aggregates()
        for i, leaf in enumerate(self.leaves):
            if leaf not in self.located:
                self.leaf(i, leaf)
        spine = self.spine()
        select = exp.Select()
        # a total's one period is a constant; the range's first day is reported instead
        period = col("range_start", "rb") if self.total else col("period", "sp")
        select.select(alias(period, "period"), copy=False)
        if self.total:
            select.join(exp.Join(this=table(BOUNDS, "rb"), kind="CROSS"), copy=False)
        if self.plan.breakdown:
            select.select(alias(col(BREAKDOWN, "sp"), "breakdown"), copy=False)
        for name, column in zip(self.plan.segments, self.dimension_cols, strict=True):
            select.select(alias(col(column, "sp"), name), copy=False)
        year_ago = year_ago_cte(self.refs)
        if year_ago is not None:
            self.ctes.append(year_ago)
            select.join(year_ago_join(), copy=False)
        joins: dict[tuple[str, int, int], str] = {}
        for ref in self.refs:
            key = (self.located[ref.leaf][0], ref.shift, ref.years)
            if key not in joins:
                joins[key] = f"l{len(joins) + 1}"
                select.join(self.leaf_join(key[0], joins[key], ref), copy=False)
        if self.firsts:
            self.ctes.append(cte(FIRSTS, first_periods(self.firsts, self.flag)))
            select.join(exp.Join(this=table(FIRSTS, FIRSTS), kind="CROSS"), copy=False)
        for name, value in self.plan.outputs:
            select.select(alias(self.value(value, joins), name), copy=False)
        select.from_(table(spine, "sp"), copy=False)
        order = [col("period", "sp"), *(col(c, "sp") for c in self.segment_cols)]
        select.order_by(*(exp.Ordered(this=o, nulls_first=False) for o in order), copy=False)
        select.set("with_", exp.With(expressions=self.ctes))
        return select

    def leaf_join(self, name: str, join_alias: str, ref: p.Ref) -> exp.Join:
        period = read_period(ref, self.grain)
        on: list[exp.Expr] = [exp.EQ(this=col("period", join_alias), expression=period)]
        on += [
            exp.NullSafeEQ(this=col(c, join_alias), expression=col(c, "sp"))
            for c in self.segment_cols
        ]
        return exp.Join(this=table(name, join_alias), side="LEFT", on=conjunction(on))

    # -- scans ------------------------------------------------------------------------------------

    def scan(self, source: str) -> exp.Query:
        select = self.scan_rows(source)
        if not self.plan.breakdown:
            return select
        return self.breakdowns(select, source)

    def breakdowns(self, select: exp.Select, source: str) -> exp.Query:
        """A scan's rows once per breakdown: all rows with every segment NULL (breakdown ''),
        then once per segment with only that segment's value (breakdown: its name)."""
        primary = any(r in self.primary for r in self.rows[source])
        segments = dict(zip(self.dimension_cols, self.plan.segments, strict=True))
        union: exp.Query | None = None
        for kept in ["", *self.plan.segments]:
            branch = select.copy()
            if primary:
                for projection in branch.expressions:
                    name = segments.get(projection.alias_or_name)
                    if name is not None and name != kept:  # NULL of the column's own type
                        value = projection.this
                        projection.set("this", exp.Nullif(this=value, expression=value.copy()))
                branch.select(alias(exp.Literal.string(kept), BREAKDOWN), copy=False)
            union = (
                branch
                if union is None
                else exp.Union(this=union, expression=branch, distinct=False)
            )
            if not primary:  # rows read by key only (conversion events): once is enough
                break
        assert union is not None
        return union

    def scan_rows(self, source: str) -> exp.Select:
        src = self.project.sources[source]
        assert src.time_column is not None
        time = col(src.time_column, source)
        listed = self.rows[source]
        common = [c for c in listed[0].conditions if all(c in r.conditions for r in listed)]
        extras = [[c for c in r.conditions if c not in common] for r in listed]
        select = exp.Select()
        if self.total:
            period = self.total_period(time, source)
        elif self.custom:
            period = self.custom_period()
        else:
            period = PeriodStart(this=time, unit=self.grain.copy())
        select.select(alias(period, "period"), copy=False)
        needed: set[str] = {s for r in listed for c in r.conditions for s in c.checked.sources}
        if any(r in self.primary for r in listed):
            for segment, column in zip(self.plan.segments, self.dimension_cols, strict=True):
                owner = self.project.dimension_source(source, segment)
                assert owner is not None
                needed.add(owner)
                select.select(alias(col(segment, owner), column), copy=False)
        consumers = [
            leaf for leaf in self.leaves if any(r.source == source for r in p.rows_of(leaf))
        ]
        if self.total or any(isinstance(leaf, p.Window) for leaf in consumers):
            # windows compare it with period ends: days, or per hour the event's hour
            day = (
                PeriodStart(this=time.copy(), unit=self.grain.copy())
                if self.plan.grain is models.Grain.HOUR
                else DayOf(this=time.copy())
            )
            select.select(alias(day, "nsm_day"), copy=False)
        timed = (p.Converted, p.Elapsed)
        if any(isinstance(leaf, timed) or is_balance(leaf) for leaf in consumers):
            select.select(alias(Moment(this=time.copy()), "nsm_ts"), copy=False)
        for owner, column, name in self.columns(source, consumers):
            needed.add(owner)
            select.select(alias(col(column, owner), name), copy=False)
        if len(listed) > 1:
            for i, (rows, extra) in enumerate(zip(listed, extras, strict=True)):
                condition = conjunction([c.checked.expression.copy() for c in extra])
                if condition is not None:
                    self.flags[rows] = f"f{i + 1}"
                    flag = exp.Case(ifs=[exp.If(this=condition, true=number(1))], default=number(0))
                    select.select(alias(flag, f"f{i + 1}"), copy=False)
        select.from_(self.sources.relation(source), copy=False)
        for join in self.joins(source, needed - {source}):
            select.join(join, copy=False)
        if self.custom:
            select.join(self.calendar_join(time), copy=False)
        for join in value_joins(self, source, period):
            select.join(join, copy=False)
        where = [c.checked.expression.copy() for c in common]
        if all(extras):
            alternatives = [conjunction([c.checked.expression.copy() for c in e]) for e in extras]
            where.append(disjunction([a for a in alternatives if a is not None]))
        if source in self.pushdown:
            day = DayOf(this=time.copy())
            if self.plan.lo is not None:
                where.append(exp.GTE(this=day, expression=date_literal(self.plan.lo)))
            if self.plan.hi is not None:
                end = p.next_period(self.plan.hi, self.plan.grain, self.plan.calendar)
                where.append(exp.LT(this=day.copy(), expression=date_literal(end)))
        condition = conjunction(where)
        if condition is not None:
            select.where(condition, copy=False)
        return select

    def total_period(self, time: exp.Expr, source: str) -> exp.Expr:
        """A total's period: one constant for the rows in `since`..`until` (by day), NULL for
        the others (kept when a window or conversion reads them)."""
        key = date_literal(TOTAL_PERIOD)
        day = DayOf(this=time.copy())
        inside: list[exp.Expr] = []
        if source not in self.pushdown and self.plan.lo is not None:
            inside.append(exp.GTE(this=day, expression=date_literal(self.plan.lo)))
        if source not in self.pushdown and self.plan.hi is not None:
            inside.append(exp.LTE(this=day.copy(), expression=date_literal(self.plan.hi)))
        condition = conjunction(inside)
        if condition is None:
            return key
        return exp.Case(ifs=[exp.If(this=condition, true=key)])

    def columns(self, source: str, consumers: list[p.Leaf]) -> list[tuple[str, str, str]]:
        """(owner source, column, alias) of every column the leaves read from a scan."""
        out: list[str] = []
        keys: list[EntityKey] = []
        for leaf in consumers:
            if isinstance(leaf, p.Measure | p.Window):
                measure = leaf if isinstance(leaf, p.Measure) else leaf.measure
                out += measure.columns
            elif isinstance(leaf, p.Converted | p.Elapsed):
                if leaf.base.source == source:
                    out.append(leaf.base_entity)
                    keys.append(leaf.base_key)
                if leaf.conversion.source == source:
                    keys.append(leaf.conversion_key)
            else:
                if leaf.cohort.source == source:
                    out.append(leaf.cohort_entity)
                if leaf.activity.source == source:
                    out.append(leaf.activity_entity)
        found = [(source, c, value_column(c)) for c in out]
        found += [(k.owner, k.column, key_column(k)) for k in keys]
        return list(dict.fromkeys(found))

    def joins(self, source: str, needed: set[str]) -> list[exp.Join]:
        """LEFT JOINs along the many-to-one paths from `source` to every needed source."""
        return join_path(self.project, self.sources, source, needed)

    def flag(self, rows: p.Rows, table_alias: str | None = None) -> list[exp.Expr]:
        name = self.flags.get(rows)
        return [] if name is None else [exp.EQ(this=col(name, table_alias), expression=number(1))]

    # -- leaves -----------------------------------------------------------------------------------

    def aggregates(self) -> None:
        """One GROUP BY per source for every measure that is a plain aggregate of its rows."""
        for source in self.rows:
            measures = [
                leaf
                for leaf in self.leaves
                if isinstance(leaf, p.Measure)
                and leaf.rows.source == source
                and not combinations(leaf)
                and leaf.aggregation not in ("percentile", "balance")
            ]
            if not measures:
                continue
            name = fit(f"nsm_agg_{source}")
            select = self.grouped(table(rows_cte(source)), None)
            for i, measure in enumerate(measures):
                flag = self.flag(measure.rows)
                select.select(alias(aggregate(measure, flag), f"v{i + 1}"), copy=False)
                self.located[measure] = (name, f"v{i + 1}")
            self.ctes.append(cte(name, select))

    def grouped(self, relation: exp.Expr, table_alias: str | None) -> exp.Select:
        keys = [col("period", table_alias), *(col(c, table_alias) for c in self.segment_cols)]
        select = exp.Select()
        select.select(*keys, copy=False)
        select.from_(relation, copy=False)
        select.group_by(*(k.copy() for k in keys), copy=False)
        return select

    def leaf(self, i: int, leaf: p.Leaf) -> None:
        if isinstance(leaf, p.Measure) and leaf.aggregation == "percentile":
            name = f"nsm_percentile{i + 1}"
            flag = self.flag(leaf.rows)
            query = percentile_query(leaf, rows_cte(leaf.rows.source), self.segment_cols, flag)
            self.ctes.append(cte(name, query))
        elif isinstance(leaf, p.Measure) and leaf.aggregation == "balance":
            name = f"nsm_balance{i + 1}"
            flag = self.flag(leaf.rows)
            query = balance_query(leaf, rows_cte(leaf.rows.source), self.segment_cols, flag)
            self.ctes.append(cte(name, query))
        elif isinstance(leaf, p.Measure):
            name = f"nsm_combos{i + 1}"
            self.ctes.append(cte(name, self.combinations(leaf.rows, leaf, [])))
        elif isinstance(leaf, p.Window):
            name = f"nsm_window{i + 1}"
            self.ctes.append(cte(name, self.window(leaf)))
        elif isinstance(leaf, p.Converted):
            name = f"nsm_converted{i + 1}"
            self.ctes.append(cte(name, self.converted(leaf)))
        elif isinstance(leaf, p.Elapsed):
            breakdown = BREAKDOWN if self.plan.breakdown else None
            ctes, name = elapsed_ctes(i + 1, leaf, self.segment_cols, breakdown, self.flag)
            self.ctes += ctes
        else:
            name = f"nsm_retained{i + 1}"
            self.retained(i + 1, leaf, name)
        self.located[leaf] = (name, "value")

    # -- calendar ---------------------------------------------------------------------------------

    def primary_filter(self, source: str) -> exp.Expr | None:
        """Which rows of a scan are primary; None when all are (the usual case)."""
        listed = self.rows[source]
        primary = [r for r in listed if r in self.primary]
        if len(primary) == len(listed):
            return None
        flags = [f for r in primary for f in self.flag(r)]
        # a primary rows set without a flag is the scan's common part: a superset of the others
        return disjunction(flags) if len(flags) == len(primary) else None

    def primary_sources(self) -> list[str]:
        return list(dict.fromkeys(r.source for r in self.primary))

    def data_periods(self) -> exp.Subquery:
        union: exp.Expr | None = None
        for source in self.primary_sources():
            select = exp.Select()
            select.select(col("period"), copy=False)
            select.from_(table(rows_cte(source)), copy=False)
            where = [] if (primary := self.primary_filter(source)) is None else [primary]
            if self.total:
                select.select(col("nsm_day"), copy=False)
                where.append(exp.Not(this=exp.Is(this=col("period"), expression=exp.Null())))
            condition = conjunction(where)
            if condition is not None:
                select.where(condition, copy=False)
            union = (
                select
                if union is None
                else exp.Union(this=union, expression=select, distinct=False)
            )
        assert union is not None
        return exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("d")))

    def calendar_table(self) -> exp.Expr:
        """The calendar table of the custom granularity, as `nsm_calendar`."""
        assert self.custom is not None
        relation = self.sources.relation(self.custom.source).copy()
        relation.set("alias", exp.TableAlias(this=exp.to_identifier(CALENDAR)))
        return relation

    def calendar_join(self, time: exp.Expr) -> exp.Join:
        """A scan's LEFT JOIN to the calendar table on the day of `time` (its event time)."""
        assert self.custom is not None
        on = exp.EQ(this=col(self.custom.date_column, CALENDAR), expression=DayOf(this=time.copy()))
        return exp.Join(this=self.calendar_table(), side="LEFT", on=on)

    def custom_period(self) -> exp.Expr:
        """The period of a scanned row at a custom granularity (after `calendar_join`)."""
        assert self.custom is not None
        return col(self.custom.column, CALENDAR)

    def custom_periods(self) -> exp.Select:
        """The calendar of a custom granularity: its table's distinct periods within the
        bounds (every period the table has, with or without data)."""
        assert self.custom is not None
        period = col(self.custom.column, CALENDAR)
        select = exp.Select(distinct=exp.Distinct())
        select.select(alias(period, "period"), copy=False)
        select.from_(self.calendar_table(), copy=False)
        select.join(exp.Join(this=table(BOUNDS, "b"), kind="CROSS"), copy=False)
        within: list[exp.Expr] = [
            exp.GTE(this=period.copy(), expression=col("period_from", "b")),
            exp.LTE(this=period.copy(), expression=col("period_hi", "b")),
        ]
        select.where(conjunction(within), copy=False)
        return select

    def bound(self, day: dt.date, hour: int) -> exp.Expr:
        """A period start from `since`/`until`: the day, or per hour that day's first (`hour` 0)
        or last (23) hour: since/until are days, and every hour of them is in the range."""
        if self.plan.grain is models.Grain.HOUR:
            return hour_literal(day, hour)
        return date_literal(day)

    def bounds(self) -> exp.Select:
        if self.total:
            return self.total_bounds()
        lo: exp.Expr = (
            self.bound(self.plan.lo, 0) if self.plan.lo else exp.Min(this=col("period", "d"))
        )
        hi: exp.Expr = (
            self.bound(self.plan.hi, 23) if self.plan.hi else exp.Max(this=col("period", "d"))
        )
        start = lo.copy()
        if self.back:
            start = ShiftDate(this=start, expression=number(-self.back), unit=self.grain.copy())
        select = exp.Select()
        select.select(
            alias(lo, "period_lo"), alias(hi, "period_hi"), alias(start, "period_from"), copy=False
        )
        if self.plan.lo is None or self.plan.hi is None:
            select.from_(self.data_periods(), copy=False)
        return select

    def total_bounds(self) -> exp.Select:
        """A total's one period (the constant, when there is data or a bound), and its range:
        `since`/`until`, or the first/last day with data."""
        key = date_literal(TOTAL_PERIOD)
        lo = key if self.plan.lo else exp.Min(this=col("period", "d"))
        hi: exp.Expr = key.copy() if self.plan.hi else exp.Max(this=col("period", "d"))
        if self.plan.lo and self.plan.hi and self.plan.lo > self.plan.hi:
            hi = exp.Cast(this=exp.Null(), to=exp.DataType.build("DATE"))  # an empty range
        first = (
            date_literal(self.plan.lo) if self.plan.lo else exp.Min(this=col("nsm_day", "d"))
        )
        last = date_literal(self.plan.hi) if self.plan.hi else exp.Max(this=col("nsm_day", "d"))
        select = exp.Select()
        select.select(
            alias(lo, "period_lo"),
            alias(hi, "period_hi"),
            alias(lo.copy(), "period_from"),
            alias(first, "range_start"),
            alias(last, "range_end"),
            copy=False,
        )
        if self.plan.lo is None or self.plan.hi is None:
            select.from_(self.data_periods(), copy=False)
        return select

    def spine(self) -> str:
        if not self.segment_cols and not self.back:
            return PERIODS
        select = exp.Select()
        select.select(col("period", "pr"), copy=False)
        select.from_(table(PERIODS, "pr"), copy=False)
        if self.segment_cols:
            self.ctes.append(cte(SEGMENTS, self.segment_values()))
            select.select(*(col(c, "sv") for c in self.segment_cols), copy=False)
            select.join(exp.Join(this=table(SEGMENTS, "sv"), kind="CROSS"), copy=False)
        if self.back:
            select.join(exp.Join(this=table(BOUNDS, "b"), kind="CROSS"), copy=False)
            select.where(
                exp.GTE(this=col("period", "pr"), expression=col("period_lo", "b")), copy=False
            )
        self.ctes.append(cte(SPINE, select))
        return SPINE

    def segment_values(self) -> exp.Expr:
        union: exp.Expr | None = None
        for source in self.primary_sources():
            select = exp.Select(distinct=exp.Distinct())
            select.select(*(col(c) for c in self.segment_cols), copy=False)
            select.from_(table(rows_cte(source)), copy=False)
            primary = self.primary_filter(source)
            where = [] if primary is None else [primary]
            if self.total:
                where.append(exp.Not(this=exp.Is(this=col("period"), expression=exp.Null())))
            elif self.plan.lo is not None:
                where.append(exp.GTE(this=col("period"), expression=self.bound(self.plan.lo, 0)))
            if self.plan.hi is not None and not self.total:
                where.append(exp.LTE(this=col("period"), expression=self.bound(self.plan.hi, 23)))
            condition = conjunction(where)
            if condition is not None:
                select.where(condition, copy=False)
            union = (
                select if union is None else exp.Union(this=union, expression=select, distinct=True)
            )
        assert union is not None
        return union

    # -- values -----------------------------------------------------------------------------------

    def value(self, value: p.Value, joins: dict[tuple[str, int, int], str]) -> exp.Expr:
        if isinstance(value, p.Ref):
            name, column = self.located[value.leaf]
            ref: exp.Expr = col(column, joins[(name, value.shift, value.years)])
            if value.fill is not None:
                ref = exp.Coalesce(this=ref, expressions=[number(value.fill)])
            if (value.shift or value.years) and value.leaf in self.firsts:
                ref = prior_or_null(ref, value, self.firsts[value.leaf], self.grain)
            return ref
        if isinstance(value, p.Number):
            return number(value.text)
        if isinstance(value, p.Divide):
            return safe_division(self.value(value.left, joins), self.value(value.right, joins))
        if isinstance(value, p.Arith):
            kind = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[value.op]
            left, right = self.value(value.left, joins), self.value(value.right, joins)
            return kind(this=paren(left), expression=paren(right))
        if isinstance(value, p.Negate):
            return exp.Neg(this=paren(self.value(value.value, joins)))
        args = [self.value(a, joins) for a in value.args]
        return _call(value.name, args)


def _call(name: str, args: list[exp.Expr]) -> exp.Expr:
    if name == "coalesce":
        return exp.Coalesce(this=args[0], expressions=args[1:])
    if name == "nullif":
        return exp.Nullif(this=args[0], expression=args[1])
    if name == "abs":
        return exp.Abs(this=args[0])
    if name == "round":
        return RoundHalfUp(this=args[0], decimals=args[1])
    # GREATEST/LEAST: NULL when any argument is NULL (engines disagree), spelled as CASE.
    compare = exp.GTE if name == "greatest" else exp.LTE
    nulls = disjunction([exp.Is(this=a.copy(), expression=exp.Null()) for a in args])
    ifs = [exp.If(this=nulls, true=exp.Null())]
    for i, candidate in enumerate(args[:-1]):
        wins = conjunction(
            [
                compare(this=paren(candidate.copy()), expression=paren(o.copy()))
                for o in args[i + 1 :]
            ]
        )
        assert wins is not None
        ifs.append(exp.If(this=wins, true=candidate.copy()))
    return exp.Case(ifs=ifs, default=args[-1].copy())
