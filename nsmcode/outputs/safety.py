"""Where compile may write: a folder of its own, holding nothing but what nsmcode wrote there.

Compile replaces the output folder's content, so a mistyped `--out` must never point it at the
project, at definitions, or at someone else's files. Each refusal is a located diagnostic:

- C102 the output folder is the project folder or contains it;
- C103 the output folder holds the project file or definitions;
- C104 the output folder holds files nsmcode did not write;
- C105 the output path is a file, not a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.loader import PROJECT_FILE, definition_files, display_path
from nsmcode.outputs.cache import CACHE_DIR, Stat, stat_of
from nsmcode.project import Project

_SHOWN = 5


def check_out(project: Project, out: Path) -> Path:
    """The resolved output folder, or an InputError saying why compile must not write there."""
    target = out.resolve()
    root = project.root
    shown = display_path(out, root)
    here = Span(project.config_doc.file)
    hint = "compile into a folder of its own, e.g. `--out target` (the default)"
    if target == root or target in root.parents:
        what = "is the project folder" if target == root else "contains the project folder"
        raise _refuse("C102", f"output folder {shown!r} {what}", here, hint)
    if target.exists() and not target.is_dir():
        raise _refuse("C105", f"output path {shown!r} is a file, not a folder", Span(shown), hint)
    if (target / PROJECT_FILE).exists():
        inner = display_path(target / PROJECT_FILE, root)
        raise _refuse("C103", f"output folder {shown!r} holds a project file", Span(inner), hint)
    for i, folder in enumerate(project.config.paths):
        path = (root / folder).resolve()
        if path == target or target in path.parents:
            raise _refuse(
                "C103",
                f"output folder {shown!r} holds the definitions folder {folder!r}",
                project.config_span("paths", i),
                hint,
            )
    for file in definition_files(root, project.config):
        if target in file.resolve().parents:
            raise _refuse(
                "C103",
                f"output folder {shown!r} holds a definition file",
                Span(display_path(file, root)),
                hint,
            )
    return target


def foreign_files(out: Path, disk: dict[str, Stat], ours: set[str]) -> None:
    """Refuse to touch an output folder holding files nsmcode did not write (C104)."""
    foreign = sorted(rel for rel in disk if rel not in ours and not _cache(rel))
    if not foreign:
        return
    listed = ", ".join(foreign[:_SHOWN]) + (
        f" and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else ""
    )
    raise _refuse(
        "C104",
        f"output folder {display_path(out, out)!r} holds {len(foreign)} file"
        f"{'s' if len(foreign) != 1 else ''} nsmcode did not write ({listed}); compile never "
        "deletes or overwrites them",
        Span(display_path(out / foreign[0], out)),
        "move them elsewhere, or pick another folder with --out; if they are an old compile's "
        "output whose manifest.json is gone, delete the folder and compile again",
    )


def scan(out: Path) -> dict[str, Stat]:
    """Every file under `out` (symlinks included, never followed) -> size, mtime, inode."""
    found: dict[str, Stat] = {}

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + entry.name + "/")
                else:
                    found[prefix + entry.name] = stat_of(entry.stat(follow_symlinks=False))

    if out.is_dir():
        walk(str(out), "")
    return found


def _cache(rel: str) -> bool:
    return rel.startswith(CACHE_DIR + "/")


def _refuse(code: str, message: str, span: Span, hint: str) -> InputError:
    return InputError([Diagnostic(code, message, span, hint)])
