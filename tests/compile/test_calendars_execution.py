"""Calendars (year and fiscal grains, the week start) compiled and executed on DuckDB, SQLite,
PostgreSQL and Spark, equal to plain Python (calendar_reference.py) row for row, under several
`calendar:` settings; and every boundary a calendar cuts, to the second."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from calendar_data import BOUNDARIES, DATA, OFFSETS, PROJECT
from calendar_engines import (  # noqa: F401  (fixtures)
    cal_duckdb,
    cal_postgres,
    cal_spark,
    cal_sqlite,
)
from calendar_reference import GRAINS, Calendar, Expected
from compile_engines import Runner
from test_compile_execution import assert_rows

from nsmcode.compile import QueryOptions, compile_metric, compile_metrics
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SETTINGS = [(2, "sunday"), (4, "monday"), (10, "saturday"), (1, "monday")]
"""(fiscal_year_start, week_start): the fixture's own, then variants written to a copy."""
ENGINES = ["duckdb", "sqlite", "postgres"]
BY_GRAIN: dict[str, list[str]] = {}
for _name, _grain in GRAINS.items():
    BY_GRAIN.setdefault(_grain, []).append(_name)


def calendar_project(root: Path, fiscal: int, week: str) -> Project:
    """The fixture project with another `calendar:` block."""
    shutil.copytree(PROJECT, root, dirs_exist_ok=True)
    config = (root / "nsmcode.yaml").read_text()
    config = re.sub(r"fiscal_year_start: \d+", f"fiscal_year_start: {fiscal}", config)
    config = re.sub(r"week_start: \w+", f"week_start: {week}", config)
    (root / "nsmcode.yaml").write_text(config)
    return load_project(root)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], Project]:
    found = {SETTINGS[0]: load_project(PROJECT)}
    for fiscal, week in SETTINGS[1:]:
        root = tmp_path_factory.mktemp(f"calendar_{fiscal}_{week}")
        found[(fiscal, week)] = calendar_project(root, fiscal, week)
    return found


def _expected(setting: tuple[int, str], names: list[str]) -> list[tuple[Any, ...]]:
    fiscal, week = setting
    reference = Expected(Calendar(fiscal, WEEKDAYS.index(week)))
    columns = [reference.rows(n) for n in names]
    periods = [r[0] for r in columns[0]]
    assert all([r[0] for r in c] == periods for c in columns)
    return [(p, *(c[i][1] for c in columns)) for i, p in enumerate(periods)]


def _check(project: Project, run: Runner, engine: str, setting: tuple[int, str]) -> None:
    for names in BY_GRAIN.values():
        sql = compile_metrics(project, names, engine)
        want = _expected(setting, names)
        assert len(want) >= 7
        assert_rows(run(sql), want, 1)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("setting", SETTINGS, ids=[f"fy{f}-{w}" for f, w in SETTINGS])
def test_calendar_metrics_match_python(
    engine: str,
    setting: tuple[int, str],
    projects: dict[tuple[int, str], Project],
    request: pytest.FixtureRequest,
) -> None:
    run: Runner = request.getfixturevalue(f"cal_{engine}")
    _check(projects[setting], run, engine, setting)


