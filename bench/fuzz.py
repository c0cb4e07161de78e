"""Fuzz the CLI with broken versions of the example project: nothing may crash.

Run: `.venv/bin/python bench/fuzz.py [--cases 10000] [--seed 1] [--jobs 2] [--show 5]`
(`--first N` starts at case N, to run a long check in chunks).

Each case applies one to three random mutations to `examples/metrics` (deleted keys, wrong types,
renamed references, moved or duplicated definitions, swapped sections, SQL attack strings,
truncated files, deleted or added lines, stray bytes, random YAML documents; see
tests/hardening/hardening_kit.py; `--semantic` sets the share of cases mutated only in ways that
often keep the project loadable: enums, edge numbers and dates, references, SQL), writes it to a
reused temporary folder and runs `validate` (in a random --format), then `compile` (to one random
dialect, with a compile folder kept per dialect so its cache saves work) and, for `--docs-rate` of
the cases, `docs build`, while the project still loads, in-process through click's CliRunner, two
worker processes by default. A crash is an exception, exit code 70 or anything outside {0, 1, 2},
a traceback in the output, or exit 1/2 without a located `path:line:col` diagnostic (or, for
json/sarif/github reports, an entry without file, line and column).

The contract `validate` promises is checked on every case too: when `validate` exits 0, `compile`
(for the case's target dialect) must exit 0. A case where it does not is a contract break,
counted and classed by the first diagnostic compile gave; breaks fail the run like crashes. Before
validate and compile shared one diagnostics pass, 11 of 700 cases (seed 3; 179 where validate
exited 0) broke it: statements, comments, unknown functions, subqueries and undeclared columns in
filters, qualifiers and source tables. With it: 0 of 700 (seed 3), 0 of 600 (seed 2,
`--semantic 1`), 0 of 200 (seed 1, `--semantic 1`; 1 before).

10,000 cases take about 900 CPU-seconds (7-8 minutes on two idle cores).

Prints the number of cases, outcomes, crashes by class, and the first reproducers (seed, case
number and the mutations applied). Case `n` of seed `s` is reproducible on its own:
`--seed s --only n`.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "hardening"))

import hardening_kit as kit

_STATE: dict[str, Any] = {}


def _init(work: str, commands: tuple[str, ...], docs_rate: float, semantic: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="worker-", dir=work))
    _STATE["pipeline"] = kit.Pipeline(folder, commands=commands, cache_parse=True)
    _STATE["base"] = kit.example_files()
    _STATE["docs_rate"] = docs_rate
    _STATE["semantic"] = semantic


Result = tuple[int, str, list[int], "str | None", "str | None", list[str]]


def run_case(args: tuple[int, int]) -> Result:
    """(case, outcome, exit codes, crash, contract break, mutations) of case `n` under `seed`."""
    seed, n = args
    rng = random.Random(f"{seed}:{n}")
    dialect = rng.choice(kit.DIALECTS)
    semantic = rng.random() < _STATE["semantic"]
    files, applied = kit.mutate(rng, kit.with_target(_STATE["base"], dialect), semantic=semantic)
    docs = rng.random() < _STATE["docs_rate"]
    fmt = rng.choice(("text", "text", "json", "sarif", "github"))
    verdict = _STATE["pipeline"].run(files, label=dialect, docs=docs, fmt=fmt)
    crash = verdict.crash
    codes = [s.exit_code for s in verdict.steps]
    outcome = "+".join(f"{s.args[0]}={s.exit_code}" for s in verdict.steps)
    outcome = f"{fmt}|{outcome}"
    detail = None
    if crash is not None:
        detail = f"{' '.join(crash.args[:1])}: {crash.crash}"
    return n, outcome, codes, detail, contract_break(verdict, dialect), applied


_CODE = re.compile(r"^\S+:\d+:\d+: ([A-Z]+\d+) (.*)$|^([A-Z]+\d+) (.*)$", re.MULTILINE)


def contract_break(verdict: kit.Verdict, dialect: str) -> str | None:
    """What `compile` refused after `validate` exited 0 (the project's only target is `dialect`):
    the first diagnostic's code and message, or None when the contract holds."""
    steps = {s.args[0]: s for s in verdict.steps}
    validate, compiled = steps.get("validate"), steps.get("compile")
    if validate is None or compiled is None or validate.exit_code != 0:
        return None
    if compiled.exit_code == 0 or compiled.crash:
        return None
    found = _CODE.search(compiled.output)
    what = f"{found[1] or found[3]} {found[2] or found[4]}" if found else compiled.output[:200]
    return f"{dialect}: {what}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show", type=int, default=5, help="reproducers to print")
    parser.add_argument("--only", type=int, default=None, help="run one case number")
    parser.add_argument(
        "--first", type=int, default=0, help="first case number (run a long check in chunks)"
    )
    parser.add_argument(
        "--commands",
        default=",".join(kit.available_commands()),
        help="comma-separated subset of validate,compile,docs (default: every one available)",
    )
    parser.add_argument(
        "--docs-rate",
        type=float,
        default=0.25,
        help="share of the cases that still load which also run `docs build` (default 0.25)",
    )
    parser.add_argument(
        "--semantic",
        type=float,
        default=0.3,
        help="share of the cases mutated only in ways that often keep the project loadable "
        "(enums, edge numbers and dates, references, SQL), to stress compile and docs",
    )
    opts = parser.parse_args()
    commands = tuple(c for c in opts.commands.split(",") if c)
    numbers = [opts.only] if opts.only is not None else [opts.first + n for n in range(opts.cases)]
    started = time.perf_counter()
    crashes: dict[str, list[tuple[int, str, list[str]]]] = collections.defaultdict(list)
    breaks: dict[str, list[tuple[int, str, list[str]]]] = collections.defaultdict(list)
    judged = 0
    outcomes: collections.Counter[str] = collections.Counter()
    formats: collections.Counter[str] = collections.Counter()
    done = 0
    with tempfile.TemporaryDirectory(prefix="nsmcode-fuzz-") as work:
        tasks = [(opts.seed, n) for n in numbers]
        if opts.jobs <= 1 or len(tasks) == 1:
            _init(work, commands, opts.docs_rate, opts.semantic)
            results: Any = map(run_case, tasks)
            pool = None
        else:
            ctx = multiprocessing.get_context("spawn")
            initargs = (work, commands, opts.docs_rate, opts.semantic)
            pool = ctx.Pool(opts.jobs, initializer=_init, initargs=initargs)
            results = pool.imap_unordered(run_case, tasks, chunksize=16)
        try:
            for n, outcome, codes, detail, broken, applied in results:
                done += 1
                judged += len(codes) > 1 and codes[0] == 0
                fmt, _, outcome = outcome.partition("|")
                outcomes[outcome] += 1
                formats[fmt] += 1
                if detail is not None:
                    key = detail.splitlines()[0]
                    crashes[key].append((n, detail, applied))
                if broken is not None:
                    breaks[_break_class(broken)].append((n, broken, applied))
                if done % 1000 == 0:
                    rate = done / (time.perf_counter() - started)
                    print(f"  {done} cases, {sum(map(len, crashes.values()))} crashes, "
                          f"{rate:.0f} cases/s", file=sys.stderr, flush=True)  # fmt: skip
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    elapsed = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    total = sum(len(v) for v in crashes.values())
    print(f"seed {opts.seed}: {done} cases in {elapsed:.0f} s ({done / elapsed:.1f}/s, "
          f"{cpu:.0f} CPU-seconds), commands {','.join(commands)}")  # fmt: skip
    print("validate --format: " + ", ".join(f"{k} {v}" for k, v in sorted(formats.items())))
    print("outcomes (exit codes):")
    for outcome, count in sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:6}  {outcome}")
    print(f"crashes: {total} in {len(crashes)} classes")
    ranked = sorted(crashes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for key, cases in ranked:
        print(f"  {len(cases):6}  {key}")
    broken = sum(len(v) for v in breaks.values())
    print(f"contract breaks (validate exit 0, compile refused): {broken} of {judged} cases "
          f"where validate exited 0 and compile ran, in {len(breaks)} classes")  # fmt: skip
    for key, cases in sorted(breaks.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        n, what, applied = min(cases)
        print(f"  {len(cases):6}  {key}   e.g. --only {n}: {what[:160]}")
        for mutation in applied:
            print(f"            mutation: {mutation[:160]}")
    for shown, (key, cases) in enumerate(ranked[: opts.show], start=1):
        n, detail, applied = min(cases)
        print(f"\n--- reproducer {shown}: --seed {opts.seed} --only {n}  ({key})")
        for what in applied:
            print(f"  mutation: {what}")
        print("  " + "\n  ".join(detail.splitlines()[-25:]))
    return 1 if total or broken else 0


def _break_class(broken: str) -> str:
    """A break's class: its code and message with names and numbers blanked."""
    _, _, what = broken.partition(": ")
    return re.sub(r"'[^']*'|\d+", "_", what)[:90]


if __name__ == "__main__":
    sys.exit(main())
