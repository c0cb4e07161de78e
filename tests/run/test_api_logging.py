"""The Python API logs under the `nsmcode` logger (the records `-v` shows on the command line),
all at DEBUG, and never prints: not to stdout, not to stderr, configured or not (docs/python.md,
"Logging")."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import nsmcode

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture
def collected() -> Iterator[Collect]:
    """As a library user turns it on: a handler on `nsmcode`, level DEBUG."""
    logger = logging.getLogger("nsmcode")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_records_reach_a_handler_and_nothing_is_printed(
    collected: Collect, capfd: pytest.CaptureFixture[str], example_data: Path
) -> None:
    with nsmcode.load(EXAMPLE) as project:
        loaded = collected.messages()
        assert len(loaded) == 1 and re.match(
            r"read \S*nsmcode.yaml and 14 definition files in \d+\.\d\d s\n  ", loaded[0]
        ), loaded
        assert re.search(r"^  \S*definitions/north_star.yaml$", loaded[0], re.M)

        project.explain(["weekly_signups"])
        assert collected.messages() == loaded  # compiling neither connects nor runs anything

        project.query(["weekly_signups"], since="2026-10-01")
        project.values("plan")
        project.okr_status(as_of="2026-11-15")
    said = collected.messages()[1:]
    opened = [m for m in said if m.startswith("connection 'local':")]
    assert opened == ["connection 'local': duckdb, SQL in the duckdb dialect"]  # kept open
    ran = [m for m in said if re.match(r"ran \d+ lines? of duckdb SQL on 'local'", m)]
    assert len(ran) >= 3 and len(ran) + len(opened) == len(said), said
    assert any(" into Arrow: " in m for m in ran)
    assert {r.levelno for r in collected.records} == {logging.DEBUG}
    assert all(r.name.startswith("nsmcode.") for r in collected.records)
    assert capfd.readouterr() == ("", "")


def test_silent_without_configuration(
    capfd: pytest.CaptureFixture[str], example_data: Path
) -> None:
    """No handler, default level: logging's last resort prints WARNING and above to stderr;
    nsmcode logs nothing at those levels, even when a call fails."""
    assert not logging.getLogger("nsmcode").handlers
    with nsmcode.load(EXAMPLE) as project:
        project.query(["weekly_signups"], since="2026-10-01")
        with pytest.raises(nsmcode.ProjectError):
            project.query(["no_such_metric"])
    with pytest.raises(nsmcode.ProjectError):
        nsmcode.load(EXAMPLE / "no-such-folder")
    assert capfd.readouterr() == ("", "")
