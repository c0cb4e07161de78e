"""Every time boundary of docs/spec.md ("Time"), executed on every engine: an event exactly on the
boundary, one second before and one second after, against the rule written in plain Python
(compile_time.py). One query per metric answers all of its boundaries (segmented by case)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from compile_engines import Runner
from compile_time import (
    BOUNDARIES,
    ENGINES,
    HOUR_SINCE,
    HOUR_UNTIL,
    OFFSETS,
    SINCE,
    UNTIL,
    Boundary,
    doc_row,
    python_verdict,
    read_verdict,
)

from nsmcode.compile import TOTAL, QueryOptions, compile_metric
from nsmcode.models import Grain
from nsmcode.project import Project

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"
QUERIES = sorted({(b.metric, b.grain) for b in BOUNDARIES if b.check != "funnel"})
"""One metric query per probe metric (funnel probes: test_compile_windows.py)."""


def options(grain: str) -> QueryOptions:
    if grain == "total":
        return QueryOptions(grain=TOTAL, segments=("case_id",), since=SINCE, until=UNTIL)
    if grain == "hour":
        return QueryOptions(
            grain=Grain.HOUR, segments=("case_id",), since=HOUR_SINCE, until=HOUR_UNTIL
        )
    return QueryOptions(grain=Grain(grain), segments=("case_id",))


@pytest.mark.parametrize("boundary", BOUNDARIES, ids=[b.id for b in BOUNDARIES])
def test_documented_outcome_is_the_rule(boundary: Boundary) -> None:
    """The table's outcomes are what the rule, computed in Python, says."""
    got = tuple(python_verdict(boundary, offset) for offset, _ in OFFSETS)
    assert got == boundary.expect


@pytest.mark.parametrize("boundary", BOUNDARIES, ids=[b.id for b in BOUNDARIES])
def test_boundary_is_in_the_spec(boundary: Boundary) -> None:
    assert doc_row(boundary) in SPEC.read_text(encoding="utf-8").splitlines()


def test_spec_table_has_no_untested_row() -> None:
    text = SPEC.read_text(encoding="utf-8")
    section = text[text.index("\n## Time\n") :]
    section = section[: section.index("\n## ", 1)]
    table = [line for line in section.splitlines() if re.match(r"\| .* \| \d{4}-\d\d-\d\d ", line)]
    assert sorted(table) == sorted(doc_row(b) for b in BOUNDARIES)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", QUERIES, ids=[f"{m}-{g}" for m, g in QUERIES])
def test_boundaries_on_engine(
    engine: str, query: tuple[str, str], project: Project, request: pytest.FixtureRequest
) -> None:
    metric, grain = query
    run: Runner = request.getfixturevalue(f"{engine}_run")
    rows = run(compile_metric(project, metric, engine, options(grain)))
    failures = []
    for boundary in (b for b in BOUNDARIES if (b.metric, b.grain) == query):
        for offset, _ in OFFSETS:
            want = python_verdict(boundary, offset)
            got = read_verdict(boundary, offset, rows)
            if got != want:
                failures.append(f"{boundary.case(offset)}: {got!r}, expected {want!r}")
    assert not failures, failures
