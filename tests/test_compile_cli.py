"""`nsmcode compile`: what users and CI see, and the exit codes they act on."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main

WriteProject = Callable[..., Path]  # the `write_project` fixture of conftest.py
REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "metrics"

PROJECT = """\
version: 1
name: cli-test
paths: [metrics]
targets: [duckdb, sqlite]
"""

DEFINITIONS = """\
sources:
  - name: api_calls
    table: app.api_calls
    time_column: called_at
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: called_at, type: timestamp}
      - {name: environment, type: string, semantic: environment}
      - {name: status_code, type: integer}

qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: Sandbox traffic is not value delivered.

metrics:
  - name: active_accounts
    role: north_star
    source: api_calls
    calculation: {type: count_distinct, columns: [account_id]}
    qualifiers: [production_only]
    grain: week
  - name: calls
    source: api_calls
    calculation: {type: count}
    grain: week
  - name: calls_per_account
    calculation: {type: derived, expression: calls / active_accounts}
    grain: week
"""

FILES = ["active_accounts", "calls", "calls_per_account"]


@pytest.fixture
def project(write_project: WriteProject) -> Path:
    return write_project({"metrics/all.yml": DEFINITIONS}, PROJECT)


def run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["compile", "--project", str(project), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_compile_writes_the_project_targets_into_target_by_default(
    runner: CliRunner, project: Path
) -> None:
    code, output = run(runner, project)
    assert code == 0, output
    assert "3 metrics x 2 dialects" in output and "7 files written" in output
    out = project / "target"
    assert sorted(p.name for p in (out / "sql").iterdir()) == ["duckdb", "sqlite"]
    assert sorted(p.stem for p in (out / "sql" / "sqlite").iterdir()) == FILES
    code, output = run(runner, project)
    assert (code, "is up to date") == (0, "is up to date") and "is up to date" in output


def test_dialect_and_out_options(runner: CliRunner, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "compiled"
    code, output = run(
        runner, project, "--dialect", "tsql", "--dialect", "bigquery", "--out", str(out)
    )
    assert code == 0, output
    assert sorted(p.name for p in (out / "sql").iterdir()) == ["bigquery", "tsql"]
    assert not (project / "target").exists()
    code, output = run(runner, project, "--dialect", "oracle")
    assert code == 2 and "oracle" in output


def test_check_is_the_ci_drift_check(runner: CliRunner, project: Path) -> None:
    out = project / "target"
    code, output = run(runner, project, "--check")
    assert code == 1 and "missing" in output and "target/manifest.json" in output
    assert not out.exists()
    assert run(runner, project)[0] == 0
    code, output = run(runner, project, "--check")
    assert code == 0 and "up to date" in output
    (out / "sql" / "duckdb" / "calls.sql").write_text("-- edited by hand\n")
    (out / "sql" / "sqlite" / "calls.sql").unlink()
    (out / "sql" / "sqlite" / "retired_metric.sql").write_text("-- gone\n")
    code, output = run(runner, project, "--check")
    assert code == 1
    assert re.search(r"changed +\S*target/sql/duckdb/calls\.sql", output)
    assert re.search(r"missing +\S*target/sql/sqlite/calls\.sql", output)
    assert re.search(r"stale +\S*target/sql/sqlite/retired_metric\.sql", output)
    assert "nsmcode compile" in output
    assert (out / "sql" / "duckdb" / "calls.sql").read_text() == "-- edited by hand\n"


def test_check_fails_when_a_definition_changed_since_the_commit(
    runner: CliRunner, project: Path
) -> None:
    assert run(runner, project)[0] == 0
    definitions = project / "metrics" / "all.yml"
    definitions.write_text(definitions.read_text().replace("'production'", "'prod'"))
    code, output = run(runner, project, "--check")
    assert code == 1
    assert re.search(r"changed +\S*target/sql/duckdb/active_accounts\.sql", output)
    assert "calls.sql" not in output.replace("calls_per_account.sql", "")


def test_a_compile_error_is_located_exits_2_and_writes_nothing(
    runner: CliRunner, project: Path
) -> None:
    assert run(runner, project)[0] == 0
    before = {p: p.read_bytes() for p in (project / "target").rglob("*") if p.is_file()}
    definitions = project / "metrics" / "all.yml"
    definitions.write_text(definitions.read_text().replace("environment = ", "enviroment = "))
    code, output = run(runner, project)
    assert code == 2
    assert "metrics/all.yml:" in output and "C01" in output
    assert "nothing was written" in output
    after = {p: p.read_bytes() for p in (project / "target").rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(("where", "code"), [(".", "C102"), ("metrics", "C103")])
def test_a_dangerous_output_folder_is_refused(
    runner: CliRunner, project: Path, where: str, code: str
) -> None:
    exit_code, output = run(runner, project, "--out", str(project / where))
    assert exit_code == 2 and f" {code} " in output and "hint:" in output
    assert sorted(p.name for p in project.iterdir()) == ["metrics", "nsmcode.yaml"]


def test_foreign_files_are_named_and_kept(runner: CliRunner, project: Path) -> None:
    (project / "target").mkdir()
    (project / "target" / "README.md").write_text("hands off\n")
    code, output = run(runner, project)
    assert code == 2 and "C104" in output and "README.md" in output
    assert sorted(p.name for p in (project / "target").iterdir()) == ["README.md"]


def test_the_dialect_list_matches_the_models() -> None:
    from nsmcode.commands.compile import DIALECTS
    from nsmcode.models import DIALECTS as MODEL_DIALECTS

    assert DIALECTS == MODEL_DIALECTS


def test_the_command_module_stays_light_to_import() -> None:
    code = (
        "import sys, nsmcode.commands.compile; "
        "heavy = [m for m in ('sqlglot', 'pydantic', 'nsmcode.outputs') if m in sys.modules]; "
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.skipif(not (EXAMPLE / "nsmcode.yaml").is_file(), reason="example project missing")
def test_the_example_project_compiles_for_every_dialect(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "example-target"
    result = runner.invoke(main, ["compile", "--project", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(list((out / "sql").iterdir())) == 12
    result = runner.invoke(
        main, ["compile", "--project", str(EXAMPLE), "--out", str(out), "--check"]
    )
    assert result.exit_code == 0, result.output
