"""Saved queries: named queries in YAML, run by name, compiled to files, materialized.

A saved query is the options of `nsmcode query` written down (metrics, grain, segments, where,
since/until). Relative bounds (`since: -12 weeks`) count back from an anchor date: when run
(`nsmcode query --saved`, `materialize`) from `--as-of`, else today; in a compiled file from the
warehouse's CURRENT_DATE, so a scheduler running the file gets the same rows. Problems are
located at the saved query's fields (codes Q001-Q003, docs/spec.md "Saved queries").
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.project import Project
from nsmcode.run.execute import TOTAL

if TYPE_CHECKING:
    from sqlglot import exp

    from nsmcode.compile import QueryOptions

UNITS = {"day": "DAY", "week": "WEEK", "month": "MONTH", "quarter": "QUARTER"}


@dataclass(frozen=True)
class Relative:
    """`-N unit`: N units before the anchor date."""

    count: int
    unit: str  # day, week, month or quarter

    @classmethod
    def parse(cls, text: str) -> Relative:
        number, unit = text.split()
        return cls(int(number.removeprefix("-")), unit.removesuffix("s"))

    def before(self, anchor: dt.date) -> dt.date:
        if self.unit == "day":
            return anchor - dt.timedelta(days=self.count)
        if self.unit == "week":
            return anchor - dt.timedelta(weeks=self.count)
        months = self.count * (3 if self.unit == "quarter" else 1)
        index = anchor.year * 12 + anchor.month - 1 - months
        year, month = divmod(index, 12)
        import calendar

        day = min(anchor.day, calendar.monthrange(year, month + 1)[1])
        return dt.date(year, month + 1, day)


def bound(value: dt.date | str | None, anchor: dt.date) -> dt.date | None:
    """A saved query's since/until as a date, relative ones counted back from `anchor`."""
    if value is None or isinstance(value, dt.date):
        return value
    return Relative.parse(value).before(anchor)


def get(project: Project, name: str) -> models.SavedQuery:
    """The saved query called `name`; Q003 (with the closest names) when there is none."""
    found = project.saved_queries.get(name)
    if found is not None:
        return found
    close = difflib.get_close_matches(name, list(project.saved_queries), n=3)
    known = ", ".join(sorted(project.saved_queries)) or "none defined"
    hint = f"did you mean {', '.join(close)}?" if close else f"saved queries: {known}"
    raise InputError([Diagnostic("Q003", f"unknown saved query {name!r}", Span("--saved"), hint)])


def by(saved: models.SavedQuery) -> str:
    """The saved query's grain as `execute.query_grain` reads it."""
    if saved.grain is None:
        return "own"
    return saved.grain if isinstance(saved.grain, str) else saved.grain.value


def grain(project: Project, saved: models.SavedQuery) -> models.Grain | None:
    """The one grain the query runs at (None: a total); Q001 when the metrics disagree."""
    from nsmcode.run.execute import query_grain

    found = {query_grain(project, m, by(saved)) for m in saved.metrics}
    # a saved query's `grain:` is a built-in grain (the model has no custom granularities)
    grains = {g for g in found if not isinstance(g, str) or isinstance(g, models.Grain)}
    assert len(grains) == len(found)
    if len(grains) > 1:
        raise InputError(
            [
                Diagnostic(
                    "Q001",
                    f"saved query {saved.name!r}: its metrics have different grains "
                    f"({', '.join(sorted(g.value if g else TOTAL for g in grains))})",
                    project.span("saved_query", saved.name, "metrics"),
                    "give the query one `grain:` (day, week, month, quarter or total)",
                )
            ]
        )
    return grains.pop()


