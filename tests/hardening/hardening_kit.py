"""Shared by the hardening tests and `bench/fuzz.py`: mutate the example project, run the CLI on
it in-process, and judge the outcome.

A *case* is a dict of project files (relative POSIX path -> bytes) derived from the example by a
few random mutations. `Pipeline.run(files)` writes it to a reused folder, runs `validate`, then (if
the project still loads) `compile` and `docs build` through click's CliRunner, and returns a
`Verdict`: the commands run, their exit codes, and a crash description when something went wrong.

A crash is anything a user should never see: an exception other than SystemExit, exit code 70
(internal error) or any code outside {0, 1, 2}, a traceback in the output, or an exit code 1/2
without a located diagnostic (`path:line:col: CODE message`) pointing into a real file.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import random
import re
import string
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "metrics"

LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ", re.M)
"""A rendered diagnostic: `path:line:col: CODE message`."""

Files = dict[str, bytes]


def example_files(root: Path = EXAMPLE) -> Files:
    """The example's project file and definitions (not its data or generator)."""
    files: Files = {"nsmcode.yaml": (root / "nsmcode.yaml").read_bytes()}
    for path in sorted((root / "definitions").rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


# ------------------------------------------------------------------------------------------------
# YAML in and out


@functools.lru_cache(maxsize=4096)
def _load_plain(text: bytes) -> Any:
    """Plain values of a YAML text (the example's files are valid), cached per text."""
    from nsmcode.yamlsource import parse

    doc, problems = parse(text.decode("utf-8"), "x.yaml")
    assert not problems, problems
    return doc.value


def load_plain(text: bytes) -> Any:
    import copy

    return copy.deepcopy(_load_plain(text))


def dump_yaml(value: Any) -> bytes:
    """YAML text for plain values (block style, unicode kept)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    stream = io.StringIO()
    yaml.dump(value, stream)
    return stream.getvalue().encode("utf-8", "surrogatepass")


# ------------------------------------------------------------------------------------------------
# Random values and documents


_KEYS = (
    "version name paths dialect targets rules overrides thresholds connection connections "
    "analysis outcome retention_entity sources qualifiers metrics funnels teams okrs table select "
    "time_column entities columns dimensions joins financial column type semantic description "
    "source key condition reason label role category drives guards measures value owner "
    "calculation filter grain entity segments target suppress tags rule direction due steps "
    "within company kpis objective period key_results baseline numerator denominator expression "
    "metric window period_to_date base conversion periods comparison cohort activity offset"
)
_WORDS = (
    "count count_distinct sum average min max ratio derived cumulative conversion "
    "period_over_period retention north_star input kpi guardrail plain dx product growth outcome "
    "activity increase decrease string integer number boolean date timestamp identifier currency "
    "environment test_flag internal_flag day week month quarter duckdb postgres snowflake tsql "
    "error warning info off 2026-Q4 2026-H1 2026-13 NSM001 E004"
)
SPEC_KEYS = tuple(_KEYS.split())
SPEC_WORDS = (*_WORDS.split(), "7 days", "4 weeks")
WEIRD_TEXT = (
    "",
    " ",
    "\t",
    "null",
    "~",
    "0",
    "-1",
    "1e400",
    "NaN",
    "yes",
    "select",
    "order",
    "'; DROP TABLE accounts; --",
    "a /* b */ = 1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% raw %}",
    "${HOME}",
    "../../etc/passwd",
    "C:\\\\Windows",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\u00e9t\u00e9 \U0001f680 \u6f22\u5b57",
    "line\nbreak",
    "\x00nul",
    "\x7f\x1b[31mred",
    "x" * 3000,
    "a" * 129,
    "weekly_active_integration_points",
    "accounts",
    "account_id",
)


def random_scalar(rng: random.Random) -> Any:
    kind = rng.randrange(12)
    if kind == 0:
        return rng.choice((None, True, False))
    if kind == 1:
        return rng.choice((0, 1, -1, 7, 520, 521, 2**63, -(2**70), 10**30))
    if kind == 2:
        return rng.choice((0.5, -0.0, 1e308, -1e-308, float("inf"), float("-inf"), float("nan")))
    if kind == 3:
        return rng.choice((dt.date(2026, 12, 31), dt.date(1, 1, 1), dt.date(9999, 12, 31)))
    if kind == 4:
        return rng.choice(SPEC_KEYS)
    if kind == 5:
        return rng.choice(SPEC_WORDS)
    if kind == 6:
        return rng.choice(WEIRD_TEXT)
    if kind == 7:
        alphabet = string.ascii_letters + string.digits + "_ -.:'\"#&*!|>%@`,[]{}?\\\u00e9\u4e2d"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
    if kind == 8:
        return dt.datetime(2026, 1, 2, 3, 4, 5)
    return rng.choice((*SPEC_KEYS, *SPEC_WORDS))


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """A random plain YAML value, biased towards the spec's keys and words."""
    roll = rng.random()
    if depth > 5 or roll < 0.45:
        return random_scalar(rng)
    if roll < 0.7:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        str(rng.choice(SPEC_KEYS) if rng.random() < 0.8 else random_scalar(rng)): random_value(
            rng, depth + 1
        )
        for _ in range(rng.randrange(5))
    }


