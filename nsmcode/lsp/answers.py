"""Answers to an editor's questions, in plain data: hover text, where a symbol is defined,
what may be typed here, and certain fixes. The server turns them into LSP types.
"""

from __future__ import annotations

import html
import re
import typing
from typing import Any

from pydantic import BaseModel

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Span
from nsmcode.loader import _inner_model
from nsmcode.lsp.symbols import Symbol
from nsmcode.project import Project

VALUE_CHOICES: dict[str, tuple[str, ...]] = {
    "grain": tuple(g.value for g in models.Grain),
    "period_to_date": tuple(g.value for g in models.Grain),
    "role": tuple(r.value for r in models.Role),
    "dialect": models.DIALECTS,
    "targets": models.DIALECTS,
}
METRIC_KEYS = frozenset(
    (
        "numerator",
        "denominator",
        "metric",
        "base",
        "conversion",
        "cohort",
        "activity",
        "drives",
        "guards",
        "steps",
    )
)
COLUMN_KEYS = frozenset(("column", "columns", "time_column", "dimensions", "segments"))
CALCULATIONS = tuple(
    typing.get_args(cls.model_fields["type"].annotation)[0]
    for cls in typing.get_args(typing.get_args(models.Calculation)[0])
)


def _markdown(markup: str) -> str:
    text = re.sub(r"</?code>", "`", str(markup))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def hover(project: Project, symbol: Symbol) -> str | None:
    """Markdown about a symbol: what a reader needs without opening its definition."""
    if symbol.kind == "metric" and symbol.name in project.metrics:
        from markupsafe import Markup

        from nsmcode.site.prose import describe

        m = project.metrics[symbol.name]
        lines = [f"**{m.label or m.name}** (`{m.name}`) — {m.role.value.replace('_', ' ')}"]
        if m.description:
            lines += ["", m.description.strip()]
        sentence = describe(project, m, lambda name: Markup("<code>{}</code>").format(name))
        lines += ["", _markdown(sentence)]
        return "\n".join(lines)
    if symbol.kind == "qualifier" and symbol.name in project.qualifiers:
        q = project.qualifiers[symbol.name]
        return f"**qualifier** `{q.name}`: `{q.text}`\n\n{q.reason}"
    if symbol.kind == "source" and symbol.name in project.sources:
        s = project.sources[symbol.name]
        text = f"**source** `{s.name}`: table `{s.table}`, {len(s.columns)} columns"
        return text + (f"\n\n{s.description}" if s.description else "")
    if symbol.kind == "column":
        source, _, name = symbol.name.partition(".")
        column = project.columns(source).get(name)
        if column is None:
            return None
        semantic = getattr(column, "semantic", None)
        kind = getattr(column.type, "value", column.type)
        text = f"**column** `{source}.{name}`: {kind}"
        return text + (f", semantic {getattr(semantic, 'value', semantic)}" if semantic else "")
    if symbol.kind == "rule":
        from nsmcode.rules import rule_for
        from nsmcode.rules.docs import rule_markdown

        rule = rule_for(symbol.name)
        return rule_markdown(rule, generated=False) if rule else None
    if symbol.kind == "okr" and symbol.name in project.okrs:
        okr = project.okrs[symbol.name]
        return f"**OKR** `{okr.name}`: {getattr(okr, 'objective', '')}"
    return None


def definition(project: Project, symbol: Symbol) -> Span | None:
    if symbol.kind == "column":
        source, _, name = symbol.name.partition(".")
        src = project.sources.get(source)
        for i, column in enumerate(src.columns if src else ()):
            if column.name == name:
                return project.span("source", source, "columns", i)
        return None
    if (symbol.kind, symbol.name) in project.locations:
        return project.span(symbol.kind, symbol.name)
    return None


# ------------------------------------------------------------------------------------------------
# Completion: from the text (a file being typed rarely parses)

_KEY_LINE = re.compile(r"^(\s*)(?:- )?(\w*)$")
_VALUE = re.compile(r"(\w+):\s*\[?(?:[\w\s]*,\s*)*\w*$")
_ENTRY = re.compile(r"^(\s*(?:- )*)(\w+):")


