"""The example project users read first: it validates cleanly and its metric tree holds together."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner

from nsmcode import models
from nsmcode.cli import main
from nsmcode.project import Project, load_project

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "metrics"


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(EXAMPLE)


def test_the_example_validates_via_the_cli(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--project", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "relay" in result.output


def test_the_north_star_is_found_and_fully_described(project: Project) -> None:
    star = project.north_star
    assert star is not None
    assert star.name == "weekly_active_integration_points"
    assert star.source == "api_calls"
    assert star.calculation == models.CountDistinct(
        type="count_distinct", columns=("account_id", "endpoint")
    )
    assert star.qualifiers == ("production_only", "exclude_test_accounts")
    assert (star.grain, star.entity) == (models.Grain.WEEK, "account")
    assert star.segments == ("plan", "developer_segment")
    assert star.measures is models.Measures.OUTCOME
    assert star.description and star.value and star.owner
    for name in star.qualifiers:
        assert project.qualifiers[name].reason


def test_the_north_star_has_categorised_inputs_and_a_guardrail(project: Project) -> None:
    star = project.north_star
    assert star is not None
    inputs = {m.name: m.category for m in project.inputs_of(star.name)}
    assert inputs == {
        "docs_to_signup_rate": models.Category.DX,
        "activation_rate_7d": models.Category.PRODUCT,
        "accounts_deploying_to_production": models.Category.PRODUCT,
        "weekly_signups": models.Category.GROWTH,
        "expansion_rate": models.Category.GROWTH,
    }
    assert [m.name for m in project.guardrails_of(star.name)] == ["api_error_rate"]
    for name in [*inputs, "api_error_rate"]:
        assert project.ladders_to_north_star(name)
        metric = project.metrics[name]
        assert metric.description and metric.value and metric.owner, name


def test_every_metric_resolves_to_sources(project: Project) -> None:
    for name in project.metrics:
        assert project.base_sources(name), f"{name} reads no source"
    assert project.base_sources("docs_to_signup_rate") == ["accounts", "docs_visits"]
    assert project.upstream("revenue_per_active_account") == [
        "monthly_revenue",
        "monthly_active_accounts",
    ]


def test_revenue_is_tracked_but_never_the_north_star(project: Project) -> None:
    revenue = project.metrics["monthly_revenue"]
    assert revenue.role is models.Role.PLAIN
    assert revenue.source is not None and project.sources[revenue.source].financial
    outcome = project.config.analysis.outcome
    assert outcome is not None and project.metrics[outcome].source == "invoices"


def test_every_calculation_type_is_used(project: Project) -> None:
    used = {m.calculation.type for m in project.metrics.values()}
    assert len(used) == len(get_args(get_args(models.Calculation)[0]))


def test_every_okr_key_result_points_at_an_existing_metric_on_the_tree(project: Project) -> None:
    assert [o.period for o in project.okrs.values()] == ["2026-Q4"] * 3
    for okr in project.okrs.values():
        start, end = models.period_bounds(okr.period)
        assert 2 <= len(okr.key_results) <= 5
        for kr in okr.key_results:
            if kr.metric == "activation.step3_rate":  # a funnel stage built on inputs' metrics
                assert "accounts_calling_api" in project.funnels["activation"].step_metrics
                continue
            assert kr.metric in project.metrics, kr.metric
            assert project.ladders_to_north_star(kr.metric), kr.metric
            assert kr.baseline is not None and kr.target is not None and kr.direction
            assert kr.due is not None and start <= kr.due <= end
            better = kr.target > kr.baseline
            assert better == (kr.direction is models.Direction.INCREASE), kr.metric


def test_team_and_company_kpis(project: Project) -> None:
    sizes = {name: len(team.kpis) for name, team in project.teams.items()}
    assert set(sizes) == {"dx", "product", "growth", "company"}
    assert project.teams["company"].company
    for name, size in sizes.items():
        assert (5 <= size <= 8) if name == "company" else (5 <= size <= 10), name
    for team in project.teams.values():
        for kpi in team.kpis:
            assert kpi.metric in project.metrics, kpi.metric
            assert None not in (kpi.target, kpi.direction, kpi.due), kpi.metric


def test_the_activation_funnel_follows_accounts_from_docs_to_expansion(project: Project) -> None:
    funnel = project.funnels["activation"]
    assert funnel.entity == "account"
    assert funnel.anchor == "weekly_signups"
    assert funnel.step_metrics[0] == "weekly_docs_visitors"
    assert funnel.step_metrics[-1] == "weekly_expanding_accounts"
    for step in (funnel.anchor, *funnel.step_metrics):
        source = project.metrics[step].source
        assert source is not None and project.entity_column(source, "account")


def test_every_source_joins_accounts_for_plan_and_segment(project: Project) -> None:
    for name, source in project.sources.items():
        assert project.entity_column(name, "account") == "account_id"
        assert project.dimension_source(name, "plan") == "accounts"
        assert project.dimension_source(name, "developer_segment") == "accounts"
        if name != "accounts":
            assert [j.source for j in source.joins] == ["accounts"]


def test_the_duckdb_connection_maps_the_eight_tables(project: Project) -> None:
    assert project.config.connection == "local"
    tables = project.config.connections["local"].tables
    assert tables == {
        name: f"data/{name}.parquet"
        for name in (
            "accounts",
            "users",
            "docs_visits",
            "api_calls",
            "deployments",
            "subscription_events",
            "subscription_snapshots",
            "invoices",
        )
    }
    assert project.config.connections["spark"].tables == tables  # the same files on Spark
    # docs_visits stitches anonymous visits to accounts with a select over the table
    select = project.sources["docs_visits"].select
    assert select is not None and "FROM docs_visits" in select
    for name, source in project.sources.items():
        if name != "docs_visits":
            assert source.table == name


def test_definitions_are_split_across_files(project: Project) -> None:
    assert len(project.files) >= 8
    star_file = project.file_of("metric", "weekly_active_integration_points")
    assert star_file.endswith("definitions/north_star.yaml")
    assert project.file_of("okr", "from_feature_to_infrastructure").endswith("okrs/2026-q4.yaml")
