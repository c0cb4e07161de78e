"""The compile cache: what the last compile wrote, and the parsed definition files it read.

It lives in `<out>/.nsmcode-cache/` (a folder with its own `.gitignore`, so it is never committed)
and only ever saves work: a missing, unreadable or outdated cache gives the same output, slower.

- `metrics`: name -> [definition hash, header key] of the files last written for it;
- `files`: output file -> "sha256 size mtime_ns inode", saved as one line per file in a single
  string (120,000 of them load and save fast): a file whose size, mtime and inode still match is
  the one written, without reading it back;
- `manifest`: [content key, sha256, size, mtime_ns, inode] of the last manifest;
- `parsed`: definition file -> its parsed YAML (the value, the line of each item), reused while
  the file's size, mtime, inode and content hash are unchanged. Keys on file metadata make a
  cache copied from elsewhere (say, committed by mistake) match nothing.

JSON, not pickle: a cache must never be able to run code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from nsmcode import __version__
from nsmcode.diagnostics import Diagnostic, Span
from nsmcode.yamlsource import Document, parse

CACHE_DIR = ".nsmcode-cache"
CACHE_FILE = f"{CACHE_DIR}/cache.json"
CACHE_GITIGNORE = f"{CACHE_DIR}/.gitignore"
GITIGNORE_TEXT = b"# Created by nsmcode: the compile cache is local, never commit it.\n*\n"
CACHE_VERSION = 1

Stat = tuple[int, int, int]
"""size, mtime_ns, inode: enough to tell a file was not touched since it was written."""

# Code whose behaviour shapes compiled SQL or parsed documents: a change to it invalidates
# the cache even when the version number did not move (editable installs, development).
_FINGERPRINTED = (
    "compile",
    "models",
    "project.py",
    "loader.py",
    "yamlsource.py",
    "outputs/plan.py",
    "outputs/cache.py",
)


def stat_of(result: os.stat_result) -> Stat:
    return (result.st_size, result.st_mtime_ns, result.st_ino)


def fingerprint() -> str:
    """nsmcode, sqlglot and Python versions, and a digest of the compiler's source files."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        sqlglot = version("sqlglot")
    except PackageNotFoundError:
        sqlglot = "unknown"
    digest = hashlib.sha256(f"{__version__} {sqlglot} {sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parent.parent
    for entry in _FINGERPRINTED:
        path = package / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            try:
                digest.update(file.relative_to(package).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
            except OSError:
                digest.update(b"missing")
    return digest.hexdigest()[:32]


@dataclasses.dataclass
class Cache:
    metrics: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    manifest: list[Any] | None = None
    parsed: dict[str, Any] = dataclasses.field(default_factory=dict)
    fingerprint: str = ""

    @classmethod
    def read(cls, out: Path) -> Cache:
        """The cache in `out`; an empty one when it is missing, unreadable or from other code.

        Parsed definitions survive a fingerprint change only when the YAML reader is unchanged,
        which the fingerprint covers too, so everything is dropped together.
        """
        current = fingerprint()
        try:
            data = json.loads((out / CACHE_FILE).read_bytes())
        except (OSError, ValueError):
            return cls(fingerprint=current)
        if (
            not isinstance(data, dict)
            or data.get("cache_version") != CACHE_VERSION
            or data.get("fingerprint") != current
        ):
            return cls(fingerprint=current)
        metrics, files, parsed = data.get("metrics"), data.get("files"), data.get("parsed")
        manifest = data.get("manifest")
        if not (isinstance(metrics, dict) and isinstance(files, str) and isinstance(parsed, dict)):
            return cls(fingerprint=current)
        return cls(
            metrics=metrics,
            files=dict(line.split(" ", 1) for line in files.splitlines() if " " in line),
            manifest=manifest if isinstance(manifest, list) and len(manifest) == 5 else None,
            parsed=parsed,
            fingerprint=current,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "cache_version": CACHE_VERSION,
            "fingerprint": self.fingerprint,
            "metrics": self.metrics,
            "files": self.files,
            "manifest": self.manifest,
            "parsed": self.parsed,
        }

    def dump(self) -> bytes:
        data = self.to_json()
        data["files"] = "\n".join(f"{rel} {entry}" for rel, entry in self.files.items())
        return json.dumps(data, separators=(",", ":")).encode("utf-8")


def stamp(stat: Stat) -> str:
    """The form a file's metadata takes in the cache."""
    return f"{stat[0]} {stat[1]} {stat[2]}"


# ------------------------------------------------------------------------------------------------
# Parsed definition files

_DOCUMENT_FIELDS = {"file", "value", "marks", "key_marks", "refused", "depth", "text"}
_CACHEABLE = {f.name for f in dataclasses.fields(Document)} == _DOCUMENT_FIELDS


class ParseCache:
    """A drop-in for `yamlsource.parse` that reuses the parse of unchanged files.

    A cached document holds the value (validation needs it) and the spans of the top-level
    items (each definition's line, for file headers). Any other span is only asked for to report
    an error; the first such request parses the file again, so diagnostics are exactly those of
    an uncached load. Storing every span would double the cache, and its load and save times.
    """

    def __init__(self, old: dict[str, Any]) -> None:
        self.old = old
        self.new: dict[str, Any] = {}
        self.misses = 0
        self.hits = 0

    def parse(self, text: str, shown: str) -> tuple[Document, list[Diagnostic]]:
        try:
            disk = list(stat_of(os.stat(shown)))
        except OSError:
            disk = None
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        entry = self.old.get(shown)
        fresh = isinstance(entry, dict) and entry.get("stat") == disk and entry.get("sha") == sha
        if _CACHEABLE and disk and fresh:
            assert isinstance(entry, dict)
            cached = _CachedDocument.from_entry(shown, text, entry)
            if cached is not None:
                self.new[shown] = entry
                self.hits += 1
                return cached, []
        self.misses += 1
        doc, problems = parse(text, shown)
        if _CACHEABLE and disk and not problems and not doc.refused:
            encoded = _encode(doc)
            if encoded is not None:
                self.new[shown] = {"stat": disk, "sha": sha, **encoded}
        return doc, problems


class _CachedDocument(Document):
    def __init__(self, file: str, value: Any, text: str) -> None:
        super().__init__(file, value)
        self._text = text
        self._pending = True
        self._items: dict[tuple[Any, ...], tuple[int, int]] = {}

    @classmethod
    def from_entry(cls, file: str, text: str, entry: dict[str, Any]) -> _CachedDocument | None:
        items = entry.get("items")
        if not isinstance(items, list):
            return None
        doc = cls(file, entry.get("value"), text)
        try:
            doc._items = {(s, i): (line, col) for s, i, line, col in items}
        except (TypeError, ValueError):
            return None
        return doc

    def span(self, path: tuple[str | int, ...], *, key: bool = False) -> Span:
        if self._pending:
            found = None if key else self._items.get(path)
            if found is not None:
                return Span(self.file, *found)
            self._pending = False
            fresh, _ = parse(self._text, self.file, shallow=False)
            self.marks, self.key_marks = fresh.marks, fresh.key_marks
        return super().span(path, key=key)


def _encode(doc: Document) -> dict[str, Any] | None:
    """The document as JSON data, or None when its value would not come back identical."""
    try:
        text = json.dumps(doc.value, allow_nan=False)
    except (TypeError, ValueError):  # dates, NaN: parsed every time
        return None
    if json.loads(text) != doc.value:
        return None
    items = [[*path, *divmod(mark, 1 << 32)] for path, mark in doc.marks.items() if len(path) == 2]
    return {"value": doc.value, "items": items}
