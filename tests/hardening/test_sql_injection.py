"""SQL injection: every attack in sql_attacks.txt, in every field that takes SQL, is refused by
`nsmcode compile` with a diagnostic at that field, and nothing is written.

The fields: a qualifier's `condition`, a metric's `filter`, a derived metric's `expression`, a
source's `select` and a source's `table`. Each case is a small project with the attack in one
field (written as a one-line double-quoted YAML string, so the field's line is known). `validate`
does not check SQL (the compiler does), so it is only required not to crash on them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_kit import sql_corpus

from nsmcode.cli import main

FIELDS = ("condition", "filter", "expression", "select", "table")

TEMPLATE = """\
sources:
  - name: api_calls
    table: {table}
    time_column: called_at
    entities: [{{name: account, column: account_id}}]
    columns:
      - {{name: account_id, type: string}}
      - {{name: called_at, type: timestamp}}
      - {{name: environment, type: string}}
      - {{name: status_code, type: integer}}
    joins: [{{source: accounts, column: account_id}}]
  - name: accounts
    select: {select}
    time_column: created_at
    columns:
      - {{name: account_id, type: string}}
      - {{name: created_at, type: timestamp}}
      - {{name: is_test, type: boolean}}
qualifiers:
  - name: production_only
    condition: {condition}
    reason: sandbox calls are not usage
metrics:
  - name: production_calls
    source: api_calls
    calculation: {{type: count}}
    qualifiers: [production_only]
    filter: {filter}
    grain: week
  - name: signups
    source: accounts
    calculation: {{type: count}}
    grain: week
  - name: calls_per_signup
    calculation: {{type: derived, expression: {expression}}}
    grain: week
"""

SAFE = {
    "table": "analytics.api_calls",
    "select": "SELECT account_id, created_at, is_test FROM raw.accounts WHERE NOT is_test",
    "condition": "environment = 'production'",
    "filter": "status_code < 500",
    "expression": "production_calls / signups",
}
LINE = {
    field: next(i + 1 for i, line in enumerate(TEMPLATE.splitlines()) if f"{{{field}}}" in line)
    for field in FIELDS
}


def definitions(**fields: str) -> str:
    values = {k: json.dumps(fields.get(k, v)) for k, v in SAFE.items()}
    return TEMPLATE.format(**values)


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
