"""Benchmark `nsmcode query` on the example project with 10 million API calls, on embedded DuckDB
or local Spark.

Run: `.venv/bin/python bench/query.py [--api-calls 10000000] [--repeat 3] [--keep DIR]
[--engine duckdb|spark]` (`spark`: the example's `spark` profile, a local session over the same
Parquet files; needs pyspark and Java).

It generates the example data at that scale into a temporary folder (next to a copy of the
example project), then times, best of `--repeat` after one warm-up run, in the same process and
on the same DuckDB connection:

- nsmcode: the north star and its inputs (compile, run, merge), as `nsmcode query` does, all of
  one grain in one batched query;
- hand-written SQL: the same numbers, one query per metric, as an analyst would write them;
- nsmcode with one query per metric instead of the batch.

It checks that nsmcode and the hand-written SQL give the same numbers, week by week, and prints
the ratio nsmcode / hand-written (target <= 1.1) and the batch speed-up.

Then the example's `activation` funnel by month (`nsmcode query activation`: compile and run)
against one hand-written DuckDB query of the same funnel (MEDIAN, no portability constraints):
same counts and median seconds at every stage of every cohort, ratio printed (target <= 1.2).

Then, for the north star alone:

- the Python API (`project.query(...)` on a loaded project: compile, connect, run, mark complete
  periods) against its compiled SQL run alone on an open connection (target: the API adds
  <= 5 %), the two run turn about, best of max(repeat, 5) each; loading the project (once per
  notebook) is timed apart; and the command line
  (`nsmcode query`, a new process: start, imports, load, query, print) against the API;
- `nsmcode materialize` of a saved query (the north star by week and plan) into a DuckDB
  database file: an incremental run (the last 2 periods) against a full rebuild.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "metrics"
TARGET_RATIO = 1.1
TARGET_API = 1.05
STORE = """
  store:
    type: duckdb
    database: store.duckdb
    tables:
      accounts: data/accounts.parquet
      api_calls: data/api_calls.parquet
