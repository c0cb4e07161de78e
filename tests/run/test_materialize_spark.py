"""`nsmcode materialize` for real on local Spark, in the local catalog the profile's `warehouse:`
folder keeps: the table holds what DuckDB computes for `query --saved`; a run replaces exactly
the last periods; running twice changes nothing; a run killed (or failing) in the middle of the
write leaves the previous rows; tables nsmcode did not create are refused.

Spark runs in processes of their own (spark_steps.py): the local catalog's embedded Derby admits
one process at a time. Without pyspark or Java the test skips, except under CI=true."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from test_materialize import SCHEMA, make
from test_run_spark import _in_a_fresh_process, _need_spark, _remote

import nsmcode
from nsmcode.run.materialize import FAULT

STEPS = Path(__file__).with_name("spark_steps.py")
SPARK = """\
  spark_store:
    type: spark
    master: local[2]
    warehouse: catalog
    tables:
      accounts: data/accounts.csv
      api_calls: data/api_calls.csv
"""


def spark_project(root: Path) -> Path:
    make(root, "spark_store")
    config = root / "nsmcode.yaml"
    config.write_text(config.read_text().replace("connections:\n", "connections:\n" + SPARK))
    return root


def steps(root: Path, *program: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    """Run the steps in a fresh process; their results (or the completed process if it died)."""
    done = subprocess.run(
        [sys.executable, str(STEPS), str(root), json.dumps(program)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        # the fault hook is a Python UDF: its worker must be this interpreter (with pyspark and
        # pyarrow), not whatever `python3` is first on PATH
        env={**os.environ, "PYSPARK_PYTHON": sys.executable, **(env or {})},
    )
    if done.returncode != 0:
        return done
    return json.loads(done.stdout.strip().splitlines()[-1])


def expected(root: Path, name: str) -> list[tuple[Any, ...]]:
    """DuckDB's rows of the saved query (connection `local`, the same files), in the Spark
    table's column order: segments, metrics, complete, then the partition column period."""
    result = nsmcode.load(root).query_saved(name, connection="local")
    flags = result.complete or ()
    rows = zip(result.rows, flags, strict=True)
    return _canonical((*r[1:], f, r[0].isoformat()) for r, f in rows)


def _canonical(rows: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows), key=repr
    )


def more_calls(root: Path) -> None:
    """New events in each of the three weeks (production calls of a customer): the data a later
    run sees differs from what the table holds in every period."""
    path = root / "data" / "api_calls.csv"
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        for week in range(3):
            for n in range(3):
                at = dt.datetime(2026, 10, 6) + dt.timedelta(days=7 * week, hours=n)
                writer.writerow(
                    [f"x{week}{n}", "a00", at.strftime("%Y-%m-%d %H:%M:%S"), "GET /v1/files",
                     "production", "200", "42.0"]
                )


def test_materialize_on_local_spark(tmp_path: Path) -> None:
    _need_spark()
    root = spark_project(tmp_path / "p")
    old = expected(root, "review")
    foreign = f"CREATE TABLE {SCHEMA}.review (x INT) USING parquet"
    first = steps(
        root,
        {"sql": f"CREATE SCHEMA {SCHEMA}"},
        {"sql": foreign},
        {"cli": ["materialize"]},
        {"sql": f"DROP TABLE {SCHEMA}.review"},
        {"cli": ["materialize"]},
        {"read": f"{SCHEMA}.review"},
        {"read": f"{SCHEMA}.monthly"},
        {"cli": ["materialize", "review"]},
        {"read": f"{SCHEMA}.review"},
    )
    assert not isinstance(first, subprocess.CompletedProcess), first.stderr[-3000:]
    refused, built, review, monthly, again, review_again = first[2], first[4], *first[5:]
    # a table it did not create is refused, located, and left alone
    assert refused[0] == 2 and "saved.yaml:3:11: M002 table nsm_metrics.review exists" in refused[1]
    assert built[0] == 0, built[1]
    assert "review: rebuilt: 9 rows written" in built[1] and "monthly: rebuilt" in built[1]
    assert _canonical(review) == old
    assert _canonical(monthly) == expected(root, "monthly")
    # running twice changes nothing
    assert "replaced the periods from 2026-10-19: 3 rows written, 9 in the table" in again[1]
    assert _canonical(review_again) == old

    more_calls(root)
    new = expected(root, "review")
    assert {r[-1] for r in new if r not in old} == {"2026-10-05", "2026-10-12", "2026-10-19"}
    # killed while the write job runs: the process dies, the previous rows remain
    killed = steps(root, {"cli": ["materialize", "review"]}, env={FAULT: "kill"})
    assert isinstance(killed, subprocess.CompletedProcess) and killed.returncode == -9, killed
    later = steps(
        root,
        {"read": f"{SCHEMA}.review"},
        {"env": {FAULT: "raise"}},
        {"cli": ["materialize", "review"]},
        {"env": {FAULT: None}},
        {"read": f"{SCHEMA}.review"},
        {"cli": ["materialize", "review", "--lookback", "2"]},
        {"read": f"{SCHEMA}.review"},
        {"cli": ["materialize", "review", "--full"]},
        {"read": f"{SCHEMA}.review"},
        {"read": f"{SCHEMA}.nsmcode_registry"},
    )
    assert not isinstance(later, subprocess.CompletedProcess), later.stderr[-3000:]
    after_kill, _, failed, _, after_failure, partial, partial_rows, full, full_rows = later[:9]
    registry = later[9]
    assert _canonical(after_kill) == old
    assert failed[0] == 70 and "injected fault" in failed[1], failed
    assert _canonical(after_failure) == old
    # --lookback 2 replaces exactly the last two weeks: the first keeps the rows it had
    assert "replaced the periods from 2026-10-12: 6 rows written, 9 in the table" in partial[1]
    assert _canonical(partial_rows) == sorted(
        [r for r in old if r[-1] < "2026-10-12"] + [r for r in new if r[-1] >= "2026-10-12"],
        key=repr,
    )
    assert "rebuilt: 9 rows written" in full[1] and _canonical(full_rows) == new
    # the registry was appended to once per table layout, never rewritten
    assert sorted(r[0] for r in registry) == ["monthly", "review"]


