"""`docs build --with-data` opens the project's connection once and reuses it for everything the
site shows: the values, the analysis, the funnels and the retention matrices. Counted where
DuckDB connects, so an opening that bypasses `open_engine` counts too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from tests.conftest import EXAMPLE


def count_connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import duckdb

    opened: list[str] = []
    real = duckdb.connect

    def connect(database: str = ":memory:", *args: Any, **kwargs: Any) -> Any:
        opened.append(str(database))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    return opened


def test_docs_build_with_data_opens_the_connection_once(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = count_connects(monkeypatch)
    args = ["docs", "build", "--project", str(EXAMPLE), "--out", str(tmp_path / "site")]
    result = runner.invoke(main, [*args, "--with-data"])
    assert result.exit_code == 0, result.output
    # the example has data, an analysis outcome, a funnel and a retention metric: all on one
    assert (tmp_path / "site" / "index.html").is_file()
    assert len(opened) == 1, opened


def test_docs_build_without_data_opens_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = count_connects(monkeypatch)
    args = ["docs", "build", "--project", str(EXAMPLE), "--out", str(tmp_path / "site")]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert opened == []
