"""`nsmcode.outputs.atomic`: the output folder changes all at once or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nsmcode.outputs import atomic
from nsmcode.outputs.atomic import Staging


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".nsmcode-" in p.name)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "target"
    (folder / "sql" / "duckdb").mkdir(parents=True)
    (folder / "manifest.json").write_bytes(b"old manifest\n")
    (folder / "sql" / "duckdb" / "a.sql").write_bytes(b"old a\n")
    (folder / "sql" / "duckdb" / "b.sql").write_bytes(b"old b\n")
    (folder / "sql" / "duckdb" / "keep.sql").write_bytes(b"untouched\n")
    return folder


def test_a_new_folder_appears_whole(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "target"
    with Staging(out) as staging:
        assert staging.root.parent == out.parent and staging.root.name.startswith(".target.")
        staging.write("sql/duckdb/a.sql", b"a\n")
        staging.write("manifest.json", b"{}\n")
        assert not out.exists()
        staging.commit()
    assert files(out) == {"manifest.json": b"{}\n", "sql/duckdb/a.sql": b"a\n"}
    assert leftovers(out.parent) == []
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask


def test_an_existing_folder_gets_changed_files_and_loses_removed_ones(out: Path) -> None:
    with Staging(out) as staging:
        staging.write("sql/duckdb/a.sql", b"new a\n")
        staging.write("sql/postgres/a.sql", b"new postgres a\n")
        staging.write("manifest.json", b"new manifest\n")
        staging.commit(remove=["sql/duckdb/b.sql"], last=("manifest.json",))
    assert files(out) == {
        "manifest.json": b"new manifest\n",
        "sql/duckdb/a.sql": b"new a\n",
        "sql/duckdb/keep.sql": b"untouched\n",
        "sql/postgres/a.sql": b"new postgres a\n",
    }
    assert leftovers(out.parent) == []


def test_folders_emptied_by_removals_go_but_the_output_folder_stays(out: Path) -> None:
    with Staging(out) as staging:
        staging.commit(remove=["sql/duckdb/a.sql", "sql/duckdb/b.sql", "sql/duckdb/keep.sql"])
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    with Staging(out) as staging:
        staging.commit(remove=["manifest.json"])
    assert out.is_dir() and list(out.iterdir()) == []


def test_the_manifest_goes_in_last(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moves: list[tuple[str, str]] = []
    real = os.replace

    def spy(src: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
        for direction, path in (("out", Path(src)), ("in", Path(dest))):
            if path.is_relative_to(out):
                moves.append((direction, path.relative_to(out).as_posix()))
        real(src, dest)

    monkeypatch.setattr(atomic.os, "replace", spy)
    with Staging(out) as staging:
        staging.write("manifest.json", b"m\n")
        staging.write("sql/duckdb/z.sql", b"z\n")
        staging.write("sql/duckdb/a.sql", b"a\n")
        staging.commit(remove=["sql/duckdb/b.sql"], last=("manifest.json",))
    # a replaced file is moved aside (kept until the end, for a rollback), then the new one in
    assert moves == [
        ("out", "sql/duckdb/a.sql"),
        ("in", "sql/duckdb/a.sql"),
        ("in", "sql/duckdb/z.sql"),
        ("out", "sql/duckdb/b.sql"),
        ("out", "manifest.json"),
        ("in", "manifest.json"),
    ]


@pytest.mark.parametrize("failing_move", [1, 2, 3, 4, 5, 6])
def test_a_failure_during_the_swap_restores_the_previous_output(
    out: Path, monkeypatch: pytest.MonkeyPatch, failing_move: int
) -> None:
    before = files(out)
    real = os.replace
    calls = 0

    def flaky(src: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
        nonlocal calls
        calls += 1
        if calls == failing_move:
            raise OSError(28, "No space left on device")
        real(src, dest)

    with pytest.raises(OSError, match="No space"), Staging(out) as staging:
        staging.write("sql/duckdb/a.sql", b"new a\n")
        staging.write("sql/postgres/c.sql", b"new c\n")
        staging.write("manifest.json", b"new manifest\n")
        monkeypatch.setattr(atomic.os, "replace", flaky)
        staging.commit(remove=["sql/duckdb/b.sql"], last=("manifest.json",))
    monkeypatch.undo()
    assert files(out) == before
    assert not (out / "sql" / "postgres").exists()
    assert leftovers(out.parent) == []


def test_an_error_before_the_commit_touches_nothing(out: Path) -> None:
    before = files(out)
    with pytest.raises(RuntimeError), Staging(out) as staging:
        staging.write("sql/duckdb/a.sql", b"half done\n")
        raise RuntimeError("compile failed")
    assert files(out) == before
    assert leftovers(out.parent) == []


def test_files_not_named_are_never_touched(out: Path) -> None:
    (out / "mine.txt").write_bytes(b"mine\n")
    stamp = (out / "mine.txt").stat().st_mtime_ns
    with Staging(out) as staging:
        staging.write("sql/duckdb/a.sql", b"new a\n")
        staging.commit()
    assert (out / "mine.txt").read_bytes() == b"mine\n"
    assert (out / "mine.txt").stat().st_mtime_ns == stamp
