"""What is at a position of a definition file: which value, and which metric, qualifier, source,
column, OKR or rule code it names. Pure functions over the loader's located documents; the server
only maps them to LSP types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nsmcode.project import KINDS, derived_references
from nsmcode.yamlsource import Document, Path

SECTION_KIND = {
    "sources": "source",
    "qualifiers": "qualifier",
    "metrics": "metric",
    "funnels": "funnel",
    "teams": "team",
    "okrs": "okr",
}
METRIC_FIELDS = frozenset(
    ("numerator", "denominator", "metric", "base", "conversion", "cohort", "activity")
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Symbol:
    """A named thing: `kind` is one of project.KINDS, "column" (name `source.column`) or
    "rule" (name the rule code)."""

    kind: str
    name: str


def value_at(value: Any, path: Path) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def classify(doc: Document, path: Path, word: str | None = None) -> Symbol | None:
    """The symbol the value at `path` names (its definition or a reference to it).

    `word` picks the metric under the cursor inside a derived expression.
    """
    value = value_at(doc.value, path)
    if not isinstance(value, str) or len(path) < 3 or path[0] not in SECTION_KIND:
        return None
    section, index, field = path[0], path[1], path[2]
    item = value_at(doc.value, (section, index))
    if not isinstance(item, dict):
        return None
    rest = path[3:]
    if field == "name" and not rest:
        return Symbol(SECTION_KIND[str(section)], value)
    if field == "suppress" and rest[-1:] == ("rule",):
        return Symbol("rule", value)
    if section == "metrics":
        source = item.get("source")
        if field == "source":
            return Symbol("source", value)
        if field == "qualifiers":
            return Symbol("qualifier", value)
        if field in ("drives", "guards"):
            return Symbol("metric", value)
        if field == "calculation" and rest:
            if rest[0] in METRIC_FIELDS:
                return Symbol("metric", value)
            if rest[0] == "expression":
                names = derived_references(value)
                if word in names:
                    return Symbol("metric", word)
                return None
            if rest[0] in ("column", "columns") and isinstance(source, str):
                return Symbol("column", f"{source}.{value}")
        if field == "segments" and isinstance(source, str):
            return Symbol("column", f"{source}.{value}")
        return None
    if section == "sources":
        own = item.get("name")
        if field == "joins" and rest[-1:] == ("source",):
            return Symbol("source", value)
        if field == "joins" and rest[-1:] == ("key",):
            target = value_at(item, ("joins", rest[0], "source"))
            return Symbol("column", f"{target}.{value}") if isinstance(target, str) else None
        own_column = field == "columns" and rest[-1:] == ("name",)
        if own_column or field in ("time_column", "dimensions"):
            return Symbol("column", f"{own}.{value}")
        if field in ("entities", "joins") and rest[-1:] == ("column",):
            return Symbol("column", f"{own}.{value}")
        return None
    if section == "funnels" and field == "steps":
        return Symbol("metric", value)
    if section in ("okrs", "teams") and rest[-1:] == ("metric",):
        return Symbol("metric", value)
    return None


def _lines(doc: Document) -> dict[int, list[tuple[int, Path]]]:
    """Value positions by line, each line's sorted by column (built once per document)."""
    cached: dict[int, list[tuple[int, Path]]] | None = getattr(doc, "_lsp_lines", None)
    if cached is None:
        cached = {}
        doc.complete()
        for path, mark in doc.marks.items():
            cached.setdefault(mark >> 32, []).append((mark & 0xFFFFFFFF, path))
        for entries in cached.values():
            entries.sort()
        doc._lsp_lines = cached  # type: ignore[attr-defined]
    return cached


def path_at(doc: Document, line: int, col: int) -> Path | None:
    """The path of the scalar value at 1-based (line, col), when the cursor is on one."""
    best: Path | None = None
    for start, path in _lines(doc).get(line, []):
        if start > col:
            break
        value = value_at(doc.value, path)
        scalar = isinstance(value, (str, int, float)) and not isinstance(value, bool)
        if scalar and col <= start + len(str(value)) + 1:  # a quote may precede the text
            best = path
    return best


def word_at(text: str, line: int, col: int) -> tuple[str, int, int] | None:
    """The identifier around 1-based (line, col) and its 1-based start and end columns."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    for match in _WORD.finditer(lines[line - 1]):
        if match.start() + 1 <= col <= match.end() + 1:
            return match.group(), match.start() + 1, match.end() + 1
    return None


def symbol_at(doc: Document, text: str, line: int, col: int) -> tuple[Symbol, Path] | None:
    path = path_at(doc, line, col)
    if path is None:
        return None
    word = word_at(text, line, col)
    symbol = classify(doc, path, word[0] if word else None)
    return (symbol, path) if symbol else None


def references(docs: list[Document], target: Symbol) -> list[tuple[Document, Path]]:
    """Every value naming `target`, its definition included, in document order."""
    found: list[tuple[Document, Path]] = []
    for doc in docs:
        doc.complete()
        for path in list(doc.marks):
            if len(path) < 3 or path[0] not in SECTION_KIND:
                continue
            value = value_at(doc.value, path)
            if not isinstance(value, str):
                continue
            if path[2] == "calculation" and path[3:4] == ("expression",):
                if target.kind == "metric" and target.name in derived_references(value):
                    found.append((doc, path))
                continue
            if classify(doc, path) == target:
                found.append((doc, path))
    return found


__all__ = ["KINDS", "Symbol", "classify", "path_at", "references", "symbol_at", "word_at"]
