"""Load a project: find its files, parse them with spans, validate them against the models.

Every problem in every file is collected before giving up, so a user fixes a broken project in one
round trip rather than one error at a time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Severity, Span
from nsmcode.yamlsource import MAX_FILE_BYTES, Document, parse

PROJECT_FILE = "nsmcode.yaml"
Parser = Callable[[str, str], tuple[Document, list[Diagnostic]]]
"""Parses a file's text, given the path shown in diagnostics, into a located document."""
SECTIONS = ("sources", "qualifiers", "metrics", "funnels", "teams", "okrs")


def display_path(path: Path, root: Path) -> str:
    """Paths in diagnostics are relative to the working directory when possible, as editors like."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_text(path: Path, shown: str) -> tuple[str | None, list[Diagnostic]]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a huge file is refused, not read whole
    except OSError as exc:
        return None, [Diagnostic("E009", f"cannot read file: {exc.strerror}", Span(shown))]
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Diagnostic(
                "E009",
                f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB",
                Span(shown),
                "split the definitions across several files",
            )
        ]
    if b"\x00" in data[:8192]:
        return None, [
            Diagnostic(
                "E009", "file is binary, not YAML text", Span(shown), "remove it from the folder"
            )
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Diagnostic(
                "E009",
                "file is not valid UTF-8",
                Span(shown, line, col),
                "save the file as UTF-8",
            )
        ]


def brief(value: object, limit: int = 60) -> str:
    """`repr(value)`, shortened: a message never echoes a megabyte of hostile input back."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 4] + "..." + (text[-1] if text[-1] in "'\"" else "")


def _fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class reached by following `loc` from `model`, to suggest field names."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part in current.model_fields:
                current = _inner_model(current.model_fields[part].annotation)
            else:
                current = _calculation_by_tag(part) or current
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _calculation_by_tag(tag: Any) -> type[BaseModel] | None:
    for cls in models.Calculation.__origin__.__args__:  # type: ignore[attr-defined]
        if cls.model_fields["type"].annotation.__args__[0] == tag:
            return cls  # type: ignore[no-any-return]
    return None


def _tag_of(current: Any, part: Any) -> bool:
    """Whether `part` of an error location is the union tag of the calculation `current`."""
    return (
        isinstance(current, dict)
        and current.get("type") == part
        and _calculation_by_tag(part) is not None
    )


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _data_path(value: Any, loc: tuple[Any, ...]) -> tuple[tuple[str | int, ...], list[Any]]:
    """Map a pydantic error location onto the document: drop union tags that are not data keys."""
    path: list[str | int] = []
    kept: list[Any] = []
    current = value
    tagged = None
    for part in loc:
        if _tag_of(current, part) and tagged is not current:
            kept.append(part)  # `conversion` in a conversion's loc is its tag, not its field
            tagged = current
        elif (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            path.append(part)
            kept.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and part not in current:
            # a missing or unknown field name, or a union tag
            kept.append(part)
        else:
            kept.append(part)
    return tuple(path), kept


def _label(value: Any, loc: tuple[Any, ...]) -> str:
    """A readable location such as `metrics[weekly_signups].calculation`."""
    parts: list[str] = []
    current = value
    tagged = None
    for part in loc:
        if isinstance(part, int) and isinstance(current, list) and part < len(current):
            current = current[part]
            name = current.get("name") if isinstance(current, dict) else None
            label = brief(name)[1:-1] if isinstance(name, str) else part
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label}]"]
        elif _tag_of(current, part) and tagged is not current:
            tagged = current  # the union's tag comes once, before the fields
            continue
        elif isinstance(current, dict) and part in current:
            current = current[part]
            parts.append(str(part))
        elif not isinstance(part, int) and not _calculation_by_tag(part):
            parts.append(str(part))
    return ".".join(parts)


