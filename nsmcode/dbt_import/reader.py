"""Find and parse the dbt YAML files that hold MetricFlow semantic models and metrics.

Files are parsed with `nsmcode.yamlsource` so every dbt value keeps its file:line:col: anything
the import cannot carry over is reported where the user wrote it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nsmcode.diagnostics import Diagnostic, InputError, Severity, Span
from nsmcode.loader import display_path, read_text
from nsmcode.yamlsource import Document, parse

# Folders dbt writes into or installs packages into: never the user's definitions.
SKIPPED_FOLDERS = {"target", "dbt_packages", "dbt_modules", "logs", "node_modules", "venv"}


MAX_NAME = 128  # nsmcode names


def short_name(name: str) -> str:
    """`name`, or when longer than nsmcode allows its start and a stable hash of the whole."""
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: MAX_NAME - 12].rstrip('_')}__{digest}"


def too_long(loc: Located, problems: list[Diagnostic]) -> bool:
    """A dbt name longer than nsmcode's 128 characters: reported (D108), the item left out."""
    if len(loc.name) <= MAX_NAME:
        return False
    problems.append(
        not_carried(
            "D108",
            f"{loc.name[:40]}...: a name of {len(loc.name)} characters is not carried over; "
            f"nsmcode names have at most {MAX_NAME}",
            loc.span("name"),
            "give it a shorter name in dbt",
        )
    )
    return True


def not_carried(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    """A dbt feature the import could not carry over (exit 1)."""
    return Diagnostic(code, message, span, hint, Severity.WARNING)


@dataclass(frozen=True)
class Located:
    """A dbt object (a mapping) and where it is written."""

    value: dict[str, Any]
    doc: Document
    path: tuple[str | int, ...]

    @property
    def name(self) -> str:
        name = self.value.get("name")
        return name if isinstance(name, str) else ""

    def span(self, *sub: str | int, key: bool = False) -> Span:
        return self.doc.span((*self.path, *sub), key=key)

    def get(self, key: str, default: Any = None) -> Any:
        return self.value.get(key, default)

    def child(self, *sub: str | int) -> Located | None:
        """The mapping at `sub` below this one, located; None when it is not a mapping."""
        current: Any = self.value
        for part in sub:
            if isinstance(current, dict) and isinstance(part, str):
                current = current.get(part)
            elif isinstance(current, list) and isinstance(part, int) and part < len(current):
                current = current[part]
            else:
                return None
        if not isinstance(current, dict):
            return None
        return Located(current, self.doc, (*self.path, *sub))

    def children(self, key: str) -> list[Located]:
        """Located mappings of the list under `key` (non-mappings are skipped by the caller)."""
        items = self.value.get(key)
        if not isinstance(items, list):
            return []
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                out.append(Located(item, self.doc, (*self.path, key, i)))
        return out


@dataclass
class DbtFiles:
    """Everything read from a dbt project: semantic models, metrics and other notable sections."""

    root: Path
    project_name: str | None
    files: list[str]
    semantic_models: list[Located]
    metrics: list[Located]
    saved_queries: list[Located]
    latest_spec_models: list[Located]
    warnings: list[Diagnostic] = field(default_factory=list)
    """Items left out while reading (a name nsmcode cannot hold), reported, not fatal."""
    column_types: dict[str, dict[str, str]] = field(default_factory=dict)
    """dbt model -> column (lower case) -> its declared `data_type` (models: columns:)."""
    time_spines: list[Located] = field(default_factory=list)
    """Time spine models (`time_spine:` config, or the manifest's `time_spines`)."""


def project_name_of(folder: Path) -> str | None:
    """The `name` in `folder`/dbt_project.yml, if it can be read."""
    file = folder / "dbt_project.yml"
    if not file.is_file():
        return None
    text, errs = read_text(file, str(file))
    if text is None:
        return None
    doc, errs = parse(text, str(file))
    name = doc.value.get("name") if isinstance(doc.value, dict) and not errs else None
    return name if isinstance(name, str) else None


def _candidate_files(path: Path) -> tuple[list[Path], str | None, list[Diagnostic]]:
    if path.is_file():
        return [path], None, []
    project_name: str | None = None
    folders = [path]
    problems: list[Diagnostic] = []
    project_file = path / "dbt_project.yml"
    if project_file.is_file():
        shown = display_path(project_file, path)
        text, errs = read_text(project_file, shown)
        problems += errs
        if text is not None:
            doc, errs = parse(text, shown)
            problems += errs
            if isinstance(doc.value, dict):
                name = doc.value.get("name")
                project_name = name if isinstance(name, str) else None
                model_paths = doc.value.get("model-paths", doc.value.get("source-paths"))
                if isinstance(model_paths, list) and all(isinstance(p, str) for p in model_paths):
                    folders = [path / p for p in model_paths]
                else:
                    folders = [path / "models"]
    files: set[Path] = set()
    for folder in folders:
        if folder.is_file():
            files.add(folder)
            continue
        for pattern in ("*.yml", "*.yaml"):
            for found in folder.rglob(pattern):
                rel = found.relative_to(folder).parts[:-1]
                if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in rel):
                    continue
                if found.is_file() and found.name != "dbt_project.yml":
                    files.add(found)
    return sorted(files, key=lambda p: p.as_posix()), project_name, problems


