"""`nsmcode init`: a small starter project that validates cleanly and shows every concept."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nsmcode.diagnostics import Diagnostic, InputError, Span


def _files() -> list[tuple[str, str]]:
    root = resources.files(__package__).joinpath("files")
    out: list[tuple[str, str]] = []
    stack = [("", root)]
    while stack:
        prefix, folder = stack.pop()
        for entry in folder.iterdir():
            rel = f"{prefix}{entry.name}"
            if entry.is_dir():
                stack.append((rel + "/", entry))
            elif entry.name.endswith((".yaml", ".yml", ".md")):
                out.append((rel, entry.read_text(encoding="utf-8")))
            elif entry.name == "gitignore":  # shipped without its dot, which packaging drops
                out.append((f"{prefix}.gitignore", entry.read_text(encoding="utf-8")))
    return sorted(out)


def write_starter(directory: Path, name: str) -> list[Path]:
    """Write the starter files and the schemas their modelines name; refuse to overwrite
    anything that already exists."""
    from nsmcode.schema import SCHEMA_FILES, schema_text

    files = _files() + [(rel, schema_text(kind)) for kind, rel in SCHEMA_FILES.items()]
    clashes = [directory / rel for rel, _ in files if (directory / rel).exists()]
    if clashes:
        raise InputError(
            [
                Diagnostic(
                    "E011",
                    f"{path} already exists; nsmcode init never overwrites files",
                    Span(str(path)),
                    "choose an empty or new folder",
                )
                for path in clashes
            ]
        )
    written: list[Path] = []
    for rel, text in files:
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text.replace("{{ name }}", name))
        written.append(target)
    return written
