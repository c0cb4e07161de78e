"""`nsmcode compile`: definitions in, `sql/<dialect>/<metric>.sql` and `manifest.json` out.

The steps, each cheap when nothing changed:

1. load the project, reusing the parse of unchanged definition files (the cache);
2. refuse a dangerous output folder (see `safety`);
3. for every metric and dialect, reuse the file on disk when its definition hash is unchanged and
   the file is as last written (size, mtime, inode); rewrite only its header when only the header
   moved (a line number); compile the rest, on every core when there is much of it;
4. build the manifest; compare with what is there;
5. write: stage the changed files beside the output folder, then swap them in (`atomic`), or,
   for `--check`, report what differs and write nothing.

Any compile error stops everything before step 5: the previous output stays as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.outputs import manifest as manifest_mod
from nsmcode.outputs.atomic import Staging, recover
from nsmcode.outputs.cache import (
    CACHE_DIR,
    CACHE_FILE,
    CACHE_GITIGNORE,
    GITIGNORE_TEXT,
    Cache,
    ParseCache,
    Stat,
    stamp,
)
from nsmcode.outputs.generate import Produced, Work, generate, place
from nsmcode.outputs.manifest import MANIFEST, SQL_FILE
from nsmcode.outputs.plan import MetricFacts, body, metric_facts, render, sql_path
from nsmcode.outputs.safety import check_out, foreign_files, scan
from nsmcode.project import Project, load_project


@dataclass
class Report:
    out: Path
    metrics: int
    dialects: tuple[str, ...]
    files: int
    """SQL files the output holds (or should hold)."""
    generated: int = 0
    """SQL files compiled this run; the others came from the cache."""
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.missing or self.changed or self.stale)


def compile_project(
    project_dir: Path,
    out: Path | None = None,
    dialects: Sequence[str] = (),
    *,
    check: bool = False,
    workers: int | None = None,
) -> Report:
    """Compile every metric of the project in `project_dir` into `out` (default: its `target`)."""
    out = out if out is not None else project_dir / "target"
    if not check:
        recover(out)  # a compile killed during its swap: complete it (or clean up) first
    cache = Cache.read(out)
    before = cache.to_json()
    parser = ParseCache(cache.parsed)
    with _Scan(out, project_dir) as scanning:
        project = load_project(project_dir, parser=parser.parse)
        cache.parsed = parser.new
        logging.getLogger(__name__).debug(
            "compile cache %s: %d YAML file%s reused, %d parsed",
            out / ".nsmcode-cache",
            parser.hits,
            "" if parser.hits == 1 else "s",
            parser.misses,
        )
        chosen = _dialects(project, dialects)
        target = check_out(project, out)
        facts = metric_facts(project)
    disk = scanning.result(target)
    if not check:
        ours = _ours(target, disk, cache)
        foreign_files(target, disk, ours)
    else:
        ours = set(disk)
    job = _Compile(project, facts, chosen, target, disk, cache, check, workers)
    report = job.run(ours)
    if not check and not job.committed and cache.to_json() != before:
        _save_cache(target, cache)
    return report


class _Scan:
    """List the output folder in a thread while the project loads: stat calls release the GIL,
    so on a large output most of the listing costs no time. Never started for a folder that
    holds the project (compile refuses those; listing a whole disk first would be absurd)."""

    def __init__(self, out: Path, project_dir: Path) -> None:
        self.out = out.resolve()
        root = project_dir.resolve()
        self.found: dict[str, Stat] | None = None
        self.thread: threading.Thread | None = None
        if self.out != root and self.out not in root.parents and self.out.is_dir():
            self.thread = threading.Thread(target=self._run, name="nsmcode-scan", daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(OSError):
            self.found = scan(self.out)

    def __enter__(self) -> _Scan:
        if self.thread is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.thread is not None:
            self.thread.join()

    def result(self, target: Path) -> dict[str, Stat]:
        if self.found is not None and target == self.out:
            return self.found
        return scan(target)


def _dialects(project: Project, given: Sequence[str]) -> tuple[str, ...]:
    from nsmcode.models import DIALECTS

    chosen = sorted(set(given or project.config.targets))
    unknown = [d for d in chosen if d not in DIALECTS]
    if unknown:
        raise InputError(
            [
                Diagnostic(
                    "C106",
                    f"unknown dialect {unknown[0]!r}",
                    Span(project.config_doc.file),
                    f"use one of: {', '.join(DIALECTS)}",
                )
            ]
        )
    return tuple(chosen)


def _ours(out: Path, disk: dict[str, Stat], cache: Cache) -> set[str]:
    """Files in the output folder a previous compile wrote: the cache's list, else the
    manifest's (the manifest is read only when the cache does not cover every file)."""
    ours = set(cache.files)
    last = cache.manifest
    if last is not None and disk.get(MANIFEST) == tuple(last[2:]):
        ours.add(MANIFEST)
    if any(not rel.startswith(CACHE_DIR + "/") for rel in disk.keys() - ours):
        listed = manifest_mod.owned_files(out)  # None: no manifest, or another tool's (dbt's)
        if listed is not None:
            ours |= listed | {MANIFEST}
    return ours


