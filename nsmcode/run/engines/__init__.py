"""One module per kind of connection; `nsmcode.run.connections` chooses among them.

    base.py        Engine, errors, secrets (scrubbing), located connection diagnostics
    files.py       data files as tables: DuckDB (`tables:`), shared suffix checks
    warehouses.py  PostgreSQL, SQLite, DB-API and the first-class warehouse profiles
    spark.py       Spark: a local session over files, or a Spark Connect server
"""
