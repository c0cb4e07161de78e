"""Windows and grains the import carries, from tests/dbt/fixtures/windows (a dbt project written
for these tests), executed on DuckDB against MetricFlow's meaning computed here in plain Python
from the conditions of its generated SQL:

- cumulative `window: N months`: each day `ds` of the time spine reads the days
  `day <= ds AND day > ds - INTERVAL N month` (clamped month arithmetic);
- conversion `window: N months`: a conversion on day `c` belongs to the entity's latest base event
  on day `b` with `b <= c AND b > c - INTERVAL N month`;
- hours: `hour <= ts AND hour > ts - INTERVAL 24 hour` (or `3 hour`), offsets
  `ts - INTERVAL 3 hour`; a conversion `window: 2 hours`: `b <= c AND b > c - INTERVAL 2 hour`.

nsmcode's month windows differ from MetricFlow's on exactly the days docs/dbt.md ("Windows in
months") names, by what it says; `month_window_difference` is that rule, written from the docs,
and the tests check that the imported metrics equal MetricFlow's numbers corrected by it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from nsmcode.dbt_import import import_dbt
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

duckdb = pytest.importorskip("duckdb")

WINDOWS = Path(__file__).parent / "fixtures" / "windows"
FIRST = dt.date(2025, 1, 1)
LAST = dt.date(2026, 6, 30)
HOURS_FROM = dt.datetime(2026, 3, 30, 0, 0)
HOURS = 24 * 5  # through 2026-04-03 23:59:59, across the end of March


def add_months(day: dt.date, n: int) -> dt.date:
    """Engine month arithmetic: same day of the month, or the month's last day (clamped)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_window_difference(day: dt.date, n: int) -> tuple[list[dt.date], list[dt.date]]:
    """docs/dbt.md: the days only nsmcode's `window: N months` reads for `day`, and those only
    MetricFlow's reads. T is the month N months before the day's; D the day of the month."""
    t = add_months(day.replace(day=1), -n)
    t_length = calendar.monthrange(t.year, t.month)[1]
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    if not month_end and day.day >= t_length:
        return [t.replace(day=t_length)], []
    if month_end and day.day < t_length:
        return [], [t.replace(day=d) for d in range(day.day + 1, t_length + 1)]
    return [], []


class Data:
    """Deterministic rows, kept as Python lists for the expected answers."""

    def __init__(self) -> None:
        rng = random.Random(9)
        self.orders: list[tuple[str, str, dt.datetime, int]] = []
        day = FIRST
        while day <= LAST:
            for _ in range(rng.choice([0, 1, 2, 3])):  # some days have no orders
                at = dt.datetime.combine(day, dt.time()) + dt.timedelta(
                    seconds=rng.randrange(86400)
                )
                self.orders.append((f"o{len(self.orders)}", "walk_in", at, rng.randrange(1, 100)))
            day += dt.timedelta(days=1)
        # visits and the purchases they lead to, at midnight (MetricFlow compares days);
        # one visit per customer (MetricFlow gives a conversion to the latest visit before it)
        self.visits: list[tuple[str, dt.datetime]] = []
        month_ends = [
            dt.date(2025, 12, 31),
            dt.date(2026, 1, 29),
            dt.date(2026, 1, 30),
            dt.date(2026, 1, 31),
            dt.date(2026, 2, 28),
            dt.date(2026, 3, 29),
            dt.date(2026, 3, 30),
            dt.date(2026, 3, 31),
            dt.date(2026, 4, 30),
            dt.date(2026, 5, 31),
        ]
        for i in range(240):
            customer = f"c{i:03}"
            if i < 120:
                visited = month_ends[i % len(month_ends)]
            else:
                visited = FIRST + dt.timedelta(days=rng.randrange((LAST - FIRST).days - 40))
            self.visits.append((customer, dt.datetime.combine(visited, dt.time())))
            month_on = add_months(visited, 1)
            choices = [
                [],
                [month_on],  # exactly a month on (clamped to the month's end)
                [month_on + dt.timedelta(days=1)],
                [month_on - dt.timedelta(days=1)],
                [visited],
                [visited - dt.timedelta(days=2)],  # before the visit: never counts
                [visited + dt.timedelta(days=5), month_on],
            ]
            for bought in rng.choice(choices):
                if FIRST <= bought <= LAST:
                    at = dt.datetime.combine(bought, dt.time())
                    self.orders.append((f"o{len(self.orders)}", customer, at, 10))
        self.pings: list[tuple[dt.datetime, str]] = []
        for h in range(HOURS):
            hour = HOURS_FROM + dt.timedelta(hours=h)
            for _ in range(rng.randrange(1, 6)):
                at = hour + dt.timedelta(seconds=rng.randrange(3600))
                self.pings.append((at, rng.choice(["eu", "us"])))

    def load(self, con: Any) -> None:
        con.execute(
            "CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, ordered_at TIMESTAMP, "
            "amount INTEGER)"
        )
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", self.orders)
        con.execute("CREATE TABLE visits (customer_id VARCHAR, visited_at TIMESTAMP)")
        con.executemany("INSERT INTO visits VALUES (?, ?)", self.visits)
        con.execute("CREATE TABLE pings (pinged_at TIMESTAMP, region VARCHAR)")
        con.executemany("INSERT INTO pings VALUES (?, ?)", self.pings)