def random_document(rng: random.Random) -> bytes:
    """A random definition file: a mapping of spec sections to random values, or any value."""
    if rng.random() < 0.7:
        sections = ("version", "sources", "qualifiers", "metrics", "funnels", "teams", "okrs")
        value: Any = {
            rng.choice(sections): [random_value(rng, 1) for _ in range(rng.randrange(3))]
            for _ in range(rng.randrange(1, 4))
        }
    else:
        value = random_value(rng)
    return dump_yaml(value)


# ------------------------------------------------------------------------------------------------
# Mutations of a project


Path_ = tuple[str | int, ...]


def _walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))


def _get(value: Any, path: Path_) -> Any:
    for part in path:
        value = value[part]
    return value


def _names(files: Files) -> list[str]:
    """Every `name:` and every value that looks like a reference in the project."""
    found: set[str] = set()
    for text in files.values():
        try:
            value = load_plain(text)
        except Exception:
            continue
        for path, item in _walk(value):
            if (
                path
                and path[-1] in ("name", "source", "metric", "column")
                and isinstance(item, str)
            ):
                found.add(item)
    return sorted(found)


class Mutator:
    """Applies random, mostly small mutations to a project's files.

    Structural mutations work on the parsed YAML of one file and write it back (comments are
    lost; the example's other files stay byte-identical, so their parse is reused); textual ones
    work on the bytes.
    """

    SEMANTIC = ("set_enum", "edge_number", "edge_date", "add_reference", "rename_reference",
                "duplicate_item", "drop_item", "set_sql", "move_item")  # fmt: skip
    """Mutations that often keep the project loadable: they stress compile and docs."""

    def __init__(self, rng: random.Random, files: Files, *, semantic: bool = False) -> None:
        self.rng = rng
        self.files = dict(files)
        self.applied: list[str] = []
        self.semantic = semantic

    # -- helpers -------------------------------------------------------------------------------

    def _pick_file(self, *, definitions: bool = False) -> str:
        names = sorted(self.files)
        if definitions:
            names = [n for n in names if n != "nsmcode.yaml"] or names
        return self.rng.choice(names)

    def _structure(self, rel: str) -> Any:
        try:
            return load_plain(self.files[rel])
        except Exception:
            return None

    def _paths(self, value: Any, want: Callable[[Path_, Any], bool]) -> list[Path_]:
        return [p for p, v in _walk(value) if p and want(p, v)]

    def _note(self, what: str) -> None:
        self.applied.append(what)

    # -- structural ----------------------------------------------------------------------------

    def structural(self) -> None:
        rel = self._pick_file() if self.rng.random() < 0.15 else self._pick_file(definitions=True)
        value = self._structure(rel)
        if value is None:
            return self.textual()
        if self.semantic:
            getattr(self, "_" + self.rng.choice(self.SEMANTIC))(rel, value)
            return None
        kind = self.rng.choice(
            (
                "delete_key",
                "delete_key",
                "wrong_type",
                "wrong_type",
                "rename_reference",
                "rename_reference",
                "swap_values",
                "swap_sections",
                "duplicate_item",
                "drop_item",
                "set_sql",
                "set_enum",
                "set_enum",
                "move_item",
                "edge_number",
                "edge_number",
                "edge_date",
                "add_reference",
                "add_reference",
            )
        )
        getattr(self, "_" + kind)(rel, value)
        return None

    def _write(self, rel: str, value: Any, what: str) -> None:
        self.files[rel] = dump_yaml(value)
        self._note(f"{rel}: {what}")

    def _delete_key(self, rel: str, value: Any) -> None:
        paths = self._paths(value, lambda p, v: isinstance(p[-1], str))
        if not paths:
            return
        path = self.rng.choice(paths)
        del _get(value, path[:-1])[path[-1]]
        self._write(rel, value, f"delete {path}")

    def _wrong_type(self, rel: str, value: Any) -> None:
        paths = self._paths(value, lambda p, v: True)
        if not paths:
            return
        path = self.rng.choice(paths)
        new = random_value(self.rng, 3)
        _get(value, path[:-1])[path[-1]] = new
        self._write(rel, value, f"set {path} = {new!r:.60}")

    def _rename_reference(self, rel: str, value: Any) -> None:
        names = _names(self.files)
        paths = self._paths(value, lambda p, v: isinstance(v, str) and v in names)
        if not paths:
            paths = self._paths(value, lambda p, v: isinstance(v, str))
        if not paths:
            return
        path = self.rng.choice(paths)
        old = _get(value, path)
        roll = self.rng.random()
        if roll < 0.5:
            new: Any = self.rng.choice(names)
        elif roll < 0.75:
            new = old[:-1] if len(old) > 1 else old + "x"
        else:
            new = self.rng.choice(("select", "order", "group", "user", "from", "_", "a" * 128))
        _get(value, path[:-1])[path[-1]] = new
        self._write(rel, value, f"rename {path}: {old!r} -> {new!r}")

    def _swap_values(self, rel: str, value: Any) -> None:
        paths = self._paths(value, lambda p, v: True)
        if len(paths) < 2:
            return
        a, b = self.rng.sample(paths, 2)
        if a[: len(b)] == b or b[: len(a)] == a:
            return
        va, vb = _get(value, a), _get(value, b)
        _get(value, a[:-1])[a[-1]] = vb
        _get(value, b[:-1])[b[-1]] = va
        self._write(rel, value, f"swap {a} <-> {b}")

    def _swap_sections(self, rel: str, value: Any) -> None:
        if not isinstance(value, dict) or not value:
            return
        keys = list(value)
        sections = ["sources", "qualifiers", "metrics", "funnels", "teams", "okrs", "version"]
        old = self.rng.choice(keys)
        new = self.rng.choice([s for s in sections if s != old])
        if new in value:
            value[old], value[new] = value[new], value[old]
        else:
            value[new] = value.pop(old)
        self._write(rel, value, f"section {old} <-> {new}")

    def _lists(self, value: Any) -> list[Path_]:
        return self._paths(value, lambda p, v: isinstance(v, list) and len(v) > 0)

    def _duplicate_item(self, rel: str, value: Any) -> None:
        paths = self._lists(value)
        if not paths:
            return
        path = self.rng.choice(paths)
        items = _get(value, path)
        import copy

        items.append(copy.deepcopy(self.rng.choice(items)))
        self._write(rel, value, f"duplicate an item of {path}")

    def _drop_item(self, rel: str, value: Any) -> None:
        paths = self._lists(value)
        if not paths:
            return
        path = self.rng.choice(paths)
        items = _get(value, path)
        i = self.rng.randrange(len(items))
        del items[i]
        self._write(rel, value, f"drop {(*path, i)}")

    def _set_sql(self, rel: str, value: Any) -> None:
        fields = ("condition", "filter", "expression", "select", "table")
        paths = self._paths(value, lambda p, v: p[-1] in fields)
        if not paths:
            paths = self._paths(value, lambda p, v: isinstance(v, dict) and "name" in v)
            if not paths:
                return
            path = (*self.rng.choice(paths), self.rng.choice(fields))
        else:
            path = self.rng.choice(paths)
        new = self.rng.choice(sql_attacks() + SQL_ODDITIES)
        _get(value, path[:-1])[path[-1]] = new
        self._write(rel, value, f"sql {path} = {new!r:.60}")

    def _edge_number(self, rel: str, value: Any) -> None:
        """A number the schema accepts but arithmetic and formatting may not."""
        paths = self._paths(value, lambda p, v: isinstance(v, (int, float)) and v is not True)
        if not paths:
            return
        path = self.rng.choice(paths)
        new = self.rng.choice(
            (0, -1, 1, 10**18, -(10**18), 1e308, -1e308, 5e-324, float("inf"), float("-inf"),
             float("nan"), 0.1 + 0.2, 520, 10**400)
        )  # fmt: skip
        _get(value, path[:-1])[path[-1]] = new
        self._write(rel, value, f"number {path} = {new!r:.40}")

    def _edge_date(self, rel: str, value: Any) -> None:
        """Dates and periods at the ends of the calendar."""
        paths = self._paths(
            value,
            lambda p, v: isinstance(v, dt.date) or p[-1] in ("due", "period", "window", "within"),
        )
        if not paths:
            return
        path = self.rng.choice(paths)
        if path[-1] == "period":
            new: Any = self.rng.choice(("0001-Q1", "9999-Q4", "9999-12", "9999", "2026-H2"))
        elif path[-1] in ("window", "within"):
            new = self.rng.choice(
                ("1 day", "9999 weeks", "1 week", "520 weeks", "1 month", "3 months", "1 quarter")
            )
        else:
            new = self.rng.choice((dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2026, 2, 28)))
        _get(value, path[:-1])[path[-1]] = new
        self._write(rel, value, f"date {path} = {new!s}")

    def _add_reference(self, rel: str, value: Any) -> None:
        """Append a known name to a list of references (segments, qualifiers, steps, ...)."""
        lists = ("segments", "qualifiers", "steps", "columns", "dimensions", "tags", "targets")
        paths = self._paths(value, lambda p, v: p[-1] in lists and isinstance(v, list))
        if not paths:
            return
        path = self.rng.choice(paths)
        new = self.rng.choice(_names(self.files) + list(DIALECTS))
        items = _get(value, path)
        items.insert(self.rng.randrange(len(items) + 1), new)
        self._write(rel, value, f"add {new!r} to {path}")

    def _set_enum(self, rel: str, value: Any) -> None:
        enums: dict[str, list[Any]] = {
            "role": ["north_star", "input", "kpi", "guardrail", "plain"],
            "type": ["count", "count_distinct", "sum", "average", "min", "max", "ratio",
                     "derived", "cumulative", "conversion", "period_over_period", "retention",
                     "time_to_convert", "percentile", "balance", "string", "integer", "number",
                     "boolean", "date", "timestamp"],
            "grain": ["hour", "day", "week", "month", "quarter", "year", "fiscal_quarter",
                      "fiscal_year"],
            "at": ["start", "end"],
            "over": ["period", "all_time"],
            "result": ["rate", "count"],
            "fill_nulls_with": [0, -1, 0.5],
            "percentile": [0.0, 0.5, 0.99, 1.0],
            "category": ["dx", "product", "growth"],
            "measures": ["outcome", "activity"],
            "direction": ["increase", "decrease"],
            "semantic": ["identifier", "currency", "environment", "test_flag", "internal_flag"],
            "financial": [True, False],
            "company": [True, False],
            "period_to_date": ["day", "week", "month", "quarter", "year"],
            "comparison": ["ratio", "difference"],
            "unit": ["seconds", "minutes", "hours", "days", "weeks"],
            "dialect": ["duckdb", "postgres", "tsql", "bigquery", "clickhouse", "sqlite"],
        }  # fmt: skip
        paths = self._paths(value, lambda p, v: p[-1] in enums)
        if not paths:
            return
        path = self.rng.choice(paths)
        new = self.rng.choice(enums[str(path[-1])])
        _get(value, path[:-1])[path[-1]] = new
        self._write(rel, value, f"enum {path} = {new!r}")

    def _move_item(self, rel: str, value: Any) -> None:
        """Move a definition to another file (possibly into another section)."""
        paths = self._paths(value, lambda p, v: len(p) == 2 and isinstance(v, dict))
        if not paths:
            return
        path = self.rng.choice(paths)
        item = _get(value, path[:-1]).pop(path[-1])
        other = self._pick_file(definitions=True)
        target = value if other == rel else self._structure(other)
        if not isinstance(target, dict):
            return
        section = (
            str(path[0])
            if self.rng.random() < 0.7
            else self.rng.choice(["sources", "metrics", "teams", "okrs", "qualifiers", "funnels"])
        )
        existing = target.get(section)
        target[section] = [*existing, item] if isinstance(existing, list) else [item]
        if other != rel:
            self.files[other] = dump_yaml(target)
        self._write(rel, value, f"move {path} to {other}:{section}")

    # -- textual -------------------------------------------------------------------------------

    def textual(self) -> None:
        rel = self._pick_file()
        data = self.files[rel]
        kind = self.rng.choice(
            (
                "truncate",
                "truncate",
                "delete_line",
                "duplicate_line",
                "swap_lines",
                "indent",
                "insert_bytes",
                "replace_file",
                "empty",
                "delete_file",
                "new_file",
                "replace_word",
            )
        )
        lines = data.split(b"\n")
        rng = self.rng
        if kind == "truncate":
            cut = rng.randrange(len(data) + 1)
            self.files[rel] = data[:cut]
            self._note(f"{rel}: truncate at {cut}")
        elif kind in ("delete_line", "duplicate_line", "indent") and lines:
            i = rng.randrange(len(lines))
            if kind == "delete_line":
                del lines[i]
            elif kind == "duplicate_line":
                lines.insert(i, lines[i])
            else:
                lines[i] = rng.choice((b" ", b"  ", b"\t", b"- ")) + lines[i]
                if rng.random() < 0.5:
                    lines[i] = lines[i].lstrip()
            self.files[rel] = b"\n".join(lines)
            self._note(f"{rel}: {kind} {i + 1}")
        elif kind == "swap_lines" and len(lines) > 1:
            i, j = rng.sample(range(len(lines)), 2)
            lines[i], lines[j] = lines[j], lines[i]
            self.files[rel] = b"\n".join(lines)
            self._note(f"{rel}: swap lines {i + 1} and {j + 1}")
        elif kind == "insert_bytes":
            at = rng.randrange(len(data) + 1)
            junk = rng.choice(
                (
                    b"\x00",
                    b"\xff\xfe",
                    b"\xef\xbb\xbf",
                    b"\t",
                    b"\r",
                    b"\xc3",
                    b"&a ",
                    b"*a ",
                    b"!!python/object/apply:os.system ['true'] ",
                    b"!custom ",
                    b"<<: ",
                    b"? ",
                    b"---\n",
                    b"%YAML 1.1\n",
                    b"{",
                    b"]",
                    b"'",
                    b'"\\ud800"',
                    b"#",
                    b": ",
                    b"|\n",
                    b"\xe2\x80\xae",
                    bytes([rng.randrange(256)]),
                )
            )
            self.files[rel] = data[:at] + junk + data[at:]
            self._note(f"{rel}: insert {junk!r} at {at}")
        elif kind == "replace_file":
            self.files[rel] = random_document(rng)
            self._note(f"{rel}: replaced by a random document")
        elif kind == "empty":
            self.files[rel] = rng.choice((b"", b"# nothing\n", b"~\n", b"[]\n", b"--- \n"))
            self._note(f"{rel}: emptied")
        elif kind == "delete_file" and rel != "nsmcode.yaml":
            del self.files[rel]
            self._note(f"{rel}: deleted")
        elif kind == "new_file":
            name = rng.choice(("definitions/extra.yaml", "definitions/deep/x.yml", "other.yaml"))
            self.files[name] = random_document(rng)
            self._note(f"{name}: new random file")
        elif kind == "replace_word":
            words = re.findall(rb"[A-Za-z_][A-Za-z0-9_]+", data)
            if words:
                old = rng.choice(words)
                new = rng.choice([*words, b"select", b"x", b"account_id"])
                self.files[rel] = data.replace(old, new, 1 + rng.randrange(3))
                self._note(f"{rel}: replace {old!r} -> {new!r}")

    def mutate(self, count: int) -> Files:
        for _ in range(count):
            if self.semantic or self.rng.random() < 0.65:
                self.structural()
            else:
                self.textual()
        return self.files


