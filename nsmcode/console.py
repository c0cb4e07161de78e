"""Terminal output: colour only for people, quiet and verbose modes, progress for long jobs.

Colour goes to a terminal and nowhere else: never into a pipe, a file or a CI log, and never
when `NO_COLOR` is set (https://no-color.org). `FORCE_COLOR` asks for colour anyway (NO_COLOR
wins). The global `--quiet` / `--verbose` options of `nsmcode` are kept in one `Console` on the
click context; commands fetch it with `current()` and print through it.

Only click, os and sys are imported here: this module is on the start-up path of every command.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from nsmcode.diagnostics import Diagnostic, Severity

T = TypeVar("T")

# Environment variables set by CI services; their logs are not terminals even when a pty is used.
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL")

_SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when running under a CI service."""
    env = os.environ if environ is None else environ
    return any(_truthy(env.get(name)) for name in CI_VARIABLES)


def wants_colour(stream: IO[str] | None, environ: Mapping[str, str] | None = None) -> bool:
    """Should text written to `stream` carry ANSI colour?

    NO_COLOR (any non-empty value) always wins; FORCE_COLOR asks for colour anywhere; otherwise
    only a real terminal outside CI, and not a `TERM=dumb` one, gets colour.
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if _truthy(env.get("FORCE_COLOR")):
        return True
    if in_ci(env) or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@dataclass
class Console:
    """Where a command's messages go, and how much of them.

    - `result()` is the command's product (a report, a table): always printed, to stdout.
    - `info()` is a progress note ("wrote 12 files"): hidden by --quiet, to stderr.
    - `detail()` is for --verbose only, to stderr.
    - `warn()` / `error()` / `diagnostic()` always go to stderr, quiet or not.
    """

    quiet: bool = False
    verbose: bool = False
    no_colour: bool = False
    output_file: Path | None = None
    progress_delay: float = 0.3
    """Seconds a job runs before its progress bar appears (quick runs draw nothing)."""
    out: IO[str] | None = None
    err: IO[str] | None = None
    environ: Mapping[str, str] | None = field(default=None, repr=False)

    def _stream(self, err: bool) -> IO[str]:
        chosen = self.err if err else self.out
        if chosen is not None:
            return chosen
        return sys.stderr if err else sys.stdout

    def colour(self, err: bool = False) -> bool:
        return not self.no_colour and wants_colour(self._stream(err), self.environ)

    def style(self, text: str, err: bool = False, **styles: object) -> str:
        """`text` with click styles (fg=..., bold=...) when the stream shows colour."""
        if not self.colour(err):
            return text
        return click.style(text, **styles)  # type: ignore[arg-type]

    def _echo(self, text: str, err: bool) -> None:
        click.echo(text, file=self._stream(err), color=self.colour(err))

    _written: list[str] = field(default_factory=list, repr=False)

    def result(self, text: str) -> None:
        """The command's product: to stdout, or to `--output-file` (rewritten atomically).

        Written exactly as rendered: click would strip what looks like colour codes from a pipe,
        which would change CSV data; colour comes only from `style()`, and table cells escape
        control characters themselves (`nsmcode.emit.printable`)."""
        if self.output_file is None:
            click.echo(text, file=self._stream(False), color=True)
            return
        from nsmcode.emit import write_atomically

        self._written.append(text + "\n")
        write_atomically(self.output_file, "".join(self._written))

    def info(self, text: str) -> None:
        if not self.quiet:
            self._echo(text, err=True)

    def success(self, text: str) -> None:
        if not self.quiet:
            self._echo(self.style(text, err=True, fg="green"), err=True)

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            self._echo(self.style(text, err=True, dim=True), err=True)

    @contextlib.contextmanager
    def timed(self, label: str) -> Iterator[None]:
        """With --verbose, say how long the block took: `label (0.12 s)` once it is done."""
        started = time.monotonic()
        yield
        self.detail(f"{label} ({seconds(time.monotonic() - started)})")

    def warn(self, text: str) -> None:
        self._echo(self.style("warning: ", err=True, fg="yellow", bold=True) + text, err=True)

    def error(self, text: str) -> None:
        self._echo(self.style("error: ", err=True, fg="red", bold=True) + text, err=True)

    def diagnostic(self, diagnostic: Diagnostic) -> None:
        """A located finding: `file:line:col: CODE message` plus its hint, code coloured."""
        where = f"{diagnostic.span}: " if diagnostic.span else ""
        colour = _SEVERITY_COLOURS.get(diagnostic.severity, "red")
        code = self.style(diagnostic.code, err=True, fg=colour, bold=True)
        text = f"{where}{code} {diagnostic.message}"
        if diagnostic.hint:
            text += "\n  " + self.style("hint:", err=True, fg="cyan") + f" {diagnostic.hint}"
        self._echo(text, err=True)

    def progress(
        self, items: Sequence[T] | Iterable[T], label: str, *, length: int | None = None
    ) -> Progress[T]:
        """Iterate over `items` with a progress bar on a terminal (see `Progress`)."""
        return Progress(items, label, self, length=length, delay=self.progress_delay)

    def steps(self, label: str) -> Callable[[Sequence[Any]], Iterable[Any]]:
        """A `progress=` wrapper for library calls that take one (`execute.run`, `build_site`)."""
        return lambda items: self.progress(items, label)


class Progress(Iterator[T]):
    """A progress bar for long jobs such as compiling many metrics or querying for the site.

    Drawn by click's progress bar on stderr only when it is a terminal outside CI and --quiet is
    off, and only once the job has run for `delay` seconds, so quick runs print nothing.
    Elsewhere it is a plain iterator; with --verbose each item is logged on its own line instead,
    once it is done, with the time it took.

        for metric in current().progress(names, "compiling"):
            ...
    """

    def __init__(
        self,
        items: Sequence[T] | Iterable[T],
        label: str,
        console: Console,
        *,
        length: int | None = None,
        delay: float = 0.3,
    ) -> None:
        self._items = iter(items)
        self.label = label
        self.console = console
        self.length = length if length is not None else _length(items)
        self.delay = delay
        self.done = 0
        self.started = time.monotonic()
        self._bar: Any = None
        self._logged: tuple[str, float] | None = None  # --verbose: the item under way, since
        stream = console._stream(err=True)
        self.enabled = (
            not console.quiet
            and not in_ci(console.environ)
            and bool(getattr(stream, "isatty", lambda: False)())
        )
        self._stream = stream

    def __iter__(self) -> Progress[T]:
        return self

    def __next__(self) -> T:
        self._log_done()
        try:
            item = next(self._items)
        except StopIteration:
            self.finish()
            raise
        if self.console.verbose and not self.enabled:
            count = f"{self.done + 1}/{self.length}" if self.length else f"{self.done + 1}"
            self._logged = (f"{self.label} {count}: {_shown(item)}", time.monotonic())
        self.done += 1
        self.draw(_shown(item))
        return item

    def draw(self, current: str = "") -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            progressbar: Any = click.progressbar  # the typed overloads need an iterable
            self._bar = progressbar(
                length=self.length or 0,
                label=self.label,
                file=self._stream,
                show_pos=True,
                show_eta=False,
                item_show_func=lambda item: None if item is None else str(item)[:60],
                color=self.console.colour(err=True),
            )
            self._bar.__enter__()
            self._bar.update(self.done - 1)
        self._bar.update(1, current)

    def _log_done(self) -> None:
        """--verbose without a bar: one line per finished item, with the time it took."""
        if self._logged is not None:
            text, since = self._logged
            self._logged = None
            self.console.detail(f"{text} ({seconds(time.monotonic() - since)})")

    def finish(self) -> None:
        self._log_done()
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __enter__(self) -> Progress[T]:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:
            self._logged = None  # the item failed: its error says so
        self.finish()


def _shown(item: object) -> str:
    """How a step is named: a definition by its name, anything else as it prints."""
    name = getattr(item, "name", None)
    return name if isinstance(name, str) else str(item)


def seconds(elapsed: float) -> str:
    return f"{elapsed:.2f} s"


def _length(items: object) -> int | None:
    try:
        return len(items)  # type: ignore[arg-type]
    except TypeError:
        return None


def verbose_session(console: Console, header: str) -> Callable[[], None]:
    """--verbose: print `header`, show the library's `nsmcode` log records (connections opened,
    queries run, files read, cache hits) as detail lines; the returned closer says how long the
    command took and detaches the handler (commands run in-process, e.g. by tests, share it)."""
    import logging

    class ToConsole(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            console.detail(record.getMessage())

    started = time.monotonic()
    logger = logging.getLogger("nsmcode")
    handler, level = ToConsole(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    console.detail(header)

    def close() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)
        console.detail(f"done in {seconds(time.monotonic() - started)}")

    return close


def current() -> Console:
    """The Console of the running command (set up by `nsmcode --quiet/--verbose`).

    Outside a command (library use, tests calling a command object directly) a default Console
    is returned, so callers never need to check.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        found = ctx.find_object(Console)
        if found is not None:
            return found
    return Console()


def is_quiet() -> bool:
    return current().quiet


def is_verbose() -> bool:
    return current().verbose


__all__ = [
    "Console",
    "Progress",
    "current",
    "in_ci",
    "is_quiet",
    "is_verbose",
    "seconds",
    "verbose_session",
    "wants_colour",
]
