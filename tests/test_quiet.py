"""`-q validate` counts info-level findings without printing them, unless `--show-info`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from nsmcode.cli import main

# an orphan metric: one info finding (NSM042), nothing worse besides the missing north star
FILES = {
    "metrics/m.yaml": """\
        sources:
          - name: events
            table: events
            time_column: at
            columns: [{name: at, type: timestamp}]
        metrics:
          - name: a
            source: events
            calculation: {type: count}
            grain: week
        """,
}


@pytest.mark.parametrize(
    ("args", "printed"),
    [([], True), (["-q"], False), (["-q", "--show-info"], True)],
)
def test_info_findings_are_counted_and_printed_only_when_asked(
    write_project, runner: CliRunner, args: list[str], printed: bool
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(FILES)
    quiet = [a for a in args if a == "-q"]
    rest = [a for a in args if a != "-q"]
    result = runner.invoke(main, [*quiet, "validate", "--project", str(root), *rest])
    assert ("[info]" in result.output) is printed, result.output
    summary = result.output.strip().splitlines()[-1]
    assert "1 info" in summary
    assert ("info not shown" in summary) is (not printed)
