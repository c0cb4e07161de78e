"""Benchmark start-up: how long `nsmcode --version` and `nsmcode --help` take, and how long the
loader takes to refuse each hostile input of tests/hardening/test_hostile_yaml.py.

Run: `python bench/startup.py [--repeat 7]`.

Tests never assert times (a loaded CI machine makes them flaky); they check deterministic proxies
instead: the modules start-up imports (tests/ecosystem/test_wheel_packaging.py) and the caps that
refuse a hostile input (its diagnostic). This script prints the figures and the start-up target.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_VERSION_MS = 150


def _command() -> list[str]:
    script = shutil.which("nsmcode")
    return [script] if script else [sys.executable, "-m", "nsmcode"]


def time_start_up(args: list[str], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run([*_command(), *args], capture_output=True, check=False)
        timings.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(result.stderr.decode(errors="replace"))
    return timings


def time_hostile() -> list[tuple[str, float]]:
    sys.path.insert(0, str(REPO / "tests" / "hardening"))
    from click.testing import CliRunner
    from test_hostile_yaml import _cases, _project

    from nsmcode.cli import main

    runner = CliRunner()
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        runner.invoke(main, ["validate", "--project", str(_project(base / "warm"))])
        for name, case in sorted(_cases(base / "pwned").items()):
            root = _project(base / name)
            (root / "definitions" / "hostile.yaml").write_bytes(case.data)
            started = time.process_time()
            runner.invoke(main, ["validate", "--project", str(root)])
            found.append((name, time.process_time() - started))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-hostile", action="store_true", help="skip the hostile inputs")
    options = parser.parse_args()
    for args in (["--version"], ["--help"]):
        timings = time_start_up(args, options.repeat)
        print(
            f"nsmcode {' '.join(args):10s} best {min(timings) * 1000:6.0f} ms, "
            f"median {statistics.median(timings) * 1000:6.0f} ms of {options.repeat}"
        )
        if args == ["--version"]:
            verdict = "ok" if min(timings) * 1000 <= TARGET_VERSION_MS else "SLOWER"
            print(f"  target: best <= {TARGET_VERSION_MS} ms: {verdict}")
    if not options.no_hostile:
        print("hostile inputs, CPU seconds to refuse:")
        for name, seconds in time_hostile():
            print(f"  {name:40s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