def mutate(
    rng: random.Random, base: Files, count: int | None = None, *, semantic: bool = False
) -> tuple[Files, list[str]]:
    """A mutated copy of `base` and the list of mutations applied (the reproducer)."""
    mutator = Mutator(rng, base, semantic=semantic)
    files = mutator.mutate(count if count is not None else rng.choice((1, 1, 1, 2, 2, 3)))
    return files, mutator.applied


def _dialects() -> tuple[str, ...]:
    from nsmcode.models import DIALECTS as ALL

    return ALL


DIALECTS = _dialects()


def with_target(files: Files, dialect: str) -> Files:
    """`files` with the project compiling to one dialect only: a fuzz case then costs a
    twelfth of a full compile, and over many cases every dialect gets its share."""
    out = dict(files)
    out["nsmcode.yaml"] = files["nsmcode.yaml"].rstrip(b"\n") + f"\ntargets: [{dialect}]\n".encode()
    return out


# ------------------------------------------------------------------------------------------------
# SQL attack corpus


@dataclass(frozen=True)
class Attack:
    text: str
    in_select: bool
    """False for attacks that are legitimate inside a source's SELECT (subqueries)."""


@functools.lru_cache(maxsize=1)
def sql_corpus() -> tuple[Attack, ...]:
    """The attack corpus (sql_attacks.txt): one a line; `\\n` stands for a line break."""
    path = Path(__file__).with_name("sql_attacks.txt")
    out: list[Attack] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expr_only = line.startswith("expr: ")
        text = line.removeprefix("expr: ").replace("\\n", "\n")
        out.append(Attack(text, not expr_only))
    return tuple(out)