def _parents(lines: list[str], line: int, indent: int) -> list[str]:
    """The keys enclosing a line, outermost first, found by indentation."""
    chain: list[str] = []
    for text in reversed(lines[:line]):
        match = _ENTRY.match(text)
        if match and len(match.group(1)) < indent:
            chain.insert(0, match.group(2))
            indent = len(match.group(1))
            if indent == 0:
                break
    return chain


def _fields(chain: list[str], project_file: bool) -> list[str]:
    root: type[BaseModel] = models.ProjectFile if project_file else models.DefinitionFile
    if chain and chain[-1] == "calculation":
        names: list[str] = []
        for cls in typing.get_args(typing.get_args(models.Calculation)[0]):
            names += [f for f in cls.model_fields if f not in names]
        return names
    current: Any = root
    for key in chain:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(key)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def completions(
    project: Project | None, text: str, line: int, col: int, *, project_file: bool = False
) -> list[tuple[str, str]]:
    """(label, kind) pairs for 0-based (line, col): kind is "field" or "value"."""
    lines = text.splitlines()
    current = lines[line] if line < len(lines) else ""
    before = current[:col]
    key_line = _KEY_LINE.match(before)
    if key_line:
        indent = len(key_line.group(1)) + (2 if before.lstrip().startswith("- ") else 0)
        return [(f, "field") for f in _fields(_parents(lines, line, indent), project_file)]
    value = _VALUE.search(before)
    key = value.group(1) if value else None
    if key is None and before.strip() in ("-", "- "):
        parents = _parents(lines, line, len(before) - len(before.lstrip()) + 1)
        key = parents[-1] if parents else None
    if key is None:
        return []
    if key in VALUE_CHOICES:
        return [(v, "value") for v in VALUE_CHOICES[key]]
    if key == "type":
        return [(v, "value") for v in CALCULATIONS]
    if project is None:
        return []
    if key in METRIC_KEYS:
        return [(m, "value") for m in sorted(project.metrics)]
    if key in ("source", "sources"):
        return [(s, "value") for s in sorted(project.sources)]
    if key == "qualifiers":
        return [(q, "value") for q in sorted(project.qualifiers)]
    if key in COLUMN_KEYS:
        source = _nearest_source(lines, line)
        names = project.columns(source) if source else {}
        if not names:
            names = {c: None for s in project.sources for c in project.columns(s)}  # type: ignore[misc]
        return [(c, "value") for c in sorted(names)]
    return []


def _nearest_source(lines: list[str], line: int) -> str | None:
    """The `source:` (or the source's own `name:`) of the definition being typed."""
    for text in reversed(lines[: line + 1]):
        match = re.match(r"^\s*(?:- )?(source|name):\s*(\w+)", text)
        if match:
            return match.group(2)
        if re.match(r"^\s*- name:", text):
            break
    return None


# ------------------------------------------------------------------------------------------------
# Certain fixes

_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")
_MISSING_REASON = "missing required field 'reason'"


def fixes(diagnostic: Diagnostic, text: str) -> list[tuple[str, int, int, int, int, str]]:
    """(title, start line, start col, end line, end col, new text), 0-based, for one diagnostic."""
    span = diagnostic.span
    if span is None:
        return []
    lines = text.splitlines()
    row, col = span.line - 1, span.col - 1
    if row >= len(lines):
        return []
    out: list[tuple[str, int, int, int, int, str]] = []
    suggestion = _DID_YOU_MEAN.search(diagnostic.hint or "")
    if suggestion:
        match = re.match(r"['\"]?[\w.]+", lines[row][col:])
        if match:
            token = match.group().lstrip("'\"")
            start = col + (len(match.group()) - len(token))
            out.append(
                (
                    f"Change to '{suggestion.group(1)}'",
                    row,
                    start,
                    row,
                    start + len(token),
                    suggestion.group(1),
                )
            )
    if diagnostic.code == "E005" and diagnostic.message.startswith(_MISSING_REASON):
        indent = " " * col
        new = f"{indent}reason: \n"
        if lines[row][col:].startswith("{"):  # a flow mapping: add it inside
            return [*out, ("Add `reason:`", row, col + 1, row, col + 1, "reason: '', ")]
        out.append(("Add `reason:`", row + 1, 0, row + 1, 0, new))
    return out
