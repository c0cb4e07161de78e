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
    """Every rule's documentation, and the project's findings after its rule configuration."""
    from nsmcode.rules import DEFAULT_RULES, check_project

    docs = [
        RuleDoc(
            rule.code,
            rule.name,
            rule.severity.value,
            rule.summary(),
            "\n".join(rule.doc().splitlines()[1:]),
            tuple((t.key, t.default, t.description) for t in rule.thresholds),
        )
        for rule in DEFAULT_RULES
    ]
    return docs, check_project(project).findings


def compile_sql(project: Project) -> dict[str, list[SqlResult]]:
    try:
        from nsmcode.compile import CompileError, compile_metric
    except ImportError:  # TODO(site): drop once the compiler has landed
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