def sql_attacks() -> list[str]:
    return [a.text for a in sql_corpus()]


SQL_ODDITIES = [
    "",
    " ",
    "(",
    "1 +",
    "status_code <",
    "environment = 'production",
    "a.b.c.d = 1",
    "NOT",
    "CASE WHEN",
    "weekly_signups / 0",
    "-weekly_signups",
    "weekly_signups / (weekly_docs_visitors - weekly_docs_visitors)",
    "status_code::text = '5'",
    "status_code IN ()",
    "status_code BETWEEN 1",
    "x" * 5000,
    "(" * 500 + "1" + ")" * 500,
    "1" + " + 1" * 3000,
    "\u00e9t\u00e9 = 1",
    "`environment` = 'production'",
    "\"environment\" = 'production'",
    "[environment] = 'production'",
    "environment = $1",
    "environment = ?",
    "environment = :name",
    "environment = @var",
]


# ------------------------------------------------------------------------------------------------
# A small project with every field that takes SQL (one per line, double-quoted)

SQL_FIELDS = ("condition", "filter", "expression", "select", "table")

TEMPLATE = """\
sources:
  - name: api_calls
    table: {table}
    time_column: called_at
    entities: [{{name: account, column: account_id}}]
    columns:
      - {{name: account_id, type: string}}
      - {{name: called_at, type: timestamp}}
      - {{name: environment, type: string}}
      - {{name: status_code, type: integer}}
    joins: [{{source: accounts, column: account_id}}]
  - name: accounts
    select: {select}
    time_column: created_at
    columns:
      - {{name: account_id, type: string}}
      - {{name: created_at, type: timestamp}}
      - {{name: is_test, type: boolean}}
qualifiers:
  - name: production_only
    condition: {condition}
    reason: sandbox calls are not usage
metrics:
  - name: production_calls
    source: api_calls
    calculation: {{type: count}}
    qualifiers: [production_only]
    filter: {filter}
    grain: week
  - name: signups
    source: accounts
    calculation: {{type: count}}
    grain: week
  - name: calls_per_signup
    calculation: {{type: derived, expression: {expression}}}
    grain: week
"""

