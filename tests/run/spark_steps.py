"""Run a list of steps against a project on local Spark in this one process, in one session, and
print the results as JSON: the test's Spark runs here, in a process of its own, so the local
catalog (embedded Derby, one process at a time) is free again when it ends.

    python spark_steps.py ROOT STEPS_JSON

Steps: {"cli": [args]} -> [exit code, output]; {"read": table} -> rows (dates as ISO text);
{"sql": statement} -> null; {"env": {name: value or null}} -> null.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import nsmcode
from nsmcode.cli import main
from nsmcode.run.materialize import _open


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def step(root: Path, engine: Any, what: dict[str, Any]) -> Any:
    if "cli" in what:
        result = CliRunner().invoke(main, [*what["cli"], "--project", str(root)])
        return [result.exit_code, result.output]
    if "env" in what:
        for name, value in what["env"].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return None
    if "read" in what:  # as a long-lived reader must: the files may have been replaced
        engine.connection.catalog.refreshTable(what["read"])
        frame = engine.connection.table(what["read"])
        return [[_plain(v) for v in row] for row in frame.collect()]
    engine.connection.sql(what["sql"]).collect()
    return None


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    folder, program = Path(sys.argv[1]), json.loads(sys.argv[2])
    # one session for every step: the commands find it active and use it (and leave it open)
    with _open(nsmcode.load(folder)._project, None) as session:
        print(json.dumps([step(folder, session, s) for s in program]))
