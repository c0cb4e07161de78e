"""Query results shaped for the reader: incomplete periods marked, rows ordered and limited, and
the wide (`--pivot`) layout.

The completeness rule is the one `okr status` uses to pick its current value (run/status.py): a
period is complete once its last day is on or before the as-of date (a week once its Sunday is),
and a metric built on a conversion or a retention also waits for its window: signups of a week
converting within 7 days are complete 7 days after that week ends, week-4 retention 4 more weeks.
A total over a range is complete when the range's last day (`until`, else the as-of date), plus
those windows, is on or before the as-of date. The as-of date defaults to the latest event date in
the sources the metrics read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.project import Project
from nsmcode.run import status
from nsmcode.run.execute import Table, custom_grain, query_grain
from nsmcode.run.goals import settle


def total_complete(
    project: Project, metrics: Sequence[str], as_of: dt.date, until: dt.date | None
) -> bool:
    """Whether a total over the range ending at `until` (else `as_of`) is final by `as_of`."""
    end = min(until, as_of) if until else as_of
    settles = [settle(project, m) for m in metrics]
    return all(end + dt.timedelta(days=s.days) <= as_of and not s.periods for s in settles)


def period_complete(
    project: Project, metrics: Sequence[str], by: str | None, as_of: dt.date
) -> Callable[[dt.date], bool]:
    """Whether the period starting on a date is final by `as_of` for every metric."""
    rules = [(query_grain(project, m, by), settle(project, m)) for m in metrics]

    def complete(start: dt.date) -> bool:
        return all(
            status.settled_by(start, grain, rule) <= as_of
            for grain, rule in rules
            if isinstance(grain, models.Grain)  # custom granularities: see completeness
        )

    return complete


def completeness(
    project: Project,
    table: Table,
    as_of: dt.date,
    by: str | None,
    until: dt.date | None = None,
) -> Table:
    """The table with `complete` set for every row (see the module docstring); not for a custom
    granularity, whose periods end where its calendar table says (`complete` stays unset)."""
    if custom_grain(project, by):
        return table
    if table.total:
        done = total_complete(project, table.metrics, as_of, until)
        return replace(table, complete=tuple(done for _ in table.rows), as_of=as_of)
    complete = period_complete(project, table.metrics, by, as_of)
    flags = tuple(complete(row[0]) for row in table.rows)
    return replace(table, complete=flags, as_of=as_of)


def order(table: Table, keys: Sequence[str], span: Span | None = None) -> Table:
    """Rows sorted by columns; `-name` sorts descending. NULLs come last either way; ties keep
    the default order (period, then segments)."""
    check_order(table.columns, keys, span)
    columns = table.columns
    indexed = list(zip(table.rows, table.complete or [None] * len(table.rows), strict=True))
    for key in reversed(keys):
        index = columns.index(key.removeprefix("-"))
        descending = key.startswith("-")
        present = [r for r in indexed if r[0][index] is not None]
        missing = [r for r in indexed if r[0][index] is None]
        present.sort(key=lambda r: r[0][index], reverse=descending)
        indexed = present + missing
    rows = [r for r, _ in indexed]
    complete = None if table.complete is None else tuple(bool(c) for _, c in indexed)
    return replace(table, rows=rows, complete=complete)


def check_order(columns: Sequence[str], keys: Sequence[str], span: Span | None = None) -> None:
    """Every key names a column (`-name`: descending); R011 at `--order` otherwise."""
    problems = [
        Diagnostic(
            "R014",
            f"cannot order by {key!r}: not a column of the result",
            span or Span("--order"),
            f"order by one of: {', '.join(columns)} (prefix - for descending)",
        )
        for key in keys
        if key.removeprefix("-") not in columns
    ]
    if problems:
        raise InputError(problems)


def limit(table: Table, count: int | None) -> Table:
    if count is None:
        return table
    complete = None if table.complete is None else table.complete[:count]
    return replace(table, rows=table.rows[:count], complete=complete)


def pivot(table: Table) -> Table:
    """One row per period, one column per metric and combination of segment values, named
    `metric[segment=value,...]` (NULL shows as `-`), in sorted order of the values."""
    if not table.segments:
        return table
    lead = 0 if table.total else 1
    width = len(table.segments)
    combos = sorted(
        {row[lead : lead + width] for row in table.rows},
        key=lambda c: tuple((v is None, "" if v is None else str(v)) for v in c),
    )
    names = [f"{metric}[{_combo(table.segments, c)}]" for metric in table.metrics for c in combos]
    periods: dict[tuple[Any, ...], dict[str, Any]] = {}
    complete: dict[tuple[Any, ...], bool] = {}
    for i, row in enumerate(table.rows):
        key = tuple(row[:lead])
        combo = row[lead : lead + width]
        cells = periods.setdefault(key, {})
        for j, metric in enumerate(table.metrics):
            cells[f"{metric}[{_combo(table.segments, combo)}]"] = row[lead + width + j]
        if table.complete is not None:
            complete[key] = complete.get(key, True) and table.complete[i]
    rows = [(*key, *(cells.get(n) for n in names)) for key, cells in periods.items()]
    flags = None if table.complete is None else tuple(complete[k] for k in periods)
    return Table(tuple(names), (), rows, table.total, flags, table.as_of)


def _combo(segments: Sequence[str], values: Sequence[Any]) -> str:
    return ",".join(f"{s}={'-' if v is None else v}" for s, v in zip(segments, values, strict=True))
