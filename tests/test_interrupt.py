"""Ctrl-C stops any command with one line, `nsmcode: interrupted`, and exit code 130 (128 +
SIGINT), never a traceback, click's "Aborted!" (exit 1, which means findings here), or an error
blaming the definitions: DuckDB reports Ctrl-C during a query as its own exception, which once
came out as `R007 ... the query failed ...: Query interrupted`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.run.engines.base import Engine
from tests.conftest import EXAMPLE

NEVER_ENDS = "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3"


def interrupting(connection: Any) -> Callable[[], Iterator[None]]:
    """Interrupt `connection` over and over until the block ends, as Ctrl-C would: DuckDB
    ignores an interrupt that comes before its query starts, so one is not enough."""
    import contextlib

    @contextlib.contextmanager
    def block() -> Iterator[None]:
        done = threading.Event()

        def loop() -> None:
            while not done.wait(0.01):
                connection.interrupt()

        thread = threading.Thread(target=loop)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    return block


def test_duckdb_interrupt_is_a_keyboard_interrupt() -> None:
    import duckdb

    engine = Engine("local", "duckdb", "duckdb", duckdb.connect(":memory:"))
    with pytest.raises(KeyboardInterrupt), interrupting(engine.connection)():
        engine.execute(NEVER_ENDS)
    engine.close()


def test_duckdb_interrupt_on_the_arrow_path() -> None:
    import duckdb

    pytest.importorskip("pyarrow")
    from nsmcode.project import load_project
    from nsmcode.run import arrow
    from nsmcode.run.execute import Batch

    engine = Engine("local", "duckdb", "duckdb", duckdb.connect(":memory:"))
    batch = Batch(("weekly_signups",), NEVER_ENDS, None)
    with pytest.raises(KeyboardInterrupt), interrupting(engine.connection)():
        arrow.fetch(load_project(EXAMPLE), engine, batch, 0)
    engine.close()


@pytest.mark.parametrize(
    "args",
    [
        ["query", "weekly_signups"],
        ["query", "weekly_signups", "--format", "csv", "--pivot"],
        ["okr", "status"],
        ["analyze"],
        ["values", "plan"],
    ],
)
def test_ctrl_c_during_a_query(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Ctrl-C while the engine runs a statement, on every path that runs one."""
    import duckdb

    def pressed(*_: object, **__: object) -> Any:
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setattr(Engine, "_dbapi", pressed)
    monkeypatch.setattr("nsmcode.run.arrow.available", lambda *_: False)
    result = runner.invoke(main, [*args, "--project", str(EXAMPLE)])
    assert result.exit_code == 130, result.output
    assert result.stderr == "nsmcode: interrupted\n"
    assert result.stdout == ""


def test_ctrl_c_anywhere(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    def pressed(*_: object, **__: object) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("nsmcode.project.load_project", pressed)
    result = runner.invoke(main, ["validate", "--project", str(EXAMPLE)])
    assert (result.exit_code, result.stderr) == (130, "nsmcode: interrupted\n")
    assert "Aborted" not in result.output and "Traceback" not in result.output
