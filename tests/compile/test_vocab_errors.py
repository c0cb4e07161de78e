"""Misused offsets are located input errors with a code and a hint (docs/spec.md, DerivedInput):
each case writes one metric file with one mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile import CompileError, QueryOptions, compile_metric
from nsmcode.diagnostics import InputError
from nsmcode.models import Grain
from nsmcode.project import load_project

WriteProject = Callable[..., Path]

BASE = """\
version: 1
sources:
  - name: calls
    table: calls
    time_column: called_at
    columns:
      - {name: called_at, type: timestamp}
metrics:
  - name: call_count
    source: calls
    calculation: {type: count}
"""


def derived(inputs: str, expression: str = "call_count - prior") -> str:
    return (
        "version: 1\nmetrics:\n  - name: growth\n    calculation:\n      type: derived\n"
        f"      expression: {expression}\n      inputs:\n{inputs}"
    )


CASES: dict[str, tuple[str, str, str, str]] = {
    "name_is_a_metric": (
        derived(
            "        - {name: call_count, metric: call_count, offset: 1 year}\n",
            "call_count * 2",
        ),
        "metrics/m.yaml:8:18",
        "E004",
        "input name 'call_count' is also a metric's name",
    ),
    "unused": (
        derived(
            "        - {name: prior, metric: call_count, offset: 1 year}\n"
            "        - {name: older, metric: call_count, offset: 2 periods}\n"
        ),
        "metrics/m.yaml:9:18",
        "E004",
        "input 'older' is not used in the expression",
    ),
    "unknown_metric": (
        derived("        - {name: prior, metric: call_cnt, offset: 1 year}\n"),
        "metrics/m.yaml:8:33",
        "E007",
        "metric 'growth' refers to unknown metric 'call_cnt'",
    ),
    "offset_in_years": (
        derived("        - {name: prior, metric: call_count, offset: 2 years}\n"),
        "metrics/m.yaml:8:53",
        "E004",
        "is not an offset",
    ),
    "offset_too_far": (
        derived("        - {name: prior, metric: call_count, offset: 600 periods}\n"),
        "metrics/m.yaml:8:53",
        "E004",
        "at most 520 periods",
    ),
    "twice": (
        derived(
            "        - {name: prior, metric: call_count, offset: 1 year}\n"
            "        - {name: prior, metric: call_count, offset: 1 period}\n"
        ),
        "metrics/m.yaml:5:7",
        "E004",
        "input name 'prior' is given twice",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_misused_offsets_are_located(case: str, write_project: WriteProject) -> None:
    text, where, code, message = CASES[case]
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    with pytest.raises(InputError) as info:
        load_project(root)
    found = [d for d in info.value.diagnostics if d.code == code and message in d.message]
    assert found, [d.render() for d in info.value.diagnostics]
    assert where in str(found[0].span), found[0].render()
    assert found[0].hint


def test_a_year_earlier_per_day_is_c041_in_compile(write_project: WriteProject) -> None:
    text = derived("        - {name: prior, metric: call_count, offset: 1 year}\n")
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text + "    grain: week\n"})
    weekly = load_project(root)
    for grain in (Grain.WEEK, Grain.MONTH, Grain.QUARTER):
        compile_metric(weekly, "growth", "duckdb", QueryOptions(grain=grain))
    # declared per day, the definition itself is refused (validate speaks for compile)
    (root / "metrics" / "m.yaml").write_text(text + "    grain: day\n")
    project = load_project(root)
    with pytest.raises(CompileError) as info:
        compile_metric(project, "growth", "duckdb")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C041" and str(diagnostic.span).endswith("metrics/m.yaml:8:53")
    out = root / "out"
    result = CliRunner().invoke(main, ["compile", "--project", str(root), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "m.yaml:8:53: C041" in result.output
