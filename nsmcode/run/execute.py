"""Run metrics: compile them for the connection's dialect, batch what shares a scan, execute,
merge the results into one table and turn engine errors into located diagnostics.

Metrics of the same grain are compiled together with `compile_metrics`: one query that scans
each source once for all of them and shares one period spine; metrics the compiler cannot put
in one query run one query each.
Rows are sorted here, in Python, so the output is identical whatever the engine's collation.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.project import Project
from nsmcode.run.connections import Engine, EngineError, Result, as_date, data_file_error

if TYPE_CHECKING:
    from nsmcode.compile import QueryOptions

Progress = Callable[[Sequence[Any]], Iterable[Any]]
"""Wraps the steps of a long run (e.g. with a progress bar); must yield them unchanged."""


TOTAL: Literal["total"] = "total"
"""`by` for one value over the whole range (`--by total`), instead of one per period."""
OWN = "own"
"""`by` for each metric's own grain, a metric without a grain being one total."""


@dataclass(frozen=True)
class Table:
    """Query results: `period` (absent for totals), then one column per segment, then one per
    metric; `complete` says, per row, whether its period had closed (see `shape.completeness`)."""

    metrics: tuple[str, ...]
    segments: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    total: bool = False
    """One row per segment combination over the whole range: no `period` column."""
    complete: tuple[bool, ...] | None = None
    """Per row: False when its period (or range) had not closed by the as-of date; None: not
    computed."""
    as_of: dt.date | None = None
    """The date completeness was judged on."""

    @property
    def columns(self) -> list[str]:
        return [*([] if self.total else ["period"]), *self.segments, *self.metrics]

    def series(self, metric: str) -> list[tuple[dt.date, Any]]:
        """(period, value) of one metric, for a table without segments."""
        index = 1 + len(self.segments) + self.metrics.index(metric)
        return [(row[0], row[index]) for row in self.rows]


@dataclass(frozen=True)
class Batch:
    """Metrics computed by one query."""

    metrics: tuple[str, ...]
    sql: str
    grain: models.Grain | str | None = None
    """The grain it was compiled at (a str: a custom granularity); None: totals."""

    def __str__(self) -> str:  # shown by progress bars
        return ", ".join(self.metrics)


def check_metrics(project: Project, names: Sequence[str]) -> None:
    """Unknown metric names are an input error, with the closest known names suggested."""
    problems = []
    for name in names:
        if name not in project.metrics:
            close = difflib.get_close_matches(name, list(project.metrics), n=3)
            hint = (
                f"did you mean {', '.join(close)}?"
                if close
                else "list them with `nsmcode list metrics`; names are case-sensitive"
            )
            problems.append(Diagnostic("R008", f"unknown metric {name!r}", None, hint))
    if problems:
        raise InputError(problems)


def grain_of(project: Project, name: str, override: models.Grain | None) -> models.Grain:
    return override or project.metrics[name].grain or models.Grain.WEEK


def query_grain(project: Project, name: str, by: str | None) -> models.Grain | str | None:
    """The grain a query computes `name` at; None: one total over the range; a str: a custom
    granularity of the project's calendar (the compiler resolves and checks the name).

    `by`: a grain or `total`; `own` (each metric's grain, a metric without one being a total);
    None (each metric's grain, week for a metric without one: what status reports use)."""
    if by == TOTAL:
        return None
    if by == OWN:
        return project.metrics[name].grain
    if by is not None and custom_grain(project, by):
        return by
    return grain_of(project, name, models.Grain(by) if by else None)


def custom_grain(project: Project, by: str | None) -> bool:
    """Whether `by` names a custom granularity (`calendar: granularities:`)."""
    return any(g.name == by for g in project.config.calendar.granularities)


def groups(
    project: Project, names: Sequence[str], by: str | None
) -> list[tuple[models.Grain | str | None, list[str]]]:
    """Metrics grouped by grain (None: totals), in the order first named; duplicates dropped.
    One query per group scans each source once and shares one period spine."""
    out: dict[models.Grain | str | None, list[str]] = {}
    for name in dict.fromkeys(names):
        out.setdefault(query_grain(project, name, by), []).append(name)
    return list(out.items())


def _by(options: QueryOptions, by: str | None) -> str | None:
    if by is not None or options.grain is None:
        return by
    return options.grain if isinstance(options.grain, str) else options.grain.value


def _compiled(options: QueryOptions, grain: models.Grain | str | None) -> QueryOptions:
    """The compiler's options for a group's grain: None (a total here) is the compiler's TOTAL
    (its None means the metric's own grain)."""
    return replace(options, grain=grain if grain is not None else TOTAL)


def plan(
    project: Project,
    names: Sequence[str],
    dialect: str,
    options: QueryOptions,
    batch: bool = True,
    by: str | None = None,
) -> list[Batch]:
    """The queries to run: one per group when the compiler can batch it, else one per metric.

    Each query gets an explicit grain: None only for totals (`QueryOptions(grain=None)`)."""
    from nsmcode.compile import CompileError, compile_metric, compile_metrics

    batches: list[Batch] = []
    for grain, group in groups(project, names, _by(options, by)):
        chosen = _compiled(options, grain)
        if batch and len(group) > 1:
            try:
                sql = compile_metrics(project, group, dialect, chosen)
            except CompileError:
                pass  # not batchable together: compile one by one (real errors resurface)
            else:
                batches.append(Batch(tuple(group), sql, grain))
                continue
        batches.extend(
            Batch((n,), compile_metric(project, n, dialect, chosen), grain) for n in group
        )
    return batches


