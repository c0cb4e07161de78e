"""MetricFlow Jinja filters -> SQL: each form MetricFlow documents, and what cannot translate."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from nsmcode.dbt_import import import_dbt

SEMANTIC = """
semantic_models:
  - name: line_items
    model: ref('line_items')
    defaults: {agg_time_dimension: sold_at}
    entities:
      - {name: line_item, type: primary, expr: line_item_id}
      - {name: order, type: foreign, expr: order_id}
    dimensions:
      - {name: sold_at, type: time, type_params: {time_granularity: day}}
      - {name: product, type: categorical}
    measures:
      - {name: quantity, agg: sum}
  - name: orders
    model: ref('orders')
    defaults: {agg_time_dimension: ordered_at}
    entities:
      - {name: order, type: primary, expr: order_id}
      - {name: customer, type: foreign, expr: customer_id}
    dimensions:
      - {name: ordered_at, type: time, type_params: {time_granularity: day}}
      - {name: status, type: categorical}
  - name: customers
    model: ref('customers')
    entities:
      - {name: customer, type: primary, expr: customer_id}
    dimensions:
      - {name: region, type: categorical}
"""


def _translate(tmp_path: Path, condition: str) -> tuple[str | None, list[str]]:
    (tmp_path / "semantic.yml").write_text(textwrap.dedent(SEMANTIC))
    metric = {
        "metrics": [
            {
                "name": "units",
                "type": "simple",
                "type_params": {"measure": "quantity"},
                "filter": condition,
            }
        ]
    }
    (tmp_path / "metrics.yml").write_text(json.dumps(metric))  # JSON is YAML
    result = import_dbt(tmp_path)
    metrics = {m["name"]: m for m, _ in result.metrics}
    found = metrics.get("units")
    return (found.get("filter") if found else None), [p.message for p in result.problems]


@pytest.mark.parametrize(
    ("condition", "sql"),
    [
        ("{{ Dimension('line_item__product') }} = 'kit'", "product = 'kit'"),
        ("{{Dimension('order__status')}} = 'paid'", "orders.status = 'paid'"),
        # two hops: line_items -> orders -> customers
        ("{{ Dimension('order__customer__region') }} = 'EU'", "customers.region = 'EU'"),
        (
            "{{ Dimension('region', entity_path=['order', 'customer']) }} = 'EU'",
            "customers.region = 'EU'",
        ),
        # a truncated time compared with a date becomes a range over the raw column
        (
            "{{ TimeDimension('metric_time', 'month') }} >= '2024-01-01'",
            "sold_at >= CAST('2024-01-01' AS DATE)",
        ),
        (
            "{{ TimeDimension('metric_time', 'month') }} >= '2024-01-15'",
            "sold_at >= CAST('2024-02-01' AS DATE)",
        ),
        (
            "{{ TimeDimension('metric_time', 'month') }} > '2024-01-01'",
            "sold_at >= CAST('2024-02-01' AS DATE)",
        ),
        (
            "{{ TimeDimension('metric_time', 'month') }} <= '2024-01-01'",
            "sold_at < CAST('2024-02-01' AS DATE)",
        ),
        (
            "'2024-02-01' > {{ TimeDimension('metric_time', 'month') }}",
            "sold_at < CAST('2024-02-01' AS DATE)",
        ),
        (
            "{{ TimeDimension('order__ordered_at', 'week') }} = '2024-01-01'",
            "orders.ordered_at >= CAST('2024-01-01' AS DATE) "
            "AND orders.ordered_at < CAST('2024-01-08' AS DATE)",
        ),
        (
            "{{ TimeDimension('metric_time', 'day') }} != '2024-02-29'",
            "sold_at < CAST('2024-02-29' AS DATE) OR sold_at >= CAST('2024-03-01' AS DATE)",
        ),
        (
            "{{ Dimension('metric_time').grain('quarter') }} = '2024-10-01' and quantity > 1",
            "(sold_at >= CAST('2024-10-01' AS DATE) AND sold_at < CAST('2025-01-01' AS DATE)) "
            "AND quantity > 1",
        ),
        (
            "{{ Dimension('order__ordered_at').date_part('year') }} = 2024",
            "orders.ordered_at >= CAST('2024-01-01' AS DATE) "
            "AND orders.ordered_at < CAST('2025-01-01' AS DATE)",
        ),
        (
            "{{ TimeDimension('metric_time', 'month') }} between '2024-01-01' and '2024-03-01'",
            "sold_at >= CAST('2024-01-01' AS DATE) AND sold_at < CAST('2024-04-01' AS DATE)",
        ),
        (
            "{{ TimeDimension('metric_time', 'year') }} in ('2023-01-01', date '2025-01-01')",
            "(sold_at >= CAST('2023-01-01' AS DATE) AND sold_at < CAST('2024-01-01' AS DATE)) "
            "OR (sold_at >= CAST('2025-01-01' AS DATE) AND sold_at < CAST('2026-01-01' AS DATE))",
        ),
        (
            "{{ TimeDimension('metric_time', 'week') }} is not null",
            "NOT sold_at IS NULL",
        ),
        ("{{ Entity('order') }} is not null", "order_id is not null"),
        ("{{ Entity('order__customer') }} = 'c1'", "orders.customer_id = 'c1'"),
        (
            "{{ Dimension('line_item__product') }} in ('a', 'b') and quantity > 1",
            "product in ('a', 'b') and quantity > 1",
        ),
    ],
)
def test_filters_translate(tmp_path: Path, condition: str, sql: str) -> None:
    translated, problems = _translate(tmp_path, condition)
    assert problems == []
    assert translated == sql


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("{{ Metric('units', group_by=['order']) }} != 3", "OR, NOT and != have no"),
        ("{% if true %}1=1{% endif %}", "Jinja statements"),
        ("{{ Dimension('order__colour') }} = 'red'", "no dimension 'colour'"),
        (
            "{{ Dimension('product') }} = 'kit' and {{ Dimension('status') }} = 'x'",
            "needs its entity prefix",
        ),
        ("{{ Dimension('customer__region') }} = 'EU'", "no entity 'customer'"),
        ("{{ Dimension('line_item__product').descending(True) }} = 'x'", "no meaning in a filter"),
        (
            "{{ TimeDimension('metric_time', 'fortnight') }} = '2024-01-01'",
            "grain 'fortnight' is not carried",
        ),
        ("{{ Dimension('line_item__product') }} = = 'x'", "not valid SQL"),
        ("{{ Dimension(product) }} = 'x'", "quoted string"),
        ("{{ __import__('os') }}", "not a filter nsmcode can translate"),
        ("{{ TimeDimension('metric_time', 'month') }} = '2024-03-15'", "does not start a month"),
        ("{{ Dimension('metric_time').date_part('month') }} = 3", "repeats every year"),
        (
            "{{ TimeDimension('metric_time', 'day') }} = {{ Dimension('order__ordered_at') }}",
            "not a date literal",
        ),
        ("{{ TimeDimension('metric_time', 'day') }} + 1 > 3", "can only be compared with a date"),
        ("{{ TimeDimension('metric_time', 'hour') }} = '2024-03-01'", "grain 'hour'"),
    ],
)
def test_untranslatable_filters_are_reported_and_the_metric_left_out(
    tmp_path: Path, condition: str, reason: str
) -> None:
    translated, problems = _translate(tmp_path, condition)
    assert translated is None
    assert len(problems) == 1 and reason in problems[0], problems
