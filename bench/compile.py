"""Benchmark `nsmcode compile` on synthetic projects of 100, 1,000 and 10,000 metrics.

Run: `.venv/bin/python bench/compile.py [--sizes 100,1000,10000] [--keep DIR] [--full]`.

For each size it generates a project (a realistic mix of calculation types, qualifiers, segments
and joins, 50 metrics per file) in a temporary folder, then measures `nsmcode compile` end to end
as a user runs it (a fresh process: start-up, YAML load and validation, compile, write):

- a cold compile for all 12 dialects into an empty output folder;
- a no-change re-compile;
- a re-compile after one metric's definition changed (it and its dependents are recompiled);

and, in the same run, plain sqlglot generation of the same queries: only the generator's work,
`tree.sql(dialect=..., pretty=True)`, over the prebuilt trees of every metric and dialect, on one
core (every metric up to 500, else an even sample of 500 scaled up; --full times them all).
cold / plain is what the compiler costs on top of sqlglot; it can be below 1 because the compile
uses every core. The whole run takes 5-10 minutes on two cores, mostly the 10,000-metric cold
compile. Set TMPDIR to benchmark on another disk.
Targets: cold / plain <= 1.5, no-change re-compile of 10k < 2 s, one changed metric of 10k < 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

METRICS_PER_FILE = 50
PLAIN_SAMPLE = 500  # metrics whose plain generation is timed (x 12 dialects), unless --full

SOURCES = """\
sources:
  - name: accounts
    description: One row per customer account.
    table: analytics.accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
      - {name: developer_segment, type: string}
      - {name: country, type: string}
      - {name: is_test, type: boolean, semantic: test_flag}
      - {name: is_internal, type: boolean, semantic: internal_flag}
    dimensions: [plan, developer_segment, country]
  - name: users
    table: analytics.users
    time_column: created_at
    entities: [{name: account, column: account_id}, {name: user, column: user_id}]
    columns:
      - {name: user_id, type: string, semantic: identifier}
      - {name: account_id, type: string, semantic: identifier}
      - {name: created_at, type: timestamp}
      - {name: role, type: string}
    dimensions: [role]
    joins: [{source: accounts, column: account_id}]
"""

# name, table, time column, extra columns (name, type, semantic or None), dimensions
EVENT_SOURCES: list[tuple[str, str, list[tuple[str, str, str | None]], list[str]]] = [
    (
        "api_calls",
        "called_at",
        [
            ("call_id", "string", "identifier"),
            ("user_id", "string", "identifier"),
            ("endpoint", "string", None),
            ("environment", "string", "environment"),
            ("status_code", "integer", None),
            ("latency_ms", "number", None),
        ],
        ["endpoint", "environment"],
    ),
    (
        "deployments",
        "deployed_at",
        [
            ("deployment_id", "string", "identifier"),
            ("environment", "string", "environment"),
            ("duration_s", "number", None),
            ("region", "string", None),
        ],
        ["environment", "region"],
    ),
    (
        "docs_visits",
        "visited_at",
        [
            ("visit_id", "string", "identifier"),
            ("visitor_id", "string", "identifier"),
            ("page", "string", None),
            ("seconds_on_page", "number", None),
        ],
        ["page"],
    ),
    (
        "sdk_events",
        "occurred_at",
        [
            ("event_id", "string", "identifier"),
            ("sdk", "string", None),
            ("action", "string", None),
            ("environment", "string", "environment"),
            ("payload_bytes", "integer", None),
        ],
        ["sdk", "action"],
    ),
    (
        "webhooks",
        "sent_at",
        [
            ("webhook_id", "string", "identifier"),
            ("topic", "string", None),
            ("environment", "string", "environment"),
            ("attempts", "integer", None),
            ("status_code", "integer", None),
        ],
        ["topic"],
    ),
    (
        "support_tickets",
        "opened_at",
        [
            ("ticket_id", "string", "identifier"),
            ("severity", "string", None),
            ("minutes_to_reply", "number", None),
        ],
        ["severity"],
    ),
]

QUALIFIERS = """\
qualifiers:
  - name: exclude_test_accounts
    condition: NOT accounts.is_test AND NOT accounts.is_internal
    reason: Test and internal accounts are not customers getting value.
  - name: production_only
    condition: environment = 'production'
    reason: Sandbox traffic is experimentation, not value delivered.
  - name: successful_calls
    condition: status_code < 500
    reason: Failed calls deliver no value.
  - name: paid_plans
    condition: accounts.plan IN ('team', 'enterprise')
    reason: Free plans are tracked separately.
