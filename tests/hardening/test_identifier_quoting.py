"""Identifiers that need quoting: reserved words as source, column and metric names, table names
with spaces, capitals, quotes and Unicode, and a schema-qualified reserved word (`analytics.order`).

Every metric is compiled and executed on DuckDB and PostgreSQL (NSMCODE_TEST_POSTGRES; skipped
locally when unset, a failure under CI=true) and its values compared with the answer computed
here in Python; for every other dialect the SQL must parse back and still name the same tables.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.models import DIALECTS
from nsmcode.project import Project, load_project

SUFFIX = f"{os.getpid()}_{random.Random().randrange(10**6)}"
SCHEMA = f"my schema {SUFFIX}"
UNICODE_SCHEMA = f"données_{SUFFIX}"
PLAIN_SCHEMA = f"analytics_{SUFFIX}"
WEIRD_TABLE = "Weird Table"
QUOTE_TABLE = 'it\'s "quoted"'
UNICODE_TABLE = "Tâble ünïcode ✓"


def q(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def yq(text: str) -> str:
    """A single-quoted YAML string."""
    return "'" + text.replace("'", "''") + "'"


DEFINITIONS = f"""\
sources:
  - name: order
    table: {yq(q(SCHEMA) + "." + q(WEIRD_TABLE))}
    time_column: date
    entities: [{{name: user, column: user}}]
    columns:
      - {{name: date, type: timestamp}}
      - {{name: user, type: string}}
      - {{name: group, type: string}}
      - {{name: select, type: number}}
      - {{name: from, type: string}}
    dimensions: [group]
    joins: [{{source: table, column: user}}]
  - name: table
    table: {PLAIN_SCHEMA}.order
    columns:
      - {{name: user, type: string}}
      - {{name: limit, type: string}}
    dimensions: [limit]
  - name: having
    table: {yq(q(UNICODE_SCHEMA) + "." + q(UNICODE_TABLE))}
    time_column: when
    columns:
      - {{name: when, type: date}}
      - {{name: end, type: integer}}
  - name: quotes
    table: {yq(q(SCHEMA) + "." + q(QUOTE_TABLE))}
    time_column: at
    columns:
      - {{name: at, type: date}}
      - {{name: Value, type: number}}
qualifiers:
  - name: where
    condition: "\\"from\\" <> 'bot' AND \\"select\\" >= 0"
    reason: bots are not users
metrics:
  - name: select
    source: order
    calculation: {{type: count}}
    qualifiers: [where]
    grain: week
    segments: [group]
  - name: order
    source: order
    calculation: {{type: sum, column: select}}
    filter: "\\"group\\" IN ('a', 'b')"
    grain: week
  - name: group
    source: order
    calculation: {{type: count_distinct, columns: [user]}}
    grain: week
    segments: [limit]
  - name: user
    calculation: {{type: derived, expression: '"order" / "group"'}}
    grain: week
  - name: end
    source: having
    calculation: {{type: sum, column: end}}
    grain: week
  - name: from
    source: quotes
    calculation: {{type: max, column: Value}}
    grain: week
