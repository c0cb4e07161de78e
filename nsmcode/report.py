"""Rendering diagnostics for people and machines: text, JSON, SARIF 2.1.0, GitHub annotations.

Every renderer is a pure function of the findings (already sorted), so output is deterministic
and testable without a terminal. SARIF fingerprints are built from the finding's object and code,
never its line, so code-scanning alerts survive edits that move definitions around.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nsmcode import __version__
from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.emit import envelope

if TYPE_CHECKING:
    from nsmcode.rules.engine import Rule

FORMATS = ("text", "json", "sarif", "github", "junit")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/nsmcode/nsmcode"
Style = Callable[..., str]


def _plain(text: str, **_: object) -> str:
    return text


@dataclass(frozen=True)
class Summary:
    """What a validation run amounts to, beside the findings themselves."""

    project: str | None = None
    metrics: int = 0
    suppressed: int = 0
    baselined: int = 0
    input_error: bool = False
    hidden_info: int = 0
    """Info findings counted but not printed (`-q` without `--show-info`)."""


def counts(findings: Sequence[Diagnostic]) -> dict[str, int]:
    found = Counter(f.severity.value for f in findings)
    return {s.value: found.get(s.value, 0) for s in Severity}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(findings: Sequence[Diagnostic], summary: Summary) -> str:
    c = counts(findings)
    c["info"] += summary.hidden_info
    if summary.input_error:
        return f"{_plural(c['error'], 'error')}; the definitions could not be loaded."
    extra = [
        f"{summary.suppressed} suppressed" if summary.suppressed else "",
        f"{summary.baselined} baselined" if summary.baselined else "",
        f"info not shown: --show-info lists {'it' if summary.hidden_info == 1 else 'them'}"
        if summary.hidden_info
        else "",
    ]
    tail = "; ".join(e for e in extra if e)
    tail = f" ({tail})" if tail else ""
    name = f"{summary.project}: " if summary.project else ""
    if not findings and not summary.hidden_info:
        return f"{name}{_plural(summary.metrics, 'metric')} checked: no problems found{tail}."
    found = ", ".join(
        [_plural(c["error"], "error"), _plural(c["warning"], "warning"), f"{c['info']} info"]
    )
    return f"{name}{found}{tail}."


_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(findings: Sequence[Diagnostic], summary: Summary, style: Style = _plain) -> str:
    """`path:line:col: CODE [severity] message`, an indented hint line, and a summary line."""
    lines: list[str] = []
    for f in findings:
        where = f"{f.span}: " if f.span else ""
        code = style(f.code, fg=_COLOURS[f.severity], bold=True)
        lines.append(f"{where}{code} [{f.severity.value}] {f.message}")
        if f.hint:
            lines.append(f"  {style('hint:', fg='cyan')} {f.hint}")
    lines.append(summary_line(findings, summary))
    return "\n".join(lines)


def render_json(findings: Sequence[Diagnostic], summary: Summary) -> str:
    """The shared envelope (nsmcode.emit): the run's summary as results, findings as diagnostics."""
    results = {
        "project": summary.project,
        "input_error": summary.input_error,
        "summary": {
            **counts(findings),
            "suppressed": summary.suppressed,
            "baselined": summary.baselined,
        },
    }
    return envelope("validate", results, findings)


def render_junit(findings: Sequence[Diagnostic], summary: Summary) -> str:
    """JUnit XML for CI test reports: one test case a finding (errors fail), or one passing case."""
    from xml.etree import ElementTree as ET

    suite = ET.Element("testsuite", name=f"nsmcode validate {summary.project or ''}".strip())
    failures = 0
    for f in findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f.span.file if f.span else "nsmcode",
            name=f"{f.code} {f.obj or f.message}",
        )
        text = f"{f.span}: {f.message}" if f.span else f.message
        if f.hint:
            text += f"\nhint: {f.hint}"
        if f.severity is Severity.ERROR:
            failures += 1
            ET.SubElement(case, "failure", message=f.message, type=f.code).text = text
        else:
            ET.SubElement(case, "system-out").text = f"[{f.severity.value}] {text}"
    if not findings:
        ET.SubElement(suite, "testcase", classname="nsmcode", name="validate")
    suite.set("tests", str(max(len(findings), 1)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode")


# ------------------------------------------------------------------------------------------------
# SARIF 2.1.0

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def fingerprint(obj: str | None, code: str, ordinal: int) -> str:
    """Stable identity of a finding: its object and code (and rank among equals), no lines."""
    text = f"{obj or ''}\x1f{code}\x1f{ordinal}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _uri(file: str) -> str:
    path = Path(file)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def _sarif_rule(rule: type[Rule]) -> dict[str, Any]:
    from nsmcode.rules.docs import help_uri, rule_body, section

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": section(rule, "What it does")},
        "help": {"text": rule.summary(), "markdown": rule_body(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": sorted({"north-star", rule.name.split(".")[0]})},
    }


def render_sarif(
    findings: Sequence[Diagnostic], summary: Summary, rules: Sequence[type[Rule]]
) -> str:
    index = {r.code: i for i, r in enumerate(rules)}
    seen: Counter[tuple[str | None, str]] = Counter()
    results: list[dict[str, Any]] = []
    for f in findings:
        ordinal = seen[(f.obj, f.code)]
        seen[(f.obj, f.code)] += 1
        text = f.message + (f"\nhint: {f.hint}" if f.hint else "")
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _LEVELS[f.severity],
            "message": {"text": text},
            "partialFingerprints": {"nsmcode/v1": fingerprint(f.obj, f.code, ordinal)},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.span:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.span.file)},
                        "region": {"startLine": f.span.line, "startColumn": f.span.col},
                    }
                }
            ]
        if f.obj:
            result["properties"] = {"object": f.obj}
        results.append(result)
    run = {
        "tool": {
            "driver": {
                "name": "nsmcode",
                "version": __version__,
                "informationUri": TOOL_URI,
                "rules": [_sarif_rule(r) for r in rules],
            }
        },
        "invocations": [{"executionSuccessful": not summary.input_error}],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, sort_keys=True)


# ------------------------------------------------------------------------------------------------
# GitHub Actions workflow commands

_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Diagnostic], summary: Summary) -> str:
    """One `::error file=...,line=...,col=...,title=CODE::message` line per finding."""
    lines = []
    for f in findings:
        props = []
        if f.span:
            props += [
                f"file={_escape_property(f.span.file)}",
                f"line={f.span.line}",
                f"col={f.span.col}",
            ]
        props.append(f"title={_escape_property(f.code + (' ' + f.name if f.name else ''))}")
        message = f.message + (f"\nhint: {f.hint}" if f.hint else "")
        lines.append(f"::{_GITHUB[f.severity]} {','.join(props)}::{_escape_data(message)}")
    lines.append(summary_line(findings, summary))
    return "\n".join(lines)


def render(
    fmt: str,
    findings: Sequence[Diagnostic],
    summary: Summary,
    rules: Sequence[type[Rule]] = (),
    style: Style = _plain,
) -> str:
    if fmt == "json":
        return render_json(findings, summary)
    if fmt == "sarif":
        return render_sarif(findings, summary, rules)
    if fmt == "github":
        return render_github(findings, summary)
    if fmt == "junit":
        return render_junit(findings, summary)
    return render_text(findings, summary, style)
