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
from ruamel.yaml.nodes import Node, ScalarNode
from ruamel.yaml.reader import ReaderError

from nsmcode.diagnostics import Diagnostic, Span
from nsmcode.yamlfast import NOT_COMPOSED, compose_fast

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


def _pack(line: int, col: int) -> int:
    """A position as one int: 100,000 metrics have millions of values, each with a position."""
    return line << 32 | col


def _span(file: str, packed: int) -> Span:
    return Span(file, packed >> 32, packed & 0xFFFFFFFF)


SHALLOW = 3
"""Positions kept after a parse: of paths up to (section, item, field). Deeper ones (a column
inside a calculation) are asked for only to report a problem: the file is parsed again then.
This keeps 100,000 metrics' positions in a fraction of the memory all of them would take."""


@dataclass
class Document:
    """A parsed file: its plain value and the position of every value and every mapping key.

    Positions are kept packed (`_pack`) and become a `Span` only when asked for; a shallow
    document (`depth`) keeps the text to find deeper positions when one is asked for.
    """

    file: str
    value: Any = None
    marks: dict[Path, int] = field(default_factory=dict, repr=False)
    key_marks: dict[Path, int] = field(default_factory=dict, repr=False)
    refused: set[Path] = field(default_factory=set)
    """Values dropped because of a located problem (a tag, a merge key): schema errors about them
    would only repeat it."""
    depth: int | None = field(default=None, repr=False)
    """Longest path whose position is kept; None when every position is."""
    text: str | None = field(default=None, repr=False)

    def span(self, path: Path, *, key: bool = False) -> Span:
        """The span of `path`, or of its nearest located ancestor."""
        if self.depth is not None and len(path) > self.depth:
            self.complete()
        table = self.key_marks if key else self.marks
        for i in range(len(path), -1, -1):
            found = table.get(path[:i]) or self.marks.get(path[:i])
            if found is not None:
                return _span(self.file, found)
        return Span(self.file, 1, 1)

    def complete(self) -> None:
        """Know every position (parse the text again, once)."""
        if self.depth is None or self.text is None:
            return
        full, _ = parse(self.text, self.file, shallow=False)
        self.marks, self.key_marks = full.marks, full.key_marks
        self.depth = self.text = None

    def located(self, path: Path) -> bool:
        self.complete()
        return path in self.marks


_STR = "tag:yaml.org,2002:str"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,17})\Z")


class _Builder:
    """Plain values from composed nodes (ruamel's or libyaml's: both have `id`, `tag`, `value`
    and `start_mark`), recording the position of every value and key on the way."""

    def __init__(self, doc: Document, check_surrogates: bool = True) -> None:
        self.doc = doc
        self.depth = MAX_DEPTH + 1 if doc.depth is None else doc.depth
        self.marks = doc.marks
        self.key_marks = doc.key_marks
        self.problems: list[Diagnostic] = []
        self.check_surrogates = check_surrogates
        self._constructor: Any = None

    def span(self, node: Node) -> Span:
        mark = node.start_mark
        return Span(self.doc.file, mark.line + 1, mark.column + 1)

    def build(self, node: Any, path: Path) -> Any:
        if len(path) <= self.depth:
            mark = node.start_mark
            self.marks[path] = (mark.line + 1) << 32 | (mark.column + 1)
        if len(path) > MAX_DEPTH:
            raise _TooDeep(self.span(node))
        kind = node.id
        tag = node.tag
        if kind == "scalar":
            if tag == _STR:
                value = node.value
                if self.check_surrogates and _SURROGATE.search(value):
                    return self._surrogate(node, path)
                return value
            if tag not in _STANDARD_TAGS:
                return self._refuse_tag(node, path)
            return self.scalar(node, path)
        if tag not in _STANDARD_TAGS:
            return self._refuse_tag(node, path)
        if kind == "sequence":
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != _STR or key in result:  # rare: a problem, or `1:`, `true:`
                key = self._key(key_node, path, result, node)
                if key is None:
                    continue
            key_path: Path = (*path, key)
            if len(key_path) <= self.depth:
                key_mark = key_node.start_mark
                self.key_marks[key_path] = (key_mark.line + 1) << 32 | (key_mark.column + 1)
            result[key] = self.build(value_node, key_path)
        return result

    def _key(self, key_node: Any, path: Path, seen: dict[str, Any], mapping: Any) -> str | None:
        """The key's text, or None (reported) when it cannot be one."""
        key_span = self.span(key_node)
        if key_node.id != "scalar" or not isinstance(key_node.value, str):
            self.problems.append(
                Diagnostic(
                    "E004",
                    "a key must be a plain string",
                    key_span,
                    "write `name: value`; a '?' or a list or map used as a key is not allowed",
                )
            )
            return None
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
            return None
        if key in seen:
            first = next(k for k, _ in mapping.value if k.id == "scalar" and str(k.value) == key)
            self.problems.append(
                Diagnostic(
                    "E002",
                    f"duplicate key {key!r} (first defined at line {first.start_mark.line + 1})",
                    key_span,
                    "remove one of the two: YAML keeps only one of them",
                )
            )
            return None
        return key

    def _refuse_tag(self, node: Any, path: Path) -> None:
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

    def _surrogate(self, node: Any, path: Path) -> None:
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

    def scalar(self, node: Any, path: Path) -> Any:
        """A number, boolean, null or date, constructed as ruamel.yaml's safe loader does."""
        text: str = node.value
        tag = node.tag
        if tag == "tag:yaml.org,2002:null" and text in _NULLS:
            return None
        if tag == "tag:yaml.org,2002:bool" and text in _BOOLS:
            return _BOOLS[text]
        if tag == "tag:yaml.org,2002:int" and _DECIMAL.match(text):
            return int(text)
        if not isinstance(node, ScalarNode):  # libyaml's node: ruamel's constructor wants its own
            node = ScalarNode(tag, text, start_mark=node.start_mark)
        if self._constructor is None:
            self._constructor = YAML(typ="safe", pure=True).constructor
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (YAMLError, ValueError):
            # an impossible date such as 2026-02-30: keep the text so validation reports it
            # where it is, with the field's expectations
            return str(text)
        if isinstance(value, dt.datetime) and value.time() == dt.time() and "T" not in text:
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
    node: Any, memo: dict[int, tuple[int, int]], active: set[int], depth: int = 0
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
    if node.id == "scalar":
        chars = len(node.value)
    else:
        items = [v for _, v in node.value] if node.id == "mapping" else node.value
        for item in items:
            more, text = _sizes(item, memo, active, depth + 1)
            values, chars = values + more, chars + text
    active.discard(key)
    memo[key] = (values, chars)
    return values, chars


