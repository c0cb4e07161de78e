"""Same bytes every time: `validate --format json`, `compile` and `docs build` give byte-identical
output across runs, PYTHONHASHSEED values (separate processes) and file-system order (the
definition files created in opposite orders, in differently named folders).

The example project is used, compiling to three dialects rather than twelve to keep the test
quick (every dialect's determinism is the same code path).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hardening_kit import REPO, example_files, mutate, snapshot, with_target

from nsmcode.cli import main

TARGETS = "[duckdb, snowflake, tsql]"


def _project(where: Path, *, reverse: bool) -> Path:
    """The example in `where`, its files created in sorted or reverse order."""
    files = with_target(example_files(), "duckdb")
    files["nsmcode.yaml"] = files["nsmcode.yaml"].replace(
        b"targets: [duckdb]", f"targets: {TARGETS}".encode()
    )
    for rel in sorted(files, reverse=reverse):
        path = where / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])
    return where


def _outputs(validate: bytes, out: Path) -> dict[str, bytes | None]:
    tree = {f"compile/{k}": v for k, v in snapshot(out / "target").items()}
    tree |= {f"site/{k}": v for k, v in snapshot(out / "site").items()}
    tree["validate.json"] = validate
    return {k: v for k, v in tree.items() if not k.startswith("compile/.nsmcode-cache")}


def _run_in_process(root: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(root)
    runner = CliRunner()
    validate = runner.invoke(main, ["validate", "--format", "json"])
    assert validate.exit_code in (0, 1), validate.output
    for args in (
        ["compile", "--out", str(out / "target")],
        ["docs", "build", "--out", str(out / "site")],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    return _outputs(validate.stdout_bytes, out)


def _run_in_subprocess(root: Path, out: Path, seed: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1", "NSMCODE_JOBS": "2"}
    env.pop("NSMCODE_DEBUG", None)
    command = [sys.executable, "-c", _SCRIPT, str(out)]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return _outputs((out / "validate.json").read_bytes(), out)


_SCRIPT = """
import sys
from pathlib import Path
from typing import Any
from click.testing import CliRunner
from nsmcode.cli import main
out = Path(sys.argv[1])
runner = CliRunner()
result = runner.invoke(main, ["validate", "--format", "json"])
assert result.exit_code in (0, 1), result.output
(out).mkdir(parents=True, exist_ok=True)
(out / "validate.json").write_bytes(result.stdout_bytes)
for args in (
    ["compile", "--out", str(out / "target")],
    ["docs", "build", "--out", str(out / "site")],
):
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
"""


def _diff(a: dict[str, Any], b: dict[str, Any]) -> str:
    names = sorted(set(a) ^ set(b)) + sorted(k for k in set(a) & set(b) if a[k] != b[k])
    return ", ".join(names[:10])


@pytest.mark.slow
def test_output_is_byte_identical_across_processes_hash_seeds_and_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _project(tmp_path / "a" / "relay", reverse=False)
    second = _project(tmp_path / "another-place" / "x", reverse=True)
    runs = {
        "in-process": _run_in_process(first, tmp_path / "out0", monkeypatch),
        "seed 0, reversed files": _run_in_subprocess(second, tmp_path / "out1", "0"),
        "seed 4242": _run_in_subprocess(first, tmp_path / "out2", "4242"),
    }
    baseline = runs["in-process"]
    assert any(k.startswith("compile/sql/") for k in baseline)
    assert any(k.startswith("site/metrics/") for k in baseline)
    for name, files in runs.items():
        assert files == baseline, f"{name} differs: {_diff(files, baseline)}"


def test_a_second_run_in_place_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "relay", reverse=False)
    first = _run_in_process(root, tmp_path / "out", monkeypatch)
    again = _run_in_process(root, tmp_path / "out", monkeypatch)
    assert again == first, _diff(again, first)


def test_the_repository_is_where_the_kit_says() -> None:
    assert (REPO / "examples" / "metrics" / "nsmcode.yaml").is_file()


@pytest.mark.parametrize("fmt", ["json", "text", "sarif"])
def test_errors_and_findings_are_reported_in_one_order(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken project (errors in several files) reports the same bytes whatever the order its
    files were created in and wherever it lives."""
    files = mutate(random.Random(7), example_files(), count=4)[0]
    outputs = []
    for where, reverse in ((tmp_path / "one", False), (tmp_path / "two" / "deeper", True)):
        for rel in sorted(files, reverse=reverse):
            path = where / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
        monkeypatch.chdir(where)
        result = CliRunner().invoke(main, ["validate", "--format", fmt])
        assert result.exit_code in (1, 2), result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
