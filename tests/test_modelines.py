"""Every schema modeline in the repository names a file that exists, relative to the file, and no
address that does not exist is written anywhere: editors that follow a modeline must find the
schema, offline too."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.schema import SCHEMA_FILES, schema_text

REPO = Path(__file__).resolve().parent.parent
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)
GONE = "nsmcode" + ".dev"  # the domain the first modelines named; it does not exist


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return [REPO / name for name in listed if name and (REPO / name).is_file()]


STARTER = REPO / "nsmcode" / "starter" / "files"


def _modelines(paths: list[Path]) -> int:
    checked = 0
    for path in paths:
        if path.suffix not in (".yaml", ".yml"):
            continue
        for target in MODELINE.findall(path.read_text(encoding="utf-8", errors="replace")):
            assert (path.parent / target).is_file(), f"{path}: {target}"
            checked += 1
    return checked


def test_every_modeline_resolves_to_a_file(tmp_path: Path) -> None:
    files = [p for p in repository_files() if not p.is_relative_to(STARTER)]
    assert _modelines(files) >= 14  # the example's files
    # the starter's templates: in the project `init` writes from them
    assert CliRunner().invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    assert _modelines(sorted((tmp_path / "p").rglob("*"))) == len(list(STARTER.rglob("*.yaml")))


def test_no_address_that_does_not_exist() -> None:
    found = [
        str(p.relative_to(REPO))
        for p in repository_files()
        if GONE.encode() in p.read_bytes()
    ]
    assert found == []


def test_the_examples_schemas_are_current() -> None:
    for kind, rel in SCHEMA_FILES.items():
        assert (REPO / "examples" / "metrics" / rel).read_text() == schema_text(kind), (
            "run: nsmcode schema --write --project examples/metrics"
        )


def test_schema_write_and_init_write_the_schemas(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "acme"
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    for kind, rel in SCHEMA_FILES.items():
        assert (root / rel).read_text() == schema_text(kind)
        (root / rel).write_text("stale")
    result = runner.invoke(main, ["schema", "--write", "--project", str(root)])
    assert result.exit_code == 0, result.output
    for kind, rel in SCHEMA_FILES.items():
        assert (root / rel).read_text() == schema_text(kind)
    # outside a project: a located error, nothing written
    result = runner.invoke(main, ["schema", "--write", "--project", str(tmp_path / "none")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not (tmp_path / "none").exists()
