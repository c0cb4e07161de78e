"""Compile every imported metric, for every target, before anything is written, so the project
always validates and compiles.

dbt expressions are warehouse SQL; nsmcode conditions and derived expressions are a portable
subset. A metric the compiler refuses (a function nsmcode does not allow in a filter, say) is
reported at its dbt location with the compiler's reason, and left out with what depends on it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from nsmcode.dbt_import.reader import not_carried
from nsmcode.dbt_import.writer import write_files
from nsmcode.diagnostics import Diagnostic, InputError

if TYPE_CHECKING:
    from nsmcode.dbt_import import ImportResult


def _targets(targets: tuple[str, ...], dialect: str) -> list[str]:
    """The project's dialect first (its reason is the one shown), then every other target:
    `validate` compiles for all of them, so the import does too."""
    return [dialect, *(t for t in targets if t != dialect)]


def verify(result: ImportResult) -> list[Diagnostic]:
    """Remove the metrics that do not compile from `result`; return why, located in dbt."""
    from nsmcode.compile import CompileError, compile_metric
    from nsmcode.project import load_project
    from nsmcode.run.saved import compile_saved

    with tempfile.TemporaryDirectory(prefix="nsmcode-import-") as tmp:
        write_files(Path(tmp), result.rendered())
        try:
            project = load_project(Path(tmp))
        except InputError as exc:  # the importer wrote something nsmcode cannot read: a bug
            raise RuntimeError(f"the imported project does not load: {exc}") from exc
        failed: dict[str, Diagnostic | None] = {}
        failed_for: dict[str, str] = {}
        for name in project.metrics:
            for target in _targets(project.config.targets, result.dialect):
                try:
                    compile_metric(project, name, target)
                except CompileError as exc:
                    failed[name] = exc.diagnostics[0] if exc.diagnostics else None
                    failed_for[name] = target
                    break
        upstream = {name: project.upstream(name) for name in failed}
        saved_failed: dict[str, Diagnostic | None] = {}
        for name, saved in project.saved_queries.items():
            if any(metric in failed for metric in saved.metrics):
                saved_failed[name] = None
                continue
            try:
                for target in _targets(project.config.targets, result.dialect):
                    compile_saved(project, name, target)
            except InputError as exc:
                saved_failed[name] = exc.diagnostics[0] if exc.diagnostics else None
    spans = {definition["name"]: span for definition, span in result.metrics}
    problems: list[Diagnostic] = []
    for name, reason in failed.items():
        cause = next((dep for dep in upstream[name] if dep in failed), None)
        if cause is not None:
            problems.append(
                not_carried(
                    "D109",
                    f"metric {name!r} depends on {cause!r}, which does not compile in nsmcode",
                    spans[name],
                )
            )
        else:
            message = reason.message if reason else "it does not compile"
            if failed_for[name] != result.dialect:
                message += f" (compiling for {failed_for[name]})"
            problems.append(
                not_carried(
                    "D114",
                    f"metric {name!r} is not carried over: {message}",
                    spans[name],
                    reason.hint if reason else None,
                )
            )
    result.metrics = [item for item in result.metrics if item[0]["name"] not in failed]
    # a qualifier holding a Metric() filter goes with the metrics that use it
    used = {q for definition, _span in result.metrics for q in definition.get("qualifiers", ())}
    result.qualifiers = [q for q in result.qualifiers if q[0]["name"] in used]
    saved_spans = {definition["name"]: span for definition, span in result.saved_queries}
    for name, saved_reason in saved_failed.items():
        why = (
            f"{saved_reason.code} {saved_reason.message}"
            if saved_reason
            else "one of its metrics does not compile in nsmcode"
        )
        problems.append(
            not_carried(
                "D115",
                f"saved query {name!r} is not carried over: {why}",
                saved_spans[name],
                saved_reason.hint if saved_reason else None,
            )
        )
    result.saved_queries = [s for s in result.saved_queries if s[0]["name"] not in saved_failed]
    return problems
