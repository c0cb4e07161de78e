"""Metric definitions -> plan values (see plan.py), with every user expression checked.

The planner validates what the project loader cannot: user SQL against declared columns, that a
cumulative/conversion/retention metric builds on a row aggregation, that segments are reachable
from every source a metric reads, that a period-to-date window is not finer than the grain.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlglot import exp

from nsmcode import models
from nsmcode.compile import calendars, entity_filters
from nsmcode.compile.checks import Checked, check_condition, check_derived
from nsmcode.compile.entities import entity_key
from nsmcode.compile.errors import CompileError, fail
from nsmcode.compile.plan import (
    TOTAL,
    Arith,
    Call,
    Condition,
    Converted,
    Divide,
    Elapsed,
    Feature,
    Length,
    Measure,
    Negate,
    Number,
    Plan,
    QueryGrain,
    Ref,
    Retained,
    Rows,
    Value,
    Window,
    leaves,
    next_period,
    period_start,
    primary_rows,
    rows_of,
    shifted,
)
from nsmcode.diagnostics import Span
from nsmcode.project import Project

BY = Span("--by")
"""Where a query's grain was given (`--by`, a saved query's or the API's `grain`)."""


class Planner:
    """Turns metric definitions into plan values; caches checked conditions per project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.dialect: str = project.config.dialect
        self.calendar: models.Calendar = project.config.calendar
        self._conditions: dict[tuple[str, str, str], Condition] = {}
        self._values: dict[tuple[str, QueryGrain], Value] = {}
        self._rows: dict[str, Rows] = {}
        self._scope: dict[str, Value] = {}
        """Offset inputs of the derived expression being planned, by name."""

    def metric(self, name: str) -> models.Metric:
        metric = self.project.metrics.get(name)
        if metric is None:
            raise fail("C001", f"unknown metric {name!r}", None)
        return metric

    def grain_of(self, names: list[str], grain: QueryGrain | str | None) -> QueryGrain:
        """The query's grain: the one asked for (a custom granularity by its name), else the
        metrics' own (none: a total)."""
        if isinstance(grain, str) and not isinstance(grain, models.Grain) and grain != TOTAL:
            return self._custom(grain)
        if grain is not None:
            self._check_calendar(grain, BY, f"the query of {', '.join(names)}")
            return grain
        grains: set[QueryGrain] = {self.metric(n).grain or TOTAL for n in names}
        if len(grains) > 1:
            raise fail(
                "C031",
                f"metrics {', '.join(names)} have different grains; give one grain for the query",
                self.project.span("metric", names[0], "grain"),
            )
        own = grains.pop()
        span = self.project.span("metric", names[0], "grain")
        self._check_calendar(own, span, f"metric {names[0]!r}")
        return own

    def _custom(self, name: str) -> calendars.Custom:
        found = calendars.custom(self.calendar, name)
        if found is None:
            known = [g.value for g in models.Grain] + [g.name for g in self.calendar.granularities]
            raise fail(
                "C044",
                f"unknown grain {name!r}",
                BY,
                f"give one of: {', '.join(known)}, total; or declare it under `calendar: "
                "granularities:` in nsmcode.yaml",
            )
        return found

    def _check_calendar(self, grain: QueryGrain | None, span: Span | None, what: str) -> None:
        if isinstance(grain, calendars.Custom):
            return
        problem = calendars.fiscal_problem(grain, self.project.config.calendar, span, what)
        if problem is not None:
            raise CompileError([problem])

    def plan(
        self,
        names: list[str],
        grain: QueryGrain | str | None,
        segments: tuple[str, ...],
        since: dt.date | None,
        until: dt.date | None,
        *,
        named: bool,
        breakdown: bool = False,
    ) -> Plan:
        """The plan of a query; `named`: one output column per metric, else one `value`."""
        grain = self.grain_of(names, grain)
        columns = names if named else ["value"]
        outputs = tuple(
            (column, self.value(name, grain)) for column, name in zip(columns, names, strict=True)
        )
        refs = [r for _, v in outputs for r in leaves(v)]
        entity_filters.check_total(grain, refs)
        if grain is models.Grain.HOUR:
            for name, (_, value) in zip(names, outputs, strict=True):
                self._check_hours(name, leaves(value))
        self._check_segments(names, segments, refs)
        self._check_names(names, (*segments, "breakdown") if breakdown else segments, named)
        lo = hi = None
        if grain == TOTAL:
            lo, hi = since, until
        elif isinstance(grain, calendars.Custom):
            lo, hi = since, until  # the periods whose first day is in since..until
        elif since is not None:
            start = period_start(since, grain, self.calendar)
            lo = start if start == since else next_period(start, grain, self.calendar)
        if until is not None and isinstance(grain, models.Grain):
            hi = period_start(until, grain, self.calendar)
        features: dict[tuple[str, Span | None], Feature] = {}
        for ref in refs:
            for rows in rows_of(ref.leaf):
                for cond in rows.conditions:
                    for feature in sorted(cond.checked.features):
                        features.setdefault((feature, cond.span), Feature(feature, cond.span))
        features_found = tuple(features.values())
        return Plan(grain, segments, lo, hi, outputs, features_found, breakdown, self.calendar)

    def _check_hours(self, name: str, refs: list[Ref]) -> None:
        """Per hour, every source read needs event times with hours (not a `date` column)."""
        for source in dict.fromkeys(r.source for ref in refs for r in rows_of(ref.leaf)):
            column = self.project.sources[source].time_column
            declared = self.project.columns(source).get(column or "")
            if declared is not None and declared.type is models.ColumnType.DATE:
                metric = self.metric(name)
                span = (
                    self.project.span("metric", name, "grain")
                    if metric.grain is models.Grain.HOUR
                    else self.project.span("source", source, "time_column")
                )
                raise fail(
                    "C049",
                    f"metric {name!r} is asked for per hour, but the time column {column!r} of "
                    f"source {source!r} is a date (no time of day)",
                    span,
                    "report it per day or coarser, or use a timestamp column as `time_column`",
                )

    def _check_names(self, names: list[str], segments: tuple[str, ...], named: bool) -> None:
        taken = {"period"} | (set(names) if named else {"value"})
        for i, name in enumerate(segments):
            if name in taken or name in segments[:i]:
                raise fail(
                    "C035",
                    f"segment {name!r} collides with another output column",
                    self.project.span("metric", names[0]),
                )
        if named:
            for name in names:
                if name == "period" or name in segments or names.count(name) > 1:
                    raise fail(
                        "C035",
                        f"metric {name!r} collides with another output column",
                        self.project.span("metric", name),
                    )

    def _check_segments(self, names: list[str], segments: tuple[str, ...], refs: list[Ref]) -> None:
        for rows in dict.fromkeys(r for ref in refs for r in primary_rows(ref.leaf)):
            for segment in segments:
                if self.project.dimension_source(rows.source, segment) is None:
                    name = names[0]
                    listed = self.metric(name).segments
                    span = (
                        self.project.span("metric", name, "segments", listed.index(segment))
                        if segment in listed
                        else self.project.span("metric", name)
                    )
                    raise fail(
                        "C030",
                        f"segment {segment!r} is not a dimension of source {rows.source!r} or "
                        f"the sources it joins (needed by {', '.join(names)})",
                        span,
                        _segment_hint(self.project, rows.source, segment),
                    )

    # -- values ---------------------------------------------------------------------------------

    def value(self, name: str, grain: QueryGrain) -> Value:
        key = (name, grain)
        if key not in self._values:
            metric = self.metric(name)
            entity_filters.check_metric(self.project, metric)
            value = self._value(metric, grain)
            if metric.fill_nulls_with is not None:
                from nsmcode.compile.fills import filled

                value = filled(value, metric.fill_nulls_with)
            self._values[key] = value
        return self._values[key]

    def _value(self, metric: models.Metric, grain: QueryGrain) -> Value:
        calc = metric.calculation
        steps = isinstance(calc, models.Cumulative | models.PeriodOverPeriod | models.Retention)
        if isinstance(grain, calendars.Custom) and (
            steps or (isinstance(calc, models.Derived) and calc.inputs)
        ):
            raise fail(
                "C045",
                f"metric {metric.name!r}: a {calc.type}"
                f"{' with offset inputs' if isinstance(calc, models.Derived) else ''} steps from "
                f"period to period, which the custom granularity {grain.name!r} cannot (its "
                "periods are rows of the calendar table)",
                self.project.span("metric", metric.name, "calculation", "type"),
                "query it by a built-in grain (day, week, month, quarter, year, fiscal_quarter, "
                "fiscal_year)",
            )
        if isinstance(calc, models.Ratio):
            return Divide(self.value(calc.numerator, grain), self.value(calc.denominator, grain))
        if isinstance(calc, models.Derived):
            span = self.project.span("metric", metric.name, "calculation", "expression")
            what = f"derived metric {metric.name!r}"
            allowed = {
                n for n in self.project.dependencies(metric.name) if n in self.project.metrics
            }
            if calc.inputs:
                return self._derive_inputs(metric, calc, allowed, span, grain)
            tree = check_derived(calc.expression, allowed, span, what)
            return self._derive(tree, grain)
        if grain == TOTAL and (
            isinstance(calc, models.PeriodOverPeriod | models.Retention)
            or (isinstance(calc, models.Cumulative) and calc.period_to_date is not None)
        ):
            raise self._periodless(metric)
        if isinstance(calc, models.Cumulative):
            measure = self._measure(metric.name, calc.metric, "metric", grain)
            if measure.aggregation in ("percentile", "balance"):
                raise fail(
                    "C042",
                    f"metric {metric.name!r}: a {measure.aggregation} ({calc.metric!r}) cannot "
                    "be accumulated over a window",
                    self.project.span("metric", metric.name, "calculation", "metric"),
                    f"report the {measure.aggregation} per period, or accumulate a count or sum",
                )
            to_date = calc.period_to_date
            if to_date is not None:
                where = self.project.span("metric", metric.name, "calculation", "period_to_date")
                self._check_calendar(to_date, where, f"metric {metric.name!r}")
            if (
                to_date is not None
                and isinstance(grain, models.Grain)
                and not calendars.nests(grain, to_date)
            ):
                raise fail(
                    "C034",
                    f"metric {metric.name!r}: a {to_date.value}-to-date total cannot "
                    f"be reported per {grain.value}",
                    self.project.span("metric", metric.name, "calculation", "period_to_date"),
                    f"use a grain whose periods each lie within one {to_date.value}",
                )
            length = self._window(metric.name, calc.window, grain) if calc.window else None
            return Ref(Window(measure, length, calc.period_to_date), measure.fill)
        if isinstance(calc, models.Conversion):
            base = self._measure(metric.name, calc.base, "base", grain)
            conv = self._measure(metric.name, calc.conversion, "conversion", grain)
            base_entity = self._entity(metric.name, base.rows.source, calc.entity)
            matched = calc.conversion_entity or calc.entity
            field_name = "conversion_entity" if calc.conversion_entity else "entity"
            span = self.project.span("metric", metric.name, "calculation", field_name)
            what = f"metric {metric.name!r}"
            converted = Converted(
                base.rows,
                base_entity,
                conv.rows,
                entity_key(self.project, base.rows.source, matched, span, what),
                entity_key(self.project, conv.rows.source, matched, span, what),
                models.duration(calc.within),
                calc.window_end == "inclusive",
            )
            if calc.result == "count":
                return Ref(converted, 0)
            entities = Measure(base.rows, "count_distinct", (base_entity,))
            return Divide(Ref(converted, 0), Ref(entities, 0))
        if isinstance(calc, models.TimeToConvert):
            return Ref(self._elapsed(metric.name, calc, grain), None)
        if isinstance(calc, models.PeriodOverPeriod):
            current = self.value(calc.metric, grain)
            previous = shifted(current, calc.periods)
            if calc.comparison == "difference":
                return Arith("-", current, previous)
            return Divide(Arith("-", current, previous), previous)
        if isinstance(calc, models.Retention):
            cohort = self._measure(metric.name, calc.cohort, "cohort", grain)
            activity = self._measure(metric.name, calc.activity, "activity", grain)
            retained = Retained(
                cohort.rows,
                self._entity(metric.name, cohort.rows.source, calc.entity),
                activity.rows,
                self._entity(metric.name, activity.rows.source, calc.entity),
                calc.offset,
            )
            return Ref(retained, None)
        measure = self._aggregation(metric, grain)
        return Ref(measure, measure.fill)

    def _window(self, name: str, window: str, grain: QueryGrain) -> Length:
        """A rolling window's length: `N hours` per hour as it is; per day or coarser (or one
        total) only whole days of hours, which mean those days (`48 hours` is `2 days`)."""
        count, length_unit = models.duration(window)
        if length_unit != "hour" or grain is models.Grain.HOUR:
            return count, length_unit
        if count % 24 == 0:
            return count // 24, "day"
        per = "in one total" if grain == TOTAL else f"per {getattr(grain, 'value', grain)}"
        raise fail(
            "C046",
            f"metric {name!r}: a rolling window of {window} cannot be reported {per}: "
            "periods of a day or longer end at midnight, and a window in hours there must be "
            "whole days",
            self.project.span("metric", name, "calculation", "window"),
            "report it per hour (`grain: hour`), or give the window in days "
            "(or a multiple of 24 hours)",
        )

    def _elapsed(self, name: str, calc: models.TimeToConvert, grain: QueryGrain) -> Elapsed:
        """A time-to-convert percentile: entities and keys as for a conversion."""
        base = self._measure(name, calc.base, "base", grain)
        conv = self._measure(name, calc.conversion, "conversion", grain)
        matched = calc.conversion_entity or calc.entity
        field_name = "conversion_entity" if calc.conversion_entity else "entity"
        span = self.project.span("metric", name, "calculation", field_name)
        what = f"metric {name!r}"
        return Elapsed(
            base.rows,
            self._entity(name, base.rows.source, calc.entity),
            conv.rows,
            entity_key(self.project, base.rows.source, matched, span, what),
            entity_key(self.project, conv.rows.source, matched, span, what),
            calc.percentile,
            models.SECONDS_PER[calc.unit],
            self._cap_seconds(name, calc.within) if calc.within else None,
            calc.window_end == "inclusive",
        )

    def _cap_seconds(self, name: str, within: str) -> int:
        """A time-to-convert cap in whole seconds: hours, days and weeks are; a calendar month
        is not a number of seconds, so `N months` (`N quarters`) is refused rather than read
        as some number of days."""
        count, length_unit = models.duration(within)
        if length_unit == "month":
            raise fail(
                "C047",
                f"metric {name!r}: a time_to_convert cap of {within} is not a number of "
                "seconds (months differ in length)",
                self.project.span("metric", name, "calculation", "within"),
                "give the cap in days or weeks (`within: 30 days`)",
            )
        return count * (3600 if length_unit == "hour" else 86400)

    def _periodless(self, metric: models.Metric) -> Exception:
        calc = metric.calculation
        what = (
            f"a {calc.period_to_date.value}-to-date total"
            if isinstance(calc, models.Cumulative) and calc.period_to_date
            else f"a {calc.type}"
        )
        declared = metric.grain is None
        return fail(
            "C038",
            f"metric {metric.name!r} is {what}, which needs periods, but it is asked for as one "
            "total" + (" (it declares no `grain`)" if declared else ""),
            self.project.span("metric", metric.name, "calculation" if declared else "grain"),
            "declare `grain:` on the metric (day, week, month, quarter, year, ...), or query it by "
            "a grain",
        )

    def _derive_inputs(
        self,
        metric: models.Metric,
        calc: models.Derived,
        allowed: set[str],
        span: Span | None,
        grain: QueryGrain,
    ) -> Value:
        """A derived expression whose names include offset inputs (see offsets.py)."""
        from nsmcode.compile.offsets import offset_value

        names = {i.name for i in calc.inputs}
        allowed = {n for n in allowed if n not in names} | names
        tree = check_derived(calc.expression, allowed, span, f"derived metric {metric.name!r}")
        if grain == TOTAL:  # an offset counts periods back: a total has none
            raise self._periodless(metric)
        scope: dict[str, Value] = {}
        for i, item in enumerate(calc.inputs):
            where = self.project.span("metric", metric.name, "calculation", "inputs", i, "offset")
            value = self.value(item.metric, grain)
            assert isinstance(grain, models.Grain)  # a custom granularity has no offsets (C045)
            scope[item.name] = offset_value(
                value, item.offset, grain, where, metric.name, self.calendar
            )
        saved, self._scope = self._scope, scope
        try:
            return self._derive(tree, grain)
        finally:
            self._scope = saved

    def _derive(self, node: exp.Expr, grain: QueryGrain) -> Value:
        if isinstance(node, exp.Paren):
            return self._derive(node.this, grain)
        if isinstance(node, exp.Column):
            if node.name in self._scope:
                return self._scope[node.name]
            return self.value(node.name, grain)
        if isinstance(node, exp.Literal):
            return Number(node.this)
        if isinstance(node, exp.Neg):
            return Negate(self._derive(node.this, grain))
        if isinstance(node, exp.Div):
            return Divide(self._derive(node.this, grain), self._derive(node.expression, grain))
        if isinstance(node, exp.Add | exp.Sub | exp.Mul):
            op: Literal["+", "-", "*"] = (
                "+" if isinstance(node, exp.Add) else "-" if isinstance(node, exp.Sub) else "*"
            )
            return Arith(op, self._derive(node.this, grain), self._derive(node.expression, grain))
        if isinstance(node, exp.Round):
            digits = node.args.get("decimals")
            return Call(
                "round", (self._derive(node.this, grain), Number(digits.this if digits else "0"))
            )
        if isinstance(node, exp.Nullif):
            return Call(
                "nullif", (self._derive(node.this, grain), self._derive(node.expression, grain))
            )
        if isinstance(node, exp.Abs):
            return Call("abs", (self._derive(node.this, grain),))
        args = (self._derive(node.this, grain), *(self._derive(a, grain) for a in node.expressions))
        name: Literal["coalesce", "greatest", "least"] = (
            "coalesce"
            if isinstance(node, exp.Coalesce)
            else "greatest"
            if isinstance(node, exp.Greatest)
            else "least"
        )
        return Call(name, args)

    # -- rows and measures ------------------------------------------------------------------------

    def _measure(self, user: str, name: str, field_name: str, grain: QueryGrain) -> Measure:
        metric = self.metric(name)
        if metric.calculation.type not in models.AGGREGATIONS:
            raise fail(
                "C032",
                f"metric {user!r}: {field_name} {name!r} must aggregate rows of a source "
                f"(count, sum, ...), not be a {metric.calculation.type}",
                self.project.span("metric", user, "calculation", field_name),
            )
        return self._aggregation(metric, grain)

    def _aggregation(self, metric: models.Metric, grain: QueryGrain) -> Measure:
        calc = metric.calculation
        rows = self.rows(metric, by_metric=True)
        if isinstance(calc, models.CountDistinct):
            return Measure(rows, "count_distinct", calc.columns)
        if isinstance(calc, models.Sum | models.Average | models.Min | models.Max):
            return Measure(rows, calc.type, (calc.column,))
        if isinstance(calc, models.Percentile):
            return Measure(rows, "percentile", (calc.column,), calc.percentile)
        if isinstance(calc, models.Balance):
            entity = self._entity(metric.name, rows.source, calc.entity)
            return Measure(rows, "balance", (calc.column, entity), at=calc.at)
        return Measure(rows, "count")

    def _entity(self, user: str, source: str, entity: str) -> str:
        column = self.project.entity_column(source, entity)
        if column is None:
            raise fail(
                "C032",
                f"metric {user!r}: source {source!r} declares no entity {entity!r}",
                self.project.span("metric", user, "calculation", "entity"),
            )
        return column

    def rows(self, metric: models.Metric, *, by_metric: bool = False) -> Rows:
        """The rows a metric aggregates; unless `by_metric`, refused (C053) when a metric
        filter keeps them (its readers apply conditions themselves)."""
        found = self._rows_of(metric)
        if by_metric:
            return found
        return entity_filters.plain(
            found, self.project.span("metric", metric.name), f"metric {metric.name!r}"
        )

    def _rows_of(self, metric: models.Metric) -> Rows:
        assert metric.source is not None
        if metric.name in self._rows:
            return self._rows[metric.name]
        source = self.project.sources[metric.source]
        if not source.time_column:
            raise fail(
                "C033",
                f"metric {metric.name!r}: source {source.name!r} has no `time_column`, so it "
                "cannot be reported per period",
                self.project.span("metric", metric.name, "source"),
                "declare the source's event time column",
            )
        conditions = [self._qualifier(q, source.name) for q in metric.qualifiers]
        if metric.filter:
            conditions.append(self._filter(metric, source.name))
        if metric.metric_filter:
            what = f"metric filter of metric {metric.name!r}"
            where = ("metric", metric.name)
            key = f"metric_filter:{metric.name}"
            conditions.append(
                entity_filters.condition(self, key, metric.metric_filter, source.name, where, what)
            )
        rows = Rows(source.name, tuple(conditions))
        self._rows[metric.name] = rows
        return rows

    def _qualifier(self, name: str, source: str) -> Condition:
        key = ("qualifier", name, source)
        if key not in self._conditions:
            qualifier = self.project.qualifiers[name]
            if qualifier.metric_filter is not None:
                what, where = f"qualifier {name!r}", ("qualifier", name)
                found = entity_filters.condition(
                    self, f"qualifier:{name}", qualifier.metric_filter, source, where, what
                )
                self._conditions[key] = found
                return found
            assert qualifier.condition is not None
            span = self.project.span("qualifier", name, "condition")
            checked = self._check(qualifier.condition, source, span, f"qualifier {name!r}")
            self._conditions[key] = Condition(f"qualifier:{name}", checked, span)
        return self._conditions[key]

    def _filter(self, metric: models.Metric, source: str) -> Condition:
        key = ("filter", metric.name, source)
        if key not in self._conditions:
            assert metric.filter is not None
            span = self.project.span("metric", metric.name, "filter")
            checked = self._check(metric.filter, source, span, f"filter of metric {metric.name!r}")
            self._conditions[key] = Condition(f"filter:{metric.name}", checked, span)
        return self._conditions[key]

    def _check(self, text: str, source: str, span: Span | None, what: str) -> Checked:
        reachable = self.project.reachable_sources(source)

        def lookup(qualifier: str | None, column: str) -> tuple[str, str] | str:
            candidates = reachable
            if qualifier is not None:
                match = [s for s in reachable if s.lower() == qualifier.lower()]
                if not match:
                    return (
                        f"source {qualifier!r} is not {source!r} or a source it joins "
                        f"({', '.join(reachable)})"
                    )
                candidates = match
            for name in candidates:
                for declared in self.project.columns(name):
                    if declared.lower() == column.lower():
                        return name, declared
            where = candidates[0] if qualifier else f"{source!r} or the sources it joins"
            return f"column {column!r} is not declared in source {where}"

        return check_condition(text, dialect=self.dialect, lookup=lookup, span=span, what=what)


def _segment_hint(project: Project, source: str, segment: str) -> str:
    """Did you mean one of the dimensions the source reaches? Else what they are."""
    import difflib

    reached = sorted(
        {d for s in project.reachable_sources(source) for d in project.sources[s].dimensions}
    )
    close = difflib.get_close_matches(segment, reached, n=1)
    if close:
        return f"did you mean {close[0]!r}? (segment by a dimension every source reaches)"
    listed = ", ".join(reached) or "none"
    return f"segment by a dimension every source of the metric reaches: {listed}"
