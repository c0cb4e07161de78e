"""The constructs `nsmcode import dbt` carries over, imported from tests/dbt/fixtures/saas (a dbt
project written for these tests) and executed on DuckDB against answers computed here in plain
Python with MetricFlow's meaning: percentiles (continuous), balances at the end/start of the
period per entity (no ties in the data), fill_nulls_with, conversion counts, filters through a
model-level primary_entity and through the second model keyed by an entity, numeric dimension
types; offsets read the earlier calendar period (MetricFlow's day-shifted months differ at month
ends, see docs/dbt.md; its weeks and days are the same)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nsmcode.dbt_import import import_dbt
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

duckdb = pytest.importorskip("duckdb")

SAAS = Path(__file__).parent / "fixtures" / "saas"
START = dt.datetime(2025, 1, 1)
DAYS = 430
# a derived metric whose filtered input's generated name passes 128 characters
SHARE = (
    "production_calls_share_of_every_call_made_by_accounts_in_the_european_region_in_the_quarter"
)  # 2025-01-01 .. 2026-03-06: more than a year, for `1 year` offsets


class Data:
    """Deterministic rows, kept as Python lists for the expected answers."""

    def __init__(self) -> None:
        rng = random.Random(15)
        self.accounts = []
        self.regions = []
        for i in range(30):
            signed = START + dt.timedelta(
                days=rng.randrange(DAYS - 20), minutes=rng.randrange(1440)
            )
            self.accounts.append((f"a{i:02}", signed, rng.choice(["free", "team"])))
            if i % 5:  # some accounts have no region row
                self.regions.append((f"a{i:02}", rng.choice(["eu", "us", "eu"])))
        self.calls = []
        for _ in range(2500):
            account, signed, _plan = rng.choice(self.accounts)
            at = signed + dt.timedelta(
                days=rng.choice([0, 0, 1, 3, 6, 7, 8, 30]) + rng.randrange(0, 3) * 20,
                seconds=rng.randrange(86400),
            )
            if at >= START + dt.timedelta(days=DAYS):
                continue
            self.calls.append(
                (
                    account,
                    at,
                    rng.choice(["/v1/send", "/v1/status", "health"]),
                    rng.choice(["200", "200", "201", "404", "500", "503"]),
                    None if rng.random() < 0.05 else float(rng.randrange(5, 2500)),
                    rng.random() < 0.7,
                )
            )
        self.snapshots = []
        for account, signed, _plan in self.accounts:
            day = signed
            mrr = float(rng.choice([0, 49, 99, 499]))
            while day < START + dt.timedelta(days=DAYS):
                self.snapshots.append((account, day, mrr))
                day += dt.timedelta(days=rng.randrange(1, 12), seconds=rng.randrange(3600))
                if rng.random() < 0.2:
                    mrr = float(rng.choice([0, 49, 99, 499]))

    def load(self, con: Any) -> None:
        con.execute(
            "CREATE TABLE api_calls (account_id VARCHAR, called_at TIMESTAMP, endpoint VARCHAR, "
            "status VARCHAR, latency_ms DOUBLE, is_production BOOLEAN)"
        )
        con.executemany("INSERT INTO api_calls VALUES (?, ?, ?, ?, ?, ?)", self.calls)
        con.execute(
            "CREATE TABLE accounts (account_id VARCHAR, signed_up_at TIMESTAMP, plan VARCHAR, "
            "seats INTEGER)"
        )
        con.executemany(
            "INSERT INTO accounts VALUES (?, ?, ?, ?)", [(*a, 3) for a in self.accounts]
        )
        con.execute("CREATE TABLE regions_by_account (account_id VARCHAR, region VARCHAR)")
        con.executemany("INSERT INTO regions_by_account VALUES (?, ?)", self.regions)
        con.execute(
            "CREATE TABLE subscription_snapshots (account_id VARCHAR, snapshot_at TIMESTAMP, "
            "mrr DOUBLE)"
        )
        con.executemany("INSERT INTO subscription_snapshots VALUES (?, ?, ?)", self.snapshots)


def period(at: dt.datetime, grain: str) -> dt.date:
    day = at.date()
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def months_back(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def percentile(values: list[float], p: float) -> float | None:
    """PERCENTILE_CONT, as MetricFlow's (non-discrete) percentile."""
    if not values:
        return None
    ordered = sorted(values)
    f = p * (len(ordered) - 1)
    low, high = math.floor(f), math.ceil(f)
    return ordered[low] + (f - low) * (ordered[high] - ordered[low])


@pytest.fixture(scope="module")
def data() -> Data:
    return Data()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    out = tmp_path_factory.mktemp("saas")
    result = import_dbt(SAAS)
    assert {p.code for p in result.problems} == {"D115"}, [str(p) for p in result.problems]
    result.write(out)
    return load_project(out)


@pytest.fixture(scope="module")
def con(data: Data) -> Any:
    connection = duckdb.connect()
    data.load(connection)
    yield connection
    connection.close()


def _run(con: Any, project: Project, name: str, grain: str) -> dict[dt.date, Any]:
    from nsmcode.compile import QueryOptions, compile_metric

    sql = compile_metric(project, name, "duckdb", QueryOptions(grain=Grain(grain)))
    rows = con.execute(sql).fetchall()
    out = {}
    for row in rows:
        key = row[0].date() if isinstance(row[0], dt.datetime) else row[0]
        out[key] = row[-1]
    return out


