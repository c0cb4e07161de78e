"""Turn metrics into file contents, on every core when there is enough work to pay for it.

Each (metric, dialect) becomes one file (`compile_file`: a metric declaring `segments:` gets its
breakdowns in the same query) whose content depends on nothing but the project, so
the result is the same however the work is split. Workers are forked (Linux): they inherit the
loaded project instead of receiving a copy, and write their files straight into the staging folder,
sending back only hashes and file metadata. A file identical to the one already on disk is not
written again. Elsewhere (macOS, Windows) compiling runs in one process. `NSMCODE_JOBS=N` caps
the number of processes (1: no pool).
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.outputs.cache import Stat, stat_of
from nsmcode.outputs.plan import MetricFacts, render, sql_path
from nsmcode.project import Project

# Below this many files a process pool costs more than it saves (fork, result transfer).
PARALLEL_MIN_FILES = 240


class Produced(NamedTuple):
    """One generated file: its hash and size, and whether the disk already holds it."""

    rel: str
    sha: str
    size: int
    stat: Stat | None
    """Metadata of the file as it will stand in the output (on disk or staged); None in a check
    where the file differs."""
    same: bool


class Work:
    """What compiling needs; forked workers inherit it."""

    def __init__(
        self,
        project: Project,
        facts: dict[str, MetricFacts],
        out: Path,
        disk: dict[str, Stat],
        stage: Callable[[], Path] | None,
    ) -> None:
        self.project = project
        self.facts = facts
        self.out = out
        self.disk = disk
        self.stage = stage
        """Creates (once) and returns the staging folder; None for a check, which writes nothing."""


_WORK: Work | None = None  # what forked workers inherit


def generate(
    work: Work, jobs: Sequence[tuple[str, tuple[str, ...]]], workers: int | None = None
) -> list[Produced]:
    """Compile `jobs` ((metric, dialects) pairs); raise InputError with every diagnostic."""
    files = sum(len(dialects) for _, dialects in jobs)
    count = _workers(workers)
    if count > 1 and files >= PARALLEL_MIN_FILES and "fork" in _start_methods():
        produced, problems = _parallel(work, jobs, count)
    else:
        produced, problems = _run(work, jobs)
    if problems:
        # a broken qualifier or source fails every metric (and dialect) using it: say it once
        raise InputError(list(dict.fromkeys(problems)))
    return produced


def _workers(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    env = os.environ.get("NSMCODE_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods() if sys.platform == "linux" else []


def _parallel(
    work: Work, jobs: Sequence[tuple[str, tuple[str, ...]]], count: int
) -> tuple[list[Produced], list[Diagnostic]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    size = max(1, math.ceil(len(jobs) / (count * 8)))
    chunks = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
    produced: list[Produced] = []
    problems: list[Diagnostic] = []
    if work.stage is not None:
        work.stage()  # before forking: every worker writes into the same folder
    _WORK = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            for done, found in pool.map(_chunk, chunks):
                produced += done
                problems += found
    finally:
        _WORK = None
    return produced, problems


def _chunk(
    jobs: list[tuple[str, tuple[str, ...]]],
) -> tuple[list[Produced], list[Diagnostic]]:
    assert _WORK is not None, "workers are forked from generate()"
    return _run(_WORK, jobs)


def _run(
    work: Work, jobs: Sequence[tuple[str, tuple[str, ...]]]
) -> tuple[list[Produced], list[Diagnostic]]:
    from nsmcode.compile import compile_file
    from nsmcode.compile.funnel import compile_funnel
    from nsmcode.outputs.plan import FUNNEL_PREFIX

    produced: list[Produced] = []
    problems: list[Diagnostic] = []
    for name, dialects in jobs:
        facts = work.facts[name]
        for dialect in dialects:
            try:
                if facts.role == "funnel":
                    sql = compile_funnel(work.project, name[len(FUNNEL_PREFIX) :], dialect)
                else:
                    sql = compile_file(work.project, name, dialect)  # with declared segments
            except InputError as exc:
                problems += exc.diagnostics
                continue
            produced.append(place(work, sql_path(dialect, name), render(facts, dialect, sql)))
    return produced, problems


def place(work: Work, rel: str, content: bytes) -> Produced:
    """Stage `content` as `rel` unless the output already holds exactly that."""
    sha = hashlib.sha256(content).hexdigest()
    disk = work.disk.get(rel)
    if disk is not None and disk[0] == len(content):
        try:
            same = (work.out / rel).read_bytes() == content
        except OSError:
            same = False
        if same:
            return Produced(rel, sha, len(content), disk, True)
    if work.stage is None:
        return Produced(rel, sha, len(content), None, False)
    path = work.stage() / rel
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()  # the size and mtime of the written file, not of an empty one
        stat = stat_of(os.fstat(handle.fileno()))
    return Produced(rel, sha, len(content), stat, False)
