"""`nsmcode.outputs`: SQL files and manifest, byte for byte stable, cached, safe to write."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nsmcode import __version__
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.outputs import compile_project
from nsmcode.outputs import generate as generate_mod

SOURCES = """\
sources:
  - name: accounts
    table: app.accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
      - {name: is_test, type: boolean, semantic: test_flag}
    dimensions: [plan]
  - name: api_calls
    table: app.api_calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: call_id, type: string, semantic: identifier}
      - {name: account_id, type: string, semantic: identifier}
      - {name: called_at, type: timestamp}
      - {name: endpoint, type: string}
      - {name: environment, type: string, semantic: environment}
      - {name: status_code, type: integer}
    joins: [{source: accounts, column: account_id}]

qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: Sandbox traffic is not value delivered.
  - name: exclude_test_accounts
    condition: NOT accounts.is_test
    reason: Test accounts are not customers.
"""

METRICS = """\
metrics:
  - name: integration_points
    role: north_star
    measures: outcome
    source: api_calls
    calculation: {type: count_distinct, columns: [account_id, endpoint]}
    qualifiers: [production_only, exclude_test_accounts]
    grain: week
    segments: [plan]
  - name: calls
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only]
    grain: week
  - name: server_errors
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only]
    filter: status_code >= 500
    grain: week
  - name: error_rate
    role: guardrail
    calculation: {type: ratio, numerator: server_errors, denominator: calls}
    grain: week
  - name: calls_wow
    calculation: {type: period_over_period, metric: calls}
    grain: week
  - name: signups
    source: accounts
    calculation: {type: count}
    qualifiers: [exclude_test_accounts]
    grain: week