def _column_types(model: Any, into: dict[str, dict[str, str]]) -> None:
    """A dbt model's columns with a declared `data_type` (dbt's model contracts)."""
    if not isinstance(model, dict) or not isinstance(model.get("name"), str):
        return
    for column in model.get("columns") or []:
        if not isinstance(column, dict):
            continue
        name, data_type = column.get("name"), column.get("data_type")
        if isinstance(name, str) and isinstance(data_type, str) and data_type.strip():
            into.setdefault(model["name"], {})[name.lower()] = data_type.strip()


def read_dbt(path: Path) -> DbtFiles:
    """Read every semantic model and metric under `path` (a dbt project, a folder or one file).

    Raises InputError (exit 2) when nothing can be read: a missing path, YAML that does not
    parse, or no semantic models and no metrics at all.
    """
    if not path.exists():
        raise InputError(
            [
                Diagnostic(
                    "D001",
                    f"{path} does not exist",
                    Span(str(path)),
                    "pass the dbt project folder (holding dbt_project.yml) or a YAML file",
                )
            ]
        )
    paths, project_name, problems = _candidate_files(path)
    root = path if path.is_dir() else path.parent
    result = DbtFiles(root, project_name, [], [], [], [], [])
    for file in paths:
        shown = display_path(file, root)
        text, errs = read_text(file, shown)
        problems += errs
        if text is None:
            continue
        doc, errs = parse(text, shown)
        if errs:
            problems += errs
            continue
        if not isinstance(doc.value, dict):
            continue
        found = False
        for key, bucket in (
            ("semantic_models", result.semantic_models),
            ("metrics", result.metrics),
            ("saved_queries", result.saved_queries),
        ):
            section = doc.value.get(key)
            if section is None:
                continue
            found = True
            if not isinstance(section, list):
                problems.append(
                    Diagnostic(
                        "D002",
                        f"`{key}` must be a list",
                        doc.span((key,)),
                        f"write `{key}:` followed by `- name: ...` items",
                    )
                )
                continue
            for i, item in enumerate(section):
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    problems.append(
                        Diagnostic(
                            "D002",
                            f"every item of `{key}` needs a `name`",
                            doc.span((key, i)),
                        )
                    )
                    continue
                located = Located(item, doc, (key, i))
                if not too_long(located, result.warnings):
                    bucket.append(located)
        models = doc.value.get("models")
        if isinstance(models, list):
            for i, item in enumerate(models):
                if isinstance(item, dict) and "semantic_model" in item:
                    found = True
                    result.latest_spec_models.append(Located(item, doc, ("models", i)))
                if isinstance(item, dict) and isinstance(item.get("time_spine"), dict):
                    found = True
                    result.time_spines.append(Located(item, doc, ("models", i)))
                _column_types(item, result.column_types)
        if found:
            result.files.append(shown)
    if problems:
        raise InputError(problems)
    if not result.semantic_models and not result.metrics and not result.latest_spec_models:
        raise InputError(
            [
                Diagnostic(
                    "D001",
                    f"no dbt semantic models or metrics found under {path}",
                    Span(str(path)),
                    "point at the dbt project (or a YAML file) with `semantic_models:` "
                    "and `metrics:` sections",
                )
            ]
        )
    return result
