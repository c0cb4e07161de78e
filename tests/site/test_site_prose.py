"""Plain-English calculation sentences, one per calculation type."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import Markup
from site_html import EXAMPLE

from nsmcode.project import Project, load_project
from nsmcode.site import prose


def link(name: str) -> Markup:
    return Markup('<a href="{}.html">{}</a>').format(name, name)


def text(markup: Markup) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "weekly_active_integration_points",
            "Counts distinct (account_id, endpoint) combinations in api_calls, production only, "
            "excluding test accounts, per week.",
        ),
        ("weekly_signups", "Counts the rows of accounts, excluding test accounts, per week."),
        (
            "average_latency_ms",
            "Averages latency_ms over the rows of api_calls, production only, "
            "where status_code < 500, per week.",
        ),
        ("max_latency_ms", "Takes the largest latency_ms in api_calls, per day."),
        ("monthly_revenue", "Adds up amount over the rows of invoices, per month."),
        (
            "api_error_rate",
            "Divides failed_calls by production_calls (empty when production_calls is zero), "
            "per week.",
        ),
        (
            "revenue_per_call",
            "Computes monthly_revenue / production_calls from monthly_revenue, production_calls, "
            "per month.",
        ),
        (
            "calls_28d",
            "Adds up production_calls over a rolling window of 28 days, per week.",
        ),
        (
            "revenue_mtd",
            "Running total of monthly_revenue since the start of each month, per day.",
        ),
        (
            "activation_rate_7d",
            "Share of accounts counted in weekly_signups that are then counted in "
            "production_calls within 7 days, per week.",
        ),
        (
            "integration_points_wow",
            "The relative change of weekly_active_integration_points against 1 week earlier, "
            "(current \N{MINUS SIGN} previous) / previous, per week.",
        ),
        (
            "week_4_retention",
            "Share of each weekly_signups cohort of accounts (grouped by the week of their first "
            "event) still active in production_calls exactly 4 weeks later, per week.",
        ),
    ],
)
def test_sentence_per_calculation_type(mini: Project, name: str, expected: str) -> None:
    assert text(prose.describe(mini, mini.metrics[name], link)) == expected


def test_sentences_link_metrics_and_escape_user_text(mini: Project) -> None:
    sentence = str(prose.describe(mini, mini.metrics["average_latency_ms"], link))
    assert "<code>status_code &lt; 500</code>" in sentence
    ratio = str(prose.describe(mini, mini.metrics["api_error_rate"], link))
    assert '<a href="failed_calls.html">failed_calls</a>' in ratio


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("exclude_test_accounts", "excluding test accounts"),
        ("production_only", "production only"),
        ("only_paid_plans", "paid plans only"),
        ("successful_calls", "successful calls"),
    ],
)
def test_qualifier_names_read_as_words(name: str, words: str) -> None:
    assert prose.humanize(name) == words


def test_titles_capitalise_acronyms(mini: Project) -> None:
    assert prose.title(mini.metrics["api_error_rate"]) == "API error rate"
    assert prose.title(mini.metrics["revenue_mtd"]) == "Revenue MTD"
    assert prose.title(mini.metrics["weekly_active_integration_points"]) == (
        "Weekly active integration points"
    )


def test_a_time_to_convert_sentence() -> None:
    example = load_project(EXAMPLE)
    metric = example.metrics["median_days_to_first_production_call"]
    assert text(prose.describe(example, metric, link)) == (
        "The median time, in days, each account takes from its first event in weekly_signups "
        "to its first event in production_api_calls at or after it (those taking longer than "
        "30 days left out), per week."
    )
    other = metric.model_copy(
        update={"calculation": metric.calculation.model_copy(update={"percentile": 0.9})}
    )
    assert "The 90th percentile time, in days" in text(prose.describe(example, other, link))