"""

WriteProject = Callable[..., Path]  # the `write_project` fixture of conftest.py
NAMES = ["calls", "calls_wow", "error_rate", "integration_points", "server_errors", "signups"]
TWO = ("duckdb", "postgres")
CACHE = ".nsmcode-cache/"


@pytest.fixture
def project(write_project: WriteProject) -> Path:
    return write_project({"metrics/sources.yml": SOURCES, "metrics/metrics.yml": METRICS})


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the cache, by relative POSIX path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.relative_to(folder).as_posix().startswith(CACHE)
    }


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


def edit(project: Path, old: str, new: str) -> None:
    path = project / "metrics" / "metrics.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def fail_if_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("compile_metric ran although nothing changed")

    monkeypatch.setattr("nsmcode.compile.compile_metric", refuse)


# ------------------------------------------------------------------------------------------------
# Files and manifest


def test_every_metric_gets_a_file_per_dialect_with_a_located_header(project: Path) -> None:
    report = compile_project(project, dialects=TWO)
    out = project / "target"
    files = tree(out)
    assert sorted(files) == sorted(
        ["manifest.json"] + [f"sql/{d}/{n}.sql" for d in TWO for n in NAMES]
    )
    assert report.generated == len(NAMES) * 2
    text = files["sql/postgres/error_rate.sql"].decode()
    line = METRICS.splitlines().index("  - name: error_rate") + 1
    header = text.splitlines()[:5]
    assert header[0] == "-- metric: error_rate (guardrail)"
    assert header[1] == f"-- defined in: metrics/metrics.yml:{line}"
    assert header[2] == "-- dialect: postgres"
    manifest = json.loads(files["manifest.json"])
    assert (
        header[3] == f"-- definition hash: {manifest['metrics']['error_rate']['definition_hash']}"
    )
    assert __version__ in header[4]
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "SELECT" in text.split("\n", 5)[5]


def test_the_manifest_describes_every_metric_with_relative_paths_and_hashes(
    project: Path,
) -> None:
    compile_project(project, dialects=TWO)
    out = project / "target"
    raw = (out / "manifest.json").read_text()
    manifest = json.loads(raw)
    assert set(manifest) == {
        "manifest_version",
        "nsmcode_version",
        "project",
        "dialects",
        "metrics",
    }
    assert manifest["manifest_version"] == 1
    assert manifest["nsmcode_version"] == __version__
    assert manifest["project"] == "test"
    assert manifest["dialects"] == list(TWO)
    assert sorted(manifest["metrics"]) == NAMES
    rate = manifest["metrics"]["error_rate"]
    assert set(rate) == {
        "columns",
        "role",
        "file",
        "line",
        "depends_on",
        "sources",
        "qualifiers",
        "definition_hash",
        "sql",
    }
    assert rate["role"] == "guardrail"
    assert rate["columns"] == ["period", "value"]  # no declared segments: no breakdown
    star = manifest["metrics"]["integration_points"]
    assert star["columns"] == ["period", "breakdown", "plan", "value"]
    sql = (out / star["sql"]["duckdb"]["path"]).read_text()
    assert "AS breakdown" in sql and "AS plan" in sql
    assert rate["file"] == "metrics/metrics.yml"
    assert rate["depends_on"] == ["calls", "server_errors"]
    assert rate["sources"] == ["api_calls"]
    assert rate["qualifiers"] == ["production_only"]
    assert manifest["metrics"]["integration_points"]["qualifiers"] == [
        "exclude_test_accounts",
        "production_only",
    ]
    for name, entry in manifest["metrics"].items():
        assert sorted(entry["sql"]) == list(TWO)
        for dialect, sql in entry["sql"].items():
            assert sql["path"] == f"sql/{dialect}/{name}.sql"
            assert sql["hash"] == hashlib.sha256((out / sql["path"]).read_bytes()).hexdigest()
    # sorted keys everywhere, no absolute paths, no timestamps, one trailing newline
    _assert_sorted(manifest)
    assert str(project) not in raw and "/tmp" not in raw and '"/' not in raw
    assert raw.endswith("}\n") and not raw.endswith("\n\n")


def _assert_sorted(value: Any) -> None:
    if isinstance(value, dict):
        assert list(value) == sorted(value)
        for child in value.values():
            _assert_sorted(child)


def test_a_definition_hash_changes_with_what_the_metric_is_built_from(project: Path) -> None:
    compile_project(project, dialects=("duckdb",))
    before = json.loads((project / "target" / "manifest.json").read_text())["metrics"]
    source = project / "metrics" / "sources.yml"
    source.write_text(source.read_text().replace("'production'", "'prod'"))
    compile_project(project, dialects=("duckdb",))
    after = json.loads((project / "target" / "manifest.json").read_text())["metrics"]
    changed = {n for n in NAMES if before[n]["definition_hash"] != after[n]["definition_hash"]}
    # the qualifier is used by every api_calls metric, directly or through what they build on
    assert changed == {"calls", "calls_wow", "error_rate", "integration_points", "server_errors"}


def test_a_metric_filter_is_part_of_what_the_metric_is_built_from(
    write_project: WriteProject,
) -> None:
    """A metric keeping the rows of accounts by another metric's value is recompiled when that
    metric changes (it was served stale from the cache), through a qualifier's filter too."""
    extra = """\
  - name: integrated_signups
    source: accounts
    calculation: {type: count}
    metric_filter: {metric: integration_points, per: account, at_least: 3}
    grain: week
  - name: signups_of_integrated
    source: accounts
    calculation: {type: count}
    qualifiers: [integrated]
    grain: week
"""
    qualifier = """\
  - name: integrated
    metric_filter: {metric: server_errors, per: account, at_most: 2}
    reason: Accounts drowning in errors are not integrated.
"""
    project = write_project(
        {"metrics/sources.yml": SOURCES + qualifier, "metrics/metrics.yml": METRICS + extra}
    )
    compile_project(project, dialects=("duckdb",))
    out = project / "target"
    before = json.loads((out / "manifest.json").read_text())["metrics"]
    assert before["integrated_signups"]["depends_on"] == ["integration_points"]
    assert before["integrated_signups"]["sources"] == ["accounts", "api_calls"]
    assert before["signups_of_integrated"]["depends_on"] == ["server_errors"]
    sql = (out / "sql/duckdb/integrated_signups.sql").read_text()
    edit(project, "columns: [account_id, endpoint]}", "columns: [endpoint]}")
    edit(project, "filter: status_code >= 500", "filter: status_code >= 502")
    compile_project(project, dialects=("duckdb",))
    after = json.loads((out / "manifest.json").read_text())["metrics"]
    for name in ("integrated_signups", "signups_of_integrated"):
        assert before[name]["definition_hash"] != after[name]["definition_hash"], name
    fresh = (out / "sql/duckdb/integrated_signups.sql").read_text()
    assert fresh != sql and "COUNT(DISTINCT" in fresh
    assert ">= 502" in (out / "sql/duckdb/signups_of_integrated.sql").read_text()


