"""What a project offers to query: `nsmcode list metrics|dimensions|segments|funnels` and the
distinct values of a dimension in the warehouse (`nsmcode values`)."""

from __future__ import annotations

import difflib
from typing import Any

from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.project import Project
from nsmcode.run.connections import Engine, EngineError
from nsmcode.run.execute import check_metrics, explain

KINDS = ("metrics", "dimensions", "segments", "funnels")


def dimensions(project: Project, metric: str | None = None) -> dict[str, list[str]]:
    """Dimension -> sources declaring it, sorted by name. With `metric`: the dimensions that
    every source the metric reads reaches (what `--segment` and `--where` accept for it)."""
    found: dict[str, list[str]] = {}
    if metric is None:
        for source in project.sources.values():
            for name in source.dimensions:
                found.setdefault(name, []).append(source.name)
        return dict(sorted(found.items()))
    check_metrics(project, [metric])
    bases = project.base_sources(metric)
    if not bases:
        return {}
    for name in sorted({d for s in project.reachable_sources(bases[0]) for d in _dims(project, s)}):
        owners = [project.dimension_source(base, name) for base in bases]
        if all(owners):
            found[name] = sorted({o for o in owners if o})
    return found


def _dims(project: Project, source: str) -> tuple[str, ...]:
    return project.sources[source].dimensions


def rows(project: Project, kind: str, metric: str | None = None) -> list[dict[str, Any]]:
    """The records `nsmcode list KIND` prints, in a stable order."""
    if kind == "metrics":
        return [
            {
                "name": m.name,
                "role": m.role.value,
                "grain": m.grain.value if m.grain else "total",
                "calculation": m.calculation.type,
                "description": _first_line(m.description),
            }
            for m in project.metrics.values()
        ]
    if kind == "dimensions":
        return [
            {"name": name, "sources": ", ".join(sources)}
            for name, sources in dimensions(project, metric).items()
        ]
    if kind == "segments":
        if metric is not None:
            check_metrics(project, [metric])
        chosen = [project.metrics[metric]] if metric else list(project.metrics.values())
        return [{"metric": m.name, "segment": s} for m in chosen for s in m.segments]
    return [
        {
            "name": f.name,
            "entity": f.entity,
            "steps": " > ".join(s.metric for s in f.stages),
            "within": f.within or "",
        }
        for f in project.funnels.values()
    ]


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def values(
    project: Project,
    engine: Engine,
    dimension: str,
    metric: str | None = None,
    limit: int | None = None,
) -> list[Any]:
    """Distinct values of a dimension, read from the source that declares it (with `metric`,
    the one the metric's rows reach it through), sorted with NULL last."""
    from sqlglot import exp

    from nsmcode.compile.build import SourceQueries

    owner = _owner(project, dimension, metric)
    column = exp.column(dimension, table=owner)
    query = (
        exp.select(exp.alias_(column, "value"))
        .distinct()
        .from_(SourceQueries(project).relation(owner))
        .order_by(exp.Ordered(this=column.copy(), nulls_first=False))
    )
    if limit is not None:
        query = query.limit(limit)
    try:
        result = engine.execute(query.sql(dialect=engine.dialect))
    except EngineError as exc:
        users = [m for m in project.metrics if owner in project.base_sources(m)]
        if metric is None and not users:
            raise InputError(
                [
                    Diagnostic(
                        "R007",
                        f"reading dimension {dimension!r} failed: {exc.message}",
                        project.span("source", owner),
                        "check that the source's table and the dimension's column exist on this "
                        "connection",
                    )
                ]
            ) from None
        raise InputError([explain(project, engine, [metric or users[0]], exc)]) from None
    return [row[0] for row in result.rows]


def _owner(project: Project, dimension: str, metric: str | None) -> str:
    if metric is not None:
        check_metrics(project, [metric])
        for base in project.base_sources(metric):
            owner = project.dimension_source(base, dimension)
            if owner is not None:
                return owner
        known = ", ".join(dimensions(project, metric)) or "none"
        raise InputError(
            [
                Diagnostic(
                    "R014",
                    f"{dimension!r} is not a dimension metric {metric!r} reaches",
                    Span("DIMENSION"),
                    f"its dimensions: {known} (`nsmcode list dimensions --metric {metric}`)",
                )
            ]
        )
    for source in project.sources.values():
        if dimension in source.dimensions:
            return source.name
    names = list(dimensions(project))
    close = difflib.get_close_matches(dimension, names, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(names) or 'none'}"
    raise InputError(
        [Diagnostic("R014", f"unknown dimension {dimension!r}", Span("DIMENSION"), hint)]
    )
