"""What the loader reads under `paths:`: nothing unreadable is skipped silently, nothing outside
the project is read, nothing that is not a regular file is opened, and large honest files load.

The permission tests run the loader as a user without rights (nobody) in a forked child when the
suite runs as root (as it does in CI): root reads a `chmod 000` folder anyway, so only another
user exercises the permission path.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.diagnostics import InputError, Severity
from nsmcode.project import load_project
from nsmcode.rules import check_project
from nsmcode.yamlsource import MAX_NODES, parse

SOURCES = """\
sources:
  - name: events
    table: events
    time_column: at
    columns:
      - {name: at, type: timestamp}
      - {name: account_id, type: string}
"""

NOBODY = 65534


def _metric(name: str) -> str:
    return textwrap.dedent(
        f"""\
        metrics:
          - name: {name}
            source: events
            calculation: {{type: count}}
            grain: week
        """
    )


@pytest.fixture
def locked_root() -> Iterator[Path]:
    """A project folder another user can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="nsmcode-perm-"))
    base.chmod(0o755)
    root = base / "project"
    (root / "definitions" / "kpis").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text("version: 1\nname: perm\npaths: [definitions]\n")
    (root / "definitions" / "sources.yaml").write_text(SOURCES)
    (root / "definitions" / "base.yaml").write_text(_metric("signups"))
    (root / "definitions" / "kpis" / "kpi.yaml").write_text(_metric("kpi_count"))
    for path in [base, *base.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    yield root
    for path in [base, *base.rglob("*")]:  # let root remove what it made unreadable
        if path.is_dir():
            path.chmod(0o777)
    shutil.rmtree(base, ignore_errors=True)


def as_unprivileged(func: Callable[[], Any]) -> Any:
    """`func()` run by a user without root's rights (in a forked child when we are root)."""
    if os.geteuid() != 0:
        return func()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody, run, send the result back as JSON
        os.close(read)
        code = 0
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            payload = json.dumps(func()).encode()
        except BaseException as exc:  # reported to the parent, which fails
            payload = json.dumps({"child_error": repr(exc)}).encode()
            code = 1
        os.write(write, payload)
        os._exit(code)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    result = json.loads(b"".join(chunks))
    assert not (isinstance(result, dict) and "child_error" in result), result
    return result


def _cli(root: Path, *args: str) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        before = os.getcwd()
        os.chdir(root)
        try:
            result = CliRunner().invoke(main, [*args, "--project", "."])
        finally:
            os.chdir(before)
        return {"code": result.exit_code, "output": result.output}

    return run


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_unprivileged_user_really_cannot_read_the_folder(locked_root: Path) -> None:
    """The permission tests below are not vacuous: the child cannot list the folder."""
    folder = locked_root / "definitions" / "kpis"
    folder.chmod(0)

    def listing() -> str:
        try:
            os.listdir(folder)
        except PermissionError:
            return "denied"
        return "listed"

    assert as_unprivileged(listing) == "denied"


def test_an_unreadable_folder_is_an_error_not_a_silent_skip(locked_root: Path) -> None:
    (locked_root / "definitions" / "kpis").chmod(0)
    result = as_unprivileged(_cli(locked_root, "validate"))
    assert result["code"] == 2, result["output"]
    assert "definitions/kpis:1:1: E009 cannot read folder definitions/kpis: permission denied" in (
        result["output"]
    )


def test_an_unreadable_file_is_an_error(locked_root: Path) -> None:
    (locked_root / "definitions" / "base.yaml").chmod(0)
    result = as_unprivileged(_cli(locked_root, "validate"))
    assert result["code"] == 2, result["output"]
    assert "definitions/base.yaml:1:1: E009 cannot read file: Permission denied" in result["output"]


def test_compile_writes_and_removes_nothing_when_a_folder_is_unreadable(locked_root: Path) -> None:
    out = locked_root / "compiled"
    first = _cli(locked_root, "compile", "--out", "compiled")()
    assert first["code"] == 0, first["output"]
    assert (out / "sql" / "duckdb" / "kpi_count.sql").is_file()
    for path in [out, *out.rglob("*")]:  # nobody could remove them: only the loader stops it
        path.chmod(0o777 if path.is_dir() else 0o666)
    before = _tree(out)
    (locked_root / "definitions" / "kpis").chmod(0)
    result = as_unprivileged(_cli(locked_root, "compile", "--out", "compiled"))
    assert result["code"] == 2, result["output"]
    assert "E009 cannot read folder definitions/kpis" in result["output"]
    assert _tree(out) == before


def test_a_paths_entry_that_cannot_be_read_is_located_in_the_project_file(
    locked_root: Path,
) -> None:
    (locked_root / "nsmcode.yaml").write_text(
        "version: 1\nname: perm\npaths: [definitions/kpis]\n"
    )
    (locked_root / "definitions" / "kpis").chmod(0)
    result = as_unprivileged(_cli(locked_root, "validate"))
    assert result["code"] == 2
    assert "nsmcode.yaml:3:9: E009 cannot read folder definitions/kpis" in result["output"]


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "definitions").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text("version: 1\nname: t\npaths: [definitions]\n")
    (root / "definitions" / "sources.yaml").write_text(SOURCES)
    (root / "definitions" / "base.yaml").write_text(_metric("signups"))
    return root


