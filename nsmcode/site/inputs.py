"""Gather what the site shows from the rest of nsmcode: rule findings, compiled SQL, data."""

from __future__ import annotations

from nsmcode.diagnostics import Diagnostic
from nsmcode.project import Project
from nsmcode.site.views import RuleDoc, Series, Site, SqlResult, make_site


def dialects(project: Project) -> list[str]:
    """The project's own dialect first, then the other compile targets in their configured order."""
    out: list[str] = [project.config.dialect]
    out += [d for d in project.config.targets if d not in out]
    return out


def rule_pack(project: Project) -> tuple[list[RuleDoc], list[Diagnostic]]:
    try:
        import nsmcode.rules  # noqa: F401
    except ModuleNotFoundError:
        return [], []
    return [], []


def compile_sql(project: Project) -> dict[str, list[SqlResult]]:
    try:
        from nsmcode.compile import CompileError, compile_metric
    except ModuleNotFoundError:
        return {}
    out: dict[str, list[SqlResult]] = {}
    for name in sorted(project.metrics):
        results = []
        for dialect in dialects(project):
            try:
                results.append(SqlResult(dialect, compile_metric(project, name, dialect)))
            except CompileError as exc:
                results.append(SqlResult(dialect, None, tuple(exc.diagnostics)))
        out[name] = results
    return out


def load_series(project: Project) -> dict[str, Series]:
    return {}


def gather(project: Project, *, with_data: bool = False) -> Site:
    rules, diagnostics = rule_pack(project)
    return make_site(
        project,
        diagnostics=diagnostics,
        rules=rules,
        sql=compile_sql(project),
        series=load_series(project) if with_data else None,
    )