@pytest.fixture(scope="module")
def data() -> Data:
    return Data()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    out = tmp_path_factory.mktemp("windows")
    result = import_dbt(WINDOWS)
    assert not result.problems, [str(p) for p in result.problems]
    result.write(out)
    return load_project(out)


@pytest.fixture(scope="module")
def con(data: Data) -> Any:
    connection = duckdb.connect()
    data.load(connection)
    yield connection
    connection.close()


def _run(con: Any, project: Project, name: str, grain: str) -> dict[Any, Any]:
    from nsmcode.compile import QueryOptions, compile_metric

    sql = compile_metric(project, name, "duckdb", QueryOptions(grain=Grain(grain)))
    out = {}
    for row in con.execute(sql).fetchall():
        key = row[0]
        if grain != "hour" and isinstance(key, dt.datetime):
            key = key.date()
        out[key] = row[-1]
    return out


def test_the_windows_are_written_as_nsmcode_windows(project: Project) -> None:
    metrics = project.metrics

    def calc(name: str) -> dict[str, Any]:
        return metrics[name].calculation.model_dump(exclude_defaults=True)

    assert calc("revenue_trailing_month")["window"] == "1 month"
    assert calc("revenue_trailing_quarter")["window"] == "1 quarter"
    assert calc("revenue_trailing_year")["window"] == "12 months"
    rate = calc("visit_to_buy_rate")
    assert (rate["within"], rate["window_end"]) == ("1 month", "exclusive")
    assert calc("pings_trailing_day")["window"] == "1 day"
    assert calc("pings_trailing_3_hours")["window"] == "3 hours"
    assert metrics["pings_trailing_3_hours"].grain == "hour"
    hours = calc("visit_to_buy_within_2_hours")
    assert (hours["within"], hours["window_end"]) == ("2 hours", "exclusive")
    assert metrics["pings_trailing_day"].grain == "hour"
    assert metrics["pings"].grain == "hour"
    assert calc("pings_hour_to_date")["period_to_date"] == "hour"
    assert metrics["pings_hour_to_date"].grain == "hour"
    derived = calc("pings_vs_three_hours_ago")
    assert derived["inputs"][0]["offset"] == "3 periods"
    assert metrics["pings_vs_three_hours_ago"].grain == "hour"


def _daily_revenue(data: Data) -> dict[dt.date, int]:
    revenue: dict[dt.date, int] = defaultdict(int)
    for _id, _customer, at, amount in data.orders:
        revenue[at.date()] += amount
    return revenue