def test_a_fifo_is_skipped_with_a_warning_and_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    os.mkfifo(root / "definitions" / "pipe.yaml")  # opening it would block: the test would hang
    monkeypatch.chdir(root)
    project = load_project(root)
    assert set(project.metrics) == {"signups"}
    [warning] = project.warnings
    assert warning.severity is Severity.WARNING
    assert str(warning.span) == "definitions/pipe.yaml:1:1"
    assert warning.message == (
        "skipped definitions/pipe.yaml: it is a named pipe (FIFO), not a definition file"
    )
    result = CliRunner().invoke(main, ["validate", "--project", "."])
    assert "definitions/pipe.yaml:1:1: E009 [warning] skipped definitions/pipe.yaml" in (
        result.output
    )
    assert warning in check_project(project).findings


def test_a_device_file_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    (root / "definitions" / "zero.yaml").symlink_to("/dev/zero")  # reading it never ends
    monkeypatch.chdir(root)
    with pytest.raises(InputError) as caught:  # /dev/zero is outside the project: refused first
        load_project(root)
    assert "definitions/zero.yaml leads outside the project" in str(caught.value)
    (root / "definitions" / "zero.yaml").unlink()
    os.mknod(root / "definitions" / "null.yaml", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    project = load_project(root)
    assert [w.message for w in project.warnings] == [
        "skipped definitions/null.yaml: it is a character device, not a definition file"
    ]


def test_a_folder_named_like_a_yaml_file_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    (root / "definitions" / "kpis.yaml").mkdir()
    (root / "definitions" / "kpis.yaml" / "kpi.yaml").write_text(_metric("kpi_count"))
    monkeypatch.chdir(root)
    project = load_project(root)
    assert set(project.metrics) == {"signups"}
    assert [(str(w.span), w.message) for w in project.warnings] == [
        (
            "definitions/kpis.yaml:1:1",
            "skipped definitions/kpis.yaml: a folder named like a definition file",
        )
    ]


def test_a_symlinked_definition_file_outside_the_project_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text(_metric("stolen"))
    (root / "definitions" / "linked.yaml").symlink_to(outside)
    monkeypatch.chdir(root)
    with pytest.raises(InputError) as caught:
        load_project(root)
    [problem] = caught.value.diagnostics
    assert (str(problem.span), problem.code) == ("definitions/linked.yaml:1:1", "E009")
    assert problem.message == f"definitions/linked.yaml leads outside the project (to {outside})"
    result = CliRunner().invoke(main, ["validate", "--project", "."])
    assert result.exit_code == 2 and "stolen" not in result.output


def test_a_symlinked_folder_outside_the_project_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "m.yaml").write_text(_metric("stolen"))
    (root / "definitions" / "outside").symlink_to(tmp_path / "elsewhere")
    monkeypatch.chdir(root)
    with pytest.raises(InputError) as caught:
        load_project(root)
    assert [str(d.span) for d in caught.value.diagnostics] == ["definitions/outside:1:1"]
    # a paths entry that is itself such a link is located in nsmcode.yaml
    (root / "definitions" / "outside").unlink()
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    (root / "nsmcode.yaml").write_text("version: 1\nname: t\npaths: [definitions, linked]\n")
    with pytest.raises(InputError) as caught:
        load_project(root)
    assert [str(d.span) for d in caught.value.diagnostics] == ["nsmcode.yaml:3:22"]


def test_links_inside_the_project_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    (root / "definitions" / "again").symlink_to(root / "definitions")  # a loop
    (root / "definitions" / "alias.yaml").symlink_to(root / "definitions" / "base.yaml")
    monkeypatch.chdir(root)
    project = load_project(root)
    assert set(project.metrics) == {"signups"} and project.warnings == []


def test_a_large_honest_file_is_not_taken_for_an_alias_bomb() -> None:
    """Values are capped only where aliases add them: 300,000 written-out values load."""
    count = MAX_NODES + 100_000
    text = "values:\n" + "".join(f"  - {i}\n" for i in range(count))
    doc, problems = parse(text, "big.yaml")
    assert problems == []
    assert len(doc.value["values"]) == count


def test_aliases_are_still_capped_in_a_large_file() -> None:
    honest = "".join(f"  - {i}\n" for i in range(1000))
    refs = ", ".join(["*a"] * 30)
    bomb = "a: &a [" + ", ".join(["x"] * 10_000) + f"]\nb: [{refs}]\n"
    _, problems = parse("values:\n" + honest + bomb, "big.yaml")
    assert [(p.code, str(p.span)) for p in problems] == [("E010", "big.yaml:1003:1")]


def test_fifteen_thousand_metrics_in_one_file_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    block = (
        "  - name: m_{i}\n"
        "    label: Metric {i}\n"
        "    description: Metric number {i}, one of many in a single file.\n"
        "    owner: Data team\n"
        "    role: plain\n"
        "    source: events\n"
        "    calculation: {{type: count_distinct, columns: [account_id, at]}}\n"
        "    segments: []\n"
        "    grain: week\n"
    )  # 14 values a metric: 210,000 in the file, more than the alias cap of 200,000
    text = "metrics:\n" + "".join(block.format(i=i) for i in range(15_000))
    (root / "definitions" / "all.yaml").write_text(text)
    monkeypatch.chdir(root)
    project = load_project(root)
    assert len(project.metrics) == 15_001
    assert str(project.span("metric", "m_14999", "grain")) == (
        f"definitions/all.yaml:{1 + 9 * 14_999 + 9}:12"
    )
