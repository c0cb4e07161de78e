"""The command line: a thin layer over the library that owns output and exit codes.

Exit codes: 0 clean, 1 findings, 2 usage or input error. Heavy modules (sqlglot, jinja2,
engines) are imported inside the commands that need them, so `nsmcode --help` and `--version`
stay fast.
"""

from __future__ import annotations

import enum
import functools
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from nsmcode import __version__
from nsmcode.diagnostics import Diagnostic, InputError, Span

F = TypeVar("F", bound=Callable[..., Any])


class Exit(enum.IntEnum):
    CLEAN = 0
    FINDINGS = 1
    INPUT_ERROR = 2
    INTERNAL_ERROR = 70


def report_errors(func: F) -> F:
    """Turn input errors into located diagnostics and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for diagnostic in exc.diagnostics:
                click.echo(diagnostic.render(), err=True)
            count = len(exc.diagnostics)
            click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was written.", err=True)
            sys.exit(Exit.INPUT_ERROR)

    return wrapper  # type: ignore[return-value]


project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    envvar="NSMCODE_PROJECT",
    show_envvar=True,
    help="Folder holding nsmcode.yaml.",
)

# Command name -> "module:attribute". Modules are imported only when their command runs (or help
# is listed), so the start-up path of `nsmcode --version` imports click and nothing heavy.
COMMANDS = {
    "init": "nsmcode.commands.basics:init",
    "validate": "nsmcode.commands.validate:validate",
    "rules": "nsmcode.commands.validate:rules",
    "schema": "nsmcode.commands.basics:schema",
    "compile": "nsmcode.commands.compile:compile_command",
    "query": "nsmcode.commands.run:query",
    "list": "nsmcode.commands.catalog:list_command",
    "values": "nsmcode.commands.catalog:values",
    "materialize": "nsmcode.commands.materialize:materialize",
    "okr": "nsmcode.commands.run:okr",
    "kpi": "nsmcode.commands.run:kpi",
    "docs": "nsmcode.commands.docs:docs",
    "analyze": "nsmcode.commands.analyze:analyze",
    "import": "nsmcode.commands.importer:import_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """A bug in nsmcode is reported in one line with exit code 70, never a traceback dump;
        NSMCODE_DEBUG=1 shows the traceback for a bug report."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # the reader went away (`nsmcode ... | head`): stop quietly, as Unix tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(Exit.FINDINGS)
        except OSError as exc:
            # the file system refused (an output path under a file, a full disk, no permission):
            # the user's environment, not a bug; say what and where
            if os.environ.get("NSMCODE_DEBUG"):
                raise
            path = exc.filename if isinstance(exc.filename, str) else None
            refused = Diagnostic(
                "E009",
                f"the file system refused: {exc.strerror or exc}",
                Span(path) if path else None,
                "check the path, its permissions and the free disk space",
            )
            click.echo(refused.render(), err=True)
            ctx.exit(Exit.INPUT_ERROR)
        except Exception as exc:
            if os.environ.get("NSMCODE_DEBUG"):
                raise
            click.echo(
                f"nsmcode: internal error: {type(exc).__name__}: {exc}\n"
                "  this is a bug in nsmcode, not in your definitions; rerun with NSMCODE_DEBUG=1 "
                "and report the traceback",
                err=True,
            )
            ctx.exit(Exit.INTERNAL_ERROR)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not built yet
                return None
            raise
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nsmcode")
@click.option("-q", "--quiet", is_flag=True, help="Print only results, findings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print more detail about what is done.")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """nsmcode: your North Star Metric, inputs, KPIs and OKRs as code."""
    from nsmcode.console import Console

    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    ctx.obj = Console(quiet=quiet, verbose=verbose)