def run(
    project: Project,
    engine: Engine,
    names: Sequence[str],
    options: QueryOptions,
    *,
    batch: bool = True,
    progress: Progress | None = None,
    by: str | None = None,
) -> Table:
    """Compute metrics on `engine` and merge them into one table sorted by period, segments.

    `by`: see `query_grain` (default: `options.grain`, else each metric's, else week)."""
    check_metrics(project, names)
    batches = plan(project, names, engine.dialect, options, batch, by)
    return run_batches(project, engine, names, options, batches, progress)


def run_batches(
    project: Project,
    engine: Engine,
    names: Sequence[str],
    options: QueryOptions,
    batches: Sequence[Batch],
    progress: Progress | None = None,
) -> Table:
    """Execute planned batches and merge them into one table sorted by period, segments."""
    totals = {b.grain is None for b in batches}
    if len(totals) > 1:
        mixed = [m for b in batches if b.grain is None for m in b.metrics]
        raise InputError(
            [
                Diagnostic(
                    "R015",
                    f"{_subject(mixed)} without a grain cannot share a table with metrics "
                    "reported per period",
                    _metric_span(project, mixed[0]),
                    "query them apart, or give one grain for all: --by week (or --by total)",
                )
            ]
        )
    total = totals == {True}
    hourly = any(b.grain is models.Grain.HOUR for b in batches)
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    width = 1 + len(options.segments)
    for item in progress(batches) if progress else batches:
        for metrics, result in _execute(project, engine, item, options):
            value_columns = result.columns[width:]
            if len(metrics) == 1 and value_columns == ["value"]:
                value_columns = [metrics[0]]
            for row in result.rows:
                period = as_hour(row[0]) if hourly else as_date(row[0])
                key = (*([] if total else [period]), *row[1:width])
                values = merged.setdefault(key, {})
                if total and any(c in values for c in value_columns):
                    raise AssertionError(f"the compiler gave several totals for {key!r}")
                values.update(zip(value_columns, row[width:], strict=True))
    ordered = list(dict.fromkeys(names))
    rows = [
        (*key, *(values.get(m) for m in ordered))
        for key, values in sorted(merged.items(), key=lambda kv: _sort_key(kv[0]))
    ]
    return Table(tuple(ordered), tuple(options.segments), rows, total)


def as_hour(value: Any) -> dt.datetime | None:
    """A period of an hourly query as a timestamp, whatever the engine returns (SQLite: text;
    a day's first hour may come back as a date)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return dt.datetime.fromisoformat(str(value))


def _execute(
    project: Project, engine: Engine, item: Batch, options: QueryOptions
) -> list[tuple[tuple[str, ...], Result]]:
    """Run a batch; when it fails, run its metrics one by one so the error names the metric
    (and the definition) that caused it."""
    from nsmcode.compile import compile_metric

    options = _compiled(options, item.grain)
    try:
        return [(item.metrics, engine.execute(item.sql))]
    except EngineError as exc:
        if len(item.metrics) == 1:
            raise InputError([explain(project, engine, item.metrics, exc)]) from None
    results: list[tuple[tuple[str, ...], Result]] = []
    for name in item.metrics:
        sql = compile_metric(project, name, engine.dialect, options)
        try:
            results.append(((name,), engine.execute(sql)))
        except EngineError as exc:
            raise InputError([explain(project, engine, [name], exc)]) from None
    return results


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """NULLs last, whatever the engine did."""
    return tuple((1, "") if v is None else (0, v) for v in key)


# ------------------------------------------------------------------------------------------------
# Errors


def _involved_sources(project: Project, metrics: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in metrics:
        for base in project.base_sources(name):
            for source in project.reachable_sources(base):
                if source not in out:
                    out.append(source)
    return out


def _subject(metrics: Sequence[str]) -> str:
    if len(metrics) == 1:
        return f"metric {metrics[0]!r}"
    return "metrics " + ", ".join(repr(m) for m in metrics)


def explain(
    project: Project, engine: Engine, metrics: Sequence[str], exc: EngineError
) -> Diagnostic:
    """Point an engine error at the definition behind it: the source's table or column."""
    subject = _subject(metrics)
    sources = _involved_sources(project, metrics)
    where = f"connection {engine.name!r} ({engine.kind})"
    if exc.kind == "missing_table" and exc.name:
        missing = data_file_error(project, engine, exc.name)
        if missing is not None:
            return missing
        for source in sources:
            table = project.sources[source].table
            if table and table.split(".")[-1].lower() == exc.name.lower():
                return Diagnostic(
                    "R001",
                    f"{subject}: table {table!r} of source {source!r} does not exist in {where}",
                    project.span("source", source, "table"),
                    "create the table, map it under `tables:` (DuckDB), or fix `table:` here",
                )
        for source in sources:
            select = project.sources[source].select
            if select and exc.name.lower() in select.lower():
                return Diagnostic(
                    "R001",
                    f"{subject}: table {exc.name!r} used by source {source!r} does not exist "
                    f"in {where}",
                    project.span("source", source, "select"),
                    "create the table or fix the source's `select:`",
                )
    if exc.kind == "missing_column" and exc.name:
        for source in sources:
            for i, column in enumerate(project.sources[source].columns):
                if column.name.lower() == exc.name.lower():
                    table = project.sources[source].table or "its select"
                    return Diagnostic(
                        "R002",
                        f"{subject}: column {column.name!r} of source {source!r} does not exist "
                        f"in table {table!r} ({where})",
                        project.span("source", source, "columns", i),
                        "rename the column here to match the table, or add it to the table",
                    )
    span = _metric_span(project, metrics[0])
    return Diagnostic(
        "R007",
        f"{subject}: the query failed on {where}: {exc.message}",
        span,
        f"inspect the SQL with `nsmcode compile --dialect {engine.dialect}`",
    )


def _metric_span(project: Project, name: str) -> Span:
    return project.span("metric", name)
