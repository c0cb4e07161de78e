"""A project kept loaded between checks, for editors: re-validating after one file changed
re-reads and re-parses that file only.

Every file's parse and model validation is kept with a key (its text when an editor holds it, else
its size, mtime and inode); `check()` reuses the unchanged ones, then resolves the project and
runs the rule pack as `nsmcode validate` does, so the diagnostics are the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.loader import display_path, load_config, load_file, read_text, scan_definitions
from nsmcode.project import Project, build_project
from nsmcode.yamlsource import Document


@dataclass
class _File:
    key: Any
    parsed: models.DefinitionFile | None
    doc: Document | None
    problems: list[Diagnostic]


def file_key(path: Path | str) -> Path:
    """How the workspace names a file: absolute, links not followed (as the loader lists it)."""
    return Path(os.path.abspath(path))


class Workspace:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.open: dict[Path, str] = {}
        """Text of the files an editor holds, which wins over what is on disk."""
        self.project: Project | None = None
        """The last project that resolved without input errors (kept while the user types)."""
        self.diagnostics: list[Diagnostic] = []
        self.parsed = 0
        """Files parsed so far (a test checks that a re-check parses only what changed)."""
        self._files: dict[Path, _File] = {}

    def update(self, path: Path | str, text: str) -> None:
        self.open[file_key(path)] = text

    def close(self, path: Path | str) -> None:
        self.open.pop(file_key(path), None)

    def documents(self) -> dict[Path, Document]:
        """The located document of every definition file read by the last check."""
        return {path: f.doc for path, f in self._files.items() if f.doc is not None}

    def path_of(self, shown: str) -> Path:
        """The file a diagnostic's span names (spans are relative to the working directory)."""
        return file_key(shown)

    def _load(self, path: Path) -> _File:
        text = self.open.get(path)
        if text is not None:
            key: Any = ("open", text)
        else:
            try:
                info = os.stat(path)
                key = (info.st_size, info.st_mtime_ns, info.st_ino)
            except OSError:
                key = None
        known = self._files.get(path)
        if known is not None and key is not None and known.key == key:
            return known
        shown = display_path(path, self.root)
        if text is not None:
            read: tuple[str | None, list[Diagnostic]] = (text, [])
        else:
            read = read_text(path, shown)
        self.parsed += 1
        parsed, doc, problems = load_file(shown, *read)
        return _File(key, parsed, doc, problems)

    def check_file(self, path: Path | str) -> list[Diagnostic]:
        """The problems of one definition file on its own (syntax, structure, values): what an
        editor can show at once, before the whole project is resolved and checked."""
        key = file_key(path)
        state = self._files[key] = self._load(key)
        return sorted(state.problems, key=Diagnostic.sort_key)

    def check(self) -> list[Diagnostic]:
        """Every diagnostic `nsmcode validate` reports for the project as it is now."""
        from nsmcode.rules import check_project

        try:
            config, config_doc, problems = load_config(self.root)
        except InputError as exc:
            self.diagnostics = exc.diagnostics
            return self.diagnostics
        scan = scan_definitions(self.root, config, config_doc)
        problems += scan.problems
        files: dict[Path, _File] = {}
        definitions: list[tuple[models.DefinitionFile, Document]] = []
        for path in scan.files:
            state = files[file_key(path)] = self._load(file_key(path))
            problems += state.problems
            if state.parsed is not None and state.doc is not None:
                definitions.append((state.parsed, state.doc))
        self._files = files
        if problems:
            self.diagnostics = sorted([*problems, *scan.warnings], key=Diagnostic.sort_key)
            return self.diagnostics
        try:
            project = build_project(self.root, config, config_doc, definitions)
        except InputError as exc:
            self.diagnostics = sorted([*exc.diagnostics, *scan.warnings], key=Diagnostic.sort_key)
            return self.diagnostics
        project.warnings = scan.warnings
        self.project = project
        self.diagnostics = check_project(project).findings
        return self.diagnostics
