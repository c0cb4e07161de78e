"""The example project passes the rule pack, and breaking it in the classic ways is caught.

Each mutation copies examples/metrics to a temporary folder, edits the YAML text as a person
would, and checks that the rule pack reports exactly one new finding: the expected rule, at the
edited line.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.project import load_project
from nsmcode.rules import check_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"
DEFS = Path("definitions")

Key = tuple[str, str | None, str]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "metrics"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "*.py", "target"))
    return root


def _findings(root: Path) -> list[Diagnostic]:
    return check_project(load_project(root)).findings


def _key(d: Diagnostic) -> Key:
    return (d.code, d.obj, d.message)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> list[Diagnostic]:
    return _findings(_copy(tmp_path_factory.mktemp("clean")))


def test_the_example_has_no_errors(clean: list[Diagnostic]) -> None:
    errors = [f"{d.span} {d.code} {d.message}" for d in clean if d.severity is Severity.ERROR]
    assert not errors, "\n".join(errors)


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, f"{needle!r} is not on exactly one line of {path}: {hits}"
    return hits[0]


def _north_star_block(lines: list[str]) -> tuple[int, int]:
    start = lines.index("  - name: weekly_active_integration_points")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - name: ")),
        len(lines),
    )
    return start, end


# Each mutation edits the copied project and returns (file, text on the line the finding is at).
Mutation = Callable[[Path], tuple[Path, str]]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def two_north_stars(root: Path) -> tuple[Path, str]:
    path = root / DEFS / "north_star.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start, end = _north_star_block(lines)
    copy = [
        line.replace("weekly_active_integration_points", "integration_points_v2")
        for line in lines[start:end]
    ]
    copy = [line.replace("role: north_star", "role: north_star  # the second one") for line in copy]
    path.write_text("\n".join([*lines[:end], *copy, *lines[end:]]) + "\n", encoding="utf-8")
    return path, "role: north_star  # the second one"


def revenue_as_north_star(root: Path) -> tuple[Path, str]:
    path = root / DEFS / "north_star.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start, end = _north_star_block(lines)
    block = "\n".join(lines[start:end])
    assert "    source: api_calls" in block and "      type: count_distinct" in block
    block = block.replace("    source: api_calls", "    source: invoices")
    block = block.replace(
        "      type: count_distinct\n      columns: [account_id, endpoint]",
        "      type: sum\n      column: amount",
    )
    path.write_text("\n".join([*lines[:start], block, *lines[end:]]) + "\n", encoding="utf-8")
    return path, "    source: invoices"


QUALIFIERS = "    qualifiers: [production_only, exclude_test_accounts]"


def north_star_without_qualifier(root: Path) -> tuple[Path, str]:
    path = root / DEFS / "north_star.yaml"
    _edit(
        path,
        QUALIFIERS,
        "    filter: environment = 'production' AND NOT accounts.is_test"
        " AND NOT accounts.is_internal",
    )
    return path, "  - name: weekly_active_integration_points"


def north_star_counting_sandbox(root: Path) -> tuple[Path, str]:
    path = root / DEFS / "north_star.yaml"
    _edit(path, QUALIFIERS, "    qualifiers: [exclude_test_accounts]")
    return path, "    qualifiers: [exclude_test_accounts]"


def all_time_cumulative_north_star(root: Path) -> tuple[Path, str]:
    path = root / DEFS / "north_star.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start, end = _north_star_block(lines)
    block = "\n".join(lines[start:end])
    block = block.replace("    source: api_calls\n", "")
    block = block.replace(
        "    calculation:\n      type: count_distinct\n      columns: [account_id, endpoint]",
        "    calculation: {type: cumulative, metric: weekly_active_accounts}",
    )
    path.write_text("\n".join([*lines[:start], block, *lines[end:]]) + "\n", encoding="utf-8")
    return path, "    calculation: {type: cumulative, metric: weekly_active_accounts}"


def key_result_on_missing_metric(root: Path) -> tuple[Path, str]:
    path = root / DEFS / "okrs" / "2026-q4.yaml"
    _edit(path, "metric: docs_to_signup_rate", "metric: docs_to_signup_ratio")
    return path, "metric: docs_to_signup_ratio"


MUTATIONS: list[tuple[Mutation, str]] = [
    (two_north_stars, "NSM001"),
    (revenue_as_north_star, "NSM002"),
    (north_star_without_qualifier, "NSM004"),
    (north_star_counting_sandbox, "NSM005"),
    (all_time_cumulative_north_star, "NSM006"),
    (key_result_on_missing_metric, "NSM020"),
]


@pytest.mark.parametrize(("mutate", "code"), MUTATIONS, ids=lambda v: getattr(v, "__name__", v))
def test_a_mutation_of_the_example_is_caught_where_it_is(
    mutate: Mutation, code: str, clean: list[Diagnostic], tmp_path: Path
) -> None:
    root = _copy(tmp_path)
    path, marker = mutate(root)
    line = _line_of(path, marker)
    found = _findings(root)
    new = Counter(_key(d) for d in found) - Counter(_key(d) for d in clean)
    new_findings = [d for d in found if _key(d) in new]
    shown = "\n".join(f"{d.span} {d.code} {d.message}" for d in new_findings)
    assert len(new_findings) == 1 and new_findings[0].code == code, shown
    span = new_findings[0].span
    assert span is not None
    assert Path(span.file).resolve() == path.resolve(), shown
    assert span.line == line, shown
    assert new_findings[0].severity is Severity.ERROR