class _Compile:
    def __init__(
        self,
        project: Project,
        facts: dict[str, MetricFacts],
        dialects: tuple[str, ...],
        out: Path,
        disk: dict[str, Stat],
        cache: Cache,
        check: bool,
        workers: int | None,
    ) -> None:
        self.project = project
        self.facts = facts
        self.dialects = dialects
        self.out = out
        self.disk = disk
        self.cache = cache
        self.check = check
        self.workers = workers
        self.files: dict[str, Produced] = {}
        """Files compiled or rewritten this time (or checked against the disk)."""
        self.kept: dict[str, str] = {}
        """Files exactly as the last compile left them: path -> cache entry."""
        self.staging: Staging | None = None
        self.committed = False
        self.manifest_key = ""
        self.metric_keys: dict[str, list[str]] = {}
        self.work = Work(project, facts, out, disk, None if check else self._stage)

    def _stage(self) -> Path:
        """The staging folder, made on first use: a compile with nothing to write makes none."""
        if self.staging is None:
            self.staging = Staging(self.out)
            for rel in [*(sql_path(d, "x") for d in self.dialects), CACHE_GITIGNORE]:
                self.staging.path(rel)  # the folders: workers write straight into them
        return self.staging.root

    def run(self, ours: set[str]) -> Report:
        files = len(self.facts) * len(self.dialects)
        report = Report(self.out, len(self.facts), self.dialects, files)
        try:
            return self._produce(report, ours)
        finally:
            if self.staging is not None:
                self.staging.discard()

    def _produce(self, report: Report, ours: set[str]) -> Report:
        jobs: list[tuple[str, tuple[str, ...]]] = []
        for name, facts in self.facts.items():
            todo = self._reuse(facts)
            if todo:
                jobs.append((name, todo))
        for produced in generate(self.work, jobs, self.workers):
            self.files[produced.rel] = produced
        for produced in _saved_queries(self.work, self.dialects):
            self.files[produced.rel] = produced
        report.generated = sum(len(d) for _, d in jobs)
        manifest = self._manifest()
        expected = self.kept.keys() | self.files.keys() | {MANIFEST}
        changed = [p for p in [*self.files.values(), manifest] if not p.same]
        if self.check:
            report.missing = sorted(p.rel for p in changed if p.rel not in self.disk)
            report.changed = sorted(p.rel for p in changed if p.rel in self.disk)
            report.stale = sorted(
                rel for rel in self.disk.keys() - expected if not rel.startswith(CACHE_DIR + "/")
            )
            return report
        gitignore = place(self.work, CACHE_GITIGNORE, GITIGNORE_TEXT)
        # only names compile writes: a cache or manifest from elsewhere cannot claim others
        stale = sorted(r for r in (ours & self.disk.keys()) - expected if SQL_FILE.match(r))
        report.written = sorted(p.rel for p in changed)
        report.removed = stale
        self._remember(manifest)
        if changed or stale or not gitignore.same:
            staging_root = self._stage()
            assert self.staging is not None
            (staging_root / CACHE_FILE).write_bytes(self.cache.dump())
            self.staging.commit(remove=stale, last=(MANIFEST, CACHE_FILE))
            self.committed = True
        return report

    # -- reuse ---------------------------------------------------------------------------------

    def _reuse(self, facts: MetricFacts) -> tuple[str, ...]:
        """Take a metric's files from the last compile when its definition did not change;
        return the dialects that need compiling."""
        last = self.cache.metrics.get(facts.name)
        if not isinstance(last, list) or len(last) != 2 or last[0] != facts.definition_hash:
            return self.dialects
        same_header = last[1] == facts.header_key
        todo: list[str] = []
        for dialect in self.dialects:
            rel = sql_path(dialect, facts.name)
            disk = self.disk.get(rel)
            entry = self.cache.files.get(rel)
            if disk is None or not isinstance(entry, str):
                todo.append(dialect)
            elif same_header and entry.endswith(f" {disk[0]} {disk[1]} {disk[2]}"):
                self.kept[rel] = entry
            elif not self._rewrite(facts, dialect, rel, entry):
                todo.append(dialect)
        return tuple(todo)

    def _rewrite(self, facts: MetricFacts, dialect: str, rel: str, entry: str) -> bool:
        """Reuse a file touched since (a checkout, an edit) or whose header moved, once its
        content is checked against the hash the cache has for it."""
        try:
            old = (self.out / rel).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(old).hexdigest() != entry.partition(" ")[0]:
            return False
        self.files[rel] = place(self.work, rel, render(facts, dialect, body(old)))
        return True

    def _manifest(self) -> Produced:
        """The manifest, printed only when its content may have changed.

        It is a function of the project name, the dialects, each metric's facts and each file's
        hash. The facts are fixed by a metric's definition hash and header key (see `plan`), so
        when those match the last compile for every metric and no file was (re)written, the
        manifest on disk, if untouched since, is already right."""
        self.metric_keys = {n: [f.definition_hash, f.header_key] for n, f in self.facts.items()}
        saved = tuple(self.project.saved_queries)
        key = manifest_mod.key(self.project.config.name, self.dialects, saved)
        disk = self.disk.get(MANIFEST)
        last = self.cache.manifest
        if (
            not self.files
            and last is not None
            and last[0] == key
            and disk is not None
            and tuple(last[2:]) == disk
            and self.metric_keys == self.cache.metrics
        ):
            produced = Produced(MANIFEST, str(last[1]), disk[0], disk, True)
        else:
            hashes = {rel: entry.partition(" ")[0] for rel, entry in self.kept.items()}
            hashes.update((rel, p.sha) for rel, p in self.files.items())
            name = self.project.config.name
            content = manifest_mod.text(name, self.dialects, self.facts, hashes, saved)
            produced = place(self.work, MANIFEST, content)
        self.manifest_key = key
        return produced

    # -- the cache -----------------------------------------------------------------------------

    def _remember(self, manifest: Produced) -> None:
        self.cache.metrics = self.metric_keys
        files = self.kept
        for rel, p in self.files.items():
            if p.stat is not None:
                files[rel] = f"{p.sha} {stamp(p.stat)}"
        self.cache.files = files
        assert manifest.stat is not None
        self.cache.manifest = [self.manifest_key, manifest.sha, *manifest.stat]


def _saved_queries(work: Work, dialects: Sequence[str]) -> list[Produced]:
    """sql/<dialect>/saved/<name>.sql for every saved query (few: compiled on every run)."""
    from nsmcode.run import saved

    problems = saved.diagnostics(work.project, tuple(dialects))
    if problems:
        raise InputError(problems)
    produced = []
    for name in sorted(work.project.saved_queries):
        for dialect in dialects:
            rel = saved.sql_path(dialect, name)
            content = saved.file_text(work.project, name, dialect)
            current = work.out / rel
            if work.stage is not None and not (
                current.is_file() and current.read_bytes() == content
            ):
                (work.stage() / rel).parent.mkdir(parents=True, exist_ok=True)
            produced.append(place(work, rel, content))
    return produced


def _save_cache(out: Path, cache: Cache) -> None:
    """Write the cache alone: the output is unchanged, what is known about it is not."""
    path = out / CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(cache.dump())
    os.replace(temp, path)