def _metricflow_trailing(revenue: dict[dt.date, int], day: dt.date, n: int) -> int:
    start = add_months(day, -n)  # day > ds - INTERVAL n month
    return sum(v for d, v in revenue.items() if start < d <= day)


@pytest.mark.parametrize(
    ("name", "months"),
    [("revenue_trailing_month", 1), ("revenue_trailing_quarter", 3), ("revenue_trailing_year", 12)],
)
def test_month_windows_differ_from_metricflow_only_where_the_docs_say(
    con: Any, project: Project, data: Data, name: str, months: int
) -> None:
    revenue = _daily_revenue(data)
    got = _run(con, project, name, "day")
    assert min(got) == FIRST and max(got) == LAST
    differing = set()
    for day, value in got.items():
        metricflow = _metricflow_trailing(revenue, day, months)
        only_nsmcode, only_metricflow = month_window_difference(day, months)
        want = (
            metricflow
            + sum(revenue.get(d, 0) for d in only_nsmcode)
            - sum(revenue.get(d, 0) for d in only_metricflow)
        )
        assert value == want, (day, value, want, metricflow)
        if value != metricflow:
            differing.add(day)
    if months == 12:  # a month and the same month a year earlier differ only in leap years
        assert not differing
        return
    # the rule is not vacuous: the two tools' numbers do differ, on month-end days only
    assert differing and all(d.day >= 28 for d in differing)
    if months == 1:
        assert {dt.date(2026, 3, 30), dt.date(2026, 2, 28)} <= differing
        assert month_window_difference(dt.date(2026, 3, 30), 1) == ([dt.date(2026, 2, 28)], [])
        assert month_window_difference(dt.date(2026, 2, 28), 1) == (
            [],
            [dt.date(2026, 1, 29), dt.date(2026, 1, 30), dt.date(2026, 1, 31)],
        )


def test_month_windows_at_month_grain_are_period_agg_last(
    con: Any, project: Project, data: Data
) -> None:
    revenue = _daily_revenue(data)
    got = _run(con, project, "revenue_trailing_month", "month")
    assert len(got) == 18
    for month, value in got.items():
        last = add_months(month, 1) - dt.timedelta(days=1)
        # nsmcode: the calendar month; MetricFlow (period_agg: last): its last day's window
        assert value == sum(v for d, v in revenue.items() if month <= d <= last)
        only_nsmcode, only_metricflow = month_window_difference(last, 1)
        assert not only_nsmcode
        extra = sum(revenue.get(d, 0) for d in only_metricflow)
        assert value + extra == _metricflow_trailing(revenue, last, 1)
    # April 30 - 1 month = March 30: MetricFlow's April also reads March 31
    assert month_window_difference(dt.date(2026, 4, 30), 1) == ([], [dt.date(2026, 3, 31)])


def test_month_conversions_differ_from_metricflow_only_on_the_clamped_day(
    con: Any, project: Project, data: Data
) -> None:
    visited = {customer: at.date() for customer, at in data.visits}
    bought: dict[str, list[dt.date]] = defaultdict(list)
    for _id, customer, at, _amount in data.orders:
        bought[customer].append(at.date())
    base: dict[dt.date, set[str]] = defaultdict(set)
    metricflow: dict[dt.date, set[str]] = defaultdict(set)
    nsmcode: dict[dt.date, set[str]] = defaultdict(set)
    clamped_only = 0
    for customer, b in visited.items():
        base[b].add(customer)
        # MetricFlow: b <= c AND b > c - INTERVAL 1 month (the only, so the latest, visit)
        days = [c for c in bought[customer] if b <= c and add_months(c, -1) < b]
        if days:
            metricflow[b].add(customer)
        # docs/dbt.md: nsmcode's `within: 1 month, window_end: exclusive` reads the same days
        # except b + 1 month when it is clamped to a shorter month's last day
        end = add_months(b, 1)
        if end.day < b.day:
            days = [c for c in days if c != end]
        if days:
            nsmcode[b].add(customer)
        elif customer in metricflow[b]:
            clamped_only += 1
    assert clamped_only  # the data has conversions only MetricFlow counts

    counts = _run(con, project, "visit_to_buy_conversions", "day")
    rates = _run(con, project, "visit_to_buy_rate", "day")
    assert sum(counts.values()) == sum(len(s) for s in nsmcode.values())
    for day, value in counts.items():
        assert value == len(nsmcode[day]), day
        rate = len(nsmcode[day]) / len(base[day]) if base[day] else None
        assert rates[day] == pytest.approx(rate) if rate is not None else rates[day] is None
    # every other day's numbers are MetricFlow's
    assert sum(len(metricflow[d]) != len(nsmcode[d]) for d in counts) <= clamped_only


