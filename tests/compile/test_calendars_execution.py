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
from calendar_data import BOUNDARIES, OFFSETS, PROJECT
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
    head = config.split("calendar:")[0]
    block = f"calendar:\n  fiscal_year_start: {fiscal}\n  week_start: {week}\n"
    (root / "nsmcode.yaml").write_text(head + block)
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


BOUNDARY_CASES = [(e, s) for e in ENGINES for s in SETTINGS[:3]] + [("spark", SETTINGS[1])]
"""Spark runs one setting (fiscal year from April, weeks from Monday): it is slow."""


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