SAFE = {
    "table": "analytics.api_calls",
    "select": "SELECT account_id, created_at, is_test FROM raw.accounts WHERE NOT is_test",
    "condition": "environment = 'production'",
    "filter": "status_code < 500",
    "expression": "production_calls / signups",
}
LINE = {
    field: next(i + 1 for i, line in enumerate(TEMPLATE.splitlines()) if f"{{{field}}}" in line)
    for field in SQL_FIELDS
}


def definitions(**fields: str) -> str:
    values = {k: json.dumps(fields.get(k, v)) for k, v in SAFE.items()}
    return TEMPLATE.format(**values)


def write_small_project(root: Path, targets: str = "[duckdb, postgres]", **fields: str) -> Path:
    """The small project in `root` (definitions in `definitions/all.yaml`)."""
    (root / "definitions").mkdir(parents=True, exist_ok=True)
    (root / "nsmcode.yaml").write_text(
        f"version: 1\nname: small\npaths: [definitions]\ntargets: {targets}\n"
    )
    (root / "definitions" / "all.yaml").write_text(definitions(**fields))
    return root


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under `folder`, hidden ones included."""
    out: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = None if path.is_dir() else path.read_bytes()
    return out


# ------------------------------------------------------------------------------------------------
# Running the pipeline and judging it


@dataclass
class Step:
    args: list[str]
    exit_code: int
    output: str
    crash: str | None = None


@dataclass
class Verdict:
    steps: list[Step] = field(default_factory=list)

    @property
    def crash(self) -> Step | None:
        return next((s for s in self.steps if s.crash), None)


def crash_class(exc: BaseException) -> str:
    """Exception type and the innermost nsmcode frame: one class per distinct bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/nsmcode/" in f.filename.replace("\\", "/")]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    at = f" at {Path(where.filename).name}:{where.lineno} ({where.name})" if where else ""
    return f"{type(exc).__name__}{at}"


