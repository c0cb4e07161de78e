"""Spark: a local session over data files, or a Spark Connect server (`remote: sc://...`).

Local mode maps `tables:` files to temporary views (as DuckDB does), in a session whose time
zone is UTC and whose warehouse folder is a temporary one, so nothing is written beside the
project. Remote mode reads the server's catalog as it is: nsmcode never creates or replaces a
table there (except `materialize`, in the schema the project names). pyspark is imported only when
a query runs on the profile.

`materialize` opens a local session with `catalog=` a folder of the project (the profile's
`warehouse:`): Spark's own local catalog, a Hive metastore in embedded Derby plus the warehouse
of table files, kept there from one run to the next.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from nsmcode import models
from nsmcode.project import Project
from nsmcode.run.engines.base import Engine, connect_error, env, error, missing_driver
from nsmcode.run.engines.files import mapped_files


def remote_url(project: Project, name: str, conn: models.Connection) -> tuple[str, list[str]]:
    """The Spark Connect URL with the token from `token_env` appended, and the secrets."""
    assert conn.remote is not None
    if not conn.remote.startswith("sc://"):
        raise error(
            "R006",
            f"connection {name!r}: `remote` must be a Spark Connect URL like sc://host:15002",
            project,
            name,
            ["remote"],
            "Spark Connect URLs start with sc://; put a token in `token_env`, not in the URL",
        )
    token = env(project, name, conn, "token_env")
    if token is None:
        return conn.remote, []
    url = conn.remote if "/;" in conn.remote else conn.remote.rstrip("/") + "/"
    return f"{url};token={token}", [token]


def open_spark(
    project: Project, name: str, conn: models.Connection, *, catalog: Path | None = None
) -> Engine:
    if conn.remote is None:
        for table in conn.tables:
            if "." in table:
                raise error(
                    "R012",
                    f"connection {name!r}: local Spark maps files to temporary views, which "
                    f"cannot be schema-qualified ({table!r})",
                    project,
                    name,
                    ["tables", table],
                    "use the plain table name here and in the source's `table:`",
                )
        present, missing = mapped_files(project, name, conn)
    secrets: list[str] = []
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise missing_driver(project, name, "pyspark", "nsmcode[spark]") from None
    warehouse = None
    owned = True
    try:
        if conn.remote is not None:
            url, secrets = remote_url(project, name, conn)
            spark = _connect(project, name, url)
            spark.conf.set("spark.sql.session.timeZone", "UTC")
        else:
            owned = SparkSession.getActiveSession() is None  # embedding code's own session
            if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
                raise RuntimeError("no Java runtime found (install a JRE or set JAVA_HOME)")
            builder = SparkSession.builder
            if catalog is None:
                warehouse = tempfile.mkdtemp(prefix="nsmcode-spark-")
                folder = warehouse
            else:
                builder = _persistent(builder, catalog)
                folder = str(catalog / "warehouse")
            spark = (
                builder.master(conn.master or "local[*]")
                .appName("nsmcode")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.warehouse.dir", folder)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
            )
            with warnings.catch_warnings():  # pyspark warns about pandas 3, which it does not use
                warnings.simplefilter("ignore", FutureWarning)
                spark = spark.getOrCreate()
            spark.sparkContext.setLogLevel("ERROR")
            if catalog is not None:  # a JVM started before (embedding code): Derby logs here too
                jvm: Any = spark.sparkContext._jvm
                jvm.java.lang.System.setProperty("derby.system.home", str(catalog))
    except Exception as exc:
        if warehouse is not None:
            shutil.rmtree(warehouse, ignore_errors=True)
        raise connect_error(project, name, conn, exc, secrets) from None
    if conn.catalog is not None:
        spark.catalog.setCurrentCatalog(conn.catalog)
    if conn.schema_name is not None:
        spark.catalog.setCurrentDatabase(conn.schema_name)
    engine = Engine(name, "spark", "spark", spark, tuple(secrets))
    if conn.remote is None:
        for table, (path, kind) in sorted(present.items()):
            _temp_view(spark, table, str(path), kind)
        engine.missing_files.update(missing)

    def run(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        frame = spark.sql(sql)
        return list(frame.columns), [tuple(row) for row in frame.collect()]

    def close() -> None:
        if owned:
            spark.stop()
        if warehouse is not None:
            shutil.rmtree(warehouse, ignore_errors=True)

    engine.run = run
    engine.closer = close
    return engine


def _persistent(builder: Any, folder: Path) -> Any:
    """Spark's local catalog in `folder`: the Hive metastore (embedded Derby, its log there too)
    and the warehouse of table files, so tables outlive the session."""
    folder.mkdir(parents=True, exist_ok=True)
    metastore = f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true"
    return (
        builder.config("spark.sql.catalogImplementation", "hive")
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", metastore)
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
    )


def _connect(project: Project, name: str, url: str) -> Any:
    # The Connect client checks its pandas version on import and warns about pandas 3 (and its
    # dependencies warn about theirs), which nsmcode does not use: not the user's business. A
    # warning made an error half-way through that import would leave its modules half-built.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from pyspark.sql.connect.session import SparkSession as ConnectSession
        except ImportError as exc:  # the Connect client's own dependencies (grpcio, ...)
            module = getattr(exc, "name", None) or "grpcio"
            raise missing_driver(project, name, module, "nsmcode[spark]") from None
        return ConnectSession.builder.remote(url).create()


def _temp_view(spark: Any, table: str, path: str, kind: str) -> None:
    reader = spark.read
    if kind == "csv":
        separator = "\t" if ".tsv" in path.lower() else ","
        frame = reader.csv(path, header=True, inferSchema=True, sep=separator)
    elif kind == "json":
        frame = reader.json(path)
    else:
        frame = reader.parquet(path)
    frame.createOrReplaceTempView(table)
