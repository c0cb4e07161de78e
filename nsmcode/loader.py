"""Load a project: find its files, parse them with spans, validate them against the models.

Every problem in every file is collected before giving up, so a user fixes a broken project in one
round trip rather than one error at a time.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.yamlsource import Document, parse

PROJECT_FILE = "nsmcode.yaml"
SECTIONS = ("sources", "qualifiers", "metrics", "funnels", "teams", "okrs")


def display_path(path: Path, root: Path) -> str:
    """Paths in diagnostics are relative to the working directory when possible, as editors like."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_text(path: Path, shown: str) -> tuple[str | None, list[Diagnostic]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic("E009", f"cannot read file: {exc.strerror}", Span(shown))]
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
    for part in loc:
        if (isinstance(current, dict) and part in current) or (
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
    for part in loc:
        if isinstance(part, int) and isinstance(current, list) and part < len(current):
            current = current[part]
            name = current.get("name") if isinstance(current, dict) else None
            parts[-1:] = [
                f"{parts[-1] if parts else ''}[{name if isinstance(name, str) else part}]"
            ]
        elif isinstance(current, dict) and part in current:
            current = current[part]
            parts.append(str(part))
        elif not isinstance(part, int) and not _calculation_by_tag(part):
            parts.append(str(part))
    return ".".join(parts) or "document"


def validation_diagnostics(
    exc: ValidationError, doc: Document, model: type[BaseModel]
) -> list[Diagnostic]:
    """Turn pydantic errors into located diagnostics with hints."""
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path, _ = _data_path(doc.value, loc)
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
            out.append(
                Diagnostic("E003", f"unknown key {key!r}", doc.span((*path, key), key=True), hint)
            )
        elif kind == "missing":
            field = loc[-1]
            out.append(
                Diagnostic(
                    "E005",
                    f"missing required field {field!r} in {_label(doc.value, loc[:-1])}",
                    doc.span(path),
                    f"add `{field}:`",
                )
            )
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx", {})
            out.append(
                Diagnostic(
                    "E004",
                    f"unknown calculation type {ctx.get('tag')!r}",
                    doc.span((*path, "type")),
                    f"use one of: {ctx.get('expected_tags')}",
                )
            )
        elif kind == "union_tag_not_found":
            out.append(
                Diagnostic(
                    "E005",
                    "missing required field 'type' in calculation",
                    doc.span(path),
                    "add `type:` (count, count_distinct, sum, average, min, max, ratio, derived, "
                    "cumulative, conversion, period_over_period, retention)",
                )
            )
        else:
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            shown = f" (got {value!r})" if isinstance(value, (str, int, float, bool)) else ""
            out.append(Diagnostic("E004", f"{where}: {message}{shown}", doc.span(path), None))
    return out


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


def definition_files(root: Path, config: models.ProjectFile) -> list[Path]:
    """Every *.yml / *.yaml under the configured folders, in a stable order."""
    files: set[Path] = set()
    for folder in config.paths:
        base = root / folder
        if base.is_file():
            files.add(base)
            continue
        for pattern in ("*.yml", "*.yaml"):
            files.update(p for p in base.rglob(pattern) if p.is_file() and p.name != PROJECT_FILE)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def load_documents(
    root: Path,
) -> tuple[models.ProjectFile, Document, list[tuple[models.DefinitionFile, Document]]]:
    """Parse and validate the project file and every definition file, or raise InputError."""
    root = root.resolve() if root.exists() else root
    project_path = find_project_file(root)
    problems: list[Diagnostic] = []
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
    definitions: list[tuple[models.DefinitionFile, Document]] = []
    for path in definition_files(root, config):
        shown = display_path(path, root)
        text, errs = read_text(path, shown)
        problems += errs
        if text is None:
            continue
        doc, errs = parse(text, shown)
        problems += errs
        if doc.value is None and errs:
            continue
        parsed, errs = validate_document(doc, models.DefinitionFile)
        problems += errs
        if parsed is not None:
            assert isinstance(parsed, models.DefinitionFile)
            definitions.append((parsed, doc))
    if problems:
        raise InputError(problems)
    return config, project_doc, definitions
