"""`materialize -v`: the connection and dialect written to, each saved query's time, on stderr."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from test_materialize import make

from nsmcode.cli import main


def test_verbose_materialize(tmp_path: Path) -> None:
    runner = CliRunner()
    root = make(tmp_path / "p", "store")
    args = ["materialize", "--project", str(root)]
    plain = runner.invoke(main, args)
    loud = runner.invoke(main, [*args, "-v"])
    assert plain.exit_code == loud.exit_code == 0, loud.output
    assert plain.stdout.replace("rebuilt", "") != ""  # both ran and said what they wrote
    assert "connection 'store': duckdb, SQL in the duckdb dialect" in loud.stderr
    assert re.search(r"materializing 1/2: review \(\d+\.\d\d s\)", loud.stderr), loud.stderr
    assert "materializing" not in plain.stderr
    assert re.search(r"ran \d+ lines? of duckdb SQL on 'store'", loud.stderr)