"""

# Customer accounts: the `exclude_test_accounts` qualifier, written out.
CUSTOMER = "NOT a.is_test AND NOT a.is_internal"
WEEK = "CAST(date_trunc('week', {}) AS DATE)"

# The north star and its inputs by hand: one query per metric, (period, value) rows.
HAND_WRITTEN: dict[str, str] = {
    "weekly_active_integration_points": f"""
        SELECT {WEEK.format("c.called_at")} AS period,
               {{PAIRS}} AS value
        FROM api_calls AS c JOIN accounts AS a ON a.account_id = c.account_id
        WHERE c.environment = 'production' AND {CUSTOMER}
        GROUP BY 1""",
    "weekly_signups": f"""
        SELECT {WEEK.format("a.created_at")} AS period, count(*) AS value
        FROM accounts AS a WHERE {CUSTOMER} GROUP BY 1""",
    "accounts_deploying_to_production": f"""
        SELECT {WEEK.format("d.deployed_at")} AS period, count(DISTINCT d.account_id) AS value
        FROM deployments AS d JOIN accounts AS a ON a.account_id = d.account_id
        WHERE d.environment = 'production' AND {CUSTOMER}
        GROUP BY 1""",
    "docs_to_signup_rate": f"""
        WITH signups AS (
            SELECT {WEEK.format("a.created_at")} AS period, count(*) AS n
            FROM accounts AS a WHERE {CUSTOMER} GROUP BY 1
        ), known AS (  -- visitors who signed up later, attributed to their account
            SELECT visitor_id, max(account_id) AS account_id FROM docs_visits GROUP BY 1
        ), visitors AS (
            SELECT {WEEK.format("v.visited_at")} AS period, count(DISTINCT v.visitor_id) AS n
            FROM docs_visits AS v
            LEFT JOIN known AS k ON k.visitor_id = v.visitor_id
            LEFT JOIN accounts AS a ON a.account_id = coalesce(v.account_id, k.account_id)
            WHERE NOT coalesce(a.is_test, FALSE) AND NOT coalesce(a.is_internal, FALSE)
            GROUP BY 1
        )
        SELECT v.period, CAST(coalesce(s.n, 0) AS DOUBLE) / v.n AS value
        FROM visitors AS v LEFT JOIN signups AS s ON s.period = v.period""",
    "activation_rate_7d": f"""
        WITH signups AS (
            SELECT a.account_id, a.created_at, {WEEK.format("a.created_at")} AS period
            FROM accounts AS a WHERE {CUSTOMER}
        ), production AS (
            SELECT c.account_id, c.called_at
            FROM api_calls AS c JOIN accounts AS a ON a.account_id = c.account_id
            WHERE c.environment = 'production' AND {CUSTOMER}
        ), activated AS (
            SELECT s.period, count(DISTINCT s.account_id) AS n
            FROM signups AS s JOIN production AS p ON p.account_id = s.account_id
             AND p.called_at >= s.created_at AND p.called_at < s.created_at + INTERVAL 7 DAY
            GROUP BY 1
        ), cohort AS (
            SELECT period, count(DISTINCT account_id) AS n FROM signups GROUP BY 1
        )
        SELECT c.period, CAST(coalesce(x.n, 0) AS DOUBLE) / c.n AS value
        FROM cohort AS c LEFT JOIN activated AS x ON x.period = c.period""",
    "expansion_rate": f"""
        WITH upgrading AS (
            SELECT {WEEK.format("e.occurred_at")} AS period, count(DISTINCT e.account_id) AS n
            FROM subscription_events AS e JOIN accounts AS a ON a.account_id = e.account_id
            WHERE e.change = 'upgrade' AND {CUSTOMER}
            GROUP BY 1
        ), active AS (
            SELECT {WEEK.format("c.called_at")} AS period, count(DISTINCT c.account_id) AS n
            FROM api_calls AS c JOIN accounts AS a ON a.account_id = c.account_id
            WHERE c.environment = 'production' AND {CUSTOMER}
            GROUP BY 1
        )
        SELECT x.period, CAST(coalesce(u.n, 0) AS DOUBLE) / x.n AS value
        FROM active AS x LEFT JOIN upgrading AS u ON u.period = x.period""",
}
RATIOS = ("docs_to_signup_rate", "activation_rate_7d", "expansion_rate")
TARGET_FUNNEL_RATIO = 1.2

# The activation funnel as an analyst would write it for DuckDB: signup (first, customer
# accounts), read the docs any time, a successful call within 14 days of signup, a production
# call at or after it within 30 days of signup, an upgrade at or after that within 8 weeks.
# Stage rows need no test-account filter: the cohort holds customer accounts only.
HAND_FUNNEL = """
    WITH cohort AS (
        SELECT a.account_id, min(a.created_at) AS t0 FROM accounts AS a
        WHERE NOT coalesce(a.is_test, FALSE) AND NOT coalesce(a.is_internal, FALSE)
        GROUP BY 1
    ), known AS (
        SELECT visitor_id, max(account_id) AS account_id FROM docs_visits GROUP BY 1
    ), readers AS (
        SELECT DISTINCT coalesce(v.account_id, k.account_id) AS account_id
        FROM docs_visits AS v LEFT JOIN known AS k ON k.visitor_id = v.visitor_id
    ), first_call AS (
        SELECT c.account_id, min(x.called_at) AS t
        FROM cohort AS c JOIN readers USING (account_id)
        JOIN api_calls AS x ON x.account_id = c.account_id
        WHERE x.status_code < 500
          AND x.called_at BETWEEN c.t0 AND c.t0 + INTERVAL 14 DAY
        GROUP BY 1
    ), production AS (
        SELECT c.account_id, min(x.called_at) AS t
        FROM cohort AS c JOIN first_call AS f USING (account_id)
        JOIN api_calls AS x ON x.account_id = c.account_id
        WHERE x.environment = 'production'
          AND x.called_at >= f.t AND x.called_at <= c.t0 + INTERVAL 30 DAY
        GROUP BY 1
    ), upgrade AS (
        SELECT c.account_id, min(e.occurred_at) AS t
        FROM cohort AS c JOIN production AS p USING (account_id)
        JOIN subscription_events AS e ON e.account_id = c.account_id
        WHERE e.change = 'upgrade'
          AND e.occurred_at >= p.t AND e.occurred_at <= c.t0 + INTERVAL 56 DAY
        GROUP BY 1
    )
    SELECT CAST(date_trunc('month', c.t0) AS DATE) AS period,
           count(*) AS n0, count(r.account_id) AS n1, count(f.t) AS n2, count(p.t) AS n3,
           count(u.t) AS n4,
           median(epoch(f.t) - epoch(c.t0)) AS m2,
           median(epoch(p.t) - epoch(f.t)) AS m3,
           median(epoch(u.t) - epoch(p.t)) AS m4
    FROM cohort AS c
    LEFT JOIN readers AS r ON r.account_id = c.account_id
    LEFT JOIN first_call AS f ON f.account_id = c.account_id
    LEFT JOIN production AS p ON p.account_id = c.account_id
    LEFT JOIN upgrade AS u ON u.account_id = c.account_id
    GROUP BY 1 ORDER BY 1"""
# Distinct (account, endpoint) pairs: a row value in DuckDB, several arguments in Spark SQL.
PAIRS = {
    "duckdb": "count(DISTINCT (c.account_id, c.endpoint))",
    "spark": "count(DISTINCT c.account_id, c.endpoint)",
}


def hand_written(engine: str) -> dict[str, str]:
    return {m: sql.replace("{PAIRS}", PAIRS[engine]) for m, sql in HAND_WRITTEN.items()}


def best_of(
    repeat: int, job: Callable[[Any], Any], setup: Callable[[], Any] = lambda: None
) -> tuple[float, Any]:
    """Best time of `job(setup())` over `repeat` runs after a warm-up; `setup` is not timed."""
    job(setup())  # warm-up: file cache, DuckDB metadata
    times, result = [], None
    for _ in range(repeat):
        state = setup()
        started = time.perf_counter()
        result = job(state)
        times.append(time.perf_counter() - started)
    return min(times), result


def interleaved(repeat: int, a: Callable[[], Any], b: Callable[[], Any]) -> tuple[float, float]:
    """Best times of `a` and `b` run turn about (after one warm-up each), so that a machine whose
    load changes during the run weighs on both alike: the ratio of the two is what counts."""
    a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for job, out in ((a, times[0]), (b, times[1])):
            started = time.perf_counter()
            job()
            out.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-calls", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the project and data in DIR (reused if there)"
    )
    parser.add_argument("--engine", choices=sorted(PAIRS), default="duckdb")
    args = parser.parse_args()
    connection = "spark" if args.engine == "spark" else None
    queries = hand_written(args.engine)

    sys.path.insert(0, str(REPO))
    from nsmcode.compile import QueryOptions
    from nsmcode.project import load_project
    from nsmcode.run import execute
    from nsmcode.run.connections import open_engine

    with tempfile.TemporaryDirectory(prefix="nsmcode-bench-") as tmp:
        root = args.keep or Path(tmp) / "relay"
        reuse = (root / "data" / "api_calls.parquet").is_file()
        shutil.rmtree(root / "definitions", ignore_errors=True)
        shutil.copytree(
            EXAMPLE,
            root,
            ignore=shutil.ignore_patterns("data", "*.py", "target"),
            dirs_exist_ok=True,
        )
        started = time.perf_counter()
        generator = [sys.executable, str(EXAMPLE / "generate_data.py"), "--out", str(root / "data")]
        if not reuse:
            subprocess.run(
                [*generator, "--api-calls", str(args.api_calls)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        generated = time.perf_counter() - started

        project = load_project(root)
        star = project.north_star
        assert star is not None
        metrics = [star.name, *(m.name for m in project.inputs_of(star.name))]
        missing = sorted(set(metrics) - set(HAND_WRITTEN))
        if missing:
            raise SystemExit(f"no hand-written SQL for {missing}; add it to HAND_WRITTEN")

        with open_engine(project, connection) as engine:
            calls = engine.execute("SELECT count(*) FROM api_calls").rows[0][0]

            def fresh() -> Any:
                return load_project(root)  # untimed; a new project has no compile cache

            def nsmcode(batch: bool) -> Callable[[Any], execute.Table]:
                return lambda p: execute.run(p, engine, metrics, QueryOptions(), batch=batch)

            def hand(_: Any) -> dict[str, dict[Any, Any]]:
                return {m: dict(engine.execute(queries[m]).rows) for m in metrics}

            def compile_only(p: Any) -> list[execute.Batch]:
                return execute.plan(p, metrics, engine.dialect, QueryOptions())

            from nsmcode.compile.funnel import FunnelOptions
            from nsmcode.run.funnels import run_funnel

            def funnel(p: Any) -> execute.Table:
                return run_funnel(p, engine, "activation", FunnelOptions("month"))

            t_funnel, funnel_table = best_of(args.repeat, funnel, fresh)
            t_funnel_hand, funnel_hand = best_of(
                args.repeat, lambda _: engine.execute(HAND_FUNNEL).rows
            )
            t_nsmcode, table = best_of(args.repeat, nsmcode(True), fresh)
            t_hand, expected = best_of(args.repeat, hand)
            t_single, single = best_of(args.repeat, nsmcode(False), fresh)
            t_compile, _ = best_of(args.repeat, compile_only, fresh)

        mismatches = []
        for m in metrics:
            for period, value in table.series(m):
                want = expected[m].get(period, None if m in RATIOS else 0)
                if not same(value, want):
                    mismatches.append(f"{m} {period}: nsmcode {value}, hand-written {want}")
            for period in set(expected[m]) - {p for p, _ in table.series(m)}:
                mismatches.append(f"{m} {period}: missing from nsmcode")
        batch_equal = all(
            a[0] == b[0] and all(same(x, y) for x, y in zip(a[1:], b[1:], strict=True))
            for a, b in zip(table.rows, single.rows, strict=True)
        ) and len(table.rows) == len(single.rows)
        batches = len(execute.plan(project, metrics, args.engine, QueryOptions()))

    funnel_mismatches = []
    got = {(r[0], r[1]): (r[3], r[6]) for r in funnel_table.rows}
    for row in funnel_hand:
        period, counts, medians = row[0], row[1:6], (None, None, *row[6:9])
        for step in range(5):
            value = got.pop((period, step), None)
            if value is None or value[0] != counts[step] or not same(value[1], medians[step]):
                funnel_mismatches.append(
                    f"activation {period} step {step}: nsmcode {value}, "
                    f"hand-written {(counts[step], medians[step])}"
                )
    funnel_mismatches += [f"activation {key}: only in nsmcode" for key in got]
    funnel_ratio = t_funnel / t_funnel_hand
    serving = api_and_materialize(root, star.name, args.repeat) if args.engine == "duckdb" else None

    ratio = t_nsmcode / t_hand
    made = "reused" if reuse else f"generated in {generated:.1f} s"
    print(f"engine: {args.engine}; data: {calls:,} API calls ({made}); {len(table.rows)} weeks")
    print(f"metrics: {', '.join(metrics)}")
    print(f"best of {args.repeat} (after a warm-up run):")
    rows = [
        (f"nsmcode, batched ({batches} query)", t_nsmcode),
        ("  of which compiling to SQL", t_compile),
        (f"hand-written SQL ({len(metrics)} queries)", t_hand),
        (f"nsmcode, one query per metric ({len(metrics)})", t_single),
    ]
    for label, seconds in rows:
        print(f"  {label:<40} {seconds:8.3f} s")
    print(f"ratio nsmcode / hand-written: {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"batch speed-up over one query per metric: {t_single / t_nsmcode:.2f}x")
    print(f"numbers equal to the hand-written SQL: {'yes' if not mismatches else 'NO'}")
    print(f"batch equals one query per metric: {'yes' if batch_equal else 'NO'}")
    for line in mismatches[:20]:
        print(f"  {line}")
    print(f"funnel `activation` by month ({len(funnel_hand)} cohorts, 5 stages):")
    print(f"  {'nsmcode (compile + run)':<40} {t_funnel:8.3f} s")
    print(f"  {'hand-written DuckDB SQL':<40} {t_funnel_hand:8.3f} s")
    target = TARGET_FUNNEL_RATIO
    print(f"ratio nsmcode / hand-written funnel: {funnel_ratio:.2f} (target <= {target})")
    print(f"funnel numbers equal: {'yes' if not funnel_mismatches else 'NO'}")
    for line in funnel_mismatches[:20]:
        print(f"  {line}")
    ok = not mismatches and batch_equal and ratio <= TARGET_RATIO
    ok = ok and not funnel_mismatches and funnel_ratio <= TARGET_FUNNEL_RATIO
    if serving is not None:  # DuckDB only: the API and materialize on embedded DuckDB
        t_sql, t_load, t_api, t_cli, t_full, t_incremental, same_rows = serving
        api_ratio = t_api / t_sql
        turns = max(args.repeat, 5)
        print(f"north star alone, best of {args.repeat} (SQL and API: of {turns}, turn about):")
        for label, seconds in (
            ("its SQL on an open connection", t_sql),
            ("Python API: project.query (connect, run)", t_api),
            ("Python API: nsmcode.load (once)", t_load),
            ("command line: nsmcode query (process)", t_cli),
            ("materialize: full rebuild", t_full),
            ("materialize: incremental (2 periods)", t_incremental),
        ):
            print(f"  {label:<40} {seconds:8.3f} s")
        print(f"ratio API / its SQL: {api_ratio:.3f} (target <= {TARGET_API})")
        overhead = t_cli - t_api
        print(f"command line over the API: {overhead:+.3f} s (process start, imports, printing)")
        print(f"materialize full / incremental: {t_full / t_incremental:.2f}x")
        print(f"materialized table equals a full rebuild: {'yes' if same_rows else 'NO'}")
        ok = ok and api_ratio <= TARGET_API and same_rows
    return 0 if ok else 1


def api_and_materialize(
    root: Path, star: str, repeat: int
) -> tuple[float, float, float, float, float, float, bool]:
    """(SQL alone, load, API query, CLI, materialize full, materialize incremental,
    incremental == full)."""
    import nsmcode
    from nsmcode.run.connections import open_engine

    project = nsmcode.load(root)
    sql = project.sql(star, dialect="duckdb")
    with open_engine(project._project) as engine:
        t_sql, t_api = interleaved(
            max(repeat, 5), lambda: engine.execute(sql), lambda: project.query(star).rows
        )
    # a notebook loads once and queries many times: load is timed apart
    t_load, _ = best_of(repeat, lambda _: nsmcode.load(root))
    command = [sys.executable, "-m", "nsmcode", "query", star, "--project", str(root)]
    t_cli, _ = best_of(
        repeat, lambda _: subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    )

    config = root / "nsmcode.yaml"
    if "store:" not in config.read_text():
        text = config.read_text().replace("connections:\n", "connections:" + STORE, 1)
        config.write_text(text + "\nmaterialize: {schema: metrics}\n")
    (root / "definitions" / "bench_saved.yaml").write_text(
        "version: 1\nsaved_queries:\n"
        f"  - {{name: bench_star, metrics: [{star}], grain: week, segments: [plan]}}\n"
    )
    (root / "store.duckdb").unlink(missing_ok=True)
    store = nsmcode.load(root)

    def run(full: bool) -> Any:
        return store.materialize(["bench_star"], connection="store", full=full, lookback=2)

    def table() -> list[Any]:
        import duckdb

        with duckdb.connect(str(root / "store.duckdb"), read_only=True) as con:
            return sorted(con.execute("SELECT * FROM metrics.bench_star").fetchall(), key=repr)

    t_full, _ = best_of(repeat, lambda _: run(True))
    rebuilt = table()
    t_incremental, _ = best_of(repeat, lambda _: run(False))
    return t_sql, t_load, t_api, t_cli, t_full, t_incremental, table() == rebuilt


if __name__ == "__main__":
    sys.exit(main())