def validation_diagnostics(
    exc: ValidationError, doc: Document, model: type[BaseModel]
) -> list[Diagnostic]:
    """Turn pydantic errors into located diagnostics with hints, in the user's words."""
    out: list[Diagnostic] = []
    suggested: set[tuple[tuple[str | int, ...], str]] = set()
    missing: list[tuple[tuple[str | int, ...], str, Diagnostic]] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path, _ = _data_path(doc.value, loc)
        if any(path[: len(r)] == r for r in doc.refused):
            continue  # already reported as a refused tag or merge key
        where = _label(doc.value, loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            key = loc[-1]
            owner = _model_at(model, loc[:-1])
            choices = _fields(owner) if owner else []
            close = difflib.get_close_matches(str(key), choices, n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else (f"allowed keys: {', '.join(choices)}" if choices else None)
            )
            parent = path[:-1] if path and path[-1] == key else path
            if close:
                suggested.add((parent, close[0]))
            out.append(
                Diagnostic(
                    "E003", f"unknown key {brief(key)}", doc.span((*parent, key), key=True), hint
                )
            )
        elif kind == "missing":
            field = str(loc[-1])
            owner_label = _label(doc.value, loc[:-1])
            diagnostic = Diagnostic(
                "E005",
                f"missing required field {field!r} "
                + (f"in {owner_label}" if owner_label else "at the top of the file"),
                doc.span(path),
                f"add `{field}:`",
            )
            missing.append((path, field, diagnostic))
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx", {})
            tags = _quoted(str(ctx.get("expected_tags", "")))
            out.append(
                Diagnostic(
                    "E004",
                    f"{where}: unknown calculation type {brief(ctx.get('tag'))}",
                    doc.span((*path, "type")),
                    _choose(str(ctx.get("tag")), tags),
                )
            )
        elif kind == "union_tag_not_found":
            out.append(
                Diagnostic(
                    "E005",
                    f"missing required field 'type' in {where}",
                    doc.span(path),
                    f"add `type:`, one of: {', '.join(_CALCULATION_TYPES)}",
                )
            )
        else:
            message, hint = _explain(err, loc)
            where = f"{where}: " if where else ""
            # an empty value has no position of its own: point at its key
            span = doc.span(path, key=err.get("input") is None)
            out.append(Diagnostic("E004", f"{where}{message}", span, hint))
    # `colum:` gives both "unknown key 'colum'" (did you mean 'column'?) and "missing 'column'":
    # the first says it all
    out += [d for path, field, d in missing if (path, field) not in suggested]
    return out


_CALCULATION_TYPES = tuple(
    cls.model_fields["type"].annotation.__args__[0]
    for cls in models.Calculation.__origin__.__args__  # type: ignore[attr-defined]
)
_PATTERNS = (
    (
        "^[1-9][0-9]{0,3} (hour",
        "a valid duration",
        "write a number and a unit: hours, days, weeks, months or quarters, e.g. '6 hours', "
        "'7 days' or '3 months'",
    ),
    (
        "quarter|quarters",
        "a valid date",
        "write a date (YYYY-MM-DD) or a count back such as '-12 weeks' or '-90 days'",
    ),
    ("Q[1-4]", "a valid period", "write 2026, 2026-H1, 2026-Q1 or 2026-03"),
    (
        "[A-Z]+[0-9]+",
        "a valid rule code",
        "rule codes look like NSM001; `nsmcode rules` lists them",
    ),
    (
        "[A-Za-z_]",
        "a valid name",
        "use letters, digits and underscores, not starting with a digit (e.g. weekly_signups)",
    ),
)


def _quoted(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _choose(got: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(got, choices, n=1)
    return f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(choices)}"


def _shown(value: Any) -> str:
    if value is None:
        return " (the value is empty)"
    if isinstance(value, (str, int, float, bool, dt.date)):
        return f" (got {brief(value)})" if not isinstance(value, dt.date) else f" (got {value})"
    if isinstance(value, list):
        return " (got a list)"
    if isinstance(value, dict):
        return " (got a mapping)"
    return ""


def _explain(err: Any, loc: tuple[Any, ...]) -> tuple[str, str | None]:
    """Pydantic's error for a bad value, reworded for someone editing YAML, with a fix hint."""
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    got = _shown(value)
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind in ("enum", "literal_error"):
        choices = _quoted(str(ctx.get("expected", "")))
        if field == "version":
            return f"unsupported spec version{got}", "write `version: 1`"
        return f"{brief(value)} is not one of: {', '.join(choices)}", _choose(str(value), choices)
    if kind in ("tuple_type", "list_type"):
        return f"expected a list{got}", "write a list: `[a, b]`, or one `- item` per line"
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        hint = (
            "write a mapping, e.g. `calculation: {type: count}`"
            if field == "calculation"
            else "write `key: value` pairs indented under it"
        )
        return f"expected a mapping{got}", hint
    if kind.startswith("bool"):
        return f"expected true or false{got}", "write true or false, without quotes"
    if kind == "finite_number" or (kind == "float_type" and isinstance(value, int)):
        return (
            f"expected a finite number{got}",
            "write a plain number; .nan and .inf are not numbers",
        )
    if kind.startswith(("int", "float")):
        what = "a whole number" if kind.startswith("int") else "a number"
        return f"expected {what}{got}", "write a plain number, without quotes or units"
    if kind.startswith(("date", "datetime")):
        return f"expected a date{got}", "write a date as YYYY-MM-DD, e.g. 2026-12-31"
    if kind == "string_type":
        hint = (
            "fill in a value or remove the key"
            if value is None
            else "quote the value: YAML reads it as a number or a date"
            if isinstance(value, (int, float, dt.date))
            else "write a single text value"
        )
        return f"expected text{got}", hint
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        for marker, what, hint in _PATTERNS:
            if marker in pattern:
                return f"{brief(value)} is not {what}", hint
        return f"{brief(value)} has the wrong format", None
    if kind == "string_too_short":
        return "must not be empty", "write a value, or remove the key if it is optional"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters", "shorten it"
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"needs at least {n} item{'s' if n != 1 else ''}{got}", f"list {n} or more"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limits = {
            "ge": "{} or more",
            "le": "{} or less",
            "gt": "more than {}",
            "lt": "less than {}",
        }
        bounds = [limits[k].format(v) for k, v in ctx.items() if k in limits]
        return err["msg"].replace("Input should be", "must be") + got, f"use {bounds[0]}"
    message = str(err["msg"]).removeprefix("Value error, ")
    extra = got if isinstance(value, (str, int, float)) else ""
    return message + extra, (str(ctx["hint"]) if ctx.get("hint") else None)


def validate_document(
    doc: Document, model: type[models.Spec]
) -> tuple[models.Spec | None, list[Diagnostic]]:
    value = doc.value if doc.value is not None else {}
    if not isinstance(value, dict):
        return None, [
            Diagnostic(
                "E004",
                "the file must be a mapping of sections (sources:, metrics:, ...)",
                doc.span(()),
                "start with a section name, e.g. `metrics:`, and list the definitions under it",
            )
        ]
    try:
        return model.model_validate(value), []
    except ValidationError as exc:
        return None, validation_diagnostics(exc, doc, model)


def find_project_file(root: Path) -> Path:
    path = root / PROJECT_FILE
    if not path.is_file():
        raise InputError(
            [
                Diagnostic(
                    "E009",
                    f"no {PROJECT_FILE} in {root}",
                    Span(str(root)),
                    "pass --project DIR pointing at the folder that holds nsmcode.yaml, "
                    "or create one with `nsmcode init DIR`",
                )
            ]
        )
    return path


@dataclass
class Scan:
    """The definition files under `paths:`, and what could not be read or was left out."""

    files: list[Path] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    """Errors: a folder or file that cannot be read, a link that leaves the project."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """What was skipped and why: FIFOs, devices, sockets, folders named like YAML files."""


_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _is_yaml(name: str) -> bool:
    return name.endswith((".yml", ".yaml")) and name != PROJECT_FILE


class _Walker:
    """Walks the folders of `paths:` without ever opening anything but folders and regular
    files (opening a FIFO would wait forever), and without leaving the project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.scan = Scan()
        self.seen: set[Path] = set()

    def shown(self, path: Path) -> str:
        """The path as written, relative to the working directory: a link is not followed."""
        try:
            return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def error(self, path: Path, message: str, hint: str, where: Span | None) -> None:
        span = where or Span(self.shown(path))
        self.scan.problems.append(Diagnostic("E009", message, span, hint))

    def visit(self, path: Path, where: Span | None = None) -> None:
        """`where` locates a problem with a `paths:` entry itself (in nsmcode.yaml)."""
        top = where is not None
        shown = self.shown(path)
        try:
            info = path.stat()  # follows a symbolic link
        except OSError as exc:
            if top or _is_yaml(path.name):
                broken = path.is_symlink() and isinstance(exc, FileNotFoundError)
                self.error(
                    path,
                    f"cannot read {shown}: "
                    + ("a symbolic link to nothing" if broken else str(exc.strerror).lower()),
                    "fix the link or remove it" if broken else "check its permissions",
                    where,
                )
            return
        real = path.resolve()
        if not real.is_relative_to(self.real_root):
            if top or _is_yaml(path.name) or stat.S_ISDIR(info.st_mode):
                self.error(
                    path,
                    f"{shown} leads outside the project (to {real})",
                    "keep definitions inside the project folder; copy the file in instead of "
                    "linking to it",
                    where,
                )
            return
        if stat.S_ISDIR(info.st_mode):
            self.folder(path, real, shown, where)
        elif stat.S_ISREG(info.st_mode):
            if (top or _is_yaml(path.name)) and real not in self.seen:
                self.seen.add(real)
                self.scan.files.append(path)
        elif top or _is_yaml(path.name):
            what = next((name for test, name in _SPECIAL if test(info.st_mode)), "not a file")
            self.scan.warnings.append(
                Diagnostic(
                    "E009",
                    f"skipped {shown}: it is {what}, not a definition file",
                    where or Span(shown),
                    "definitions are regular YAML files; remove it or move it out of the folder",
                    severity=Severity.WARNING,
                )
            )

    def folder(self, path: Path, real: Path, shown: str, where: Span | None) -> None:
        if real in self.seen:  # a link to a folder already read (or to an ancestor: a loop)
            return
        self.seen.add(real)
        if where is None and _is_yaml(path.name):
            self.scan.warnings.append(
                Diagnostic(
                    "E009",
                    f"skipped {shown}: a folder named like a definition file",
                    Span(shown),
                    "rename the folder; the files in it are not read while it is skipped",
                    severity=Severity.WARNING,
                )
            )
            return
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as exc:
            self.error(
                path,
                f"cannot read folder {shown}: {str(exc.strerror).lower()}",
                "check its permissions: its definitions would be left out, and `compile` "
                "would remove their SQL",
                where,
            )
            return
        for name in names:
            self.visit(path / name)


def scan_definitions(
    root: Path, config: models.ProjectFile, config_doc: Document | None = None
) -> Scan:
    """Every *.yml / *.yaml under the configured folders, in a stable order, with what could
    not be read (errors) and what was skipped (warnings)."""
    walker = _Walker(root)
    for i, folder in enumerate(config.paths):
        base = root / folder
        if not base.exists() and not base.is_symlink():
            continue  # reported by load_documents, at the entry
        where = config_doc.span(("paths", i)) if config_doc else Span(PROJECT_FILE)
        walker.visit(base, where)
    scan = walker.scan
    scan.files.sort(key=lambda p: p.relative_to(root).as_posix())
    return scan


def definition_files(root: Path, config: models.ProjectFile) -> list[Path]:
    """Every *.yml / *.yaml under the configured folders, in a stable order."""
    return scan_definitions(root, config).files


def load_config(root: Path) -> tuple[models.ProjectFile, Document, list[Diagnostic]]:
    """The project file, parsed and validated (or raise InputError), with problems of its
    `paths:` entries."""
    project_path = find_project_file(root)
    shown = display_path(project_path, root)
    text, errs = read_text(project_path, shown)
    if text is None:
        raise InputError(errs)
    project_doc, errs = parse(text, shown)
    if errs:
        raise InputError(errs)
    config, errs = validate_document(project_doc, models.ProjectFile)
    if config is None:
        raise InputError(errs)
    assert isinstance(config, models.ProjectFile)
    problems: list[Diagnostic] = []
    for i, folder in enumerate(config.paths):
        if not (root / folder).exists():
            problems.append(
                Diagnostic(
                    "E009",
                    f"definitions folder {folder!r} does not exist",
                    project_doc.span(("paths", i)),
                    "create it or fix the path in nsmcode.yaml",
                )
            )
    return config, project_doc, problems


def load_file(
    shown: str, text: str | None, problems: list[Diagnostic], parser: Parser = parse
) -> tuple[models.DefinitionFile | None, Document | None, list[Diagnostic]]:
    """One definition file's text (None when it could not be read, with `problems` saying
    why) parsed and validated: the model, the located document and every problem found."""
    if text is None:
        return None, None, problems
    doc, errs = parser(text, shown)
    problems = [*problems, *errs]
    if doc.value is None and errs:
        return None, doc, problems
    parsed, errs = validate_document(doc, models.DefinitionFile)
    assert parsed is None or isinstance(parsed, models.DefinitionFile)
    return parsed, doc, [*problems, *errs]


def load_documents(
    root: Path, parser: Parser = parse, warnings: list[Diagnostic] | None = None
) -> tuple[models.ProjectFile, Document, list[tuple[models.DefinitionFile, Document]]]:
    """Parse and validate the project file and every definition file, or raise InputError.

    `parser` parses one definition file; `compile` passes a cached one (same results, faster).
    What was skipped (a FIFO, a folder named `x.yaml`) is added to `warnings`.
    """
    warnings = [] if warnings is None else warnings
    root = root.resolve() if root.exists() else root
    config, project_doc, problems = load_config(root)
    scan = scan_definitions(root, config, project_doc)
    problems += scan.problems
    warnings.extend(scan.warnings)
    definitions: list[tuple[models.DefinitionFile, Document]] = []
    for path in scan.files:
        shown = display_path(path, root)
        parsed, doc, errs = load_file(shown, *read_text(path, shown), parser)
        problems += errs
        if parsed is not None and doc is not None:
            definitions.append((parsed, doc))
    if problems:
        raise InputError(problems)
    return config, project_doc, definitions