def _hourly(data: Data) -> dict[dt.datetime, int]:
    out: dict[dt.datetime, int] = defaultdict(int)
    for at, _region in data.pings:
        out[at.replace(minute=0, second=0)] += 1
    return out


def test_the_hour_grain_hour_windows_and_hour_offsets(
    con: Any, project: Project, data: Data
) -> None:
    hourly = _hourly(data)
    hours = [HOURS_FROM + dt.timedelta(hours=h) for h in range(HOURS)]

    got = _run(con, project, "pings", "hour")
    assert sorted(got) == hours
    assert all(got[h] == hourly[h] for h in hours)

    # grain_to_date: hour, reported per hour: each hour's own pings
    assert _run(con, project, "pings_hour_to_date", "hour") == {h: hourly[h] for h in hours}

    # MetricFlow: hour <= ts AND hour > ts - INTERVAL 24 hour
    trailing = _run(con, project, "pings_trailing_day", "hour")
    assert sorted(trailing) == hours
    for h in hours:
        want = sum(v for k, v in hourly.items() if h - dt.timedelta(hours=24) < k <= h)
        assert trailing[h] == want, h

    # MetricFlow: hour <= ts AND hour > ts - INTERVAL 3 hour: the 3 hours ending with the hour
    three = _run(con, project, "pings_trailing_3_hours", "hour")
    assert sorted(three) == hours
    for h in hours:
        want = sum(v for k, v in hourly.items() if h - dt.timedelta(hours=3) < k <= h)
        assert three[h] == want, h
    assert any(three[h] != trailing[h] != hourly[h] for h in hours[3:])

    # MetricFlow: the input read at ts - INTERVAL 3 hour; no value before the data
    change = _run(con, project, "pings_vs_three_hours_ago", "hour")
    for h in hours:
        before = h - dt.timedelta(hours=3)
        expected: int | None = hourly[h] - hourly[before] if before >= HOURS_FROM else None
        assert change[h] == expected, h


def test_a_conversion_window_in_hours(con: Any, project: Project, data: Data) -> None:
    """MetricFlow: a purchase at `c` converts the latest visit `b` with `b <= c AND b > c -
    INTERVAL 2 hour`; visits and purchases are at midnight, so only a purchase at the visit's
    own instant does (the day before, or a day later, does not)."""
    want: dict[dt.date, int] = defaultdict(int)
    for customer, visited in data.visits:
        bought = [at for _id, who, at, _amount in data.orders if who == customer]
        if any(visited <= at < visited + dt.timedelta(hours=2) for at in bought):
            want[visited.date()] += 1
    got = _run(con, project, "visit_to_buy_within_2_hours", "day")
    assert sum(want.values()) > 10
    assert {d: v for d, v in got.items() if v} == dict(want)


def test_a_rolling_distinct_count_counts_each_customer_once(
    con: Any, project: Project, data: Data
) -> None:
    buyers: dict[dt.date, set[str]] = defaultdict(set)
    for _id, customer, at, _amount in data.orders:
        buyers[at.date()].add(customer)
    got = _run(con, project, "weekly_buyers", "day")
    assert len(got) > 500
    for day, value in got.items():
        # MetricFlow: day <= ds AND day > ds - INTERVAL 7 day, COUNT(DISTINCT customer_id)
        window = set().union(*(buyers[day - dt.timedelta(days=k)] for k in range(7)))
        assert value == len(window), day
    assert max(got.values()) > 1