# ------------------------------------------------------------------------------------------------
# Determinism


def test_two_compiles_are_byte_identical(project: Path, tmp_path: Path) -> None:
    compile_project(project, dialects=TWO)
    first = tree(project / "target")
    compile_project(project, tmp_path / "elsewhere", dialects=TWO)
    assert tree(tmp_path / "elsewhere") == first
    report = compile_project(project, dialects=TWO)
    assert report.written == [] and report.removed == []
    assert tree(project / "target") == first


def test_parallel_and_sequential_compiles_are_identical(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate_mod, "PARALLEL_MIN_FILES", 1)
    compile_project(project, tmp_path / "one", workers=1)
    compile_project(project, tmp_path / "two", workers=2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert len(tree(tmp_path / "two")) == len(NAMES) * 12 + 1


def test_output_does_not_depend_on_the_hash_seed_or_working_directory(
    project: Path, tmp_path: Path
) -> None:
    outs = []
    for seed, cwd in (("1", project), ("4242", tmp_path)):
        out = tmp_path / f"seed{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "NSMCODE_JOBS": "1"}
        command = [sys.executable, "-m", "nsmcode", "compile", "--project", str(project)]
        command += ["--out", str(out), "--dialect", "duckdb", "--dialect", "tsql"]
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        outs.append(tree(out))
    assert outs[0] == outs[1]
    assert len(outs[0]) == len(NAMES) * 2 + 1


# ------------------------------------------------------------------------------------------------
# The cache


def test_a_no_change_recompile_compiles_nothing_and_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compile_project(project, dialects=TWO)
    out = project / "target"
    before, stamps = tree(out), mtimes(out)
    fail_if_compiled(monkeypatch)
    report = compile_project(project, dialects=TWO)
    assert (report.generated, report.written, report.removed) == (0, [], [])
    assert tree(out) == before
    assert mtimes(out) == stamps


def test_a_changed_metric_recompiles_only_itself_and_its_dependents(
    project: Path, tmp_path: Path
) -> None:
    compile_project(project, dialects=TWO)
    out = project / "target"
    before, stamps = tree(out), mtimes(out)
    edit(  # same number of lines: the other definitions keep their line numbers
        project,
        "calculation: {type: count}\n    qualifiers: [production_only]\n",
        "calculation: {type: count}\n    qualifiers: [production_only, exclude_test_accounts]\n",
    )
    report = compile_project(project, dialects=TWO)
    touched = {"calls", "calls_wow", "error_rate"}
    assert report.generated == len(touched) * 2
    after = tree(out)
    changed = {rel for rel in after if after[rel] != before[rel]}
    assert changed == {"manifest.json"} | {f"sql/{d}/{n}.sql" for d in TWO for n in touched}
    assert sorted(report.written) == sorted(changed)
    unchanged = set(after) - changed
    assert all(mtimes(out)[rel] == stamps[rel] for rel in unchanged)  # not even rewritten
    # and the result is what a compile from scratch gives
    compile_project(project, tmp_path / "fresh", dialects=TWO)
    assert tree(tmp_path / "fresh") == after


def test_a_moved_definition_rewrites_headers_without_compiling(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    compile_project(project, dialects=TWO)
    edit(project, "  - name: signups", "  # signups come last\n  - name: signups")
    fail_if_compiled(monkeypatch)
    report = compile_project(project, dialects=TWO)
    assert report.generated == 0
    assert sorted(report.written) == [
        "manifest.json",
        "sql/duckdb/signups.sql",
        "sql/postgres/signups.sql",
    ]
    monkeypatch.undo()
    compile_project(project, tmp_path / "fresh", dialects=TWO)
    assert tree(tmp_path / "fresh") == tree(project / "target")


def test_a_hand_edited_output_file_is_restored(project: Path) -> None:
    compile_project(project, dialects=TWO)
    out = project / "target"
    original = (out / "sql/duckdb/calls.sql").read_bytes()
    (out / "sql/duckdb/calls.sql").write_bytes(original.replace(b"SELECT", b"SELECT 1 AS x,", 1))
    (out / "sql/postgres/signups.sql").unlink()
    report = compile_project(project, dialects=TWO)
    assert report.generated == 2
    assert (out / "sql/duckdb/calls.sql").read_bytes() == original
    assert (out / "sql/postgres/signups.sql").is_file()


def test_a_damaged_cache_costs_time_not_correctness(project: Path) -> None:
    compile_project(project, dialects=TWO)
    out = project / "target"
    before = tree(out)
    cache = out / ".nsmcode-cache" / "cache.json"
    good = json.loads(cache.read_text())
    cache.write_text('{"cache_version": 1, "files": [')
    report = compile_project(project, dialects=TWO)
    assert report.generated == len(NAMES) * 2
    assert report.written == []
    assert tree(out) == before
    # right shape, wrong content: entries that do not fit are ignored one by one
    good["metrics"] = {name: 5 for name in NAMES}
    good["files"] = "\n".join(
        f"{line.split()[0]} not-a-hash 1 2" for line in good["files"].split("\n")
    )
    good["manifest"] = ["x", 1, 2, 3, 4]
    cache.write_text(json.dumps(good))
    report = compile_project(project, dialects=TWO)
    assert report.generated == len(NAMES) * 2
    assert tree(out) == before


def test_the_cache_folder_keeps_itself_out_of_git(project: Path) -> None:
    compile_project(project, dialects=TWO)
    ignore = project / "target" / ".nsmcode-cache" / ".gitignore"
    assert ignore.read_text().splitlines()[-1] == "*"


def test_the_cache_fingerprints_code_that_exists() -> None:
    """A renamed module left in the list would be digested as "missing": edits to it would then
    reuse a stale cache."""
    import nsmcode
    from nsmcode.outputs import cache

    package = Path(nsmcode.__file__).parent
    assert [e for e in cache._FINGERPRINTED if not (package / e).exists()] == []


# ------------------------------------------------------------------------------------------------
# Failures leave the previous output alone


def test_a_compile_error_leaves_the_previous_output_intact(project: Path) -> None:
    compile_project(project, dialects=TWO)
    out = project / "target"
    before, stamps = tree(out), mtimes(out)
    edit(project, "filter: status_code >= 500", "filter: no_such_column >= 500")
    with pytest.raises(InputError) as caught:
        compile_project(project, dialects=TWO)
    found = caught.value.diagnostics
    assert found and all(d.code.startswith("C") for d in found)
    assert all(d.span is not None and d.span.file.endswith("metrics.yml") for d in found)
    assert tree(out) == before and mtimes(out) == stamps
    assert [p.name for p in project.iterdir() if p.name.startswith(".target")] == []


def test_an_error_for_one_dialect_writes_nothing_for_any(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nsmcode.compile as core

    real = core.compile_metric

    def flaky(project: Any, name: str, target: str, *args: Any) -> str:
        if (name, target) == ("signups", "postgres"):
            raise core.CompileError([Diagnostic("C040", "cannot", None)])
        return real(project, name, target, *args)

    monkeypatch.setattr(core, "compile_metric", flaky)
    with pytest.raises(InputError):
        compile_project(project, dialects=TWO, workers=1)
    assert not (project / "target").exists()
    assert [p.name for p in project.iterdir() if p.name.startswith(".target")] == []


# ------------------------------------------------------------------------------------------------
# Where compile refuses to write


@pytest.mark.parametrize(
    ("where", "code"),
    [(".", "C102"), ("..", "C102"), ("metrics", "C103"), ("metrics/metrics.yml", "C105")],
)
def test_dangerous_output_folders_are_refused(project: Path, where: str, code: str) -> None:
    before = {p: p.read_bytes() for p in project.parent.rglob("*") if p.is_file()}
    with pytest.raises(InputError) as caught:
        compile_project(project, project / where)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == code
    assert diagnostic.span is not None and diagnostic.hint
    assert {p: p.read_bytes() for p in project.parent.rglob("*") if p.is_file()} == before


def test_a_folder_holding_another_project_is_refused(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "nsmcode.yaml").write_text("version: 1\nname: other\n")
    with pytest.raises(InputError) as caught:
        compile_project(project, other)
    assert [d.code for d in caught.value.diagnostics] == ["C103"]
    assert sorted(p.name for p in other.iterdir()) == ["nsmcode.yaml"]


def test_files_compile_did_not_write_are_never_deleted_or_overwritten(project: Path) -> None:
    out = project / "target"
    (out / "sql" / "duckdb").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    (out / "sql" / "duckdb" / "calls.sql").write_text("-- my own query\n")
    with pytest.raises(InputError) as caught:
        compile_project(project, dialects=TWO)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "C104"
    assert "notes.txt" in diagnostic.message and "sql/duckdb/calls.sql" in diagnostic.message
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "sql" / "duckdb" / "calls.sql").read_text() == "-- my own query\n"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "sql"]


def test_another_tools_manifest_is_not_mistaken_for_ours(project: Path) -> None:
    out = project / "target"  # dbt's default output folder, too
    out.mkdir()
    (out / "manifest.json").write_text('{"metadata": {"dbt_version": "1.8.0"}, "nodes": {}}\n')
    with pytest.raises(InputError) as caught:
        compile_project(project, dialects=TWO)
    assert [d.code for d in caught.value.diagnostics] == ["C104"]
    assert "dbt_version" in (out / "manifest.json").read_text()


def test_files_of_a_removed_metric_or_dialect_are_deleted_even_without_the_cache(
    project: Path,
) -> None:
    out = project / "target"
    compile_project(project, dialects=TWO)
    edit(project, "  - name: signups", "  - name: new_signups")
    report = compile_project(project, dialects=TWO)
    assert report.removed == ["sql/duckdb/signups.sql", "sql/postgres/signups.sql"]
    assert not (out / "sql/duckdb/signups.sql").exists()
    # ownership also comes from the manifest: a lost cache still lets compile tidy up
    import shutil

    shutil.rmtree(out / ".nsmcode-cache")
    report = compile_project(project, dialects=("duckdb",))
    assert report.removed == [f"sql/postgres/{n}.sql" for n in sorted([*NAMES[:-1], "new_signups"])]
    assert not (out / "sql" / "postgres").exists()
    assert sorted(tree(out)) == ["manifest.json"] + [
        f"sql/duckdb/{n}.sql" for n in sorted([*NAMES[:-1], "new_signups"])
    ]


SAVED = """\
saved_queries:
  - name: weekly_review
    metrics: [integration_points, calls]
    grain: week
  - name: error_watch
    metrics: [error_rate]
"""


def test_saved_query_files_are_owned_like_metric_files_even_without_the_cache(
    write_project: WriteProject,
) -> None:
    """A renamed saved query's old files are removed, and a fresh clone of a committed output
    folder (the cache is git-ignored) is recompiled, not refused as someone else's (C104)."""
    import shutil

    project = write_project(
        {"metrics/sources.yml": SOURCES, "metrics/metrics.yml": METRICS, "metrics/saved.yml": SAVED}
    )
    out = project / "target"
    compile_project(project, dialects=TWO)
    listed = json.loads((out / "manifest.json").read_text())["saved_queries"]
    assert listed["weekly_review"]["sql"]["postgres"] == {
        "hash": _sha((out / "sql/postgres/saved/weekly_review.sql").read_text()),
        "path": "sql/postgres/saved/weekly_review.sql",
    }
    saved = project / "metrics" / "saved.yml"
    saved.write_text(saved.read_text().replace("name: error_watch", "name: error_trend"))
    report = compile_project(project, dialects=TWO)
    assert report.removed == [f"sql/{d}/saved/error_watch.sql" for d in TWO]
    assert sorted(json.loads((out / "manifest.json").read_text())["saved_queries"]) == [
        "error_trend",
        "weekly_review",
    ]
    shutil.rmtree(out / ".nsmcode-cache")
    saved.write_text(saved.read_text().replace("name: error_trend", "name: errors"))
    report = compile_project(project, dialects=("duckdb",))
    assert sorted(p for p in tree(out) if "/saved/" in p) == [
        "sql/duckdb/saved/errors.sql",
        "sql/duckdb/saved/weekly_review.sql",
    ]
    # removing the last saved query still rewrites the manifest (its key lists their names)
    saved.write_text("saved_queries: []\n")
    compile_project(project, dialects=("duckdb",))
    assert "saved_queries" not in json.loads((out / "manifest.json").read_text())
    assert not any("/saved/" in p for p in tree(out))


def test_metric_names_differing_only_in_case_are_refused(write_project: WriteProject) -> None:
    twins = METRICS + "  - name: Calls\n    source: api_calls\n    calculation: {type: count}\n"
    root = write_project({"metrics/sources.yml": SOURCES, "metrics/metrics.yml": twins})
    with pytest.raises(InputError) as caught:
        compile_project(root, dialects=("duckdb",))
    assert [d.code for d in caught.value.diagnostics] == ["C101"]
    assert not (root / "target").exists()


# ------------------------------------------------------------------------------------------------
# --check


def test_check_reports_missing_changed_and_stale_files_and_writes_nothing(project: Path) -> None:
    out = project / "target"
    compile_project(project, dialects=TWO)
    clean = compile_project(project, dialects=TWO, check=True)
    assert not clean.drift
    (out / "sql/duckdb/calls.sql").write_text("-- edited\n")
    (out / "sql/postgres/signups.sql").unlink()
    (out / "sql/postgres/old_metric.sql").write_text("-- left over\n")
    snapshot, stamps = tree(out), mtimes(out)
    report = compile_project(project, dialects=TWO, check=True)
    assert report.changed == ["sql/duckdb/calls.sql"]
    assert report.missing == ["sql/postgres/signups.sql"]
    assert report.stale == ["sql/postgres/old_metric.sql"]
    assert tree(out) == snapshot and mtimes(out) == stamps


def test_check_sees_a_definition_change_and_a_missing_output(project: Path, tmp_path: Path) -> None:
    compile_project(project, dialects=TWO)
    edit(project, "filter: status_code >= 500", "filter: status_code >= 400")
    report = compile_project(project, dialects=TWO, check=True)
    assert report.changed == ["manifest.json"] + [
        f"sql/{d}/{n}.sql" for d in TWO for n in ("error_rate", "server_errors")
    ]
    nothing = compile_project(project, tmp_path / "none", dialects=TWO, check=True)
    assert len(nothing.missing) == len(NAMES) * 2 + 1
    assert not (tmp_path / "none").exists()


# ------------------------------------------------------------------------------------------------
# The parse cache


def test_cached_documents_are_rebuilt_exactly(project: Path) -> None:
    from nsmcode.outputs.cache import ParseCache
    from nsmcode.project import load_project

    cold = ParseCache({})
    first = load_project(project, parser=cold.parse)
    assert cold.misses == 2 and len(cold.new) == 2
    warm = ParseCache(json.loads(json.dumps(cold.new)))
    second = load_project(project, parser=warm.parse)
    assert warm.misses == 0
    assert second.metrics == first.metrics and second.sources == first.sources
    for key, where in first.locations.items():
        again = second.locations[key].doc
        assert again.value == where.doc.value
        for path in where.doc.marks:
            assert again.span(path) == where.doc.span(path)
        for path in where.doc.key_marks:
            assert again.span(path, key=True) == where.doc.span(path, key=True)


def test_errors_in_an_unchanged_file_are_located_as_without_the_cache(project: Path) -> None:
    from nsmcode.project import load_project

    compile_project(project, dialects=("duckdb",))
    sources = project / "metrics" / "sources.yml"
    sources.write_text(sources.read_text().replace("name: api_calls", "name: calls_table"))
    with pytest.raises(InputError) as uncached:
        load_project(project)
    with pytest.raises(InputError) as cached:
        compile_project(project, dialects=("duckdb",))
    assert cached.value.diagnostics == uncached.value.diagnostics
    assert any(d.span and d.span.file.endswith("metrics.yml") for d in cached.value.diagnostics)


def test_a_parse_cache_copied_from_elsewhere_is_not_trusted(project: Path) -> None:
    from nsmcode.outputs.cache import ParseCache
    from nsmcode.project import load_project

    cold = ParseCache({})
    load_project(project, parser=cold.parse)
    forged = json.loads(json.dumps(cold.new))
    for entry in forged.values():
        entry["stat"][1] += 1  # another machine's checkout: other mtimes
        if "metrics" in entry["value"]:
            entry["value"]["metrics"][0]["name"] = "forged"
    warm = ParseCache(forged)
    loaded = load_project(project, parser=warm.parse)
    assert warm.misses == 2 and "forged" not in loaded.metrics


def test_the_fast_manifest_writer_prints_exactly_the_manifest_data(project: Path) -> None:
    from nsmcode.outputs import manifest
    from nsmcode.outputs.plan import metric_facts, saved_sql_path, sql_path
    from nsmcode.project import load_project

    facts = metric_facts(load_project(project))
    for dialects in ([], ["tsql", "duckdb"]):
        hashes = {
            sql_path(d, n): hashlib.sha256(n.encode()).hexdigest() for n in facts for d in dialects
        }
        saved = ("b_review", "a_watch")
        hashes |= {saved_sql_path(d, n): _sha(n) for n in saved for d in dialects}
        for chosen in (facts, {}):
            for queries in ((), saved):
                data = manifest.build('p "q" é', dialects, chosen, hashes, queries)
                text = manifest.text('p "q" é', dialects, chosen, hashes, queries)
                assert text == manifest.dumps(data)
                assert json.loads(text) == data
                assert ("saved_queries" in data) == bool(queries)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_hand_edited_manifest_is_reported_and_restored(project: Path) -> None:
    compile_project(project, dialects=TWO)
    manifest = project / "target" / "manifest.json"
    original = manifest.read_bytes()
    manifest.write_bytes(original.replace(b'"role": "guardrail"', b'"role": "north_star"'))
    assert compile_project(project, dialects=TWO, check=True).changed == ["manifest.json"]
    report = compile_project(project, dialects=TWO)
    assert (report.generated, report.written) == (0, ["manifest.json"])
    assert manifest.read_bytes() == original
