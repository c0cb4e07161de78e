"""SQL injection: every attack in sql_attacks.txt, in every field that takes SQL, is refused by
`nsmcode compile` with a diagnostic at that field, and nothing is written.

The fields: a qualifier's `condition`, a metric's `filter`, a derived metric's `expression`, a
source's `select` and a source's `table`. Each case is a small project with the attack in one
field (written as a one-line double-quoted YAML string, so the field's line is known). `validate`
does not check SQL (the compiler does), so it is only required not to crash on them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_kit import LINE, SQL_FIELDS, definitions, sql_corpus

from nsmcode.cli import main

FIELDS = SQL_FIELDS


def cases() -> list[tuple[str, str]]:
    return [
        (field, attack.text)
        for attack in sql_corpus()
        for field in FIELDS
        if attack.in_select or field != "select"
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sql") / "project"
    (root / "definitions").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text(
        "version: 1\nname: attacks\npaths: [definitions]\ntargets: [duckdb, postgres]\n"
    )
    return root


def test_the_corpus_is_large_and_the_safe_project_compiles(
    project: Path, tmp_path: Path, runner: CliRunner
) -> None:
    assert len(sql_corpus()) >= 40
    (project / "definitions" / "all.yaml").write_text(definitions())
    result = runner.invoke(main, ["compile", "--project", str(project), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sql" / "duckdb" / "calls_per_signup.sql").is_file()


@pytest.mark.parametrize(("field", "attack"), cases())
def test_every_attack_is_refused_in_every_field(
    field: str, attack: str, project: Path, tmp_path: Path, runner: CliRunner
) -> None:
    (project / "definitions" / "all.yaml").write_text(definitions(**{field: attack}))
    out = tmp_path / "target"
    result = runner.invoke(main, ["compile", "--project", str(project), "--out", str(out)])
    assert result.exit_code == 2, f"{field}: {attack!r} was accepted:\n{result.output}"
    assert isinstance(result.exception, SystemExit), result.output
    located = re.findall(r"^(\S+all\.yaml):(\d+):(\d+): ([A-Z]\d+) ", result.output, re.M)
    assert located, result.output
    lines = {int(line) for _, line, _, _ in located}
    assert LINE[field] in lines, f"no diagnostic at the {field} (line {LINE[field]}):\n" + (
        result.output
    )
    assert not out.exists(), "a refused compile wrote output"
    check = runner.invoke(main, ["validate", "--project", str(project)])
    assert check.exit_code in (0, 1, 2), check.output
    assert isinstance(check.exception, SystemExit) or check.exception is None, check.output


@pytest.mark.parametrize(
    ("field", "text", "refused"),
    [
        ("table", "nsm_bounds", True),
        ("table", "NSM_periods", True),
        ("table", "raw.nsm_bounds", False),
        ("select", "SELECT account_id, created_at, is_test FROM nsm_rows_api_calls", True),
        ("select", "SELECT account_id, created_at, is_test FROM raw.nsm_periods", False),
        ("table", '"my schema"."Weird Table"', False),
        ("table", "analytics.order", False),
        ("table", "catalog.schema.table.extra", True),
        ("table", '"/etc/passwd"', True),
        ("table", '"data.csv"', True),
        ("table", "read_csv('/etc/passwd')", True),
        ("select", "SELECT * FROM '/etc/passwd'", True),
        ("select", "SELECT * FROM read_parquet('s3://bucket/x.parquet')", True),
        ("select", "SELECT * FROM accounts FOR UPDATE", True),
    ],
)
def test_table_names_cannot_reach_the_compilers_own_parts_or_files(
    field: str, text: str, refused: bool, project: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """An unqualified table named like the compiler's CTEs (nsm_...) would silently read the CTE;
    a quoted name that is a path, or a table function, would read a file (DuckDB)."""
    (project / "definitions" / "all.yaml").write_text(definitions(**{field: text}))
    result = runner.invoke(main, ["compile", "--project", str(project), "--out", str(tmp_path)])
    assert result.exit_code == (2 if refused else 0), result.output
    if refused:
        assert f"all.yaml:{LINE[field]}:" in result.output, result.output
