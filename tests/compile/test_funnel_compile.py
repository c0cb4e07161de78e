"""Funnel SQL for all twelve targets: golden files (golden_funnels/<dialect>/<case>.sql, accepted
with NSMCODE_UPDATE_GOLDEN=1), each parsing back in its dialect; and the located C06x errors."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest
import sqlglot
from funnel_reference import PROJECT

from nsmcode.compile import CompileError
from nsmcode.compile.funnel import FunnelOptions, check_funnels, compile_funnel
from nsmcode.models import DIALECTS
from nsmcode.project import Project, load_project

GOLDEN = Path(__file__).parent / "golden_funnels"
CASES: dict[str, tuple[str, FunnelOptions]] = {
    "strict_any_time_switch_segments": ("chained", FunnelOptions("week", ("tier",))),
    "independent_total_bounded": (
        "independent",
        FunnelOptions("total", (), dt.date(2026, 3, 1), dt.date(2026, 5, 31)),
    ),
    "anchor_exclusive": ("from_anchor", FunnelOptions()),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def funnels() -> Project:
    return load_project(PROJECT)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_funnel_sql(case: str, dialect: str, funnels: Project) -> None:
    name, options = CASES[case]
    sql = compile_funnel(funnels, name, dialect, options) + "\n"
    path = GOLDEN / dialect / f"{case}.sql"
    actual = path.with_name(f"{case}.actual.sql")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    if path.exists() and path.read_text() == sql:
        actual.unlink(missing_ok=True)
        return
    actual.write_text(sql)
    pytest.fail(f"{path.relative_to(GOLDEN)} differs: see {actual.name} beside it")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_funnels_parse_in_their_dialect(dialect: str) -> None:
    files = [f for f in sorted((GOLDEN / dialect).glob("*.sql")) if ".actual" not in f.name]
    assert [f.stem for f in files] == sorted(CASES)
    for file in files:
        tree = sqlglot.parse_one(file.read_text(), read=dialect)
        assert tree.find(sqlglot.exp.Window) is not None, file  # the exact median


def test_every_funnel_of_the_example_compiles_for_every_target() -> None:
    example = load_project(Path(__file__).parents[2] / "examples" / "metrics")
    assert check_funnels(example) == []
    for dialect in DIALECTS:
        for segments in ((), ("plan", "developer_segment")):
            sql = compile_funnel(example, "activation", dialect, FunnelOptions(segments=segments))
            sqlglot.parse_one(sql, read=dialect)


def _project(tmp_path: Path, funnels: str) -> Project:
    root = tmp_path / "p"
    (root / "metrics").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text((PROJECT / "nsmcode.yaml").read_text())
    for name in ("sources.yaml", "metrics.yaml"):
        (root / "metrics" / name).write_text((PROJECT / "metrics" / name).read_text())
    extra = textwrap.dedent("""\
        version: 1
        metrics:
          - name: call_rate
            calculation: {type: ratio, numerator: calls, denominator: signups}
        """)
    (root / "metrics" / "extra.yaml").write_text(extra)
    (root / "metrics" / "funnels.yaml").write_text("version: 1\nfunnels:\n" + funnels)
    return load_project(root)


ERRORS = [
    (
        "  - {name: f, entity: user, anchor: signups, steps: [call_rate]}\n",
        "C061",
        (3, 54),
        "is a ratio of other metrics",
    ),
    (
        "  - name: f\n    entity: account\n    anchor: upgrades\n"
        "    steps: [{metric: calls, entity: user}]\n",
        "C062",
        (6, 37),
        "no source reachable from 'f_account_events'",
    ),
    (
        "  - name: f\n    entity: user\n    anchor: signups\n"
        "    steps: [{metric: calls, any_time: true, within: 7 days}]\n",
        "C063",
        (6, 53),
        "has no within",
    ),
    (
        "  - name: f\n    entity: user\n    anchor: signups\n    mode: independent\n"
        "    window_from: previous\n    steps: [calls, prods]\n",
        "C064",
        (7, 18),
        "cannot be measured from the previous stage",
    ),
    (
        "  - name: f\n    entity: user\n    anchor: signups\n    segments: [kind]\n"
        "    steps: [calls]\n",
        "C065",
        (6, 16),
        "segment 'kind' is not a dimension",
    ),
]


@pytest.mark.parametrize(("yaml", "code", "where", "message"), ERRORS, ids=[e[1] for e in ERRORS])
def test_misuse_is_a_located_error_with_a_hint(
    tmp_path: Path, yaml: str, code: str, where: tuple[int, int], message: str
) -> None:
    project = _project(tmp_path, yaml)
    problems = check_funnels(project)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.code == code and message in problem.message, problem.render()
    assert problem.span is not None and (problem.span.line, problem.span.col) == where
    assert problem.hint
    with pytest.raises(CompileError):
        compile_funnel(project, "f", "duckdb")


def test_entity_link_walks_many_to_one_joins_only(tmp_path: Path) -> None:
    """The nearest source declaring the entity wins; two at the same distance are ambiguous;
    a join is never walked backwards (that would fan out)."""
    from nsmcode.compile.entity_path import Link, entity_link

    root = tmp_path / "p"
    (root / "m").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text("version: 1\nname: t\npaths: [m]\n")
    (root / "m" / "s.yaml").write_text(
        textwrap.dedent("""\
            version: 1
            sources:
              - name: events
                table: events
                columns: [{name: user_id, type: string}, {name: team_id, type: string}]
                entities: [{name: user, column: user_id}]
                joins: [{source: users, column: user_id}, {source: teams, column: team_id}]
              - name: users
                table: users
                columns: [{name: user_id, type: string}, {name: org_id, type: string}]
                entities: [{name: user, column: user_id}, {name: org, column: org_id}]
              - name: teams
                table: teams
                columns: [{name: team_id, type: string}, {name: org_id, type: string}]
                entities: [{name: team, column: team_id}, {name: org, column: org_id}]
                joins: [{source: orgs, column: org_id}]
              - name: orgs
                table: orgs
                columns: [{name: org_id, type: string}, {name: region, type: string}]
                entities: [{name: org, column: org_id}, {name: region, column: region}]
            """)
    )
    project = load_project(root)
    assert entity_link(project, "events", "user") == Link("events", "user_id", ())
    assert entity_link(project, "events", "team") == Link("teams", "team_id", ("teams",))
    assert entity_link(project, "events", "region") == Link(
        "orgs", "region", ("teams", "orgs")
    )
    ambiguous = entity_link(project, "events", "org")
    assert isinstance(ambiguous, str) and "'users' and 'teams'" in ambiguous
    backwards = entity_link(project, "orgs", "team")
    assert isinstance(backwards, str) and "no source reachable from 'orgs'" in backwards
