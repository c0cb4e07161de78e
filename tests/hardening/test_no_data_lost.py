"""No data lost: `compile` and `docs build` write beside their output folder and swap it in; a
failing run (a broken definition, or a crash half-way through the swap) leaves the previous output
byte for byte; they refuse an output folder that is the project or holds definitions; they never
delete a file they did not write; and they leave no staging folders behind.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hardening_kit import snapshot, write_small_project

from nsmcode.cli import main

COMMANDS = ("compile", "docs")


def run(command: str, root: Path, out: Path) -> Result:
    args = ["compile"] if command == "compile" else ["docs", "build"]
    return CliRunner().invoke(main, [*args, "--project", str(root), "--out", str(out)])


def located(output: str) -> bool:
    return re.search(r"^\S.*:\d+:\d+: [A-Z]+\d+ ", output, re.M) is not None


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_small_project(tmp_path / "project")


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != "project")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("where", ["project", "definitions", "parent"])
def test_refuses_an_output_folder_that_is_or_holds_the_project(
    command: str, where: str, root: Path, tmp_path: Path
) -> None:
    out = {
        "project": root,
        "definitions": root / "definitions",
        "parent": tmp_path,
    }[where]
    before = snapshot(tmp_path)
    result = run(command, root, out)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert located(result.output), result.output
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_a_failing_run_leaves_the_previous_output(command: str, root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(command, root, out).exit_code == 0
    before = snapshot(out)
    broken = root / "definitions" / "all.yaml"
    if command == "compile":  # loads, validates, then fails to compile
        write_small_project(root, condition="environment = 'production'; DROP TABLE accounts")
    else:  # does not load
        broken.write_text(broken.read_text() + "\n  - name: [unclosed\n")
    result = run(command, root, out)
    assert result.exit_code == 2, result.output
    assert located(result.output), result.output
    assert snapshot(out) == before
    assert _siblings(out) == ["out"], "a staging folder was left behind"


def _fail_on(call: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, raising ENOSPC on its `call`-th use (a disk filling up half-way)."""
    count = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        if count == call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("call", [1, 2, 3, 5])
def test_a_crash_during_the_swap_leaves_the_previous_output(
    command: str, call: int, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second run changes every file; renames fail part-way; everything is rolled back."""
    out = tmp_path / "out"
    assert run(command, root, out).exit_code == 0
    before = snapshot(out)
    write_small_project(root, filter="status_code < 400", table="analytics.api_calls_v2")
    module = "nsmcode.outputs.atomic.os" if command == "compile" else "nsmcode.site.output.os"
    monkeypatch.setattr(f"{module}.replace", _fail_on(call, os.replace))
    result = run(command, root, out)
    assert "Traceback" not in result.output
    if result.exit_code == 0:  # fewer renames than `call`: the new output is all there
        assert snapshot(out) != before
        assert (out / ("manifest.json" if command == "compile" else "index.html")).is_file()
    else:
        assert snapshot(out) == before
    assert _siblings(out) == ["out"], "a staging folder was left behind"


@pytest.mark.parametrize("command", COMMANDS)
def test_writes_into_an_existing_empty_folder(command: str, root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = run(command, root, out)
    assert result.exit_code == 0, result.output
    assert any(out.iterdir())


@pytest.mark.parametrize("command", COMMANDS)
def test_never_deletes_a_file_it_did_not_write(command: str, root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(command, root, out).exit_code == 0
    mine = out / ("sql/duckdb/my_notes.sql" if command == "compile" else "my_notes.html")
    mine.write_text("-- keep me\n")
    write_small_project(root, filter="status_code < 400")
    result = run(command, root, out)
    assert result.exit_code == 2, result.output
    assert located(result.output), result.output
    assert "my_notes" in result.output
    assert mine.read_text() == "-- keep me\n"


def test_compile_removes_only_its_own_stale_files(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("compile", root, out).exit_code == 0
    assert (out / "sql" / "duckdb" / "calls_per_signup.sql").is_file()
    text = (root / "definitions" / "all.yaml").read_text()
    kept, _, _ = text.partition("  - name: calls_per_signup")
    (root / "definitions" / "all.yaml").write_text(kept)
    result = run("compile", root, out)
    assert result.exit_code == 0, result.output
    assert not (out / "sql" / "duckdb" / "calls_per_signup.sql").exists()
    assert (out / "sql" / "duckdb" / "production_calls.sql").is_file()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlinked_output_file_is_not_followed(command: str, root: Path, tmp_path: Path) -> None:
    """A link planted in the output folder is never written through (its target is kept)."""
    out = tmp_path / "out"
    assert run(command, root, out).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    rel = "sql/duckdb/production_calls.sql" if command == "compile" else "index.html"
    (out / rel).unlink()
    (out / rel).symlink_to(victim)
    write_small_project(root, filter="status_code < 300")
    run(command, root, out)
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_path_the_file_system_refuses_is_an_input_error(
    command: str, root: Path, tmp_path: Path
) -> None:
    """An output folder under a regular file cannot be created: exit 2 naming the path, not an
    internal error."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run(command, root, blocker / "out")
    assert result.exit_code == 2, result.output
    assert located(result.output), result.output
    assert "a-file" in result.output
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("command", COMMANDS)
def test_the_working_folder_as_output_is_written_into_never_replaced(
    command: str, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--out .` in an empty working folder: the files appear in it; the folder itself (its
    inode, the shell's current directory) stays, and nothing is staged inside or left beside."""
    work = tmp_path / "work"
    work.mkdir()
    inode = work.stat().st_ino
    monkeypatch.chdir(work)
    for _ in range(2):  # a first build, then a rebuild over it
        result = run(command, root, Path("."))
        assert result.exit_code == 0, result.output
        assert os.path.samefile(os.getcwd(), work) and work.stat().st_ino == inode
        assert (work / ("manifest.json" if command == "compile" else "index.html")).is_file()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "work"]
