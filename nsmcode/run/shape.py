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
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.project import Project
from nsmcode.run import status
from nsmcode.run.execute import Table, query_grain
from nsmcode.run.goals import settle


def completeness(
    project: Project,
    table: Table,
    as_of: dt.date,
    by: str | None,
    until: dt.date | None = None,
) -> Table:
    """The table with `complete` set for every row (see the module docstring)."""
    settles = {m: settle(project, m) for m in table.metrics}
    if table.total:
        end = min(until, as_of) if until else as_of
        done = all(end + dt.timedelta(days=s.days) <= as_of for s in settles.values())
        done = done and all(s.periods == 0 for s in settles.values())
        return replace(table, complete=tuple(done for _ in table.rows), as_of=as_of)
    grains = {m: query_grain(project, m, by) for m in table.metrics}
    flags = []
    for row in table.rows:
        start = row[0]
        flags.append(
            all(
                status.settled_by(start, grain, settles[m]) <= as_of
                for m, grain in grains.items()
                if grain is not None
            )
        )
    return replace(table, complete=tuple(flags), as_of=as_of)


def order(table: Table, keys: Sequence[str], span: Span | None = None) -> Table:
    """Rows sorted by columns; `-name` sorts descending. NULLs come last either way; ties keep
    the default order (period, then segments)."""
    columns = table.columns
    problems = [
        Diagnostic(
            "R011",
            f"cannot order by {key!r}: not a column of the result",
            span or Span("--order"),
            f"order by one of: {', '.join(columns)} (prefix - for descending)",
        )
        for key in keys
        if key.removeprefix("-") not in columns
    ]
    if problems:
        raise InputError(problems)
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
