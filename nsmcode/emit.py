"""One output layer for every command that prints results, as ruff's emitters are for findings.

Commands build their results; this module gives them the same `--format` names and the same
`--output-file PATH` everywhere, and one JSON envelope:

    {"version": 1, "tool": {...}, "command": "okr status", "results": ..., "diagnostics": [...]}

`results` is the command's own payload (rows, a status report, an analysis); `diagnostics` the
located findings or errors that came with it, each `{code, severity, message, hint, file, line,
col, ...}`. The formats each command offers are listed in docs/cli.md.

Only the standard library is imported here: renderers in every layer use it. The click option
for `--output-file` lives in `nsmcode.cli`; `Console.result` does the writing.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nsmcode import __version__
from nsmcode.diagnostics import Diagnostic

JSON_VERSION = 1

# What must never reach a terminal raw from a cell: C0 and C1 control characters (ESC starts
# terminal commands, CR overwrites the line, NL and TAB break the table) and the invisible
# direction marks and overrides that make text read differently from what it is.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    r"""`text` for a table cell: every control or direction character written as its escape
    (`\x1b`, `\r`, `\u202e`), so a value from the warehouse cannot drive the terminal or
    disguise itself. Tables and markdown use it; JSON escapes by itself; CSV keeps data as is."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


# Format names, by what a command prints. `text` and `table` are the same for tabular results.
TABULAR = ("table", "text", "json", "csv", "markdown")
FINDINGS = ("text", "json", "sarif", "github", "junit")
REPORT = ("text", "json", "markdown")


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    span = diagnostic.span
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "obj": diagnostic.obj,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "col": span.col if span else None,
    }


def envelope(command: str, results: Any, diagnostics: Sequence[Diagnostic] = ()) -> str:
    """The one JSON shape every command prints with `--format json`."""
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "nsmcode", "version": __version__},
        "command": command,
        "results": results,
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)


def _columns(records: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(name for record in records for name in record))


def records_csv(records: Sequence[dict[str, Any]]) -> str:
    """Records as CSV, columns in first-seen order; None as an empty field."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, _columns(records), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return buffer.getvalue().rstrip("\n")


def records_markdown(records: Sequence[dict[str, Any]]) -> str:
    """Records as a GitHub-flavoured table; None as `-`."""
    columns = _columns(records)

    def cell(value: Any) -> str:
        return printable("-" if value is None else str(value)).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in records]
    return "\n".join(lines)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename: a reader never sees half a report."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


__all__ = [
    "FINDINGS",
    "JSON_VERSION",
    "REPORT",
    "TABULAR",
    "diagnostic_json",
    "envelope",
    "records_csv",
    "records_markdown",
    "write_atomically",
]
