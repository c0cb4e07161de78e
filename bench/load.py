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
- `edit file` / `edit all`: an editor session (`nsmcode.workspace.Workspace`, what `nsmcode lsp`
  uses) with the project loaded, after one file changed (median of 5, CPU): checking that file on
  its own (syntax, structure, values), and re-checking the whole project (references, rules).

Times of fresh processes are given as wall and CPU seconds; on a busy machine compare CPU (other
processes do not count), and `cpu/floor` is validate's CPU over the floor's.
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


def timed_child(args: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Run a fresh process; return its wall and CPU seconds, its own peak RSS in MB, and its
    output. CPU time is what to compare on a busy machine (other processes do not count)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, out.decode("utf-8", "replace")


LOAD_ONLY = """\
import sys, time
from nsmcode.project import load_project
start = time.process_time()
project = load_project(sys.argv[1])
print(f"{time.process_time() - start:.4f} {len(project.metrics)}")
"""


def floor(root: Path) -> float:
    """CPU seconds PyYAML's libyaml CSafeLoader takes to compose every definition file to nodes
    (best of 3)."""
    import yaml

    files = sorted(p for p in root.rglob("*.y*ml") if ".nsmcode" not in p.parts)
    texts = [p.read_text() for p in files]
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for text in texts:
            yaml.compose(text, Loader=yaml.CSafeLoader)
        best = min(best, time.process_time() - start)
    return best


def edit_session(root: Path) -> tuple[float, float]:
    """Median CPU seconds, with the project loaded, after one definition file changed: to
    check that file on its own, and to re-check the whole project (rules included)."""
    try:
        from nsmcode.workspace import Workspace
    except ImportError:  # before the workspace existed
        return float("nan"), float("nan")
    ws = Workspace(root)
    ws.check()
    files = sorted(ws.documents())
    target = files[len(files) // 2]
    text = target.read_text()
    alone: list[float] = []
    whole: list[float] = []
    for i in range(5):
        ws.update(target, f"{text}# edited {i}\n")
        start = time.process_time()
        ws.check_file(target)
        alone.append(time.process_time() - start)
        ws.update(target, f"{text}# edited again {i}\n")
        start = time.process_time()
        ws.check()
        whole.append(time.process_time() - start)
    return statistics.median(alone), statistics.median(whole)


def measure(name: str, root: Path, *, edit: bool = True) -> dict[str, Any]:
    wall, cpu, mb, out = timed_child([sys.executable, "-m", "nsmcode", "-q", "validate"], root)
    tail = out.strip().splitlines()[-1:] or [""]
    _, _, _, load_out = timed_child([sys.executable, "-c", LOAD_ONLY, str(root)], root)
    try:
        load = float(load_out.split()[0])
    except (IndexError, ValueError):
        load = float("nan")
        print(load_out, file=sys.stderr)
    alone, whole = edit_session(root) if edit else (float("nan"), float("nan"))
    row = {
        "project": name,
        "validate_s": wall,
        "validate_cpu": cpu,
        "peak_mb": mb,
        "load_s": load,
        "floor_s": floor(root),
        "edit_file_ms": alone * 1000,
        "edit_project_ms": whole * 1000,
        "summary": tail[0][:70],
    }
    row["x_floor"] = row["validate_cpu"] / row["floor_s"]
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
            print(HEADER if len(rows) == 2 else "", _line(rows[-1]), sep="\n", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(HEADER)
    for row in rows:
        print(_line(row))


HEADER = (
    f"{'project':<15} {'validate':>9} {'cpu':>8} {'peak MB':>8} {'load cpu':>9} {'floor':>8} "
    f"{'cpu/floor':>9} {'edit file':>10} {'edit all':>9}  summary"
)


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['project']:<15} {row['validate_s']:>8.2f}s {row['validate_cpu']:>7.2f}s "
        f"{row['peak_mb']:>8.0f} {row['load_s']:>8.2f}s {row['floor_s']:>7.2f}s "
        f"{row['x_floor']:>9.1f} {row['edit_file_ms']:>8.0f}ms {row['edit_project_ms']:>7.0f}ms"
        f"  {row['summary']}"
    )


if __name__ == "__main__":
    main()