def check_located(output: str, root: Path) -> str | None:
    """None when the output holds a located diagnostic pointing into an existing file or folder
    at a line that exists; else what is wrong."""
    matches = list(LOCATED.finditer(output))
    if not matches:
        return "no located diagnostic (path:line:col: CODE)"
    for m in matches:
        shown = Path(m["file"])
        path = shown if shown.is_absolute() else root / shown
        if not path.exists() and not (Path.cwd() / shown).exists():
            return f"diagnostic points at a missing file: {m.group(0)}"
        real = path if path.exists() else Path.cwd() / shown
        if real.is_file():
            text = real.read_bytes()
            lines = text.count(b"\n") + 1
            if int(m["line"]) > lines + 1 or int(m["line"]) < 1 or int(m["col"]) < 1:
                return f"diagnostic points past the end of the file ({lines} lines): {m.group(0)}"
    return None


def check_report(fmt: str, stdout: str, code: int) -> str | None:
    """None when a machine-readable report is well formed and, on exit 1 or 2, locates what it
    reports (file, line >= 1, column >= 1); else what is wrong."""
    places: list[tuple[Any, Any, Any]] = []
    try:
        if fmt == "github":
            for line in stdout.splitlines():
                found = re.match(
                    r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+)", line
                )
                if found:
                    places.append((found[2], int(found[3]), int(found[4])))
        else:
            report = json.loads(stdout)
            if fmt == "json":
                found = report["diagnostics"]
                places = [(f.get("file"), f.get("line"), f.get("col")) for f in found]
            else:
                for result in report["runs"][0]["results"]:
                    where = result["locations"][0]["physicalLocation"]
                    region = where["region"]
                    uri = where["artifactLocation"]["uri"]
                    places.append((uri, region.get("startLine"), region.get("startColumn")))
    except (ValueError, KeyError, IndexError, TypeError) as error:
        return f"malformed {fmt} report ({type(error).__name__}: {error})"
    if code in (1, 2) and not places:
        return "nothing located in the report"
    for file, line, col in places:
        if not isinstance(file, str) or not file or not isinstance(line, int) or line < 1:
            return f"an unlocated entry: {(file, line, col)}"
        if not isinstance(col, int) or col < 1:
            return f"an entry without a column: {(file, line, col)}"
    return None


