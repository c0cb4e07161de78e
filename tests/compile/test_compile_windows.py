"""Windows in calendar months and quarters (docs/spec.md "Time"): cumulative `window: N months`
reaching back from each period's end, conversion `within: N months` with month-end clamping,
compiled and executed on DuckDB, SQLite, PostgreSQL and Spark (and chDB) against plain Python
over the vocabulary dataset; the time-boundary probes on Spark; misuse located."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from compile_engines import Runner
from compile_reference import div, period_of, shift
from compile_time import (
    BOUNDARIES,
    ENGINES,
    OFFSETS,
    add_months,
    midnight,
    python_verdict,
    read_verdict,
)
from test_compile_execution import assert_rows
from test_compile_time import QUERIES, options
from vocab_data import PROJECT
from vocab_engines import (  # noqa: F401  (fixtures)
    vocab_duckdb,
    vocab_postgres,
    vocab_spark,
    vocab_sqlite,
)
from vocab_reference import CUSTOMERS, ORDERS

from nsmcode import models
from nsmcode.compile import TOTAL, QueryOptions, compile_metrics
from nsmcode.compile.funnel import FunnelOptions, compile_funnel
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

Key = tuple[Any, ...]
CUMULATIVE = {  # metric: (what is accumulated, months back from the period's end)
    "orders_3m": ("orders", 3),
    "revenue_1q": ("revenue", 3),
    "customers_1m": ("customers", 1),
}
CONVERSIONS = {  # metric: (months, inclusive end, result)
    "ordered_within_1m": (1, True, "count"),
    "order_rate_1q": (3, False, "rate"),
}


def next_start(period: dt.date, grain: str) -> dt.datetime:
    return midnight(shift(period, 1, grain))


class Windows:
    """The metrics of vocab/metrics/windows.yaml, from the rule in docs/spec.md ("Time")."""

    def __init__(self, grain: str, segments: tuple[str, ...] = ()) -> None:
        self.grain, self.segments = grain, segments
        self._orders: dict[Key, list[tuple[dt.datetime, dict[str, Any]]]] | None = None
        self.times: dict[Any, list[dt.datetime]] = defaultdict(list)
        for row in ORDERS:
            self.times[row["customer_id"]].append(row["ordered_at"])

    def key(self, row: dict[str, Any]) -> Key:
        return tuple(row[s] for s in self.segments)

    @property
    def orders(self) -> dict[Key, list[tuple[dt.datetime, dict[str, Any]]]]:
        if self._orders is None:
            self._orders = defaultdict(list)
            for row in sorted(ORDERS, key=lambda r: r["ordered_at"]):
                self._orders[self.key(row)].append((row["ordered_at"], row))
        return self._orders

    def cumulative(self, name: str, period: dt.date, segs: Key) -> Any:
        what, months = CUMULATIVE[name]
        end = next_start(period, self.grain)
        start = add_months(end, -months)  # 00:00:00: the end is a midnight
        rows = self.orders.get(segs, [])
        times = [t for t, _ in rows]
        lo, hi = bisect.bisect_left(times, start), bisect.bisect_left(times, end)
        inside = [r for _, r in rows[lo:hi]]
        if what == "orders":
            return len(inside)
        if what == "revenue":
            return sum(r["amount"] for r in inside if r["amount"] is not None)
        return len({r["customer_id"] for r in inside} - {None})

    def conversion(self, name: str, period: dt.date, segs: Key) -> Any:
        months, inclusive, result = CONVERSIONS[name]
        base = [
            c
            for c in CUSTOMERS
            if period_of(c["signed_up_at"].date(), self.grain) == period
            and self.key(c) == segs
            and c["customer_id"] is not None
        ]
        converted = set()
        for c in base:
            b = c["signed_up_at"]
            end = add_months(b, months)
            for t in self.times.get(c["customer_id"], []):
                if b <= t and (t <= end if inclusive else t < end):
                    converted.add(c["customer_id"])
        if result == "count":
            return len(converted)
        return div(len(converted), len({c["customer_id"] for c in base}))

    def table(self, names: list[str], rows: list[dict[str, Any]], time: str) -> list[Key]:
        periods = sorted({period_of(r[time].date(), self.grain) for r in rows})
        calendar, current = [], periods[0]
        while current <= periods[-1]:
            calendar.append(current)
            current = shift(current, 1, self.grain)
        combos = sorted(
            {self.key(r) for r in rows}, key=lambda k: tuple((x is None, x or "") for x in k)
        )
        value = self.cumulative if names[0] in CUMULATIVE else self.conversion
        return [(p, *k, *(value(n, p, k) for n in names)) for p in calendar for k in combos]


CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("orders_3m", "month", ()),
    ("orders_3m", "quarter", ("status",)),
    ("revenue_1q", "week", ()),
    ("customers_1m", "day", ()),
    ("customers_1m", "month", ("status",)),
    ("ordered_within_1m", "month", ()),
    ("ordered_within_1m", "week", ("plan",)),
    ("order_rate_1q", "month", ()),
]
SPARK = {("orders_3m", "month", ()), ("ordered_within_1m", "week", ("plan",))}


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


def _want(name: str, grain: str, segments: tuple[str, ...]) -> list[Key]:
    rows, time = (ORDERS, "ordered_at") if name in CUMULATIVE else (CUSTOMERS, "signed_up_at")
    return Windows(grain, segments).table([name], rows, time)


@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{case[0]}-{case[1]}-{'-'.join(case[2])}-{engine}")
        for case in CASES
        for engine in ("duckdb", "sqlite", "postgres", "spark")
        if engine != "spark" or case in SPARK
    ],
)
def test_month_windows_match_python(
    engine: str,
    case: tuple[str, str, tuple[str, ...]],
    vocab: Project,
    request: pytest.FixtureRequest,
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    name, grain, segments = case
    options = QueryOptions(grain=Grain(grain), segments=segments)
    sql = compile_metrics(vocab, [name], engine, options)
    assert_rows(run(sql), _want(name, grain, segments), 1 + len(segments))


def test_month_windows_are_not_day_windows() -> None:
    """The months matter: 3 calendar months is not 90 days (else the comparison above could not
    fail for a wrong unit), and the data converts within a month."""
    windows = Windows("month")
    months = [dt.date(2026, m, 1) for m in range(1, 13)]
    three_months = [windows.cumulative("orders_3m", m, ()) for m in months]
    ninety_days = [
        sum(1 for r in ORDERS if end - dt.timedelta(days=90) <= r["ordered_at"] < end)
        for end in (next_start(m, "month") for m in months)
    ]
    assert three_months != ninety_days
    conversions = Windows("month").table(["ordered_within_1m"], CUSTOMERS, "signed_up_at")
    assert sum(row[1] for row in conversions) > 10
    # the data rarely orders 28 to 31 days after signing up: the clamped month ends are placed
    # exactly (1 s before, on, after) by the time-boundary probes (compile_time.py)


# -- per hour


HOURS = (dt.date(2026, 3, 8), dt.date(2026, 3, 9))
"""--since/--until of the hourly queries: the data has orders at 2026-03-08 23:59:59 and
2026-03-09 00:00:00."""


def hourly(name: str, since: dt.date, until: dt.date, status: bool) -> list[Key]:
    """Per hour of the days since..until (and per status): orders, orders in the trailing day
    (the 24 hours ending with the hour), the change from the hour before."""
    def count(start: dt.datetime, end: dt.datetime, key: Key) -> int:
        return sum(
            1
            for r in ORDERS
            if start <= r["ordered_at"] < end and (not status or (r["status"],) == key)
        )

    hour = dt.timedelta(hours=1)
    first, last = midnight(since), midnight(until + dt.timedelta(days=1))
    keys: list[Key] = [()]
    if status:
        seen = {(r["status"],) for r in ORDERS if first <= r["ordered_at"] < last}
        keys = sorted(seen, key=lambda k: (k[0] is None, k[0] or ""))
    out: list[Key] = []
    start = first
    while start < last:
        for key in keys:
            if name == "orders":
                value = count(start, start + hour, key)
            elif name == "orders_24h":
                value = count(start + hour - dt.timedelta(days=1), start + hour, key)
            else:
                value = count(start, start + hour, key) - count(start - hour, start, key)
            shown = start.date() if start.time() == dt.time() else start  # as normalize() does
            out.append((shown, *key, value))
        start += hour
    return out


HOUR_CASES = [("orders", False), ("orders_24h", True), ("orders_hour_change", False)]


@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{case[0]}-{'status-' * case[1]}{engine}")
        for case in HOUR_CASES
        for engine in ("duckdb", "sqlite", "postgres", "spark")
        if engine != "spark" or case[0] == "orders_24h"
    ],
)
def test_hours_match_python(
    engine: str, case: tuple[str, bool], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    name, status = case
    segments = ("status",) if status else ()
    options = QueryOptions(Grain.HOUR, segments, since=HOURS[0], until=HOURS[1])
    want = hourly(name, *HOURS, status)
    assert len(want) == 48 * (len(want) // 48) and any(row[-1] for row in want)
    assert_rows(run(compile_metrics(vocab, [name], engine, options)), want, 1 + len(segments))


def test_hours_of_a_date_column_are_refused(tmp_path: Path) -> None:
    """C049 from validate at the metric's `grain: hour`; from the compiler, for `--by hour`, at
    the source's `time_column`."""
    from click.testing import CliRunner

    from nsmcode.cli import main
    from nsmcode.compile import CompileError, compile_metric

    (tmp_path / "nsmcode.yaml").write_text("version: 1\nname: t\n")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "m.yaml").write_text(
        "version: 1\n"
        "sources:\n"
        "  - name: s\n"
        "    table: s\n"
        "    time_column: d\n"
        "    columns: [{name: d, type: date}]\n"
        "metrics:\n"
        "  - {name: daily, source: s, calculation: {type: count}, grain: day}\n"
        "  - {name: hourly, source: s, calculation: {type: count}, grain: hour}\n"
    )
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 1, result.output
    located = "metrics/m.yaml:9:66: C049 [error] metric 'hourly' is asked for per hour"
    assert located in result.output
    assert "hint: report it per day or coarser" in result.output
    assert result.output.count("C049") == 1  # `daily` is fine at its own grain
    with pytest.raises(CompileError) as error:
        compile_metric(load_project(tmp_path), "daily", "duckdb", QueryOptions(Grain.HOUR))
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == "C049"
    assert diagnostic.span is not None and diagnostic.span.line == 5


