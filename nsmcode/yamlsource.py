"""Safe YAML reading that remembers where every key and value came from.

ruamel.yaml composes the document into nodes (which carry line and column); we build plain Python
values from them ourselves so that duplicate keys, unknown tags and alias bombs become located
diagnostics instead of exceptions, and nothing is ever constructed from a tag.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from nsmcode.diagnostics import Diagnostic, Span

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_TEXT = 2 * MAX_FILE_BYTES
"""Characters of text a document may expand to: more than the file holds needs aliases."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


@dataclass
class Document:
    """A parsed file: its plain value and the span of every value and every mapping key."""

    file: str
    value: Any = None
    values: dict[Path, Span] = field(default_factory=dict)
    keys: dict[Path, Span] = field(default_factory=dict)
    refused: set[Path] = field(default_factory=set)
    """Values dropped because of a located problem (a tag, a merge key): schema errors about them
    would only repeat it."""

    def span(self, path: Path, *, key: bool = False) -> Span:
        """The span of `path`, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        for i in range(len(path), -1, -1):
            found = table.get(path[:i]) or self.values.get(path[:i])
            if found is not None:
                return found
        return Span(self.file, 1, 1)


class _Builder:
    def __init__(self, doc: Document, yaml: YAML) -> None:
        self.doc = doc
        self.yaml = yaml
        self.nodes = 0
        self.chars = 0
        self.problems: list[Diagnostic] = []

    def span(self, node: Node) -> Span:
        mark = node.start_mark
        return Span(self.doc.file, mark.line + 1, mark.column + 1)

    def build(self, node: Node, path: Path) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            # aliases make the location of the overflow arbitrary: point at the top-level key
            raise _TooBig(self.doc.span(path[:1], key=True))
        if len(path) > MAX_DEPTH:
            raise _TooDeep(self.span(node))
        self.doc.values[path] = self.span(node)
        if node.tag not in _STANDARD_TAGS:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            self.problems.append(
                Diagnostic(
                    "E010",
                    f"YAML tag {tag!r} is not allowed",
                    self.span(node),
                    "remove the tag: definitions are plain maps, lists, strings and numbers",
                )
            )
            self.doc.refused.add(path)
            return None
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            seen: dict[str, Span] = {}
            for key_node, value_node in node.value:
                key_span = self.span(key_node)
                if not isinstance(key_node, ScalarNode):
                    self.problems.append(
                        Diagnostic(
                            "E004",
                            "a key must be a plain string",
                            key_span,
                            "write `name: value`; a '?' or a list or map used as a key is not "
                            "allowed",
                        )
                    )
                    continue
                key = str(key_node.value)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.problems.append(
                        Diagnostic(
                            "E010",
                            "YAML merge keys ('<<') are not allowed",
                            key_span,
                            "write the keys out; an alias (*name) of a whole value still works",
                        )
                    )
                    self.doc.refused.add(path)
                    continue
                if key in seen:
                    self.problems.append(
                        Diagnostic(
                            "E002",
                            f"duplicate key {key!r} (first defined at line {seen[key].line})",
                            key_span,
                            "remove one of the two: YAML keeps only one of them",
                        )
                    )
                    continue
                seen[key] = key_span
                key_path: Path = (*path, key)
                self.doc.keys[key_path] = key_span
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        self.chars += len(node.value)
        if self.chars > MAX_TEXT:  # a long string aliased many times
            raise _TooLong(self.doc.span(path[:1], key=True))
        if _SURROGATE.search(node.value):  # "\ud800" escapes: text that cannot be written out
            self.problems.append(
                Diagnostic(
                    "E004",
                    "text holds an unpaired surrogate escape (such as \\ud800)",
                    self.span(node),
                    "write the character itself, or a \\U escape of a real code point",
                )
            )
            self.doc.refused.add(path)
            return None
        try:
            value = self.yaml.constructor.construct_object(node, deep=True)
        except (YAMLError, ValueError):
            # an impossible date such as 2026-02-30: keep the text so validation reports it
            # where it is, with the field's expectations
            return str(node.value)
        if isinstance(value, dt.datetime) and value.time() == dt.time() and "T" not in node.value:
            return value.date()
        return value


_OPENED = {
    "flow mapping": ("{...} mapping", "is the closing '}' missing?"),
    "flow sequence": ("[...] list", "is the closing ']' missing?"),
    "quoted scalar": ("quoted string", "is the closing quote missing?"),
    "block mapping": ("mapping", "is the indentation consistent?"),
    "block collection": ("list", "is the indentation consistent?"),
}


def _syntax_error(exc: MarkedYAMLError, file: str) -> Diagnostic:
    """A located E001 whose hint points at the construct left open, or at the tab."""
    mark = exc.problem_mark or exc.context_mark
    span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
    problem = exc.problem or exc.context or "invalid YAML"
    hint: str | None = None
    if "'\\t'" in problem:
        problem = "found a tab character"
        hint = "indent with spaces: YAML does not allow tabs for indentation"
    elif "mapping values are not allowed" in problem:
        problem = "found ':' where a plain value was expected"
        hint = (
            "quote a value that contains ': ' (description: 'a: b'), or fix this line's indentation"
        )
    elif "undefined alias" in problem:
        hint = "define the anchor (&name) before the alias (*name) that uses it"
    elif "cannot start any token" in problem:
        hint = "quote the value: '@' and '`' are reserved at the start of a YAML value"
    if problem.startswith("expected <block end>"):
        problem = "this line does not line up with the lines above it"
    problem = problem.replace("'<stream end>'", "the end of the file")
    problem = problem.replace("found unexpected end of stream", "the file ends too early")
    if hint is None and exc.context and exc.context_mark and exc.context.startswith("while "):
        what = exc.context.split(" a ", 1)[-1]
        mark = exc.context_mark
        name, check = _OPENED.get(what, (what, "is the indentation consistent?"))
        hint = f"check the {name} that starts at line {mark.line + 1}, column {mark.column + 1}: "
        hint += check
    return Diagnostic("E001", f"YAML syntax error: {problem}", span, hint)


def _too_deep(span: Span) -> Diagnostic:
    return Diagnostic(
        "E010",
        f"nesting deeper than {MAX_DEPTH} levels",
        span,
        "definitions need a few levels of nesting, not dozens: flatten the structure",
    )


class _TooBig(Exception):
    def __init__(self, span: Span) -> None:
        self.span = span


class _TooDeep(_TooBig):
    pass


class _TooLong(_TooBig):
    pass


class _DepthLimitedComposer(Composer):
    """Refuses nesting while composing: the scanner slows down with every level of `[[[...`
    (quadratically), so deep input is refused before the rest of it is read."""

    depth_reached = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth_reached += 1
        try:
            if self.depth_reached > MAX_DEPTH + 1:
                mark = self.parser.peek_event().start_mark
                raise _TooDeep(Span("", mark.line + 1, mark.column + 1))
            return super().compose_node(parent, index)
        finally:
            self.depth_reached -= 1


def _sizes(
    node: Node, memo: dict[int, tuple[int, int]], active: set[int], depth: int = 0
) -> tuple[int, int]:
    """(values, characters of text) `node` expands to with its aliases, computed once per node.

    A node inside itself, or nesting past the limit, counts as empty here: building the
    document reports it.
    """
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active or depth > MAX_DEPTH + 1:
        return 0, 0
    active.add(key)
    values, chars = 1, 0
    if isinstance(node, ScalarNode):
        chars = len(node.value)
    else:
        items = [v for _, v in node.value] if isinstance(node, MappingNode) else node.value
        for item in items:
            more, text = _sizes(item, memo, active, depth + 1)
            values, chars = values + more, chars + text
    active.discard(key)
    memo[key] = (values, chars)
    return values, chars


def _check_expansion(root: Node, file: str) -> None:
    """Raise _TooBig or _TooLong, at the top-level key where the count overflows, before
    building a document whose aliases would expand past the caps: a billion-laughs document
    then costs what its text does, not what it expands to."""
    memo: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    pairs = root.value if isinstance(root, MappingNode) else [(root, root)]
    values, chars = 1, 0
    for key, value in pairs:
        more, text = _sizes(value, memo, active, 1)
        values, chars = values + more, chars + text
        if values > MAX_NODES or chars > MAX_TEXT:
            mark = key.start_mark
            span = Span(file, mark.line + 1, mark.column + 1)
            raise _TooBig(span) if values > MAX_NODES else _TooLong(span)


def parse(text: str, file: str) -> tuple[Document, list[Diagnostic]]:
    """Parse one YAML document; return it with every problem found (never raises)."""
    doc = Document(file)
    if len(text) > MAX_FILE_BYTES:
        return doc, [
            Diagnostic(
                "E009",
                f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB",
                Span(file, 1, 1),
                "split the definitions across several files",
            )
        ]
    text = text.removeprefix("\ufeff")
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _DepthLimitedComposer
    try:
        nodes = list(itertools.islice(yaml.compose_all(text), 2))  # a second one is an error
    except _TooDeep as exc:
        return doc, [_too_deep(Span(file, exc.span.line, exc.span.col))]
    except MarkedYAMLError as exc:
        return doc, [_syntax_error(exc, file)]
    except ReaderError as exc:  # a control character: locate it, the reader only counts
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        return doc, [
            Diagnostic(
                "E001",
                f"YAML syntax error: character {char} is not allowed",
                Span(file, line, col),
                "remove it: YAML allows printable characters, tabs and line breaks only",
            )
        ]
    except YAMLError as exc:
        return doc, [Diagnostic("E001", f"YAML syntax error: {exc}", Span(file))]
    except RecursionError:
        return doc, [_too_deep(Span(file))]
    if len(nodes) > 1:
        second = nodes[1]
        return doc, [
            Diagnostic(
                "E001",
                "a definition file holds one YAML document, found several",
                Span(file, second.start_mark.line + 1, second.start_mark.column + 1),
                "remove the '---' separator or split the file",
            )
        ]
    if not nodes or nodes[0] is None:
        doc.value = {}
        return doc, []
    builder = _Builder(doc, yaml)
    try:
        _check_expansion(nodes[0], file)
        doc.value = builder.build(nodes[0], ())
    except _TooDeep as exc:
        return doc, [_too_deep(exc.span)]
    except _TooLong as exc:
        return doc, [
            Diagnostic(
                "E010",
                f"document expands to more than {MAX_TEXT // 1_000_000} million characters "
                "of text (anchors and aliases?)",
                exc.span,
                "write the values out or reduce alias use: expansion is capped to stay safe",
            )
        ]
    except _TooBig as exc:
        return doc, [
            Diagnostic(
                "E010",
                f"document expands to more than {MAX_NODES} values (anchors and aliases?)",
                exc.span,
                "write the values out or reduce alias use: expansion is capped to stay safe",
            )
        ]
    except (YAMLError, ValueError) as exc:
        return doc, [Diagnostic("E004", f"invalid value: {exc}", Span(file))]
    return doc, builder.problems