"""

MONDAY = dt.datetime(2026, 1, 5)
ORDER_ROWS = [  # date, user, group, select, from
    (MONDAY, "u1", "a", 1.5, "web"),
    (MONDAY + dt.timedelta(days=1), "u2", "b", 2.0, "web"),
    (MONDAY + dt.timedelta(days=2), "u2", "a", 4.0, "bot"),
    (MONDAY + dt.timedelta(days=7), "u1", "c", 8.0, "api"),
    (MONDAY + dt.timedelta(days=8), "u3", "a", 16.0, "web"),
]
TABLE_ROWS = [("u1", "gold"), ("u2", "silver"), ("u3", "gold")]
HAVING_ROWS = [(dt.date(2026, 1, 6), 3), (dt.date(2026, 1, 13), 4), (dt.date(2026, 1, 14), 5)]
QUOTE_ROWS = [(dt.date(2026, 1, 6), 2.5), (dt.date(2026, 1, 7), 7.5), (dt.date(2026, 1, 12), 1.0)]
WEEKS = [dt.date(2026, 1, 5), dt.date(2026, 1, 12)]


def _week(day: dt.date | dt.datetime) -> dt.date:
    d = day.date() if isinstance(day, dt.datetime) else day
    return d - dt.timedelta(days=d.weekday())


def expected() -> dict[tuple[str, str | None], set[tuple[Any, ...]]]:
    """The answer of every metric (and segment), computed from the rows above."""
    plan = dict(TABLE_ROWS)
    select: dict[tuple[dt.date, str], int] = {}
    for week in WEEKS:
        for group in ("a", "b", "c"):
            select[(week, group)] = 0
    for date, _, group, value, source in ORDER_ROWS:
        if source != "bot" and value >= 0:
            select[(_week(date), group)] += 1
    order = {w: sum(r[3] for r in ORDER_ROWS if _week(r[0]) == w and r[2] in "ab") for w in WEEKS}
    users = {w: {r[1] for r in ORDER_ROWS if _week(r[0]) == w} for w in WEEKS}
    group = {
        (w, lim): len({u for u in users[w] if plan[u] == lim})
        for w in WEEKS
        for lim in ("gold", "silver")
    }
    return {
        ("select", "group"): {(w, g, float(n)) for (w, g), n in select.items()},
        ("select", None): {(w, float(sum(select[w, g] for g in "abc"))) for w in WEEKS},
        ("order", None): {(w, float(v)) for w, v in order.items()},
        ("group", "limit"): {(w, lim, float(n)) for (w, lim), n in group.items()},
        ("group", None): {(w, float(len(users[w]))) for w in WEEKS},
        ("user", None): {(w, order[w] / len(users[w])) for w in WEEKS},
        ("end", None): {(w, float(sum(e for d, e in HAVING_ROWS if _week(d) == w))) for w in WEEKS},
        ("from", None): {(w, max(v for d, v in QUOTE_ROWS if _week(d) == w)) for w in WEEKS},
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("identifiers")
    (root / "definitions").mkdir()
    (root / "nsmcode.yaml").write_text("version: 1\nname: quoting\npaths: [definitions]\n")
    (root / "definitions" / "all.yaml").write_text(DEFINITIONS, encoding="utf-8")
    return load_project(root)


def test_the_names_are_as_written(project: Project) -> None:
    """The YAML above spells the table names the way the test means them."""
    assert project.sources["order"].table == f"{q(SCHEMA)}.{q(WEIRD_TABLE)}"
    assert project.sources["quotes"].table == f"{q(SCHEMA)}.{q(QUOTE_TABLE)}"
    assert project.sources["table"].table == f"{PLAIN_SCHEMA}.order"


DDL = (
    ("{schema}", None),
    (
        f"{q(SCHEMA)}.{q(WEIRD_TABLE)}",
        '("date" TIMESTAMP, "user" VARCHAR, "group" VARCHAR, "select" DOUBLE PRECISION, '
        '"from" VARCHAR)',
    ),
    (f"{q(PLAIN_SCHEMA)}.{q('order')}", '("user" VARCHAR, "limit" VARCHAR)'),
    (f"{q(UNICODE_SCHEMA)}.{q(UNICODE_TABLE)}", '("when" DATE, "end" INTEGER)'),
    (f"{q(SCHEMA)}.{q(QUOTE_TABLE)}", '("at" DATE, Value DOUBLE PRECISION)'),
)
ROWS = (ORDER_ROWS, TABLE_ROWS, HAVING_ROWS, QUOTE_ROWS)


def load(execute: Callable[[str, tuple[Any, ...] | None], None], marker: str) -> None:
    """Create the schemas and tables and insert the rows (`marker`: the parameter style)."""
    for schema in (SCHEMA, UNICODE_SCHEMA, PLAIN_SCHEMA):
        execute(f"CREATE SCHEMA {q(schema)}", None)
    for (name, columns), rows in zip(DDL[1:], ROWS, strict=True):
        execute(f"CREATE TABLE {name} {columns}", None)
        for row in rows:
            execute(f"INSERT INTO {name} VALUES ({', '.join([marker] * len(row))})", row)


Run = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def duckdb_run() -> Iterator[Run]:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    load(lambda sql, row: con.execute(sql, row), "?")
    yield lambda sql: con.execute(sql).fetchall()
    con.close()


@pytest.fixture(scope="module")
def postgres_run() -> Iterator[Run]:
    dsn = os.environ.get("NSMCODE_TEST_POSTGRES")
    if not dsn:
        reason = "NSMCODE_TEST_POSTGRES is not set: PostgreSQL execution skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires it)")
        pytest.skip(reason)
    psycopg = pytest.importorskip("psycopg")
    con: Any = psycopg.connect(dsn, autocommit=True)
    try:
        load(lambda sql, row: con.execute(sql, row), "%s")
        yield lambda sql: con.execute(sql).fetchall()
    finally:
        for schema in (SCHEMA, UNICODE_SCHEMA, PLAIN_SCHEMA):
            con.execute(f"DROP SCHEMA IF EXISTS {q(schema)} CASCADE")
        con.close()


def _normal(row: tuple[Any, ...]) -> tuple[Any, ...]:
    out: list[Any] = []
    for value in row:
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
            value = round(float(value), 9)
        out.append(value)
    return tuple(out)


METRICS = ("select", "order", "group", "user", "end", "from")
CASES = sorted(expected(), key=str)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
@pytest.mark.parametrize(("metric", "segment"), CASES)
def test_reserved_and_unicode_names_execute(
    engine: str, metric: str, segment: str | None, project: Project, request: pytest.FixtureRequest
) -> None:
    run: Run = request.getfixturevalue(f"{engine}_run")
    options = QueryOptions(segments=(segment,) if segment else ())
    sql = compile_metric(project, metric, engine, options)
    got = {_normal(r) for r in run(sql)}
    want = {_normal(r) for r in expected()[metric, segment]}
    assert got == want, sql


READS = {  # metric: (tables, columns) its SQL must name
    "select": ({WEIRD_TABLE}, {"date", "from", "select"}),
    "order": ({WEIRD_TABLE}, {"date", "group", "select"}),
    "group": ({WEIRD_TABLE, "order"}, {"date", "user", "limit"}),
    "user": ({WEIRD_TABLE}, {"date", "group", "select", "user"}),
    "end": ({UNICODE_TABLE}, {"when", "end"}),
    "from": ({QUOTE_TABLE}, {"at", "value"}),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_quotes_the_names_so_they_parse_back(dialect: str, project: Project) -> None:
    """Each target's SQL parses back in that dialect and still reads the same tables and
    columns (a keyword left unquoted would fail to parse or turn into something else)."""
    options = {"select": ("group",), "group": ("limit",)}
    for metric, (tables, columns) in READS.items():
        sql = compile_metric(
            project, metric, dialect, QueryOptions(segments=options.get(metric, ()))
        )
        tree = sqlglot.parse_one(sql, read=dialect)
        found = {t.name for t in tree.find_all(exp.Table)}
        assert tables - {"order"} <= found, sql  # quoted names keep their case
        assert {t.lower() for t in tables} <= {f.lower() for f in found}, sql
        assert columns <= {c.name.lower() for c in tree.find_all(exp.Column)}, sql


def test_quoted_keywords_keep_the_folding_of_unquoted_names(project: Project) -> None:
    """Quoting `order` must not change which column it means: ORDER on Snowflake (which folds
    unquoted names to upper case), order on PostgreSQL."""
    assert '"ORDER"."SELECT"' in compile_metric(project, "order", "snowflake")
    assert '"order"."select"' in compile_metric(project, "order", "postgres")
    assert "`order`.`select`" in compile_metric(project, "order", "mysql")


def test_the_definitions_file_is_reachable(project: Project) -> None:
    assert Path(project.files[0]).name == "all.yaml"