def test_a_window_in_hours_per_day_is_refused_unless_whole_days(tmp_path: Path) -> None:
    """C046 from validate and compile at the metric's `window`: `6 hours` per day (or in one
    total) has no meaning there; `48 hours` per day is `2 days`; per hour both are fine."""
    from click.testing import CliRunner

    from nsmcode.cli import main
    from nsmcode.compile import CompileError, compile_metric

    (tmp_path / "nsmcode.yaml").write_text("version: 1\nname: t\n")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "m.yaml").write_text(
        "version: 1\n"
        "sources:\n"
        "  - name: s\n"
        "    table: s\n"
        "    time_column: t\n"
        "    columns: [{name: t, type: timestamp}]\n"
        "metrics:\n"
        "  - {name: base, source: s, calculation: {type: count}, grain: hour}\n"
        "  - name: six_hours\n"
        "    calculation: {type: cumulative, metric: base, window: 6 hours}\n"
        "    grain: day\n"
        "  - name: two_days\n"
        "    calculation: {type: cumulative, metric: base, window: 48 hours}\n"
        "    grain: day\n"
        "  - name: hourly\n"
        "    calculation: {type: cumulative, metric: base, window: 6 hours}\n"
        "    grain: hour\n"
    )
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 1, result.output
    located = (
        "metrics/m.yaml:10:59: C046 [error] metric 'six_hours': a rolling window of 6 hours "
        "cannot be reported per day"
    )
    assert located in result.output
    assert "hint: report it per hour" in result.output
    assert result.output.count("C046") == 1  # `two_days` and `hourly` are fine
    project = load_project(tmp_path)
    for name, grain in (("six_hours", None), ("hourly", Grain.DAY), ("hourly", TOTAL)):
        with pytest.raises(CompileError) as error:
            compile_metric(project, name, "duckdb", QueryOptions(grain))
        (diagnostic,) = error.value.diagnostics
        assert diagnostic.code == "C046"
        assert diagnostic.span is not None and (diagnostic.span.line, diagnostic.span.col) == (
            10 if name == "six_hours" else 16,
            59,
        )
    assert "INTERVAL (-2) DAY" in compile_metric(project, "two_days", "duckdb", QueryOptions())
    assert "- INTERVAL 6 HOUR" in compile_metric(project, "hourly", "duckdb", QueryOptions())


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_query_by_hour_shows_the_hour(fmt: str) -> None:
    """`nsmcode query --by hour`: 24 periods for a day, each shown with its time of day."""
    from click.testing import CliRunner

    from nsmcode.cli import main

    example = Path(__file__).resolve().parents[2] / "examples" / "metrics"
    args = ["query", "weekly_signups", "--project", str(example), "--by", "hour"]
    args += ["--since", "2026-03-02", "--until", "2026-03-02", "--format", fmt]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    hours = [f"2026-03-02T{h:02d}:00:00" for h in range(24)]
    shown = [h for h in hours if h in result.output]
    assert shown == hours
    assert "2026-03-03" not in result.output and "*" not in result.output.split("\n", 2)[-1]


