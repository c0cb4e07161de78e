"""Benchmark loading: `nsmcode validate` on 1k, 10k and 100k metrics, and one 15k-metric file.

Run: `python bench/load.py [--sizes 1000,10000,100000] [--single 15000] [--keep DIR]`.

Projects come from bench/compile.py's generator (a realistic mix of calculation types, qualifiers,
segments and joins, 50 metrics per file); `--single` writes one file holding all its metrics.
For each project, on one machine in one run, it prints:

- `validate`: a cold `nsmcode -q validate` in a fresh process, as a user runs it (wall seconds and
  peak memory of that process);
- `load`: the loader on its own in a fresh process: `load_project` (parse, models, references),
  without the rule pack and compile checks, imports excluded;
- `floor`: PyYAML's libyaml `CSafeLoader` composing the same files into nodes (with marks), in
  this process: the floor for any YAML loader that keeps line and column;
- `edit`: an editor session (`nsmcode.workspace.Workspace`, what `nsmcode lsp` uses) with the
  project loaded, re-validating after one file changed (median of 5).

Targets: validate 10k <= 3x floor; validate 100k <= 30 s and <= 600 MB; the example project
<= 300 ms; edit of one file in a 10k project <= 100 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "metrics"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("bench_compile", HERE / "compile.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_compile"] = module
    spec.loader.exec_module(module)
    return module


def make_project(root: Path, size: int, single: bool) -> None:
    gen = _generator()
    if single:
        gen.METRICS_PER_FILE = size
    gen.generate_project(root, size)


def timed_child(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run a fresh process; return its wall seconds, its own peak RSS in MB, and its stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, out.decode("utf-8", "replace")


LOAD_ONLY = """\
import sys, time
from nsmcode.project import load_project
start = time.perf_counter()
project = load_project(sys.argv[1])
print(f"{time.perf_counter() - start:.4f} {len(project.metrics)}")
"""


def floor(root: Path) -> float:
    """Seconds PyYAML's libyaml CSafeLoader takes to compose every definition file to nodes."""
    import yaml

    files = sorted(p for p in root.rglob("*.y*ml"))
    texts = [p.read_text() for p in files]
    start = time.perf_counter()
    for text in texts:
        yaml.compose(text, Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def edit_session(root: Path) -> float:
    """Median seconds to re-validate after one definition file changed, project loaded."""
    from nsmcode.workspace import Workspace

    ws = Workspace(root)
    ws.check()
    files = sorted((root / "metrics").rglob("*.yml"))
    target = files[len(files) // 2]
    text = target.read_text()
    times: list[float] = []
    for i in range(5):
        changed = text.replace("for the compile benchmark", f"edited {i}", 1)
        start = time.perf_counter()
        ws.update(target, changed)
        ws.check()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, root: Path, *, edit: bool = True) -> dict[str, Any]:
    wall, mb, out = timed_child([sys.executable, "-m", "nsmcode", "-q", "validate"], root)
    tail = out.strip().splitlines()[-1:] or [""]
    _, _, load_out = timed_child([sys.executable, "-c", LOAD_ONLY, str(root)], root)
    try:
        load = float(load_out.split()[0])
    except (IndexError, ValueError):
        load = float("nan")
        print(load_out, file=sys.stderr)
    row = {
        "project": name,
        "validate_s": wall,
        "peak_mb": mb,
        "load_s": load,
        "floor_s": floor(root),
        "edit_ms": edit_session(root) * 1000 if edit else float("nan"),
        "summary": tail[0][:60],
    }
    row["x_floor"] = row["validate_s"] / row["floor_s"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--single", type=int, default=15000, help="metrics in the one-file project")
    parser.add_argument("--keep", type=Path, help="generate the projects here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="nsmcode-bench-load-"))
    rows = [measure("example", EXAMPLE)]
    plan = [(int(s), False) for s in args.sizes.split(",") if s]
    if args.single:
        plan.append((args.single, True))
    try:
        for size, single in plan:
            label = f"{size // 1000}k{' (1 file)' if single else ''}"
            root = base / f"p{size}{'-single' if single else ''}"
            if not root.exists():
                make_project(root, size, single)
            rows.append(measure(label, root, edit=size <= 10000 and not single))
            print(_line(rows[-1]), file=sys.stderr, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{'project':<12} {'validate':>9} {'peak MB':>8} {'load':>8} {'floor':>8} "
          f"{'x floor':>8} {'edit ms':>8}  summary")
    for row in rows:
        print(_line(row))


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['project']:<12} {row['validate_s']:>8.2f}s {row['peak_mb']:>8.0f} "
        f"{row['load_s']:>7.2f}s {row['floor_s']:>7.2f}s {row['x_floor']:>8.1f} "
        f"{row['edit_ms']:>8.0f}  {row['summary']}"
    )


if __name__ == "__main__":
    main()