"""

GRAINS = ("day", "week", "week", "week", "month")


def _event_source(name: str, time_column: str, columns: list[Any], dims: list[str]) -> str:
    lines = [
        f"  - name: {name}",
        f"    table: analytics.{name}",
        f"    time_column: {time_column}",
        "    entities: [{name: account, column: account_id}]",
        "    columns:",
        "      - {name: account_id, type: string, semantic: identifier}",
        f"      - {{name: {time_column}, type: timestamp}}",
    ]
    for col, kind, semantic in columns:
        extra = f", semantic: {semantic}" if semantic else ""
        lines.append(f"      - {{name: {col}, type: {kind}{extra}}}")
    lines.append(f"    dimensions: [{', '.join(dims)}]")
    lines.append("    joins: [{source: accounts, column: account_id}]")
    return "\n".join(lines) + "\n"


def _aggregation(rng: random.Random, i: int) -> tuple[str, list[str], str]:
    """YAML body lines for an aggregation metric, its source and its grain."""
    name, time_column, columns, dims = rng.choice(EVENT_SOURCES)
    numeric = [c for c, kind, _ in columns if kind in ("integer", "number")]
    kind = rng.choice(
        ["count", "count", "count_distinct", "count_distinct", "sum", "average", "max"]
    )
    if kind in ("sum", "average", "max") and numeric:
        calc = f"{{type: {kind}, column: {rng.choice(numeric)}}}"
    elif kind == "count_distinct":
        cols = ["account_id"] if rng.random() < 0.6 else ["account_id", columns[0][0]]
        calc = f"{{type: count_distinct, columns: [{', '.join(cols)}]}}"
    else:
        calc = "{type: count}"
    quals = ["exclude_test_accounts"]
    has = {c for c, _, _ in columns}
    if "environment" in has and rng.random() < 0.7:
        quals.append("production_only")
    if "status_code" in has and rng.random() < 0.4:
        quals.append("successful_calls")
    if rng.random() < 0.15:
        quals.append("paid_plans")
    segments = rng.sample(["plan", "developer_segment", "country", *dims], k=rng.randint(0, 3))
    grain = rng.choice(GRAINS)
    lines = [
        f"    source: {name}",
        f"    calculation: {calc}",
        f"    qualifiers: [{', '.join(quals)}]",
        f"    grain: {grain}",
        "    entity: account",
    ]
    if segments:
        lines.append(f"    segments: [{', '.join(segments)}]")
    if rng.random() < 0.2 and "environment" not in has:
        lines.append(f"    filter: {time_column} IS NOT NULL")
    return name, lines, grain


def generate_project(root: Path, n_metrics: int, seed: int = 7) -> list[str]:
    """Write a synthetic project with `n_metrics` metrics; return the metric names in order."""
    rng = random.Random(seed)
    (root / "metrics").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text(
        f"version: 1\nname: synthetic-{n_metrics}\npaths: [metrics]\ndialect: duckdb\n"
    )
    sources = SOURCES + "".join(_event_source(*s) for s in EVENT_SOURCES)
    (root / "metrics" / "sources.yml").write_text(sources + QUALIFIERS)
    names: list[str] = []
    additive: list[tuple[str, str, str]] = []  # (name, source, grain) of counts and sums
    entity_metrics: list[tuple[str, str]] = []  # (name, grain): aggregations about accounts
    blocks: list[str] = []
    for i in range(n_metrics):
        name = f"metric_{i:05d}"
        role = "plain"
        header = [f"  - name: {name}"]
        if i == 0:
            role = "north_star"
        elif i % 7 == 1:
            role = "input"
        elif i % 23 == 2:
            role = "guardrail"
        elif i % 5 == 3:
            role = "kpi"
        header.append(f"    role: {role}")
        if role == "input":
            header.append(f"    category: {rng.choice(['dx', 'product', 'growth'])}")
        if role in ("north_star", "input"):
            header.append("    measures: outcome")
        header.append(f"    description: Synthetic metric number {i} for the compile benchmark.")
        header.append("    owner: bench")
        roll = rng.random() if i >= 12 else 0.0
        if roll < 0.55 or len(additive) < 4:
            source, body, grain = _aggregation(rng, i)
            if "count" in body[1] or "sum" in body[1]:
                additive.append((name, source, grain))
            entity_metrics.append((name, grain))
        elif roll < 0.67:
            (a, _, grain), (b, _, _) = rng.sample(additive, 2)
            body = [f"    calculation: {{type: ratio, numerator: {a}, denominator: {b}}}"]
        elif roll < 0.74:
            (a, _, grain), (b, _, _) = rng.sample(additive, 2)
            body = [f"    calculation: {{type: derived, expression: '{a} / NULLIF({b}, 0) * 100'}}"]
        elif roll < 0.82:
            a, _, grain = rng.choice(additive)
            extra = "window: 28 days" if rng.random() < 0.6 else "period_to_date: month"
            body = [f"    calculation: {{type: cumulative, metric: {a}, {extra}}}"]
        elif roll < 0.88:
            (a, grain), (b, _) = rng.sample(entity_metrics, 2)
            body = [
                f"    calculation: {{type: conversion, base: {a}, conversion: {b}, "
                "entity: account, within: 7 days}"
            ]
        elif roll < 0.95:
            a, _, grain = rng.choice(additive)
            body = [f"    calculation: {{type: period_over_period, metric: {a}, periods: 1}}"]
        else:
            (a, grain), (b, _) = rng.sample(entity_metrics, 2)
            body = [
                f"    calculation: {{type: retention, cohort: {a}, activity: {b}, "
                "entity: account, offset: 4}"
            ]
            body.append("    grain: week")
        if not any(line.startswith("    grain:") for line in body):
            body.append(f"    grain: {grain}")
        blocks.append("\n".join(header + body) + "\n")
        names.append(name)
    for start in range(0, n_metrics, METRICS_PER_FILE):
        area = ("dx", "product", "growth", "platform")[(start // METRICS_PER_FILE) % 4]
        folder = root / "metrics" / area
        folder.mkdir(exist_ok=True)
        text = "metrics:\n" + "".join(blocks[start : start + METRICS_PER_FILE])
        (folder / f"metrics_{start // METRICS_PER_FILE:04d}.yml").write_text(text)
    return names


# ------------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Row:
    size: int
    files: int = 0
    cold: float = 0.0
    cold_cpu: float = 0.0
    no_change: float = 0.0
    one_change: float = 0.0
    recompiled: int = 0
    plain: float = 0.0
    plain_sampled: str = ""
    load_cold: float = 0.0
    load_cached: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.cold / self.plain if self.plain else float("nan")

    @property
    def cpu_ratio(self) -> float:
        """CPU time of the cold compile (every process) over plain generation's (one core)."""
        return self.cold_cpu / self.plain if self.plain else float("nan")