def test_an_hourly_query_keeps_its_hours_on_spark(tmp_path: Path) -> None:
    """One partition per hour, its period a timestamp; a later run replaces whole days."""
    _need_spark()
    root = spark_project(tmp_path / "p")
    saved = root / "metrics" / "saved.yaml"
    hourly = "  - {name: hourly, metrics: [calls], grain: hour, since: 2026-10-19, "
    hourly += "until: 2026-10-20}\n"
    saved.write_text(saved.read_text() + hourly)  # a partition per hour: two days of them
    want = expected(root, "hourly")
    assert len({row[-1] for row in want}) == len(want) > 1
    assert any(not row[-1].endswith("T00:00:00") for row in want)
    more_calls(root)
    new = expected(root, "hourly")
    done = steps(
        root,
        {"cli": ["materialize", "hourly"]},
        {"read": f"{SCHEMA}.hourly"},
        {"cli": ["materialize", "hourly", "--lookback", "200"]},
        {"read": f"{SCHEMA}.hourly"},
    )
    assert not isinstance(done, subprocess.CompletedProcess), done.stderr[-3000:]
    built, rows, again, rows_again = done
    assert built[0] == 0 and again[0] == 0, (built, again)
    assert "hourly: replaced the periods from 2026-10-" in again[1], again[1]
    assert _canonical(rows) == new and _canonical(rows_again) == new


ADMIN = """
import sys, warnings
warnings.simplefilter("ignore")
from pyspark.sql.connect.session import SparkSession
admin = SparkSession.builder.remote(sys.argv[1]).create()
try:
    for statement in sys.argv[2:]:
        admin.sql(statement).collect()
finally:
    admin.stop()
"""


def test_materialize_on_a_spark_connect_server(tmp_path: Path) -> None:
    """The server's own catalog (the CI's Connect server): the tiny data as tables of a schema
    made by the test as an administrator would, the results in the project's schema."""
    _need_spark()
    url = _remote()
    data, out = f"nsm_tiny_{os.getpid()}", f"nsm_out_{os.getpid()}"
    root = make(tmp_path / "p", "spark_connect", out)
    config = root / "nsmcode.yaml"
    connect = f"  spark_connect:\n    type: spark\n    remote: {url}\n    schema: {data}\n"
    config.write_text(config.read_text().replace("connections:\n", "connections:\n" + connect))
    files = root / "data"
    tables = [
        f"CREATE TABLE {data}.{t} USING csv OPTIONS (path '{files / (t + '.csv')}', "
        "header 'true', inferSchema 'true')"
        for t in ("accounts", "api_calls")
    ]
    drop = [f"DROP SCHEMA IF EXISTS {s} CASCADE" for s in (data, out)]
    admin = [*drop, f"CREATE SCHEMA {data}", *tables, f"CREATE SCHEMA {out}"]
    admin.append(f"CREATE TABLE {out}.review (x INT) USING parquet")
    _in_a_fresh_process("-c", ADMIN, url, *admin)
    try:
        done = steps(
            root,
            {"cli": ["materialize"]},
            {"sql": f"DROP TABLE {out}.review"},
            {"cli": ["materialize"]},
            {"read": f"{out}.review"},
            {"read": f"{out}.monthly"},
            {"cli": ["materialize", "review"]},
            {"cli": ["materialize", "review", "--lookback", "2"]},
            {"read": f"{out}.review"},
        )
    finally:
        _in_a_fresh_process("-c", ADMIN, url, *drop)
    assert not isinstance(done, subprocess.CompletedProcess), done.stderr[-3000:]
    refused, built, review, monthly, again, partial, after = done[0], *done[2:]
    assert refused[0] == 2 and f"M002 table {out}.review exists" in refused[1], refused
    assert "review: rebuilt: 9 rows written" in built[1], built
    assert _canonical(review) == expected(root, "review")
    assert _canonical(monthly) == expected(root, "monthly")
    assert "replaced the periods from 2026-10-19: 3 rows written, 9 in the table" in again[1]
    assert "replaced the periods from 2026-10-12: 6 rows written, 9 in the table" in partial[1]
    assert _canonical(after) == expected(root, "review")
