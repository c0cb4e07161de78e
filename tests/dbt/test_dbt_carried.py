"""What `nsmcode import dbt` writes for the constructs it carries over (tests/dbt/fixtures/saas),
the bugs it once had, and `--manifest` (dbt's compiled semantic_manifest.json)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from nsmcode.cli import main
from nsmcode.dbt_import import ImportResult, import_dbt
from nsmcode.dbt_import.reader import short_name
from nsmcode.dbt_import.saved import time_bounds
from nsmcode.dbt_import.writer import origin

SAAS = Path(__file__).parent / "fixtures" / "saas"
SHOP = Path(__file__).parent / "fixtures" / "shop"
LONG = "production_calls_share_of_every_call_made_by_accounts_in_the_european_region_in_the_quarter"


@pytest.fixture(scope="module")
def saas() -> ImportResult:
    return import_dbt(SAAS)


def _metrics(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d, _ in result.metrics}


def _sources(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d, _ in result.sources}


def test_percentiles_and_medians(saas: ImportResult) -> None:
    m = _metrics(saas)
    # use_approximate_percentile approximates the exact value nsmcode computes
    assert m["latency_p90"]["calculation"] == {
        "type": "percentile",
        "column": "latency_ms",
        "percentile": 0.9,
    }
    assert m["median_latency"]["calculation"]["percentile"] == 0.5


def test_non_additive_dimensions_become_balances(saas: ImportResult) -> None:
    m = _metrics(saas)
    assert m["mrr"]["calculation"] == {
        "type": "balance",
        "column": "mrr",
        "entity": "account",
        "at": "end",
    }
    assert m["mrr"]["grain"] == "month"
    # window_choice defaults to min in MetricFlow: the start of the period
    assert m["mrr_at_start"]["calculation"]["at"] == "start"


def test_fill_nulls_with_on_the_measure_input_and_on_the_metric(saas: ImportResult) -> None:
    m = _metrics(saas)
    assert m["calls"]["fill_nulls_with"] == 0
    assert m["latency_total_or_minus_one"]["fill_nulls_with"] == -1


def test_offset_inputs(saas: ImportResult) -> None:
    m = _metrics(saas)
    assert m["calls_mom"]["calculation"] == {
        "type": "derived",
        "expression": "(calls - calls_last_month) / calls_last_month",
        "inputs": [{"name": "calls_last_month", "metric": "calls", "offset": "1 period"}],
    }
    assert m["calls_mom"]["grain"] == "month"  # where `1 period` means MetricFlow's 1 month
    # without an alias the expression names the metric itself: the input gets a name of its own
    year = m["calls_last_year"]["calculation"]
    assert year["inputs"] == [{"name": "calls__offset", "metric": "calls", "offset": "1 year"}]
    assert year["expression"] == "calls__offset"
    # 14 days at the dbt metric's weekly grain is 2 weeks
    assert m["calls_two_weeks_back"]["calculation"]["inputs"][0]["offset"] == "2 periods"
    assert m["calls_two_weeks_back"]["grain"] == "week"
    # offset_to_grain: month, read at a monthly grain, is the month itself
    assert m["calls_this_month"]["calculation"] == {"type": "derived", "expression": "calls"}
    assert m["calls_this_month"]["grain"] == "month"


def test_derived_inputs_may_be_plain_names(saas: ImportResult) -> None:
    m = _metrics(saas)
    assert m["double_calls"]["calculation"]["expression"] == "2 * calls"
    assert m["calls_per_signup"]["calculation"]["expression"] == "calls / signups"


def test_long_generated_names_are_shortened_with_a_stable_hash(saas: ImportResult) -> None:
    m = _metrics(saas)
    expression = m[LONG]["calculation"]["expression"]
    copy_name = expression.split(" / ")[0]
    assert len(copy_name) <= 128 and copy_name in m
    assert copy_name == short_name(
        f"{LONG}__production_calls_made_by_accounts_in_the_european_region_during_the_quarter"
    )
    assert re.fullmatch(r"[a-z_]+__[0-9a-f]{10}", copy_name)
    # the same on every run: the whole output is byte-identical
    assert import_dbt(SAAS).rendered() == saas.rendered()
    # the filter goes through the model-level primary_entity (call__is_production)
    assert m[copy_name]["filter"] == "is_production"
    assert short_name("x" * 128) == "x" * 128


def test_a_dimension_on_the_second_model_keyed_by_the_entity(saas: ImportResult) -> None:
    m, sources = _metrics(saas), _sources(saas)
    # accounts (first by name) has no region; regions_by_account, also keyed by account, has
    assert m["eu_calls"]["filter"] == "regions_by_account.region = 'eu'"
    assert {"source": "regions_by_account", "column": "account_id"} in sources["calls"]["joins"]


def test_a_dimension_named_value_is_no_metric_segment(saas: ImportResult) -> None:
    assert "value" in _sources(saas)["regions_by_account"]["dimensions"]
    assert all("value" not in m.get("segments", ()) for m in _metrics(saas).values())
    # regions_by_account's other dimension is reachable, through the join a filter added
    assert "region" in _metrics(saas)["calls"]["segments"]


def test_cumulative_reuses_the_plain_metric_over_its_measure(saas: ImportResult) -> None:
    m = _metrics(saas)
    # `calls` fills NULLs, which changes no row a running total reads: no `calls_7d__base`
    assert m["calls_7d"]["calculation"]["metric"] == "calls"
    assert not any(name.endswith("__base") for name in m)


def test_dimension_types_from_casts_measures_and_filters(saas: ImportResult) -> None:
    columns = {c["name"]: c["type"] for c in _sources(saas)["calls"]["columns"]}
    assert columns["status_code"] == "integer"  # cast(status AS INTEGER)
    assert columns["latency_bucket"] == "number"  # the column a sum measure reads
    assert columns["is_production"] == "boolean"  # a filter uses it as a condition
    assert columns["endpoint"] == "string"
    accounts = {c["name"]: c["type"] for c in _sources(saas)["accounts"]["columns"]}
    assert accounts["seats"] == "integer"  # the dbt model's `data_type: integer`
    assert accounts["plan"] == "string"  # varchar(16)


def test_conversion_counts(saas: ImportResult) -> None:
    m = _metrics(saas)
    assert m["signup_to_call_conversions"]["calculation"]["result"] == "count"
    assert "result" not in m["signup_to_call_rate"]["calculation"]


def test_saved_queries(saas: ImportResult) -> None:
    saved = {d["name"]: d for d, _ in saas.saved_queries}
    assert saved["weekly_calls_by_endpoint"] == {
        "name": "weekly_calls_by_endpoint",
        "description": "Calls and their p90 latency per endpoint, by week.",
        "metrics": ["calls", "latency_p90"],
        "grain": "week",
        "segments": ["endpoint"],
        "where": "endpoint <> 'health'",
    }
    assert saved["all_time_signups"]["grain"] == "total"
    # a bound on metric_time at the query's grain: the periods from/to it
    assert saved["spring_calls"] == {
        "name": "spring_calls",
        "metrics": ["calls"],
        "grain": "month",
        "since": dt.date(2025, 3, 1),
        "until": dt.date(2025, 5, 1),
    }
    # a total: the days from/to it
    assert saved["calls_since_mid_march"]["since"] == dt.date(2025, 3, 15)
    assert "calls_per_call" not in saved  # grouped by an entity
    reported = sorted((p.code, p.span.line) for p in saas.problems if p.span)
    text = (SAAS / "models" / "metrics.yml").read_text().splitlines()
    assert [(code, text[line - 1].strip()) for code, line in reported] == [
        ("D115", "limit: 100"),
        ("D115", "- Entity('call')"),
    ]


def test_imported_project_validates_compiles_and_writes_saved_queries(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "saas"
    result = runner.invoke(main, ["import", "dbt", str(SAAS), "--out", str(out)])
    assert result.exit_code == 1, result.output  # the two D115 above
    assert (out / "definitions" / "saved_queries.yaml").is_file()
    validated = runner.invoke(main, ["validate", "--project", str(out), "--format", "json"])
    findings = json.loads(validated.output)
    errors = [f for f in findings["diagnostics"] if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["NSM001"]  # no north star yet: the rule pack speaks
    compiled = runner.invoke(main, ["compile", "--project", str(out), "--out", str(tmp_path / "s")])
    assert compiled.exit_code == 0, compiled.output
    assert (tmp_path / "s" / "sql" / "duckdb" / "saved" / "weekly_calls_by_endpoint.sql").is_file()


MONTH = "{{ TimeDimension('metric_time', 'month') }}"


@pytest.mark.parametrize(
    ("where", "grain", "bounds"),
    [
        (f"{MONTH} >= '2024-03-01'", "month", {"since": "2024-03-01"}),
        (f"{MONTH} >= '2024-03-15'", "month", {"since": "2024-04-01"}),
        (f"{MONTH} > '2024-03-01'", "month", {"since": "2024-04-01"}),
        (f"{MONTH} <= '2024-03-15'", "month", {"until": "2024-03-01"}),
        (f"{MONTH} < '2024-03-01'", "month", {"until": "2024-02-01"}),
        (f"{MONTH} < '2024-03-01'", "total", {"until": "2024-02-29"}),
        (f"{MONTH} = '2024-03-01'", "total", {"since": "2024-03-01", "until": "2024-03-31"}),
        (
            f"{MONTH} BETWEEN '2024-01-01' AND '2024-03-10'",
            "month",
            {"since": "2024-01-01", "until": "2024-03-01"},
        ),
        (f"'2024-03-01' <= {MONTH}", "month", {"since": "2024-03-01"}),
        ("{{ TimeDimension('metric_time') }} > '2024-03-03'", "day", {"since": "2024-03-04"}),
        # not a bound nsmcode can say the same way
        (f"{MONTH} >= '2024-03-01'", "week", None),
        (f"{MONTH} = '2024-03-15'", "month", None),
        (f"{MONTH} >= other_column", "month", None),
        ("{{ Dimension('customer__region') }} = 'EU'", "month", None),
    ],
)
def test_metric_time_bounds_of_saved_queries(
    where: str, grain: str, bounds: dict[str, str] | None
) -> None:
    found = time_bounds(where, grain)
    expected = {k: dt.date.fromisoformat(v) for k, v in bounds.items()} if bounds else None
    assert found == expected


# -- --manifest ----------------------------------------------------------------------------------


def _window(text: str) -> dict[str, Any]:
    count, unit = text.split()
    return {"count": int(count), "granularity": unit}


def _where(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    texts = [value] if isinstance(value, str) else value
    return {"where_filters": [{"where_sql_template": t} for t in texts]}


def _input(value: Any) -> dict[str, Any]:
    item = {"name": value} if isinstance(value, str) else dict(value)
    full: dict[str, Any] = {
        "name": None,
        "filter": None,
        "alias": None,
        "join_to_timespine": False,
        "fill_nulls_with": None,
        "offset_window": None,
        "offset_to_grain": None,
    }
    full.update(item)
    full["filter"] = _where(full["filter"])
    if isinstance(full["offset_window"], str):
        full["offset_window"] = _window(full["offset_window"])
    return full


def as_manifest(folder: Path) -> dict[str, Any]:
    """dbt's YAML in the shape dbt compiles it to (target/semantic_manifest.json, dbt 1.8):
    every field present (null when not given), filters as where_filters, windows as
    {count, granularity}, tables as node_relation. Written here from our own fixtures."""
    yaml = YAML(typ="safe")
    files = sorted(f for f in folder.rglob("*.yml") if f.name != "dbt_project.yml")
    docs = [yaml.load(f.read_text()) for f in files]
    models, metrics, saved = [], [], []
    for doc in docs:
        for model in doc.get("semantic_models", []):
            item = copy.deepcopy(model)
            table = re.search(r"ref\('(\w+)'\)", item.pop("model")).group(1)  # type: ignore[union-attr]
            item["node_relation"] = {
                "alias": table,
                "schema_name": "analytics",
                "database": None,
                "relation_name": f'"analytics"."{table}"',
            }
            item.setdefault("primary_entity", None)
            item.setdefault("defaults", None)
            item["label"] = None
            item["metadata"] = None
            for kind in ("entities", "dimensions", "measures"):
                item.setdefault(kind, [])
                for element in item[kind]:
                    element.setdefault("expr", None)
                    element.setdefault("description", None)
                    element["metadata"] = None
            for measure in item["measures"]:
                measure.setdefault("create_metric", False)
                measure.setdefault("agg_params", None)
                measure.setdefault("non_additive_dimension", None)
                measure.setdefault("agg_time_dimension", None)
            models.append(item)
        for metric in doc.get("metrics", []):
            item = copy.deepcopy(metric)
            params = item["type_params"]
            full: dict[str, Any] = {
                "measure": None,
                "numerator": None,
                "denominator": None,
                "expr": None,
                "window": None,
                "grain_to_date": None,
                "metrics": [],
                "conversion_type_params": None,
                "cumulative_type_params": None,
                "input_measures": [],
            }
            for key, value in params.items():
                if key in ("measure", "numerator", "denominator"):
                    full[key] = _input(value)
                elif key == "metrics":
                    full[key] = [_input(v) for v in value]
                elif key == "window":
                    full[key] = _window(value)
                elif key == "conversion_type_params":
                    conv = dict(value)
                    conv["window"] = _window(conv["window"]) if conv.get("window") else None
                    for side in ("base_measure", "conversion_measure"):
                        conv[side] = _input(conv[side])
                    conv.setdefault("calculation", "conversion_rate")
                    conv.setdefault("constant_properties", None)
                    full[key] = conv
                else:
                    full[key] = value
            item["type_params"] = full
            item["filter"] = _where(item.get("filter"))
            item.setdefault("time_granularity", None)
            item.setdefault("label", None)
            item["metadata"] = None
            metrics.append(item)
        for query in doc.get("saved_queries", []):
            item = copy.deepcopy(query)
            params = item["query_params"]
            params["where"] = _where(params.get("where"))
            params.setdefault("group_by", [])
            params.setdefault("order_by", [])
            params.setdefault("limit", None)
            item.setdefault("exports", [])
            item["metadata"] = None
            saved.append(item)
    return {
        "semantic_models": models,
        "metrics": metrics,
        "project_configuration": {"time_spine_table_configurations": [], "metadata": None},
        "saved_queries": saved,
    }


def full_manifest(folder: Path) -> dict[str, Any]:
    """The part of dbt's target/manifest.json the import reads: models' declared columns."""
    yaml = YAML(typ="safe")
    nodes: dict[str, Any] = {}
    for file in sorted(f for f in folder.rglob("*.yml") if f.name != "dbt_project.yml"):
        for model in yaml.load(file.read_text()).get("models", []):
            columns = {
                c["name"]: {"name": c["name"], "data_type": c.get("data_type")}
                for c in model.get("columns", [])
            }
            nodes[f"model.x.{model['name']}"] = {
                "resource_type": "model",
                "name": model["name"],
                "columns": columns,
            }
    return {"nodes": nodes}


@pytest.mark.parametrize("fixture", [SAAS, SHOP], ids=["saas", "shop"])
def test_manifest_imports_as_the_yaml_does(fixture: Path, tmp_path: Path) -> None:
    target = tmp_path / "project" / "target"
    target.mkdir(parents=True)
    (tmp_path / "project" / "dbt_project.yml").write_text(f"name: {fixture.name}\n")
    manifest = target / "semantic_manifest.json"
    manifest.write_text(json.dumps(as_manifest(fixture), indent=2))
    # dbt's full manifest beside it holds the models' declared column types
    (target / "manifest.json").write_text(json.dumps(full_manifest(fixture)))
    from_yaml = import_dbt(fixture, schema="analytics")
    from_manifest = import_dbt(manifest, manifest=True)
    assert from_manifest.name == fixture.name
    assert _metrics(from_manifest) == _metrics(from_yaml)
    assert _sources(from_manifest) == _sources(from_yaml)
    assert [d for d, _ in from_manifest.saved_queries] == [d for d, _ in from_yaml.saved_queries]
    assert [p.code for p in from_manifest.problems] == [p.code for p in from_yaml.problems]
    # provenance points into the manifest, relative to the dbt project
    root = tmp_path / "project"
    for _, span in from_manifest.metrics:
        assert origin(span, root).startswith("target/semantic_manifest.json:")


def test_manifest_command_line(runner: CliRunner, tmp_path: Path) -> None:
    manifest = tmp_path / "semantic_manifest.json"
    manifest.write_text(json.dumps(as_manifest(SHOP)))
    out = tmp_path / "out"
    result = runner.invoke(main, ["import", "dbt", "--manifest", str(manifest), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "definitions" / "metrics.yaml").is_file()
    both = runner.invoke(main, ["import", "dbt", str(SHOP), "--manifest", str(manifest)])
    assert both.exit_code == 2
    neither = runner.invoke(main, ["import", "dbt"])
    assert neither.exit_code == 2
    other = tmp_path / "manifest.json"
    other.write_text('{"nodes": {}}')
    wrong = runner.invoke(main, ["import", "dbt", "--manifest", str(other), "--dry-run"])
    assert wrong.exit_code == 2 and "D001" in wrong.output
    assert "not a dbt semantic manifest" in wrong.output


def test_dbt_names_longer_than_nsmcode_allows_are_reported_not_a_crash(
    runner: CliRunner, tmp_path: Path
) -> None:
    long_metric, long_dimension = "m" * 140, "d" * 129
    (tmp_path / "orders.yml").write_text(
        f"""semantic_models:
  - name: orders
    model: ref('orders')
    defaults: {{agg_time_dimension: ordered_at}}
    entities: [{{name: order, type: primary, expr: order_id}}]
    dimensions:
      - {{name: ordered_at, type: time, type_params: {{time_granularity: day}}}}
      - {{name: {long_dimension}, type: categorical}}
    measures: [{{name: order_count, agg: sum, expr: 1}}]