class Pipeline:
    """Runs validate, compile and docs build on a case in a reused folder under `work`."""

    def __init__(
        self,
        work: Path,
        *,
        commands: tuple[str, ...] = ("validate", "compile", "docs"),
        cache_parse: bool = False,
    ) -> None:
        """`cache_parse` memoizes YAML parsing process-wide (for the benchmark: it patches
        nsmcode's modules, which a test suite should not)."""
        from click.testing import CliRunner

        self.work = work
        self.root = work / "project"
        self.out = work / "out"
        self.commands = commands
        self.runner = CliRunner()
        self._written: Files = {}
        if cache_parse:
            _install_parse_cache()

    def write(self, files: Files) -> None:
        """Make the project folder hold exactly `files`, rewriting only what changed."""
        self.root.mkdir(parents=True, exist_ok=True)
        for rel in set(self._written) - set(files):
            (self.root / rel).unlink(missing_ok=True)
        for rel, data in files.items():
            if self._written.get(rel) != data:
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        self._written = dict(files)

    def invoke(self, args: list[str], fmt: str = "text") -> Step:
        from nsmcode.cli import main

        env = {"NSMCODE_DEBUG": "1", "NO_COLOR": "1", "NSMCODE_JOBS": "1"}
        result = self.runner.invoke(main, args, env=env)
        output = result.output
        step = Step(args, result.exit_code, output)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            step.crash = f"{crash_class(exc)}\n{tb}"
        elif result.exit_code not in (0, 1, 2):
            step.crash = f"exit code {result.exit_code}\n{output[-2000:]}"
        elif "Traceback (most recent call last)" in output:
            step.crash = f"traceback in output\n{output[-2000:]}"
        elif fmt != "text":
            problem = check_report(fmt, result.stdout, result.exit_code)
            if problem:
                step.crash = f"exit {result.exit_code}, --format {fmt}: {problem}\n{output[-2000:]}"
        elif result.exit_code in (1, 2):
            problem = check_located(output, self.root)
            if problem:
                step.crash = f"exit {result.exit_code} with {problem}\n{output[-2000:]}"
        return step

    def run(
        self,
        files: Files,
        *,
        label: str = "target",
        docs: bool = True,
        commands: tuple[str, ...] | None = None,
        fmt: str = "text",
    ) -> Verdict:
        """Run the commands on `files`. Compile output goes to a folder named by `label` that is
        kept between runs (its cache saves work, as it does for a user; cases with the same
        label should target the same dialects); `docs=False` skips `docs build`."""
        commands = self.commands if commands is None else commands
        self.write(files)
        verdict = Verdict()
        project = ["--project", str(self.root)]
        first = self.invoke(["validate", *project, "--format", fmt], fmt)
        verdict.steps.append(first)
        if first.crash or first.exit_code == 2:
            return verdict
        for name in commands[1:]:
            if name == "compile":
                args = ["compile", *project, "--out", str(self.out / label)]
            elif name == "docs" and docs:
                args = ["docs", "build", *project, "--out", str(self.out / "site")]
            else:
                continue
            step = self.invoke(args)
            verdict.steps.append(step)
            if step.crash:
                break
        return verdict


