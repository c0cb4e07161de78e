"""The compiler's one exception type: located diagnostics with stable C0xx codes (see CODES)."""

from __future__ import annotations

from dataclasses import replace

from nsmcode.diagnostics import Diagnostic, InputError, Span

CODES: dict[str, str] = {
    "C001": "unknown metric",
    "C002": "unknown target dialect",
    "C010": "user SQL (a qualifier, a filter, a derived expression, a source select) does not "
    "parse",
    "C011": "user SQL reads a column or source that the metric's source and joins do not declare",
    "C012": "user SQL uses a construct outside the allow-list (subquery, statement, function)",
    "C013": "a condition uses a column against its declared type (a string compared with a "
    "number, a timestamp with text that is not a date, a boolean compared with 1)",
    "C014": "an aggregation the column's declared type does not support (the average of a string)",
    "C020": "a derived expression is more than arithmetic over metric names and allowed functions",
    "C030": "a segment is not a dimension every source of the metric reaches",
    "C031": "metrics compiled together have different grains",
    "C032": "a cumulative, conversion or retention metric builds on a metric that does not "
    "aggregate rows, or on a source without the entity",
    "C033": "the metric's source has no time column",
    "C034": "a period-to-date window is finer than the grain",
    "C035": "a segment or metric name collides with another output column",
    "C036": "an entity cannot be reached from a source through many-to-one joins (or only by "
    "following a join backwards, one-to-many)",
    "C037": "an entity is reached from a source by more than one join path",
    "C038": "a calculation needs periods but the query has none (a total, no grain)",
    "C040": "the target cannot express the metric with the same meaning",
    "C041": "an offset input cannot be read at the query's grain (a year earlier per day)",
    "C042": "a cumulative metric over a percentile or a balance",
    "C043": "a fiscal grain (fiscal_quarter, fiscal_year) in a project that declares no fiscal "
    "year (`calendar: {fiscal_year_start: M}`)",
    "C044": "a query asks for a grain that is neither built in nor a custom granularity of the "
    "project's calendar",
    "C045": "a calculation that steps from period to period (cumulative, period_over_period, "
    "retention, offset inputs) asked for at a custom granularity",
    "C046": "a rolling window in hours that is not whole days, reported per day or coarser",
    "C047": "a time_to_convert cap (`within`) in months or quarters",
    "C049": "a metric asked for per hour reads a source whose time column is a date",
    "C050": "a metric filter reads a metric that is not a count, count_distinct, sum, average, "
    "min or max of a source's rows",
    "C051": "a metric filter reads a metric whose rows are themselves kept by a metric filter "
    "(nesting, or a cycle)",
    "C052": "a metric filter keeps rows a window or conversion reads, in a query without periods",
    "C053": "a metric whose rows a metric filter keeps is used by a funnel, a cohort matrix or "
    "the retention analysis",
    "C054": "a metric filter on a metric that does not aggregate rows (a ratio, a derived metric)",
    "C060": "unknown funnel",
    "C061": "a funnel's anchor or stage is a metric of other metrics, not events of a source",
    "C062": "a funnel stage's entity is not reached from the anchor's source through declared "
    "many-to-one joins, or is reached two ways",
    "C063": "an `any_time` funnel stage also gives a window or an order",
    "C064": "an independent funnel measures a stage from the previous stage",
    "C066": "a cohort matrix asked of a metric that is not a retention, or with too many periods",
    "C065": "a funnel segment is not a dimension of the anchor's source, or collides with an "
    "output column",
}
"""Every code the compiler reports, for documentation and tests."""

HINTS: dict[str, str] = {
    "C001": "check the spelling against the metric names in the definition files",
    "C002": "use one of the dialects listed in docs/spec.md (`targets:`)",
    "C010": "write one SQL expression",
    "C011": "declare the column under the source's `columns:`, or join the source that has it",
    "C012": "keep to the constructs docs/spec.md allows in conditions and derived expressions",
    "C013": "compare a column with a value of its declared type",
    "C014": "aggregate a column of a type the aggregation applies to",
    "C020": "use + - * /, numbers, metric names and COALESCE, NULLIF, ABS, ROUND, GREATEST, LEAST",
    "C030": "segment by a dimension every source of the metric reaches",
    "C031": "give one grain for the query (--by)",
    "C032": "build on a metric that aggregates rows of a source declaring the entity",
    "C033": "declare the source's `time_column`",
    "C034": "use a grain as fine as the period-to-date window, or finer",
    "C035": "rename the segment or the metric",
    "C036": "declare a many-to-one join from the source towards one that has the entity",
    "C037": "keep one join path to the entity, or name the source whose key to use",
    "C038": "give the metric a `grain:` (or query it `--by` a grain)",
    "C041": "report it per week, month, quarter or year, or offset by periods",
    "C042": "report the value per period, or accumulate a count or sum",
    "C043": "declare `calendar: {fiscal_year_start: M}` in nsmcode.yaml (M: the month, 1-12)",
    "C044": "give a built-in grain or declare it under `calendar: granularities:`",
    "C045": "query it by a built-in grain",
    "C046": "report it per hour, or give the window in days (or a multiple of 24 hours)",
    "C047": "give the cap in days or weeks",
    "C049": "report it per day or coarser, or use a timestamp column as `time_column`",
    "C050": "filter by a metric that aggregates rows of a source",
    "C051": "filter by a metric whose rows are kept by SQL conditions only",
    "C052": "query the metric by a grain",
    "C053": "use a metric whose rows are kept by SQL conditions only",
    "C054": "put the metric filter on the metrics it builds on",
    "C060": "name a funnel from the definitions (`nsmcode list funnels`)",
    "C061": "make the stage a metric that counts a source's rows",
    "C062": "declare a many-to-one join from the anchor's source towards the stage's entity",
    "C063": "drop `within`/`after` from an `any_time` stage",
    "C064": "measure the stages of an independent funnel from the anchor (`window_from: anchor`)",
    "C065": "segment the funnel by a dimension of the anchor's source",
    "C066": "ask `--cohorts` of a retention metric, with fewer periods",
    "C040": "rewrite the definition so that it means the same on every target, or drop the target "
    "from `targets:`",
}
"""The hint a diagnostic gets when the place raising it gives none: every C0xx has one."""


class CompileError(InputError):
    """A metric cannot be compiled (for one target, or at all); carries located diagnostics,
    each with a hint."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__([_hinted(d) for d in diagnostics])


def _hinted(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.hint or diagnostic.code not in HINTS:
        return diagnostic
    return replace(diagnostic, hint=HINTS[diagnostic.code])


def fail(code: str, message: str, span: Span | None, hint: str | None = None) -> CompileError:
    assert code in CODES, code
    return CompileError([Diagnostic(code, message, span, hint)])