def _check_expansion(root: Any, file: str) -> None:
    """Raise _TooBig or _TooLong, at the top-level key where the count overflows, before
    building a document whose aliases would expand past the caps: a billion-laughs document
    then costs what its text does, not what it expands to.

    What is capped is what aliases add: values beyond the nodes written in the file. A large
    honest file (15,000 metrics, millions of values) has nothing to expand and always loads.
    """
    memo: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    pairs = root.value if root.id == "mapping" else [(root, root)]
    values, chars = 1, 0
    for key, value in pairs:
        more, text = _sizes(value, memo, active, 1)
        values, chars = values + more, chars + text
        if values - len(memo) > MAX_NODES or chars > MAX_TEXT:
            mark = key.start_mark
            span = Span(file, mark.line + 1, mark.column + 1)
            raise _TooBig(span) if values - len(memo) > MAX_NODES else _TooLong(span)


def _compose_pure(text: str, file: str) -> tuple[Any, list[Diagnostic]]:
    """The root node, composed by ruamel.yaml's Python parser, whose errors are the ones users
    see: exact, located, explained."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _DepthLimitedComposer
    try:
        nodes = list(itertools.islice(yaml.compose_all(text), 2))  # a second one is an error
    except _TooDeep as exc:
        return None, [_too_deep(Span(file, exc.span.line, exc.span.col))]
    except MarkedYAMLError as exc:
        return None, [_syntax_error(exc, file)]
    except ReaderError as exc:  # a control character: locate it, the reader only counts
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        return None, [
            Diagnostic(
                "E001",
                f"YAML syntax error: character {char} is not allowed",
                Span(file, line, col),
                "remove it: YAML allows printable characters, tabs and line breaks only",
            )
        ]
    except YAMLError as exc:
        return None, [Diagnostic("E001", f"YAML syntax error: {exc}", Span(file))]
    except RecursionError:
        return None, [_too_deep(Span(file))]
    if len(nodes) > 1:
        second = nodes[1]
        return None, [
            Diagnostic(
                "E001",
                "a definition file holds one YAML document, found several",
                Span(file, second.start_mark.line + 1, second.start_mark.column + 1),
                "remove the '---' separator or split the file",
            )
        ]
    return (nodes[0] if nodes else None), []


def parse(text: str, file: str, *, shallow: bool = True) -> tuple[Document, list[Diagnostic]]:
    """Parse one YAML document; return it with every problem found (never raises).

    libyaml composes the nodes when it is available (`yamlfast`); any input it does not accept
    as it is goes through ruamel.yaml's Python parser instead, so every diagnostic is the same
    either way. A `shallow` document keeps the positions of paths up to `SHALLOW` long, and finds
    deeper ones by parsing its text again when one is asked for.
    """
    doc = Document(file)
    if shallow:
        doc.depth, doc.text = SHALLOW, text
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
    root = compose_fast(text)
    if root is NOT_COMPOSED:
        root, problems = _compose_pure(text, file)
        if problems:
            return doc, problems
    if root is None:
        doc.value = {}
        return doc, []
    builder = _Builder(doc, check_surrogates="\\" in text)
    try:
        if "&" in text:  # without an anchor there is no alias to expand
            _check_expansion(root, file)
        doc.value = builder.build(root, ())
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
