"""The handbook shows issue #15's constructs: metric filters in the lineage (built from / used
by) and in words, offsets, fill values, fiscal and week-start grains, percentiles, balances."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import Markup
from site_html import EXAMPLE, MINI, parse

from nsmcode.project import Project, load_project
from nsmcode.site import build_site, prose
from nsmcode.site.lineage import Lineage

EXTRA_QUALIFIER = """
  - name: integrated_accounts
    metric_filter: {metric: weekly_active_integration_points, per: account, at_least: 3}
    reason: A one-endpoint trial is not an integration.
"""

EXTRA_METRICS = """
  - name: integrated_calls
    description: Production calls of accounts with at least 3 integration points that week.
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only]
    metric_filter: {metric: weekly_active_integration_points, per: account, at_least: 3}
    grain: week
  - name: calls_of_integrated_accounts
    source: api_calls
    calculation: {type: count}
    qualifiers: [integrated_accounts]
    grain: week
  - name: calls_per_integrated_account
    calculation: {type: ratio, numerator: integrated_calls, denominator: weekly_signups}
    grain: week
  - name: quiet_accounts_calls
    source: api_calls
    calculation: {type: count}
    metric_filter:
      {metric: production_calls, per: account, over: all_time, more_than: 1, at_most: 5.5}
    fill_nulls_with: 0
    grain: fiscal_quarter
  - name: calls_vs_last_year
    calculation:
      type: derived
      expression: (production_calls - calls_last_year) / calls_last_year + 0 * calls_two_weeks_ago
      inputs:
        - {name: calls_last_year, metric: production_calls, offset: 1 year}
        - {name: calls_two_weeks_ago, metric: production_calls, offset: 2 periods}
    grain: week
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The mini project with metric filters (on metrics and on a qualifier), an offset, a fill
    value and a fiscal grain; fiscal years from April, weeks from Sunday."""
    root = tmp_path_factory.mktemp("lineage") / "mini"
    shutil.copytree(MINI, root)
    config = root / "nsmcode.yaml"
    config.write_text(
        config.read_text() + "calendar: {fiscal_year_start: 4, week_start: sunday}\n"
    )
    sources = root / "definitions" / "sources.yaml"
    sources.write_text(sources.read_text().rstrip("\n") + EXTRA_QUALIFIER)
    metrics = root / "definitions" / "metrics.yaml"
    text = metrics.read_text()
    head, tail = text.split("funnels:", 1)
    metrics.write_text(head.rstrip("\n") + EXTRA_METRICS + "funnels:" + tail)
    return load_project(root)


@pytest.fixture(scope="module")
def site(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lineage-site") / "site"
    build_site(project, out)
    return out


def link(name: str) -> Markup:
    return Markup('<a href="{}.html">{}</a>').format(name, name)


def text(markup: Markup | str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", str(markup)))).strip()


def section(page: str, heading: str) -> str:
    """The text of one `<div class="relation">` (Built from, Used by) of a metric page."""
    match = re.search(rf"<h3>{heading}</h3>(.*?)</div>", page, re.S)
    assert match, heading
    return text(match.group(1))


def test_a_metric_filter_is_a_dependency_both_ways(project: Project) -> None:
    lineage = Lineage(project)
    star = "weekly_active_integration_points"
    assert lineage.direct("integrated_calls") == (star,)
    assert lineage.direct("calls_of_integrated_accounts") == (star,)  # through its qualifier
    assert lineage.upstream("calls_per_integrated_account") == [
        "integrated_calls",
        "weekly_signups",
        star,
    ]
    assert {"integrated_calls", "calls_of_integrated_accounts"} <= set(lineage.dependents(star))
    assert "calls_per_integrated_account" not in lineage.dependents(star)  # not directly
    assert lineage.filters_by("integrated_calls", star)
    assert not lineage.filters_by("integration_points_wow", star)  # a calculation input
    assert lineage.base_sources("quiet_accounts_calls") == ["api_calls"]
    assert lineage.base_sources("calls_per_integrated_account") == ["accounts", "api_calls"]
    # the project's own graph follows calculations only: the site adds the filters
    assert star not in project.upstream("integrated_calls")


def test_metric_pages_list_the_filtering_metric_and_its_users(site: Path) -> None:
    star = "Weekly active integration points"
    filtered = (site / "metrics" / "integrated_calls.html").read_text()
    assert section(filtered, "Built from") == f"{star} metric filter api_calls source"
    by_qualifier = (site / "metrics" / "calls_of_integrated_accounts.html").read_text()
    assert section(by_qualifier, "Built from") == f"{star} metric filter api_calls source"
    ratio = (site / "metrics" / "calls_per_integrated_account.html").read_text()
    assert section(ratio, "Built from") == (  # the star through integrated_calls' filter
        f"Integrated calls Weekly signups {star} accounts source api_calls source"
    )
    star_page = (site / "metrics" / "weekly_active_integration_points.html").read_text()
    assert section(star_page, "Used by") == (
        "Calls of integrated accounts metric filter Integrated calls metric filter "
        "Integration points WoW"
    )
    hrefs = {a.get("href") for tag, a in parse(filtered).tags if tag == "a"}
    assert "../metrics/weekly_active_integration_points.html" in hrefs


def test_metric_filters_read_as_words_on_pages(site: Path) -> None:
    page = text((site / "metrics" / "integrated_calls.html").read_text())
    sentence = (
        "Counts the rows of api_calls, production only, only rows of accounts whose Weekly "
        "active integration points in the row's period is at least 3, per week (from Sunday)."
    )
    assert re.sub(r" ([,.])", r"\1", page).count(sentence) == 1
    assert "Metric filter Only rows of accounts whose Weekly active integration points" in page
    qualified = text((site / "metrics" / "calls_of_integrated_accounts.html").read_text())
    assert (
        "Only rows of accounts whose Weekly active integration points in the row's period is "
        "at least 3" in qualified
    )
    data = text((site / "data.html").read_text())
    assert "Only rows of accounts whose Weekly active integration points" in data


def test_prose_of_the_new_constructs(project: Project) -> None:
    def say(name: str) -> str:
        return re.sub(r" ([,.])", r"\1", text(prose.describe(project, project.metrics[name], link)))

    assert say("quiet_accounts_calls") == (
        "Counts the rows of api_calls, only rows of accounts whose production_calls over all "
        "time is more than 1 and at most 5.5, per fiscal quarter (fiscal years start in April), "
        "0 where there is no value."
    )
    assert say("calls_vs_last_year") == (
        "Computes (production_calls - calls_last_year) / calls_last_year + 0 * "
        "calls_two_weeks_ago from production_calls, "
        "where calls_last_year is production_calls the same week a year earlier, where "
        "calls_two_weeks_ago is production_calls 2 weeks earlier, per week (from Sunday)."
    )


def test_definition_facts_show_grain_calendar_and_fill(site: Path) -> None:
    page = text((site / "metrics" / "quiet_accounts_calls.html").read_text())
    assert "Grain Per fiscal quarter (fiscal years start in April)" in page
    assert "Without a value Reads 0" in page
    data = text((site / "data.html").read_text())
    assert "Weeks Start on Sunday" in data
    assert (
        "Fiscal years Start on 1 April and are named after the calendar year they end in; "
        "fiscal quarters start on 1 April and 3, 6 and 9 months later" in data
    )


def test_no_calendar_section_for_the_plain_calendar(mini: Project) -> None:
    assert prose.calendar_facts(mini.config.calendar) == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0.5, "median"),
        (0.95, "95th percentile"),
        (0.99, "99th percentile"),
        (0.01, "1st percentile"),
        (0.02, "2nd percentile"),
        (0.03, "3rd percentile"),
        (0.11, "11th percentile"),
        (0.21, "21st percentile"),
        (0.999, "99.9th percentile"),
        (0.9999, "99.99th percentile"),
    ],
)
def test_percentiles_read_as_ordinals(value: float, words: str) -> None:
    assert prose.ordinal(value) == words


def test_the_example_shows_its_new_constructs() -> None:
    example = load_project(EXAMPLE)

    def say(name: str) -> str:
        return re.sub(r" ([,.])", r"\1", text(prose.describe(example, example.metrics[name], link)))

    assert say("weekly_integrated_accounts") == (
        "Counts distinct account_id values in api_calls, production only, excluding test "
        "accounts, only rows of accounts whose weekly_active_integration_points in the row's "
        "period is at least 3, per week."
    )
    assert say("mrr") == (
        "Takes each account's closing mrr in the period from subscription_snapshots (its last "
        "observation) and adds them up across accounts, excluding test accounts, per month."
    )
    assert say("p95_latency_ms").startswith("Takes the 95th percentile of latency_ms")
    assert (
        "where integration_points_last_year is weekly_active_integration_points the same week "
        "a year earlier" in say("integration_points_vs_last_year")
    )
    lineage = Lineage(example)
    assert "weekly_integrated_accounts" in lineage.dependents("weekly_active_integration_points")
    assert lineage.upstream("weekly_integrated_accounts") == ["weekly_active_integration_points"]


def test_the_example_handbook_shows_its_metric_filter_and_fiscal_calendar(
    example_site: Path,
) -> None:
    star = "Weekly active integration points"
    page = (example_site / "metrics" / "weekly_integrated_accounts.html").read_text()
    assert section(page, "Built from") == f"{star} metric filter api_calls source"
    star_page = (example_site / "metrics" / "weekly_active_integration_points.html").read_text()
    assert "Integrated accounts metric filter" in section(star_page, "Used by")
    assert "Fiscal years Start on 1 February" in text((example_site / "data.html").read_text())
    saved = text((example_site / "saved.html").read_text())
    assert "board_revenue" in saved and "Grain fiscal quarter" in saved
