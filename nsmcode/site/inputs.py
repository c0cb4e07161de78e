"""Gather what the site shows from the rest of nsmcode: rule findings, compiled SQL, data."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.project import Project

if TYPE_CHECKING:
    from nsmcode.run.connections import Engine
    from nsmcode.run.execute import Progress
from nsmcode.site.views import Data, RuleDoc, Site, SqlResult, make_site


def dialects(project: Project) -> list[str]:
    """The project's own dialect first, then the other compile targets in their configured order."""
    out: list[str] = [project.config.dialect]
    out += [d for d in project.config.targets if d not in out]
    return out


def rule_pack(project: Project) -> tuple[list[RuleDoc], list[Diagnostic]]:
    """Every rule's documentation, and the project's findings after its rule configuration."""
    from nsmcode.rules import DEFAULT_RULES, check_project
    from nsmcode.rules.docs import rule_body

    docs = [
        RuleDoc(
            rule.code,
            rule.name,
            rule.severity.value,
            rule.summary(),
            rule_body(rule),  # its principle cited by the docs/principles.md URL
            tuple((t.key, t.default, t.description) for t in rule.thresholds),
        )
        for rule in DEFAULT_RULES
    ]
    return docs, check_project(project).findings


def compile_sql(project: Project) -> dict[str, list[SqlResult]]:
    import sqlglot

    from nsmcode.compile import CompileError, compile_file

    out: dict[str, list[SqlResult]] = {}
    for name in sorted(project.metrics):
        results = []
        columns: tuple[str, ...] = ()
        for dialect in dialects(project):
            try:
                # the SQL `nsmcode compile` writes (with the declared segments' breakdowns)
                sql = compile_file(project, name, dialect)
                tree = sqlglot.parse_one(sql, read=dialect) if not columns else None
                if isinstance(tree, sqlglot.exp.Query):  # what the page says the query returns
                    columns = tuple(tree.named_selects)
                results.append(SqlResult(dialect, sql, (), columns))
            except CompileError as exc:
                results.append(SqlResult(dialect, None, tuple(exc.diagnostics)))
        out[name] = results
    return out


def load_data(
    project: Project, progress: Progress | None = None, engine: Engine | None = None
) -> Data:
    """Every metric's values on `engine` (default: the project's connection, opened and closed
    here), up to the last date in the data.

    Only final periods are kept (a week counts once its Sunday is in the data, a conversion
    once its window has passed), as in `nsmcode okr status`, so the site and the status report
    agree on every number.
    """
    from nsmcode.run.connections import open_engine

    if engine is None:
        with open_engine(project) as opened:
            return load_data(project, progress, opened)
    from nsmcode.compile import QueryOptions
    from nsmcode.run import execute, goals, status

    names = sorted(project.metrics)
    series: dict[str, list[tuple[dt.date, float | None]]] = {}
    as_of = goals.latest_date(project, engine, names, progress)
    if as_of is None:
        raise InputError(
            [Diagnostic("E041", "--with-data: the data is empty", None, "load data first")]
        )
    by_grain: dict[str, list[str]] = {}
    for name in names:
        by_grain.setdefault(execute.grain_of(project, name, None).value, []).append(name)
    grains = sorted(by_grain)
    for grain in progress(grains) if progress else grains:
        group = by_grain[grain]
        table = execute.run(project, engine, group, QueryOptions(until=as_of))
        for name in group:
            settle = goals.settle(project, name)
            series[name] = [
                (period, _number(value))
                for period, value in table.series(name)
                if status.settled_by(period, models.Grain(grain), settle) <= as_of
            ]
    return Data(as_of, series)


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    # Parallel float sums differ in the last bits from run to run; ten significant digits are
    # far beyond what any page shows and keep rebuilds byte-identical.
    return float(f"{number:.10g}")


def gather(
    project: Project, *, with_data: bool = False, progress: Progress | None = None
) -> Site:
    """What the site shows; with data, everything is computed on one connection, opened once
    for the whole build (the values, the analysis, the funnels, the retention matrices)."""
    if not with_data:
        return _gather(project, None, None)
    from nsmcode.run.connections import open_engine

    with open_engine(project) as engine:
        # first: a missing data file fails fast
        return _gather(project, engine, load_data(project, progress, engine))


def _gather(project: Project, engine: Engine | None, data: Data | None) -> Site:
    from nsmcode.analyze.chart import site_analysis
    from nsmcode.site import funnels, retention

    live = (engine, data.as_of) if engine is not None and data is not None else None
    rules, diagnostics = rule_pack(project)
    return make_site(
        project,
        diagnostics=diagnostics,
        rules=rules,
        sql=compile_sql(project),
        data=data,
        analysis=site_analysis(project, *live) if live else None,
        funnels=funnels.gather(project, dialects(project), live),
        retention=retention.gather(project, live),
    )
