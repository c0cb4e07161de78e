"""Renderers of diagnostics: text, JSON, SARIF and GitHub annotations, as pure functions."""

from __future__ import annotations

import json
from pathlib import Path

from nsmcode.diagnostics import Diagnostic, Severity, Span
from nsmcode.report import (
    Summary,
    fingerprint,
    render,
    render_github,
    render_json,
    render_sarif,
    render_text,
    summary_line,
)
from nsmcode.rules import DEFAULT_RULES

ERROR = Diagnostic(
    "NSM002",
    "north star 'x' measures revenue",
    Span("metrics/m.yaml", 4, 13),
    "choose an outcome",
    Severity.ERROR,
    "metric:x",
    "north-star.is-revenue",
)
INFO = Diagnostic(
    "NSM042",
    "metric 'y' is an orphan",
    Span("metrics/m.yaml", 9, 11),
    None,
    Severity.INFO,
    "metric:y",
)


def test_text_lines_hints_and_summary() -> None:
    out = render_text([ERROR, INFO], Summary(project="relay", suppressed=2))
    assert out.splitlines() == [
        "metrics/m.yaml:4:13: NSM002 [error] north star 'x' measures revenue",
        "  hint: choose an outcome",
        "metrics/m.yaml:9:11: NSM042 [info] metric 'y' is an orphan",
        "relay: 1 error, 0 warnings, 1 info (2 suppressed).",
    ]


def test_text_styles_only_code_and_hint_label() -> None:
    def style(text: str, **styles: object) -> str:
        return f"<{styles['fg']}>{text}</>"

    out = render_text([ERROR], Summary(), style)
    assert out.splitlines()[0].endswith(": <red>NSM002</> [error] north star 'x' measures revenue")
    assert out.splitlines()[1] == "  <cyan>hint:</> choose an outcome"


def test_summary_lines() -> None:
    assert (
        summary_line([], Summary(project="p", metrics=1))
        == "p: 1 metric checked: no problems found."
    )
    assert (
        summary_line([], Summary(project="p", metrics=3, suppressed=1, baselined=2))
        == "p: 3 metrics checked: no problems found (1 suppressed; 2 baselined)."
    )
    assert summary_line([ERROR, ERROR], Summary(input_error=True)) == (
        "2 errors; the definitions could not be loaded."
    )


def test_json_findings_without_span() -> None:
    loose = Diagnostic("E009", "no nsmcode.yaml", None, "create one")
    document = json.loads(render_json([loose], Summary(input_error=True)))
    assert document["command"] == "validate" and document["version"] == 1
    assert document["diagnostics"] == [
        {
            "code": "E009",
            "name": None,
            "severity": "error",
            "message": "no nsmcode.yaml",
            "hint": "create one",
            "obj": None,
            "file": None,
            "line": None,
            "col": None,
        }
    ]
    results = document["results"]
    assert results["summary"]["error"] == 1 and results["input_error"] is True


def test_github_escapes_data_and_properties() -> None:
    tricky = Diagnostic(
        "NSM020",
        "100% wrong\nsecond line",
        Span("dir,with:odd/m.yaml", 3, 5),
        None,
        Severity.WARNING,
        "okr:o",
        "okr.unknown-metric",
    )
    first = render_github([tricky, INFO], Summary()).splitlines()
    assert first[0] == (
        "::warning file=dir%2Cwith%3Aodd/m.yaml,line=3,col=5,title=NSM020 okr.unknown-metric::"
        "100%25 wrong%0Asecond line"
    )
    assert first[1].startswith("::notice file=metrics/m.yaml,line=9,col=11,title=NSM042::")


def test_fingerprints_ignore_lines_but_not_identity() -> None:
    assert fingerprint("metric:x", "NSM002", 0) == fingerprint("metric:x", "NSM002", 0)
    assert (
        len(
            {
                fingerprint("metric:x", "NSM002", 0),
                fingerprint("metric:x", "NSM002", 1),
                fingerprint("metric:y", "NSM002", 0),
                fingerprint("metric:x", "NSM003", 0),
            }
        )
        == 4
    )
    moved = Diagnostic(**{**ERROR.__dict__, "span": Span("metrics/m.yaml", 40, 1)})
    one = json.loads(render_sarif([ERROR], Summary(), DEFAULT_RULES))["runs"][0]["results"][0]
    two = json.loads(render_sarif([moved], Summary(), DEFAULT_RULES))["runs"][0]["results"][0]
    assert one["partialFingerprints"] == two["partialFingerprints"]


def test_sarif_results_levels_uris_and_rule_metadata(tmp_path: Path) -> None:
    absolute = Diagnostic(
        "E004", "bad value", Span(str(tmp_path / "m.yaml"), 2, 3), None, Severity.ERROR
    )
    document = json.loads(render_sarif([ERROR, INFO, absolute], Summary(), DEFAULT_RULES))
    assert document["version"] == "2.1.0"
    run = document["runs"][0]
    first, info, loader = run["results"]
    assert first["level"] == "error" and info["level"] == "note"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "metrics/m.yaml"
    uri = loader["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (tmp_path / "m.yaml").as_uri()
    assert "ruleIndex" not in loader, "loader errors have no rule metadata"
    rule = run["tool"]["driver"]["rules"][first["ruleIndex"]]
    assert rule["id"] == "NSM002" and rule["name"] == "north-star.is-revenue"
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["helpUri"].endswith("/docs/rules/NSM002.md")
    assert rule["fullDescription"]["text"].startswith("Looks at the north star")
    assert "## Why is this bad?" in rule["help"]["markdown"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert levels["NSM009"] == "warning" and levels["NSM042"] == "note"


def test_render_dispatches_on_format() -> None:
    summary = Summary(project="p")
    assert render("text", [ERROR], summary) == render_text([ERROR], summary)
    assert render("json", [ERROR], summary) == render_json([ERROR], summary)
    assert render("github", [ERROR], summary) == render_github([ERROR], summary)
    assert render("sarif", [ERROR], summary, DEFAULT_RULES) == render_sarif(
        [ERROR], summary, DEFAULT_RULES
    )