def _import_one(tmp_path: Path, metric: str) -> tuple[dict[str, Any], list[str]]:
    """Import the windows fixture's semantic models with one metric; its nsmcode definition
    (empty when left out) and the codes reported."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "semantic.yml").write_text((WINDOWS / "models" / "semantic.yml").read_text())
    (models / "metrics.yml").write_text("metrics:\n" + metric)
    result = import_dbt(tmp_path)
    written = [m for m, _span in result.metrics if m["name"] == "m"]
    return (written[0] if written else {}), sorted({p.code for p in result.problems})


DAILY = "    time_granularity: day\n"
CUMULATIVE = """  - name: m
    type: cumulative
    type_params: {{measure: ping_count, window: {window}}}
"""


@pytest.mark.parametrize(
    ("metric", "calculation", "grain", "codes"),
    [
        (CUMULATIVE.format(window="2 years"), {"window": "24 months"}, "day", []),
        (CUMULATIVE.format(window="48 hours"), {"window": "2 days"}, "hour", []),
        # the 3 hourly periods ending with the hour, in both tools
        (CUMULATIVE.format(window="3 hours"), {"window": "3 hours"}, "hour", []),
        (CUMULATIVE.format(window="10000 hours"), None, None, ["D106"]),
        # MetricFlow's hour window on a daily spine: nsmcode cannot say it
        (CUMULATIVE.format(window="48 hours") + DAILY, None, None, ["D106"]),
        (CUMULATIVE.format(window="2 fortnights"), None, None, ["D106"]),
        (
            "  - name: m\n    type: derived\n    type_params:\n      expr: pings - before\n"
            "      metrics:\n        - name: pings\n"
            "        - name: pings\n          alias: before\n"
            "          offset_window: 3 hours\n"
            + DAILY
            + "  - name: pings\n    type: simple\n    type_params: {measure: ping_count}\n",
            None,
            None,
            ["D104"],  # 3 hours is not a whole number of days
        ),
        (
            "  - name: m\n    type: derived\n    type_params:\n      expr: pings - before\n"
            "      metrics:\n        - name: pings\n"
            "        - name: pings\n          alias: before\n"
            "          offset_window: 48 hours\n"
            + DAILY
            + "  - name: pings\n    type: simple\n    type_params: {measure: ping_count}\n",
            {"inputs": [{"name": "before", "metric": "pings", "offset": "2 periods"}]},
            "day",
            [],  # 48 hours before each day is the day two days before
        ),
    ],
    ids=[
        "years",
        "whole-days",
        "hours",
        "too-many-hours",
        "hours-daily",
        "unknown",
        "hour-offset-daily",
        "whole-day-offset-daily",
    ],
)
def test_which_windows_are_carried(
    tmp_path: Path,
    metric: str,
    calculation: dict[str, Any] | None,
    grain: str | None,
    codes: list[str],
) -> None:
    written, reported = _import_one(tmp_path, metric)
    assert reported == codes
    if calculation is None:
        assert not written
        return
    assert calculation.items() <= written["calculation"].items()
    assert written["grain"] == grain


def test_an_hourly_saved_query(con: Any, project: Project, data: Data) -> None:
    from nsmcode.run.saved import compile_saved

    assert project.saved_queries["hourly_pings"].grain == "hour"
    hourly = _hourly(data)
    rows = con.execute(compile_saved(project, "hourly_pings", "duckdb")).fetchall()
    assert len(rows) == HOURS
    for hour, pings, trailing in rows:
        assert pings == hourly[hour]
        assert trailing == sum(
            v for k, v in hourly.items() if hour - dt.timedelta(hours=24) < k <= hour
        )
