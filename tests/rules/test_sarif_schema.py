"""`nsmcode validate --format sarif` produces valid SARIF 2.1.0.

sarif-schema-2.1.0.json beside this file is the OASIS SARIF 2.1.0 (errata 01) JSON schema,
vendored verbatim from oasis-tcs/sarif-spec (Schemata/sarif-schema-2.1.0.json) because tests
cannot download it; its digest is pinned below so an accidental edit fails loudly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from casetools import build
from click.testing import CliRunner

from nsmcode.cli import main

SCHEMA_FILE = Path(__file__).parent / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"

FINDINGS = """\
metrics:
  - name: monthly_billings
    role: north_star
    source: invoices
    calculation: {type: sum, column: amount}
okrs:
  - name: adoption
    objective: More teams in production
    period: 2026-Q4
    key_results:
      - {metric: weekly_active_acounts, baseline: 1, target: 0, direction: increase}
"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _sarif(root: Path, expected_exit: int) -> Any:
    result = CliRunner().invoke(main, ["validate", "--project", str(root), "--format", "sarif"])
    assert result.exit_code == expected_exit, result.output
    return json.loads(result.stdout)


def _errors(validator: jsonschema.Draft4Validator, document: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_schema_rejects_an_invalid_log(validator: jsonschema.Draft4Validator) -> None:
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "x"}]}]}
    assert len(_errors(validator, bad)) >= 3  # driver.name, result.message, level enum


def test_sarif_with_findings_is_valid(
    validator: jsonschema.Draft4Validator, tmp_path: Path
) -> None:
    document = _sarif(build(tmp_path / "p", {"metrics/m.yaml": FINDINGS}), 1)
    assert not _errors(validator, document)
    results = document["runs"][0]["results"]
    assert {"NSM002", "NSM020"} <= {r["ruleId"] for r in results}
    assert all(r["partialFingerprints"]["nsmcode/v1"] for r in results)


def test_sarif_of_the_example_is_valid(validator: jsonschema.Draft4Validator) -> None:
    document = _sarif(EXAMPLE, 0)
    assert not _errors(validator, document)
    assert len(document["runs"][0]["tool"]["driver"]["rules"]) >= 25


def test_sarif_of_an_input_error_is_valid(
    validator: jsonschema.Draft4Validator, tmp_path: Path
) -> None:
    root = build(tmp_path / "p", {"metrics/m.yaml": "metrics: [{name: x}]\n"}, common=False)
    document = _sarif(root, 2)
    assert not _errors(validator, document)
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": False}]
