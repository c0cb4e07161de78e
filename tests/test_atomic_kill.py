"""The output swap against a kill: the process is SIGKILLed at every step of the swap (the
`NSMCODE_TEST_KILL_AT_STEP` fault-injection point in `nsmcode.outputs.atomic`), then the next run
recovers. Whatever the step, the output is then the old one or the new one, complete, and no
staging folder is left beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hardening.hardening_kit import write_small_project

from nsmcode.outputs import atomic
from nsmcode.outputs.atomic import KILL_AT, Staging

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")

REPLACED = [f"sql/duckdb/m{i:02d}.sql" for i in range(40)]
REMOVED = [f"sql/postgres/r{i}.sql" for i in range(10)]
ADDED = [f"sql/sqlite/n{i}.sql" for i in range(10)]
KEPT = ["sql/duckdb/keep.sql"]


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def folders(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir())


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def old_output(out: Path) -> dict[str, bytes]:
    tree = {rel: f"old {rel}\n".encode() for rel in [*REPLACED, *REMOVED, *KEPT]}
    tree["manifest.json"] = b"old manifest\n"
    for rel, data in tree.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return tree


def new_output(old: dict[str, bytes]) -> dict[str, bytes]:
    tree = {rel: data for rel, data in old.items() if rel not in REMOVED}
    tree.update({rel: f"new {rel}\n".encode() for rel in [*REPLACED, *ADDED]})
    tree["manifest.json"] = b"new manifest\n"
    return tree


def swap(out: Path) -> None:
    with Staging(out) as staging:
        for rel in [*REPLACED, *ADDED]:
            staging.write(rel, f"new {rel}\n".encode())
        staging.write("manifest.json", b"new manifest\n")
        staging.commit(remove=REMOVED, last=("manifest.json",))


def killed_at(step: int, work: Callable[[], None]) -> bool:
    """Run `work` in a forked child that kills itself before its `step`-th change to the file
    system; True if it was killed, False if it finished first."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.environ[KILL_AT] = str(step)
            work()
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the child failed instead of being killed"
    return False


def test_a_kill_at_every_step_of_the_swap_leaves_the_old_or_the_new_output(
    tmp_path: Path,
) -> None:
    outcomes: list[str] = []
    step = 0
    while True:
        step += 1
        out = tmp_path / f"case{step}" / "target"
        old = old_output(out)
        new = new_output(old)
        if not killed_at(step, lambda out=out: swap(out)):  # type: ignore[misc]
            assert files(out) == new and leftovers(out) == []
            break
        assert leftovers(out), "killed during the swap, its staging folder is still there"
        atomic.recover(out)  # what the next compile or docs build does first
        now = files(out)
        assert now in (old, new), f"step {step}: a mix of the old and the new output"
        assert leftovers(out) == [], f"step {step}: a staging folder was left behind"
        if now == new:
            assert "sql/postgres" not in folders(out)  # emptied by the removals, pruned
        outcomes.append("old" if now == old else "new")
    assert len(outcomes) >= 100, "the kill test covers at least 100 steps"
    # killed before the journal is complete: the old output; from then on: the new one
    assert outcomes == ["old"] * 2 + ["new"] * (len(outcomes) - 2)


def test_a_kill_during_the_recovery_is_recovered_too(tmp_path: Path) -> None:
    """Killed in the middle of the swap, then killed again at every fifth step of the recovery."""
    first = 40
    base = tmp_path / "base" / "target"
    new = new_output(old_output(base))
    step = -4
    while True:
        step += 5
        out = tmp_path / f"case{step}" / "target"
        old_output(out)
        assert killed_at(first, lambda out=out: swap(out))  # type: ignore[misc]
        if not killed_at(step, lambda out=out: atomic.recover(out)):  # type: ignore[misc]
            break
        atomic.recover(out)
        assert files(out) == new and leftovers(out) == []
    assert step > 2


def test_a_staging_folder_in_use_by_a_living_run_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "target"
    old_output(out)
    with Staging(out) as busy:
        busy.write("sql/duckdb/m00.sql", b"busy\n")
        assert atomic.recover(out) == []  # locked by this process's open staging
        assert busy.root.is_dir()
        busy.commit()
    assert (out / "sql/duckdb/m00.sql").read_bytes() == b"busy\n"
    assert leftovers(out) == []


def test_leftovers_of_a_killed_first_compile_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "target"
    assert killed_at(1, lambda: swap(out))  # the folder did not exist: killed before its rename
    assert not out.exists() and leftovers(out)
    with Staging(out) as staging:  # any next run
        staging.write("manifest.json", b"m\n")
        staging.commit()
    assert files(out) == {"manifest.json": b"m\n"} and leftovers(out) == []


# -- end to end: `nsmcode compile` and `nsmcode docs build` killed, then run again ------------


def nsmcode(*args: str | Path, kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != KILL_AT}
    if kill_at is not None:
        env[KILL_AT] = str(kill_at)
    return subprocess.run(
        [sys.executable, "-m", "nsmcode", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(("command", "step"), [("compile", 3), ("compile", 8), ("docs", 5)])
def test_a_killed_command_is_completed_by_the_next_run(
    tmp_path: Path, command: str, step: int
) -> None:
    root = write_small_project(tmp_path / "project")
    args = ["compile"] if command == "compile" else ["docs", "build"]
    out, clean = tmp_path / "out", tmp_path / "clean"
    assert nsmcode(*args, "--project", root, "--out", out).returncode == 0
    old = files(out)
    path = root / "definitions" / "all.yaml"  # every header moves down a line; one metric more
    path.write_text(
        "# moved\n" + path.read_text() + "  - name: all_calls\n    source: api_calls\n"
        "    calculation: {type: count}\n    grain: week\n"
    )
    result = nsmcode(*args, "--project", root, "--out", out, kill_at=step)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert nsmcode(*args, "--project", root, "--out", out).returncode == 0
    assert nsmcode(*args, "--project", root, "--out", clean).returncode == 0
    now, expected = (ours(files(folder)) for folder in (out, clean))
    assert now != ours(old)
    assert now == expected
    assert leftovers(out) == []


def ours(tree: dict[str, bytes]) -> dict[str, bytes]:
    """The output without the compile cache (it records file stamps, different in each copy)."""
    return {rel: data for rel, data in tree.items() if not rel.startswith(".nsmcode-cache/")}