def _close(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9)


def _check(got: dict[dt.date, Any], want: Callable[[dt.date], Any]) -> None:
    assert len(got) >= 3
    wrong = {p: (v, want(p)) for p, v in got.items() if not _close(v, want(p))}
    assert not wrong, sorted(wrong.items())[:5]
    assert any(v not in (None, 0) for v in got.values())


def _counts(rows: list[tuple[Any, ...]], grain: str) -> dict[dt.date, int]:
    out: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        out[period(row[1], grain)] += 1
    return out


def test_percentiles_are_continuous(con: Any, project: Project, data: Data) -> None:
    by_month: dict[dt.date, list[float]] = defaultdict(list)
    for call in data.calls:
        if call[4] is not None:
            by_month[period(call[1], "month")].append(call[4])
    _check(_run(con, project, "latency_p90", "month"), lambda p: percentile(by_month[p], 0.9))
    _check(_run(con, project, "median_latency", "month"), lambda p: percentile(by_month[p], 0.5))


@pytest.mark.parametrize(("name", "last"), [("mrr", True), ("mrr_at_start", False)])
def test_balances_read_each_account_at_the_end_or_start(
    con: Any, project: Project, data: Data, name: str, last: bool
) -> None:
    chosen: dict[tuple[dt.date, str], tuple[dt.datetime, float]] = {}
    for account, at, mrr in data.snapshots:
        key = (period(at, "month"), account)
        if key not in chosen or (at > chosen[key][0]) == last:
            chosen[key] = (at, mrr)
    totals: dict[dt.date, float] = defaultdict(float)
    for (month, _account), (_at, mrr) in chosen.items():
        totals[month] += mrr
    _check(_run(con, project, name, "month"), lambda p: totals[p])


def test_offsets_read_the_period_before_and_a_year_before(
    con: Any, project: Project, data: Data
) -> None:
    # `calls` fills NULLs with 0 (dbt's fill_nulls_with), so a period before the data reads 0,
    # as MetricFlow's input metric joined to its time spine and filled does
    monthly = _counts(data.calls, "month")

    def prior(p: dt.date, n: int) -> int:
        return monthly.get(months_back(p, n), 0)

    def growth(p: dt.date) -> float | None:
        before = prior(p, 1)
        return None if not before else (monthly.get(p, 0) - before) / before

    _check(_run(con, project, "calls_mom", "month"), growth)
    _check(_run(con, project, "calls_last_year", "month"), lambda p: prior(p, 12))
    weekly = _counts(data.calls, "week")
    _check(
        _run(con, project, "calls_two_weeks_back", "week"),
        lambda p: weekly.get(p - dt.timedelta(days=14), 0),
    )
    _check(_run(con, project, "calls_this_month", "month"), lambda p: monthly.get(p, 0))


def test_fill_nulls_with_fills_empty_periods(con: Any, project: Project, data: Data) -> None:
    # a day without calls, or whose calls all lack a latency (SUM is NULL), reads -1
    sums: dict[dt.date, float] = defaultdict(float)
    seen: set[dt.date] = set()
    for call in data.calls:
        if call[4] is not None:
            seen.add(period(call[1], "day"))
            sums[period(call[1], "day")] += call[4]
    got = _run(con, project, "latency_total_or_minus_one", "day")
    assert any(p not in seen for p in got)  # the data has empty days
    _check(got, lambda p: sums[p] if p in seen else -1)


def test_filters_through_primary_entity_and_the_second_keyed_model(
    con: Any, project: Project, data: Data
) -> None:
    weekly = _counts(data.calls, "week")
    production = _counts([c for c in data.calls if c[5]], "week")
    _check(
        _run(con, project, SHARE, "week"),
        lambda p: production.get(p, 0) / weekly[p] if weekly.get(p) else None,
    )
    regions = dict(data.regions)
    eu = _counts([c for c in data.calls if regions.get(c[0]) == "eu"], "week")
    _check(_run(con, project, "eu_calls", "week"), lambda p: eu.get(p, 0))


def test_numeric_dimensions_compare_as_numbers(con: Any, project: Project, data: Data) -> None:
    errors = _counts([c for c in data.calls if int(c[3]) >= 500], "week")
    _check(_run(con, project, "server_error_calls", "week"), lambda p: errors.get(p, 0))
    slow = _counts([c for c in data.calls if c[4] is not None and c[4] > 1000], "week")
    _check(_run(con, project, "slow_calls", "week"), lambda p: slow.get(p, 0))


def test_conversion_counts_and_rates(con: Any, project: Project, data: Data) -> None:
    calls_by_account: dict[str, list[dt.datetime]] = defaultdict(list)
    for call in data.calls:
        calls_by_account[call[0]].append(call[1])
    cohort: dict[dt.date, set[str]] = defaultdict(set)
    converted: dict[dt.date, set[str]] = defaultdict(set)
    for account, signed, _plan in data.accounts:
        week = period(signed, "week")
        cohort[week].add(account)
        limit = signed + dt.timedelta(days=7)
        if any(signed <= at < limit for at in calls_by_account[account]):  # window_end: exclusive
            converted[week].add(account)
    _check(
        _run(con, project, "signup_to_call_conversions", "week"),
        lambda p: len(converted[p]),
    )
    _check(
        _run(con, project, "signup_to_call_rate", "week"),
        lambda p: len(converted[p]) / len(cohort[p]) if cohort[p] else None,
    )