def test_an_hour_from_any_engine_is_a_timestamp() -> None:
    from nsmcode.run.execute import as_hour

    ten = dt.datetime(2026, 3, 2, 10)
    assert as_hour("2026-03-02 10:00:00") == ten == as_hour(ten)
    assert as_hour(dt.date(2026, 3, 2)) == dt.datetime(2026, 3, 2)
    assert as_hour(None) is None


# -- the time-boundary probes (compile_time.py) on Spark: one query per probe metric


@pytest.mark.parametrize("query", QUERIES, ids=[f"{m}-{g}" for m, g in QUERIES])
def test_boundaries_on_spark(query: tuple[str, str], project: Project, spark_run: Runner) -> None:
    metric, grain = query
    rows = spark_run(compile_metrics(project, [metric], "spark", options(grain)))
    failures = []
    for boundary in (b for b in BOUNDARIES if (b.metric, b.grain) == query):
        for offset, _ in OFFSETS:
            want, got = python_verdict(boundary, offset), read_verdict(boundary, offset, rows)
            if got != want:
                failures.append(f"{boundary.case(offset)}: {got!r}, expected {want!r}")
    assert not failures, failures


@pytest.mark.parametrize("funnel", ["probe_funnel_month", "probe_funnel_hours"])
@pytest.mark.parametrize("engine", [*ENGINES, "spark"])
def test_funnel_boundaries_on_engine(
    engine: str, funnel: str, project: Project, request: pytest.FixtureRequest
) -> None:
    """A funnel step `within: 1 month` or `within: 2 hours` (the same Duration as
    conversions)."""
    run: Runner = request.getfixturevalue(f"{engine}_run")
    rows = run(compile_funnel(project, funnel, engine, FunnelOptions(segments=("case_id",))))
    failures = []
    for boundary in (b for b in BOUNDARIES if b.metric == funnel):
        for offset, _ in OFFSETS:
            want, got = python_verdict(boundary, offset), read_verdict(boundary, offset, rows)
            if got != want:
                failures.append(f"{boundary.case(offset)}: {got!r}, expected {want!r}")
    assert not failures, failures


