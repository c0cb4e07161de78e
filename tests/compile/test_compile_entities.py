"""Conversions across entities: users counted, their account's calls converting, through declared
many-to-one joins (no `select:`), on every engine against a Python answer; ambiguous and
one-to-many paths refused with a located diagnostic (C036, C037)."""

from __future__ import annotations

from pathlib import Path

import pytest
from compile_accounts import user_activation
from compile_engines import Runner
from compile_time import ENGINES

from nsmcode.compile import CompileError, QueryOptions, compile_metric
from nsmcode.compile.entities import EntityKey, entity_key
from nsmcode.models import Grain
from nsmcode.project import Project, load_project


@pytest.mark.parametrize("engine", ENGINES)
def test_user_activation_through_the_account(
    engine: str, project: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    sql = compile_metric(project, "x_user_activation_7d", engine, QueryOptions(grain=Grain.WEEK))
    rows = run(sql)
    got = {period: value for period, value in rows if value is not None}
    want = user_activation()
    assert set(got) == set(want)
    for week, value in want.items():
        assert got[week] == pytest.approx(value, abs=1e-12), week
    assert 0 < sum(want.values()) < len(want), "the data must have both outcomes"


def test_key_paths(project: Project) -> None:
    assert entity_key(project, "x_users", "user", None, "t") == EntityKey(
        "x_users", "user", "x_users", "user_id"
    )
    assert entity_key(project, "x_users", "account", None, "t") == EntityKey(
        "x_users", "account", "x_accounts", "account_id", ("x_accounts",)
    )


SOURCES = """
version: 1
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: created_at, type: timestamp}
  - name: users
    table: users
    time_column: signed_up_at
    entities: [{name: user, column: user_id}]
    columns:
      - {name: user_id, type: string}
      - {name: account_id, type: string}
      - {name: billing_account_id, type: string}
      - {name: signed_up_at, type: timestamp}
    joins: [{source: accounts, column: account_id}]
  - name: calls
    table: calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: called_at, type: timestamp}
    joins: [{source: accounts, column: account_id}]
metrics:
  - {name: signups, source: users, calculation: {type: count}, grain: week}
  - {name: calls, source: calls, calculation: {type: count}, grain: week}
"""


def _project(tmp_path: Path, sources: str, calculation: str) -> Project:
    (tmp_path / "nsmcode.yaml").write_text("version: 1\nname: t\npaths: [metrics]\n")
    (tmp_path / "metrics").mkdir()
    metric = f"  - name: activation\n    grain: week\n    calculation: {calculation}\n"
    (tmp_path / "metrics" / "all.yaml").write_text(sources + metric)
    return load_project(tmp_path)


def _error(project: Project) -> tuple[str, str, str | None, int | None]:
    with pytest.raises(CompileError) as caught:
        compile_metric(project, "activation", "postgres")
    diagnostic = caught.value.diagnostics[0]
    line = diagnostic.span.line if diagnostic.span else None
    return diagnostic.code, diagnostic.message, diagnostic.hint, line


def test_following_a_join_backwards_is_refused(tmp_path: Path) -> None:
    """Calls reach `user` only through accounts, back to users: one account has many users."""
    calc = (
        "{type: conversion, base: calls, conversion: signups, entity: account, "
        "conversion_entity: user, within: 7 days}"
    )
    code, message, hint, line = _error(_project(tmp_path, SOURCES, calc))
    assert code == "C036" and "backwards" in message and "'users'" in message
    assert hint and "many-to-one" in hint
    assert line is not None


def test_two_join_paths_are_ambiguous(tmp_path: Path) -> None:
    sources = SOURCES.replace(
        "    joins: [{source: accounts, column: account_id}]\n  - name: calls",
        "    joins:\n      - {source: accounts, column: account_id}\n"
        "      - {source: accounts, column: billing_account_id, key: account_id}\n"
        "  - name: calls",
    )
    calc = (
        "{type: conversion, base: signups, conversion: calls, entity: user, "
        "conversion_entity: account, within: 7 days}"
    )
    code, message, hint, _ = _error(_project(tmp_path, sources, calc))
    assert code == "C037" and "more than one path" in message and hint


def test_unreachable_entity(tmp_path: Path) -> None:
    calc = (
        "{type: conversion, base: signups, conversion: calls, entity: user, "
        "conversion_entity: team, within: 7 days}"
    )
    code, message, hint, _ = _error(_project(tmp_path, SOURCES, calc))
    assert code == "C036" and "reaches no source declaring entity 'team'" in message and hint
