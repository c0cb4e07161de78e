"""Fixtures for the analyze tests: synthetic projects (see analyze_data.py), built once each."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from analyze_data import Build, Data, lead_data, postgres_dsn, retention_data, write_project

SCENARIOS: dict[str, tuple[Callable[[], Data], str, bool]] = {
    # name: (data, analysis section of nsmcode.yaml, with inputs)
    "lead2": (lambda: lead_data(nsm_delay=0, outcome_delay=2), "outcome: weekly_payments", True),
    "lead4": (lambda: lead_data(nsm_delay=0, outcome_delay=4), "outcome: weekly_payments", False),
    "unrelated": (
        lambda: lead_data(nsm_delay=0, outcome_delay=None),
        "outcome: weekly_payments",
        False,
    ),
    "outcome_leads": (
        lambda: lead_data(nsm_delay=3, outcome_delay=0),
        "outcome: weekly_payments",
        False,
    ),
    "short": (
        lambda: lead_data(nsm_delay=0, outcome_delay=2, weeks=8),
        "outcome: weekly_payments",
        False,
    ),
    "retained": (
        lambda: retention_data(related=True),
        "{outcome: weekly_payments, retention_entity: account, retention_cohort: signups}",
        False,
    ),
    "retained_by_first_use": (
        lambda: retention_data(related=True),
        "{outcome: weekly_payments, retention_entity: account}",
        False,
    ),
    "not_retained": (
        lambda: retention_data(related=False),
        "{outcome: weekly_payments, retention_entity: account, retention_cohort: signups}",
        False,
    ),
}


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """build(scenario) -> (project folder, its rows); each scenario is written once a session."""
    made: dict[str, tuple[Path, Data]] = {}

    def make(name: str) -> tuple[Path, Data]:
        if name not in made:
            data_of, analysis, inputs = SCENARIOS[name]
            data = data_of()
            root = write_project(tmp_path_factory.mktemp(name), data, analysis, inputs=inputs)
            made[name] = (root, data)
        return made[name]

    return make


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema on the test server: (server DSN, schema name); dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    dsn = postgres_dsn()
    schema = f"nsmcode_analyze_{os.getpid()}_{random.Random().randrange(10**9)}"
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        yield dsn, schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
