"""The command line: a thin layer over the library that owns output and exit codes.

Exit codes: 0 clean, 1 findings, 2 usage or input error. Heavy modules (sqlglot, jinja2,
engines) are imported inside the commands that need them, so `nsmcode --help` and `--version`
stay fast.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
import importlib
import os
import re
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
    INTERRUPTED = 130
    """Ctrl-C: 128 + SIGINT, as shells report it (click's own "Aborted!" exits 1, which here
    means findings)."""


# Commands that write files or tables: only their errors say that nothing was written.
WRITING_COMMANDS = (["init"], ["compile"], ["docs"], ["import"], ["materialize"], ["schema"])


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
            ctx = click.get_current_context(silent=True)
            writes = ctx is not None and ctx.command_path.split()[1:2] in WRITING_COMMANDS
            tail = "; nothing was written." if writes else "."
            click.echo(f"{count} error{'s' if count != 1 else ''}{tail}", err=True)
            sys.exit(Exit.INPUT_ERROR)

    return wrapper  # type: ignore[return-value]


PROJECT_FILE = "nsmcode.yaml"


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding nsmcode.yaml, as git, ruff and dbt look."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def _resolve_project(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """`--project` names the folder or its nsmcode.yaml; without it, look upward from here."""
    from nsmcode.console import Console

    console = ctx.find_object(Console) or Console()
    if value is None:
        found = find_project(Path.cwd())
        if found is None:
            console.detail(f"project: no {PROJECT_FILE} in {Path.cwd()} or any folder above it")
            return Path(".")
        console.detail(f"project: {found / PROJECT_FILE} (found looking upward from {Path.cwd()})")
        return found
    source = ctx.get_parameter_source(param.name or "")
    how = "NSMCODE_PROJECT" if source is click.core.ParameterSource.ENVIRONMENT else "--project"
    if value.is_file() and value.suffix in (".yaml", ".yml"):
        console.detail(f"project: {value.resolve()} (named by {how})")
        return value.parent
    if not value.exists():
        raise click.BadParameter(f"folder {str(value)!r} does not exist", ctx, param)
    if not value.is_dir():
        raise click.BadParameter(
            f"{str(value)!r} is neither a folder nor an nsmcode.yaml file", ctx, param
        )
    console.detail(f"project: {(value / PROJECT_FILE).resolve()} (named by {how})")
    return value


project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(path_type=Path),
    default=None,
    callback=_resolve_project,
    envvar="NSMCODE_PROJECT",
    show_envvar=True,
    help="Folder holding nsmcode.yaml (or the file itself); default: the nearest one at or above "
    "the working folder.",
)

def _set_output_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    from nsmcode.console import Console

    if value is None:
        return
    if value.is_dir():
        raise click.BadParameter(f"{str(value)!r} is a folder; name a file", ctx, param)
    if not value.parent.is_dir():
        raise click.BadParameter(f"folder {str(value.parent)!r} does not exist", ctx, param)
    console = ctx.find_object(Console)
    if console is None:  # the command was invoked on its own, not through `nsmcode`
        console = ctx.ensure_object(Console)
    console.output_file = value


output_file_option = click.option(
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_set_output_file,
    metavar="PATH",
    help="Write the results to PATH (replaced atomically) instead of standard output.",
)


class DateType(click.ParamType):  # type: ignore[type-arg]
    """A calendar date, YYYY-MM-DD, with a message that says what is wrong with a bad one."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value)
        try:
            return dt.datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            pass
        found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if found is None:
            self.fail(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-09-01", param, ctx)
        year, month, day = (int(part) for part in found.groups())
        if not 1 <= month <= 12:
            self.fail(f"{text!r}: there is no month {month} (months are 01 to 12)", param, ctx)
        last = calendar.monthrange(year, month)[1]
        self.fail(
            f"{text!r}: {calendar.month_name[month]} {year} has no day {day}; "
            f"its last day is {year}-{month:02d}-{last:02d}",
            param,
            ctx,
        )


DATE = DateType()


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
    "lsp": "nsmcode.commands.lsp:lsp",
}


# Flags of `nsmcode` itself that may also be written after the subcommand (`nsmcode validate -q`).
GLOBAL_FLAGS = ("-q", "--quiet", "-v", "--verbose", "--no-color")


def globals_first(args: list[str]) -> list[str]:
    """Move global flags written anywhere before `--` in front of the subcommand."""
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    flags = [arg for arg in head if arg in GLOBAL_FLAGS]
    return flags + [arg for arg in head if arg not in GLOBAL_FLAGS] + tail


def _file_in_the_way(path: str | None, exc: OSError) -> str | None:
    """The file standing where a folder of `path` must be, when that is why `exc` happened."""
    if path is None or not isinstance(exc, (FileExistsError, NotADirectoryError)):
        return None
    for part in (Path(path), *Path(path).parents):
        if part.exists():
            return str(part) if part.is_file() else None
    return None


class LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = globals_first(args)
        return super().parse_args(ctx, args)

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
        except KeyboardInterrupt:
            fresh = "\n" if sys.stderr.isatty() else ""  # after the terminal's ^C
            click.echo(f"{fresh}nsmcode: interrupted", err=True)
            ctx.exit(Exit.INTERRUPTED)
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
            reason = exc.strerror or str(exc)
            hint = "check the path, its permissions and the free disk space"
            blocking = _file_in_the_way(path, exc)
            if blocking is not None:  # `--out a/b` where `a` is a file: not "File exists"
                path, reason = blocking, f"{blocking} is a file, not a folder"
                hint = "write under a folder, or move the file away"
            refused = Diagnostic(
                "E009",
                f"the file system refused: {reason}",
                Span(path) if path else None,
                hint,
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
@click.option("--no-color", "no_color", is_flag=True, help="Never colour the output.")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool, no_color: bool) -> None:
    """nsmcode: your North Star Metric, inputs, KPIs and OKRs as code.

    Global flags (-q, -v, --no-color) may also follow the subcommand. Commands find their
    project by looking upward from the working folder for nsmcode.yaml, or take --project.
    """
    from nsmcode.console import Console, verbose_session

    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    ctx.obj = console = Console(quiet=quiet, verbose=verbose, no_colour=no_color)
    if verbose:
        import platform

        header = f"nsmcode {__version__} (Python {platform.python_version()})"
        ctx.call_on_close(verbose_session(console, header))
