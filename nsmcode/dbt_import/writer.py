"""Write imported definitions as a readable nsmcode project (never overwriting a file)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from nsmcode.diagnostics import Diagnostic, InputError, Span

DEFINITIONS_SCHEMA = "../.nsmcode/definitions.schema.json"  # from definitions/*.yaml
PROJECT_SCHEMA = ".nsmcode/project.schema.json"


def _styled(value: Any) -> Any:
    """Flow style for small flat maps and lists of scalars, block style for the rest."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        styled = CommentedMap((k, _styled(v)) for k, v in value.items())
        flat = all(isinstance(v, (str, int, float, bool)) for v in value.values())
        short = sum(len(str(k)) + len(str(v)) + 4 for k, v in value.items()) < 72
        if flat and short and all("\n" not in str(v) for v in value.values()):
            styled.fa.set_flow_style()
        return styled
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_styled(v) for v in value)
        if all(isinstance(v, (str, int, float)) for v in value) and len(str(value)) < 72:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def dump(value: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(_styled(value), stream)
    return stream.getvalue()


def section(key: str, items: list[tuple[dict[str, Any], Span]], root: Path) -> str:
    """`key:` followed by each item, each preceded by a comment naming its dbt origin."""
    lines = [f"{key}:"]
    for item, span in items:
        lines.append(f"  # from {origin(span, root)}")
        block = dump(item).rstrip("\n").splitlines()
        lines.append("  - " + block[0])
        lines.extend("    " + line if line else line for line in block[1:])
    return "\n".join(lines) + "\n"


def origin(span: Span, root: Path) -> str:
    """`models/orders.yml:12`: a dbt location relative to the dbt project, stable across runs."""
    try:
        shown = Path(span.file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = span.file
    return f"{shown}:{span.line}"


def definition_file(
    header: str, sections: dict[str, list[tuple[dict[str, Any], Span]]], root: Path
) -> str:
    parts = [f"# yaml-language-server: $schema={DEFINITIONS_SCHEMA}", header, "version: 1", ""]
    for key, items in sections.items():
        if items:
            parts.append(section(key, items, root))
    return "\n".join(parts)


def project_file(
    name: str, description: str, dialect: str, calendar: dict[str, Any] | None = None
) -> str:
    body = dump(
        {
            "version": 1,
            "name": name,
            "description": description,
            "paths": ["definitions"],
            "dialect": dialect,
            **({"calendar": calendar} if calendar else {}),
        }
    )
    return f"# yaml-language-server: $schema={PROJECT_SCHEMA}\n{body}"


def write_files(out: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` (relative path -> text) under `out`; refuse when any of them exists."""
    clashes = [out / rel for rel in files if (out / rel).exists()]
    if clashes:
        raise InputError(
            [
                Diagnostic(
                    "D003",
                    f"{path} already exists; nsmcode import never overwrites files",
                    Span(str(path)),
                    "choose a new or empty folder with --out",
                )
                for path in clashes
            ]
        )
    written: list[Path] = []
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
        written.append(target)
    return written