def run_compile(root: Path) -> tuple[float, float, str]:
    """`nsmcode compile` in a fresh process, as a user runs it: wall and CPU seconds, output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(  # from the project folder, as a user runs it
        [sys.executable, "-m", "nsmcode", "compile"], cwd=root, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"compile failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip()


def change_one_metric(root: Path, name: str) -> None:
    """Edit one definition in place (same number of lines, so no other header moves)."""
    number = int(name.rsplit("_", 1)[1])
    for path in sorted((root / "metrics").rglob("*.yml")):
        text = path.read_text()
        old = f"Synthetic metric number {number} for"
        if old in text:
            path.write_text(text.replace(old, f"Synthetic metric number {number} (edited) for"))
            return
    raise SystemExit(f"metric {name} not found")


def plain_generation(root: Path, sample: int) -> tuple[float, int]:
    """Seconds sqlglot alone spends generating the same queries, on one core.

    For each metric and dialect the compiler renders once while the tree it hands to sqlglot's
    generator is captured; then only `generator.generate(tree)` is timed, which is what
    `tree.sql(dialect=..., pretty=True)` runs (with the target's generator class, which spells
    the compiler's few placeholder nodes). Every `sample`-th metric is measured.
    """
    from sqlglot.generator import Generator

    from nsmcode.compile import compile_metric
    from nsmcode.models import DIALECTS
    from nsmcode.project import load_project

    project = load_project(root)
    names = sorted(project.metrics)[::sample]
    captured: list[tuple[type[Generator], Any, Any]] = []
    original = Generator.generate

    def capture(self: Generator, expression: Any, copy: bool = True) -> str:
        captured.append((type(self), self.dialect, expression.copy()))
        return original(self, expression, copy)

    total = 0.0
    count = 0
    for name in names:
        for dialect in DIALECTS:
            captured.clear()
            Generator.generate = capture  # type: ignore[method-assign]
            try:
                compile_metric(project, name, dialect)
            finally:
                Generator.generate = original  # type: ignore[method-assign]
            for kind, dialect_obj, tree in captured:
                start = time.perf_counter()
                kind(pretty=True, dialect=dialect_obj).generate(tree, copy=True)
                total += time.perf_counter() - start
                count += 1
    return total, count


def load_times(root: Path) -> tuple[float, float]:
    """Loading the project: parsing every file, and with compile's parse cache warm."""
    from nsmcode.outputs.cache import ParseCache
    from nsmcode.project import load_project

    start = time.perf_counter()
    cache = ParseCache({})
    load_project(root, parser=cache.parse)
    cold = time.perf_counter() - start
    warm = ParseCache(json.loads(json.dumps(cache.new)))
    start = time.perf_counter()
    load_project(root, parser=warm.parse)
    return cold, time.perf_counter() - start


def measure(base: Path, size: int, full: bool) -> Row:
    root = base / f"p{size}"
    if root.exists():
        shutil.rmtree(root)
    names = generate_project(root, size)
    row = Row(size)
    print(f"[{size}] cold compile ...", file=sys.stderr, flush=True)
    row.cold, row.cold_cpu, said = run_compile(root)
    row.files = sum(1 for _ in (root / "target" / "sql").rglob("*.sql"))
    print(f"[{size}]   {said}", file=sys.stderr)
    row.no_change, _, said = run_compile(root)
    assert "up to date" in said, said
    changed = names[5]
    change_one_metric(root, changed)
    row.one_change, _, said = run_compile(root)
    row.recompiled = int(said.split("(", 1)[1].split(" compiled")[0])
    print(f"[{size}]   one change: {said}", file=sys.stderr)
    sample = 1 if full else max(1, size // PLAIN_SAMPLE)
    print(f"[{size}] plain sqlglot generation (1 in {sample} metrics) ...", file=sys.stderr)
    seconds, count = plain_generation(root, sample)
    row.plain = seconds * sample
    row.plain_sampled = "" if sample == 1 else f" (x{sample}: {count} files timed)"
    row.load_cold, row.load_cached = load_times(root)
    return row


def file_creation_us(base: Path, count: int = 500) -> float:
    """Microseconds to create a small file here: the file system's state weighs on cold
    compiles (120,000 files for 10,000 metrics) and varies between runs on shared machines."""
    folder = Path(tempfile.mkdtemp(dir=base))
    start = time.perf_counter()
    for i in range(count):
        (folder / f"f{i}.sql").write_bytes(b"-- x\n" * 300)
    seconds = time.perf_counter() - start
    shutil.rmtree(folder)
    return seconds / count * 1e6


def report(rows: list[Row], create_us: float) -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"nsmcode compile benchmark: 12 dialects, {cpus} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, sqlglot {_version('sqlglot')}, Python {sys.version.split()[0]}",
        "times are wall clock, end to end (`nsmcode compile` in a fresh process: start-up, YAML "
        "load and validation, compile, write); creating a small file took "
        f"{create_us:.0f} us here at the start",
        "",
        f"{'metrics':>8} {'files':>8} {'cold compile':>20} {'no change':>10} "
        f"{'one change':>18} {'plain sqlglot':>14} {'cold/plain':>10} {'cpu/plain':>9}",
    ]
    for r in rows:
        cold = f"{r.cold:.1f} s (cpu {r.cold_cpu:.0f} s)"
        one = f"{r.one_change:.2f} s ({r.recompiled} SQL)"
        lines.append(
            f"{r.size:>8,} {r.files:>8,} {cold:>20} {r.no_change:>8.2f} s {one:>18} "
            f"{r.plain:>12.1f} s {r.ratio:>10.2f} {r.cpu_ratio:>9.2f}"
        )
    lines.append("")
    lines.append(
        "cold/plain: wall clock of the cold compile over plain generation on one core; cpu/plain: "
        "CPU time of the cold compile (all its processes) over the same"
    )
    for r in rows:
        if r.plain_sampled:
            lines.append(f"plain sqlglot for {r.size:,} metrics is sampled{r.plain_sampled}")
    lines.append(
        "project load (YAML parse + validation, in process): "
        + ", ".join(
            f"{r.size:,}: {r.load_cold:.2f} s parsed / {r.load_cached:.2f} s cached" for r in rows
        )
    )
    big = next((r for r in rows if r.size == 10_000), None)
    checks = [("cold/plain <= 1.5", all(r.ratio <= 1.5 for r in rows))]
    if big:
        checks += [
            ("no-change re-compile of 10k < 2 s", big.no_change < 2),
            ("one changed metric of 10k < 3 s", big.one_change < 3),
        ]
    lines.append("targets: " + "; ".join(f"{n}: {'met' if ok else 'MISSED'}" for n, ok in checks))
    return "\n".join(lines)


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the projects")
    parser.add_argument("--full", action="store_true", help="time plain sqlglot on every metric")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="nsmcode-bench-"))
    create_us = file_creation_us(base)
    try:
        rows = [measure(base, size, args.full) for size in sizes]
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(report(rows, create_us))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