def available_commands() -> tuple[str, ...]:
    """The pipeline's commands that exist in this checkout (others land later)."""
    from nsmcode.cli import COMMANDS, LazyGroup

    wanted = ("validate", "compile", "docs")
    return tuple(c for c in wanted if c in COMMANDS and LazyGroup._load(c) is not None)


_CACHE_INSTALLED = False


def cached_parse() -> Callable[[str, str], Any]:
    """YAML parsing memoized per (text, shown path): the example's unchanged files parse once.

    Parsing is a pure function of its arguments, and the loader and project never mutate a
    Document, so sharing one is safe.
    """
    import copy

    from nsmcode.yamlsource import parse as original

    @functools.lru_cache(maxsize=256)
    def cached(text: str, file: str) -> Any:
        return original(text, file)

    def parse(text: str, file: str) -> Any:
        doc, problems = cached(text, file)
        return copy.copy(doc), list(problems)

    return parse


PATCHED = ("nsmcode.project", "nsmcode.loader")
"""Modules whose `parse` the loader calls (load_project passes its module's `parse`)."""


def _install_parse_cache() -> None:
    """Patch `cached_parse` in for the rest of the process (the benchmark only)."""
    global _CACHE_INSTALLED
    if _CACHE_INSTALLED:
        return
    import importlib

    parse = cached_parse()
    for name in PATCHED:
        module: Any = importlib.import_module(name)
        module.parse = parse
    _CACHE_INSTALLED = True