# -- durations


@pytest.mark.parametrize(
    ("text", "parsed", "most_days"),
    [
        ("1 hour", (1, "hour"), 1),
        ("24 hours", (24, "hour"), 1),
        ("25 hours", (25, "hour"), 2),
        ("48 hours", (48, "hour"), 2),
        ("1 day", (1, "day"), 1),
        ("2 weeks", (14, "day"), 14),
        ("1 month", (1, "month"), 31),
        ("3 months", (3, "month"), 93),
        ("1 quarter", (3, "month"), 93),
        ("2 quarters", (6, "month"), 186),
    ],
)
def test_duration_units(text: str, parsed: tuple[int, str], most_days: int) -> None:
    assert models.duration(text) == parsed
    assert models.duration_days(text) == most_days


def test_most_days_bounds_every_calendar_window() -> None:
    """duration_days (how long settling waits) is never shorter than a real window."""
    day = dt.datetime(2024, 1, 1, 10)
    while day.year < 2028:
        for months in (1, 3, 6, 12):
            assert (add_months(day, months) - day).days <= models.duration_days(
                f"{months} months"
            )
        day += dt.timedelta(days=1)


MISUSE = [
    ("within: 2 fortnights", "calculation.within: '2 fortnights' is not a valid duration"),
    ("within: 1 year", "calculation.within: '1 year' is not a valid duration"),
    ("within: 0 months", "calculation.within: '0 months' is not a valid duration"),
]


@pytest.mark.parametrize(("line", "message"), MISUSE)
def test_bad_unit_is_located(line: str, message: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nsmcode.cli import main

    (tmp_path / "nsmcode.yaml").write_text("version: 1\nname: t\n")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "m.yaml").write_text(
        "version: 1\n"
        "sources:\n"
        "  - {name: s, table: s, time_column: t, entities: [{name: u, column: u}]}\n"
        "metrics:\n"
        "  - {name: a, source: s, calculation: {type: count}, grain: week}\n"
        "  - name: r\n"
        "    grain: week\n"
        "    calculation:\n"
        "      type: conversion\n"
        "      base: a\n"
        "      conversion: a\n"
        "      entity: u\n"
        f"      {line}\n"
    )
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"metrics/m.yaml:13:15: E004 metrics[r].{message}" in result.output
    hint = "hint: write a number and a unit: hours, days, weeks, months or quarters"
    assert hint in result.output