metrics:
  - name: {long_metric}
    type: simple
    type_params: {{measure: order_count}}
  - name: orders
    type: simple
    type_params: {{measure: order_count}}
"""
    )
    result = runner.invoke(main, ["import", "dbt", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert re.findall(r"orders\.yml:(\d+):\d+: D108", result.output) == ["8", "11"]
    metrics = YAML(typ="safe").load((tmp_path / "o" / "definitions" / "metrics.yaml").read_text())
    assert [m["name"] for m in metrics["metrics"]] == ["orders"]


def test_values_nsmcode_cannot_hold_are_reported_not_a_crash(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "orders.yml").write_text(
        """semantic_models:
  - name: orders
    model: ref('orders')
    defaults: {agg_time_dimension: ordered_at}
    entities: [{name: order, type: primary, expr: order_id}]
    dimensions:
      - {name: ordered_at, type: time, type_params: {time_granularity: day}}
    measures:
      - {name: order_count, agg: sum, expr: 1}
      - name: p_amount
        agg: percentile
        expr: amount
        agg_params: {percentile: 0.12345678}
metrics:
  - name: orders
    type: simple
    type_params: {measure: {name: order_count, fill_nulls_with: .inf}}
"""
    )
    result = runner.invoke(main, ["import", "dbt", str(tmp_path), "--dry-run"])
    assert result.exit_code == 1, result.output
    assert re.findall(r"orders\.yml:(\d+):\d+: (D10\d)", result.output) == [
        ("13", "D101"),
        ("17", "D103"),
    ]