def test_calendar_metrics_match_python_on_spark(
    projects: dict[tuple[int, str], Project], request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue("cal_spark")
    _check(projects[SETTINGS[0]], run, "spark", SETTINGS[0])


# ----------------------------------------------------------------------------------------------
# Boundaries to the second: each probe (1 s before, on, 1 s after a boundary) in its period

PROBED = [Grain.WEEK, Grain.YEAR, Grain.FISCAL_QUARTER, Grain.FISCAL_YEAR]


def _landed(project: Project, run: Runner, engine: str, grain: Grain) -> dict[str, dt.date]:
    """The period each probe lands in, read from the query segmented by `probe`."""
    options = QueryOptions(grain=grain, segments=("probe",))
    rows = run(compile_metric(project, "orders_fq", engine, options))
    landed: dict[str, dt.date] = {}
    for period, probe, count in rows:
        if probe is not None and count:
            assert count == 1 and probe not in landed, (probe, period, count)
            landed[probe] = period
    return landed


def _probes(setting: tuple[int, str], grain: Grain) -> dict[str, dt.date]:
    fiscal, week = setting
    calendar = Calendar(fiscal, WEEKDAYS.index(week))
    return {
        f"{name}-{where}": calendar.start((instant + delta).date(), grain.value)
        for name, instant in BOUNDARIES.items()
        for where, delta in OFFSETS.items()
    }


BOUNDARY_CASES = [(e, s) for e in [*ENGINES, "spark"] for s in SETTINGS[:3]]
"""Every setting of the boundary table of docs/spec.md ("Calendars"), on every engine."""


@pytest.mark.parametrize(
    ("engine", "setting"), BOUNDARY_CASES, ids=[f"{e}-fy{f}-{w}" for e, (f, w) in BOUNDARY_CASES]
)
def test_boundaries_to_the_second(
    engine: str,
    setting: tuple[int, str],
    projects: dict[tuple[int, str], Project],
    request: pytest.FixtureRequest,
) -> None:
    run: Runner = request.getfixturevalue(f"cal_{engine}")
    for grain in PROBED:
        assert _landed(projects[setting], run, engine, grain) == _probes(setting, grain), grain


SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"
SETTING_OF = {
    "`fiscal_year_start: 4`": (4, "monday"),
    "`fiscal_year_start: 2`": (2, "sunday"),
    "any": (4, "monday"),
    "`week_start: sunday`": (2, "sunday"),
    "`week_start: monday`": (4, "monday"),
    "`week_start: saturday`": (10, "saturday"),
}


def documented() -> list[tuple[tuple[int, str], Grain, str, dt.date]]:
    """The boundary table of docs/spec.md's "Calendars": (setting, grain, probe, period)."""
    section = SPEC.read_text().split("## Calendars", 1)[1].split("\n## ", 1)[0]
    row = r"^\| (.+?) \| `(\w+)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$"
    rows = re.findall(row, section, re.M)
    found = []
    for setting, grain, boundary, *cells in rows:
        moment = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", boundary)
        assert moment is not None, boundary
        instant = dt.datetime.fromisoformat(moment[0])
        (name,) = [n for n, at in BOUNDARIES.items() if at == instant]
        for where, cell in zip(OFFSETS, cells, strict=True):
            period = dt.date.fromisoformat(cell.split()[0])
            found.append((SETTING_OF[setting], Grain(grain), f"{name}-{where}", period))
    return found


def test_the_documented_boundaries(
    projects: dict[tuple[int, str], Project], cal_duckdb: Runner  # noqa: F811
) -> None:
    """Every cell of the boundary table of docs/spec.md ("Calendars"), as written there."""
    cases = documented()
    assert len(cases) == 27
    landed: dict[tuple[tuple[int, str], Grain], dict[str, dt.date]] = {}
    for setting, grain, probe, period in cases:
        key = (setting, grain)
        if key not in landed:
            landed[key] = _landed(projects[setting], cal_duckdb, "duckdb", grain)
        assert landed[key][probe] == period, (setting, grain, probe)


def test_the_reference_names_fiscal_years_by_their_end() -> None:
    assert Calendar(4).fiscal_label(dt.date(2026, 4, 1)) == "FY2027"
    assert Calendar(4).fiscal_label(dt.date(2026, 3, 31)) == "FY2026"
    assert Calendar(1).fiscal_label(dt.date(2026, 1, 1)) == "FY2026"


# ----------------------------------------------------------------------------------------------
# Custom granularities: periods read from the calendar table (a 4-4-5 retail calendar)

CUSTOM_CASES = [
    (by, names, since, until)
    for by in ("retail_month", "retail_quarter")
    for names, since, until in [
        (["orders_fq", "revenue", "revenue_per_order"], None, None),
        (["orders_week"], dt.date(2023, 3, 1), dt.date(2024, 6, 30)),
    ]
]


def _custom_expected(
    by: str, names: list[str], since: dt.date | None, until: dt.date | None
) -> list[tuple[Any, ...]]:
    """Periods whose first day is in since..until; the calendar has every period in between."""
    reference = Expected(Calendar(2, WEEKDAYS.index("sunday")))
    columns = [reference.rows(n, by=by) for n in names]
    rows = [(r[0], *(c[i][1] for c in columns)) for i, r in enumerate(columns[0])]
    lo, hi = since or dt.date.min, until or dt.date.max
    return [r for r in rows if lo <= r[0] <= hi]


@pytest.mark.parametrize("engine", [*ENGINES, "spark"])
def test_custom_granularities_match_python(
    engine: str, projects: dict[tuple[int, str], Project], request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"cal_{engine}")
    project = projects[SETTINGS[0]]
    for by, names, since, until in CUSTOM_CASES:
        options = QueryOptions(grain=by, since=since, until=until)
        want = _custom_expected(by, names, since, until)
        assert len(want) >= 5
        assert_rows(run(compile_metrics(project, names, engine, options)), want, 1)


def test_days_outside_the_calendar_table_have_no_period(cal_duckdb: Runner) -> None:  # noqa: F811
    """Orders before the table's first day (2021-01-03) are in no retail month."""
    project = load_project(PROJECT)
    options = QueryOptions(grain="retail_month")
    rows = cal_duckdb(compile_metric(project, "orders_fq", "duckdb", options))
    assert rows[0][0] == dt.date(2021, 1, 3)
    counted = sum(r[1] for r in rows)
    total = len(DATA["cal_orders"][1])
    early = [r for r in DATA["cal_orders"][1] if r[1].date() < dt.date(2021, 1, 3)]
    assert early and counted == total - len(early)