def options(project: Project, saved: models.SavedQuery, anchor: dt.date | None) -> QueryOptions:
    """The query options; relative bounds resolved from `anchor` (None: left open, for the
    compiled file, which bounds them with CURRENT_DATE instead)."""
    from nsmcode.compile import QueryOptions
    from nsmcode.compile.calendars import fiscal_problem

    grain_span = project.span("saved_query", saved.name, "grain")
    what = f"saved query {saved.name!r}"
    problem = fiscal_problem(saved.grain, project.config.calendar, grain_span, what)
    if problem is not None:  # at the saved query's `grain:`, not at `--by`
        raise InputError([problem])

    def resolve(value: dt.date | str | None) -> dt.date | None:
        if isinstance(value, str) and anchor is None:
            return None
        return bound(value, anchor or dt.date.min)

    span = project.span("saved_query", saved.name, "where") if saved.where else None
    return QueryOptions(
        grain=grain(project, saved),
        segments=saved.segments,
        since=resolve(saved.since),
        until=resolve(saved.until),
        where=saved.where,
        where_span=span,
    )


def compile_saved(project: Project, name: str, target: str) -> str:
    """The SQL of a saved query for a target: one statement, columns `period`, segments, then
    one per metric. Relative bounds become conditions on CURRENT_DATE."""
    from nsmcode.compile import build_expression, render

    saved = get(project, name)
    chosen = options(project, saved, None)
    tree = build_expression(project, list(saved.metrics), chosen)
    relative = [
        (field, value)
        for field, value in (("since", saved.since), ("until", saved.until))
        if isinstance(value, str)
    ]
    if relative and chosen.grain is None:
        raise InputError(
            [
                Diagnostic(
                    "Q002",
                    f"saved query {name!r}: a total cannot have a relative `{relative[0][0]}`",
                    project.span("saved_query", name, relative[0][0]),
                    "give a date (YYYY-MM-DD), or a grain",
                )
            ]
        )
    if relative:
        tree = tree.copy()
        for field, value in relative:
            tree = tree.where(_relative_condition(field, Relative.parse(value)), copy=False)
    return render(tree, target)


def _relative_condition(field: str, relative: Relative) -> exp.Expr:
    from sqlglot import exp

    from nsmcode.compile.expressions import ShiftDate, unit

    period = exp.column("period", "sp")
    today = exp.Cast(this=exp.CurrentDate(), to=exp.DataType.build("DATE"))  # T-SQL: a datetime
    limit = ShiftDate(
        this=today,
        expression=exp.Literal.number(-relative.count),
        unit=unit(relative.unit),
    )
    if field == "since":
        return exp.GTE(this=period, expression=limit)
    return exp.LTE(this=period, expression=limit)


def diagnostics(project: Project, targets: tuple[str, ...]) -> list[Diagnostic]:
    """Every problem of every saved query, for every target (what `validate` reports)."""
    problems: list[Diagnostic] = []
    for name in project.saved_queries:
        for target in targets:
            try:
                compile_saved(project, name, target)
            except InputError as exc:
                problems += exc.diagnostics
    return list(dict.fromkeys(problems))


def sql_path(dialect: str, name: str) -> str:
    """A compiled saved query's path, relative to the output folder."""
    from nsmcode.outputs.plan import saved_sql_path

    return saved_sql_path(dialect, name)


def file_text(project: Project, name: str, dialect: str) -> bytes:
    """The compiled file: a header saying what it is, then the SQL."""
    from nsmcode import __version__

    saved = project.saved_queries[name]
    span = project.span("saved_query", name)
    header = (
        f"-- saved query: {name}\n"
        f"-- metrics: {', '.join(saved.metrics)}\n"
        f"-- defined in: {_relative_file(project, span.file)}:{span.line}\n"
        f"-- dialect: {dialect}\n"
        f"-- generated by nsmcode {__version__}; do not edit: change the definition and run "
        "`nsmcode compile`\n"
    )
    return (header + compile_saved(project, name, dialect).strip("\n") + "\n").encode("utf-8")


def _relative_file(project: Project, file: str) -> str:
    from pathlib import Path

    path = Path(file)
    try:
        return path.resolve().relative_to(project.root).as_posix()
    except ValueError:
        return path.as_posix()
