"""Where a character of a YAML string value is in its file, so that a diagnostic about part of a
condition (an undeclared column, a function, a parse error) points at that part, not at the start
of the value.

The loader keeps only where each value starts. The file is read again (only when there is
something to report) and the scalar is re-scanned in its style: plain, 'single' or "double"
quoted, `|` literal or `>` folded. The characters it yields must spell the value as loaded; when
they do not (an alias, an escape or a folding this scanner does not follow) the start of the
value is used, which is never wrong, only less precise.
"""

from __future__ import annotations

import os
from functools import lru_cache

from nsmcode.diagnostics import Span

Place = tuple[int, int]
"""0-based (line, column) in the file."""


def inside(span: Span | None, value: str, offset: int | None) -> Span | None:
    """The span of character `offset` of `value`, a scalar whose value starts at `span`."""
    if span is None or offset is None or offset < 0 or offset >= len(value):
        return span
    lines = _lines(span.file)
    if lines is None or span.line > len(lines):
        return span
    places = _scan(lines, span.line - 1, span.col - 1, value[: offset + 1])
    if places is None or len(places) <= offset:
        return span
    line, col = places[offset]
    return Span(span.file, line + 1, col + 1)


def _lines(file: str) -> tuple[str, ...] | None:
    try:
        stat = os.stat(file)
    except OSError:
        return None
    return _read(file, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _read(file: str, _mtime: int, _size: int) -> tuple[str, ...] | None:
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    return tuple(text.removeprefix("\ufeff").splitlines())


def _scan(lines: tuple[str, ...], line: int, col: int, want: str) -> list[Place] | None:
    """Places of the characters of `want` (a prefix of the value), or None when the file does
    not spell it."""
    text = lines[line]
    if text[col : col + 1] == "&":  # an anchor: the value follows its name
        end = text.find(" ", col)
        if end < 0:
            return None
        col = len(text) - len(text[end:].lstrip(" "))
    if col >= len(text):
        return None
    first = text[col]
    if first == "'":
        places = _quoted(lines, line, col + 1, want, double=False)
    elif first == '"':
        places = _quoted(lines, line, col + 1, want, double=True)
    elif first in "|>":
        places = _block(lines, line, want, folded=first == ">")
    else:
        places = _plain(lines, line, col, want)
    return places


def _plain(lines: tuple[str, ...], line: int, col: int, want: str) -> list[Place] | None:
    places: list[Place] = []
    text = lines[line]
    while True:
        for i in range(col, len(text)):
            if len(places) == len(want):
                return places
            if text[i] != want[len(places)]:
                return None
            places.append((line, i))
        if len(places) >= len(want):
            return places
        # a plain scalar continues on the next line, the line break read as one space
        if want[len(places)] != " " or line + 1 >= len(lines):
            return None
        places.append((line, len(text)))
        line += 1
        text = lines[line]
        col = len(text) - len(text.lstrip(" "))


def _quoted(
    lines: tuple[str, ...], line: int, col: int, want: str, *, double: bool
) -> list[Place] | None:
    places: list[Place] = []
    text = lines[line]
    i = col
    while len(places) < len(want):
        if i >= len(text):
            # a line break inside quotes folds to one space
            if want[len(places)] != " " or line + 1 >= len(lines):
                return None
            places.append((line, len(text)))
            line += 1
            text = lines[line]
            i = len(text) - len(text.lstrip(" \t"))
            continue
        char = text[i]
        start = i
        if double and char == "\\":
            if i + 1 >= len(text) or text[i + 1] in "xuU":
                return None  # escapes spelling a code point: not followed
            escaped = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.get(text[i + 1])
            if escaped is None:
                return None
            char = escaped
            i += 2
        elif not double and char == "'" and text[i + 1 : i + 2] == "'":
            i += 2
        elif char == ("'" if not double else '"'):
            return None  # the closing quote before the character wanted
        else:
            i += 1
        if want[len(places)] != char:
            return None
        places.append((line, start))
    return places


def _block(lines: tuple[str, ...], line: int, want: str, *, folded: bool) -> list[Place] | None:
    header = lines[line].split(" #")[0]
    if any(c.isdigit() for c in header.split("|")[-1].split(">")[-1]):
        return None  # an explicit indentation indicator: not followed
    indent: int | None = None
    chars: list[tuple[str, Place]] = []
    blanks: list[int] = []
    previous: int | None = None
    for current in range(line + 1, len(lines)):
        text = lines[current]
        if not text.strip():
            blanks.append(current)
            continue
        margin = len(text) - len(text.lstrip(" "))
        indent = margin if indent is None else indent
        if margin < indent:
            break
        content = text[indent:]
        if folded and content[:1] in (" ", "\t"):
            return None  # more-indented lines keep their breaks: not followed
        if previous is not None:
            end = (previous, len(lines[previous]))
            if not folded:
                chars.append(("\n", end))
            elif not blanks:
                chars.append((" ", end))  # a single break folds to a space
        chars += [("\n", (blank, 0)) for blank in blanks]
        chars += [(char, (current, indent + i)) for i, char in enumerate(content)]
        blanks, previous = [], current
        if len(chars) >= len(want):
            break
    if "".join(c for c, _ in chars[: len(want)]) != want:
        return None
    return [place for _, place in chars[: len(want)]]
