"""`-v` shows more on every command, on stderr only: the project file and how it was found, files
read, the connection and its SQL dialect, queries run, cache hits, step timings. The result on
stdout is the same, byte for byte. (Timing values are never asserted, only that they are shown.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nsmcode.cli import main
from tests.conftest import EXAMPLE, REPO

PROJECT = ["--project", str(EXAMPLE)]
TIME = r"\(\d+\.\d\d s\)"


def both(runner: CliRunner, args: list[str], code: int = 0) -> tuple[Result, str]:
    """Run plainly and with -v after the subcommand; return the plain run and the verbose
    stderr, after checking that -v changed nothing on stdout and only added lines to stderr."""
    plain = runner.invoke(main, args)
    loud = runner.invoke(main, [*args, "-v"])
    assert plain.exit_code == loud.exit_code == code, loud.output
    assert loud.stdout == plain.stdout
    extra = loud.stderr
    for line in plain.stderr.splitlines():  # everything the plain run said is still said
        assert line in extra
    assert extra != plain.stderr
    assert re.match(r"nsmcode \S+ \(Python \d+\.\d+", extra), extra  # what ran, for a report
    assert re.search(r"^done in \d+\.\d\d s$", extra, re.M), extra
    return plain, extra


def read_example(extra: str, how: str = "named by --project") -> None:
    assert f"project: {EXAMPLE / 'nsmcode.yaml'} ({how})" in extra
    assert re.search(r"read \S*nsmcode.yaml and 14 definition files in \d+\.\d\d s", extra), extra
    assert re.search(r"^  \S*definitions/north_star.yaml$", extra, re.M)  # each file read


def ran_on_duckdb(extra: str) -> None:
    opened = extra.count("connection 'local': duckdb, SQL in the duckdb dialect")
    assert opened == 1, extra  # opened once per command
    assert re.search(r"ran \d+ lines? of duckdb SQL on 'local'.*: \d+ rows? in \d", extra), extra


def test_validate(runner: CliRunner) -> None:
    _, extra = both(runner, ["validate", *PROJECT])
    read_example(extra)
    assert re.search(rf"checked \d+ rules {TIME}", extra)
    assert re.search(rf"compiled every metric for duckdb, \w.* {TIME}", extra)


def test_validate_found_upward(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE / "definitions" / "kpis")
    _, extra = both(runner, ["validate"])
    read_example(extra, f"found looking upward from {EXAMPLE / 'definitions' / 'kpis'}")


def test_project_from_the_environment(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NSMCODE_PROJECT", str(EXAMPLE))
    _, extra = both(runner, ["list", "metrics"])
    read_example(extra, "named by NSMCODE_PROJECT")


def test_no_project_found_says_where_it_looked(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _, extra = both(runner, ["list", "metrics"], code=2)
    assert f"project: no nsmcode.yaml in {tmp_path.resolve()} or any folder above it" in extra


def test_compile_says_dialects_and_cache_hits(runner: CliRunner, tmp_path: Path) -> None:
    out = ["compile", *PROJECT, "--out", str(tmp_path / "target"), "--dialect", "duckdb"]
    first = runner.invoke(main, ["-v", *out])
    assert first.exit_code == 0, first.output
    assert "compile cache" in first.stderr and "0 YAML files reused" in first.stderr
    assert "SQL files, " in first.stderr and " compiled this run, 0 from the cache" in first.stderr
    assert "wrote   sql/duckdb/" in first.stderr  # files written
    _, extra = both(runner, out)  # unchanged: everything from the cache
    read_example(extra)
    hits = re.search(r"compile cache \S+: (\d+) YAML files? reused, (\d+) parsed", extra)
    assert hits is not None, extra
    assert int(hits[1]) > 0 and int(hits[1]) + int(hits[2]) == 14
    assert "dialects: duckdb; " in extra and " 0 compiled this run, " in extra


def test_query(runner: CliRunner) -> None:
    _, extra = both(runner, ["query", "weekly_signups", *PROJECT, "--since", "2026-09-01"])
    read_example(extra)
    ran_on_duckdb(extra)
    assert re.search(r"ran \d+ lines? of duckdb SQL on 'local' into Arrow: \d+ rows", extra)


def test_list(runner: CliRunner) -> None:
    _, extra = both(runner, ["list", "dimensions", *PROJECT, "--format", "json"])
    read_example(extra)


def test_values(runner: CliRunner) -> None:
    _, extra = both(runner, ["values", "plan", *PROJECT])
    read_example(extra)
    ran_on_duckdb(extra)


@pytest.mark.parametrize("kind", ["okr", "kpi"])
def test_status(runner: CliRunner, kind: str) -> None:
    _, extra = both(runner, [kind, "status", *PROJECT])
    read_example(extra)
    ran_on_duckdb(extra)
    assert re.search(rf"computing status 1/\d+: .* {TIME}", extra), extra


def test_analyze(runner: CliRunner) -> None:
    _, extra = both(runner, ["analyze", *PROJECT])
    read_example(extra)
    ran_on_duckdb(extra)
    assert re.search(rf"analyzing 3/5: lagged correlations .* {TIME}", extra), extra
    assert "north star weekly_active_integration_points against outcome weekly_revenue" in extra


def test_docs_build(runner: CliRunner, tmp_path: Path) -> None:
    _, extra = both(runner, ["docs", "build", *PROJECT, "--out", str(tmp_path / "site")])
    read_example(extra)
    assert re.search(rf"built the site {TIME}", extra), extra
    assert re.search(rf"wrote \d+ files into {re.escape(str(tmp_path / 'site'))}", extra), extra


def test_docs_build_with_data(runner: CliRunner, tmp_path: Path) -> None:
    site = ["docs", "build", *PROJECT, "--out", str(tmp_path / "site"), "--with-data"]
    _, extra = both(runner, site)
    ran_on_duckdb(extra)  # the data, the analysis, funnels, retention: all on one connection
    assert re.search(rf"querying data 1/\d+: .* {TIME}", extra), extra


def test_import_dbt(runner: CliRunner) -> None:
    dbt = REPO / "tests" / "dbt" / "fixtures" / "shop" / "models" / "marts" / "customers.yml"
    _, extra = both(runner, ["import", "dbt", str(dbt), "--dry-run"])
    assert re.search(r"read 1 dbt file: \S*shop/models/marts/customers.yml", extra)


def test_init(runner: CliRunner, tmp_path: Path) -> None:
    plain = runner.invoke(main, ["init", str(tmp_path / "a")])
    loud = runner.invoke(main, ["init", str(tmp_path / "a2"), "--name", "a", "-v"])
    assert plain.exit_code == loud.exit_code == 0
    assert loud.stdout == plain.stdout.replace(str(tmp_path / "a"), str(tmp_path / "a2"))
    assert f"starter project 'a' (--name) in {tmp_path / 'a2'}" in loud.stderr
    assert "starter project" not in plain.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], r"\d+ rules in the default pack: \d+ error, \d+ info, \d+ warning"),
        (["NSM002"], r"rule NSM002 \([\w.-]+\), severity (error|warning|info)"),
    ],
)
def test_rules(runner: CliRunner, args: list[str], said: str) -> None:
    _, extra = both(runner, ["rules", *args])
    assert re.search(said, extra), extra


def test_schema(runner: CliRunner) -> None:
    _, extra = both(runner, ["schema"])
    assert re.search(r"JSON Schema of definitions files: \d+ lines", extra), extra


def test_schema_write(runner: CliRunner, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(EXAMPLE, tmp_path / "p", ignore=shutil.ignore_patterns("data", "target"))
    _, extra = both(runner, ["schema", "--write", "--project", str(tmp_path / "p")])
    assert f"project: {tmp_path / 'p' / 'nsmcode.yaml'} (named by --project)" in extra


def test_lsp_logs_the_server_on_stderr() -> None:
    """The protocol owns stdout; -v shows the server's own log on stderr (an editor's panel)."""
    pytest.importorskip("pygls")
    run = [sys.executable, "-m", "nsmcode", "lsp"]
    plain = subprocess.run(run, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    loud = subprocess.run([*run, "-v"], stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert plain.returncode == loud.returncode == 0
    assert plain.stdout == loud.stdout == ""
    assert "language server on stdio" in loud.stderr
    assert "lsp: Starting" in loud.stderr and "lsp:" not in plain.stderr


def test_quiet_hides_the_detail(runner: CliRunner) -> None:
    result = runner.invoke(main, ["-q", "validate", *PROJECT])
    assert "project:" not in result.stderr and "done in" not in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "connection 'local': duckdb, SQL in the duckdb dialect (not connected: --explain)"),
        (
            ["--connection", "spark"],
            "connection 'spark': spark, SQL in the spark dialect (not connected: --explain)",
        ),
    ],
)
def test_query_explain_names_the_dialect_and_connection(
    runner: CliRunner, args: list[str], said: str
) -> None:
    plain, extra = both(runner, ["query", "weekly_signups", *PROJECT, "--explain", *args])
    read_example(extra)
    assert said in extra, extra
    assert "ran " not in extra  # nothing ran
    assert plain.stdout.startswith(("WITH", "SELECT"))


def test_saved_query_explain_names_the_dialect(runner: CliRunner) -> None:
    saved = ["query", "--saved", "weekly_exec_review", *PROJECT, "--explain"]
    _, extra = both(runner, saved)
    assert "connection 'local': duckdb, SQL in the duckdb dialect (not connected" in extra, extra
