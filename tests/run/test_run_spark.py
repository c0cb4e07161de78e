"""The `spark` profile end to end on the example: a local session over the Parquet files, and a
Spark Connect server (NSMCODE_TEST_SPARK_REMOTE, started by .ci/run) reading tables from its own
catalog; both give DuckDB's numbers. Without pyspark, Java or the server the tests skip, except
under CI=true where they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.diagnostics import InputError
from nsmcode.project import load_project
from nsmcode.run.connections import open_engine

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"
NSM = "weekly_active_integration_points"
INPUTS = ["weekly_active_integration_points", "new_integrations", "active_developers"]


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires every engine)")
    pytest.skip(reason)


def _need_spark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed: Spark profile tests skipped")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        unavailable("no Java runtime: Spark profile tests skipped")


def _query(*args: str) -> str:
    result = CliRunner().invoke(main, ["query", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_local_spark_gives_duckdb_numbers(example_data: Path) -> None:
    _need_spark()
    project = ["--project", str(EXAMPLE)]
    names = [n for n in INPUTS if n in load_project(EXAMPLE).metrics]
    spark = _query(*names, *project, "--connection", "spark")
    assert spark == _query(*names, *project, "--connection", "local")
    assert len(spark.splitlines()) > 20


def test_local_spark_never_writes_beside_the_project(tmp_path: Path, example_data: Path) -> None:
    _need_spark()
    root = tmp_path / "relay"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target", "site"))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        _query(NSM, "--project", str(root), "--connection", "spark")
    finally:
        os.chdir(cwd)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # no spark-warehouse


def _remote() -> str:
    url = os.environ.get("NSMCODE_TEST_SPARK_REMOTE")
    if not url:
        unavailable("NSMCODE_TEST_SPARK_REMOTE is not set: Spark Connect tests skipped")
    assert url is not None
    return url


def _connect_project(tmp_path: Path, remote: str) -> Path:
    root = tmp_path / "relay"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "target", "*.py"))
    text = (root / "nsmcode.yaml").read_text()
    text = text.replace(
        "  warehouse:\n", f"  spark_connect:\n    type: spark\n    remote: {remote}\n  warehouse:\n"
    )
    (root / "nsmcode.yaml").write_text(text)
    return root


ADMIN = """
import sys, warnings
warnings.simplefilter("ignore")
from pyspark.sql.connect.session import SparkSession
admin = SparkSession.builder.remote(sys.argv[1]).create()
try:
    for path in sys.argv[2:]:
        name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        admin.sql(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM parquet.`{path}`").collect()
finally:
    admin.stop()
"""


def _in_a_fresh_process(*args: str) -> str:
    """Run in a process of its own: the Connect client is imported there from scratch, whatever
    the test process imported before (pyspark's classic and Connect modules share names)."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_spark_connect_reads_the_server_catalog(tmp_path: Path, example_data: Path) -> None:
    """The server's catalog holds the tables (views over the same files, made by the test as an
    administrator would); nsmcode reads them as they are."""
    _need_spark()
    url = _remote()
    files = [str(f) for f in sorted(example_data.glob("*.parquet"))]
    _in_a_fresh_process("-c", ADMIN, url, *files)
    root = _connect_project(tmp_path, url)
    names = [n for n in INPUTS if n in load_project(root).metrics]
    query = ["-m", "nsmcode", "query", *names, "--format", "csv"]
    remote = _in_a_fresh_process(*query, "--project", str(root), "--connection", "spark_connect")
    assert remote == _query(*names, "--project", str(EXAMPLE), "--connection", "local")


def test_spark_connect_token_is_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _need_spark()
    secret = "tok3n-Sup3r@Secret/value"
    monkeypatch.setenv("NSMCODE_SPARK_TOKEN", secret)
    root = _connect_project(tmp_path, "sc://127.0.0.1:1")
    text = (root / "nsmcode.yaml").read_text()
    text = text.replace("    remote: sc://127.0.0.1:1\n", "    remote: sc://127.0.0.1:1\n"
                        "    token_env: NSMCODE_SPARK_TOKEN\n")
    (root / "nsmcode.yaml").write_text(text)
    try:
        engine = open_engine(load_project(root), "spark_connect")
    except InputError as exc:
        message = str(exc) + " ".join(d.hint or "" for d in exc.diagnostics)
    else:
        from nsmcode.run.connections import EngineError

        with engine, pytest.raises(EngineError) as raised:
            engine.execute("SELECT 1")
        message = raised.value.message
    for piece in (secret, "tok3n-Sup3r", "Secret/value", "Secret"):
        assert piece not in message, message
