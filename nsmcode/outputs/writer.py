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

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.outputs import manifest as manifest_mod
from nsmcode.outputs.atomic import Staging
from nsmcode.outputs.cache import (
    CACHE_DIR,
    CACHE_FILE,
    CACHE_GITIGNORE,
    GITIGNORE_TEXT,
    Cache,
    ParseCache,
    Stat,
)
from nsmcode.outputs.generate import Produced, Work, generate, place
from nsmcode.outputs.manifest import MANIFEST
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
    cache = Cache.read(out)
    before = cache.to_json()
    parser = ParseCache(cache.parsed)
    project = load_project(project_dir, parser=parser.parse)
    cache.parsed = parser.new
    chosen = _dialects(project, dialects)
    target = check_out(project, out)
    facts = metric_facts(project)
    disk = scan(target)
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
    ours = {MANIFEST, *cache.files}
    if any(rel not in ours for rel in disk if not rel.startswith(CACHE_DIR + "/")):
        ours |= manifest_mod.owned_files(out) or set()
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
        self.staging: Staging | None = None
        self.manifest_entry: list[object] | None = None
        self.committed = False

    def run(self, ours: set[str]) -> Report:
        report = Report(
            self.out, len(self.facts), self.dialects, len(self.facts) * len(self.dialects)
        )
        if self.check:
            return self._produce(report, None, ours)
        with Staging(self.out) as staging:
            for rel in [*(sql_path(d, "x") for d in self.dialects), CACHE_GITIGNORE]:
                staging.path(rel)  # creates the folders: workers write straight into them
            return self._produce(report, staging, ours)

    def _produce(self, report: Report, staging: Staging | None, ours: set[str]) -> Report:
        work = Work(
            self.project, self.facts, self.out, staging.root if staging else None, self.disk
        )
        jobs: list[tuple[str, tuple[str, ...]]] = []
        for name, facts in self.facts.items():
            todo = tuple(d for d in self.dialects if not self._reuse(work, facts, d))
            if todo:
                jobs.append((name, todo))
        for produced in generate(work, jobs, self.workers):
            self.files[produced.rel] = produced
        report.generated = sum(len(d) for _, d in jobs)
        hashes = {rel: p.sha for rel, p in self.files.items()}
        data = manifest_mod.build(self.project.config.name, self.dialects, self.facts, hashes)
        manifest = self._manifest(work, data)
        gitignore = place(work, CACHE_GITIGNORE, GITIGNORE_TEXT) if not self.check else None
        expected = set(self.files) | {MANIFEST}
        changed = [p for p in [*self.files.values(), manifest] if not p.same]
        if self.check:
            report.missing = sorted(p.rel for p in changed if p.rel not in self.disk)
            report.changed = sorted(p.rel for p in changed if p.rel in self.disk)
            report.stale = sorted(
                rel for rel in self.disk if rel not in expected and not rel.startswith(CACHE_DIR)
            )
            return report
        assert staging is not None and gitignore is not None
        stale = sorted(rel for rel in ours if rel in self.disk and rel not in expected)
        report.written = sorted(p.rel for p in changed)
        report.removed = stale
        self._remember(manifest)
        if changed or stale or not gitignore.same:
            staging.write(CACHE_FILE, self.cache.dump())
            staging.commit(remove=stale, last=(MANIFEST, CACHE_FILE))
            self.committed = True
        return report

    # -- reuse ---------------------------------------------------------------------------------

    def _reuse(self, work: Work, facts: MetricFacts, dialect: str) -> bool:
        """Take the file from the last compile when its definition did not change."""
        rel = sql_path(dialect, facts.name)
        last = self.cache.metrics.get(facts.name)
        disk = self.disk.get(rel)
        if last is None or last[0] != facts.definition_hash or disk is None:
            return False
        sha = self.cache.file(rel, disk)
        if sha is not None and last[1] == facts.header_key:
            self.files[rel] = Produced(rel, sha, disk[0], disk, True)
            return True
        # touched since (a checkout, an edit) or only the header moved: read it to be sure
        entry = self.cache.files.get(rel)
        try:
            old = (self.out / rel).read_bytes()
        except OSError:
            return False
        if not entry or hashlib.sha256(old).hexdigest() != entry[0]:
            return False
        self.files[rel] = place(work, rel, render(facts, dialect, body(old)))
        return True

    def _manifest(self, work: Work, data: dict[str, object]) -> Produced:
        key = manifest_mod.key(data)
        disk = self.disk.get(MANIFEST)
        last = self.cache.manifest
        if last is not None and last[0] == key and disk is not None and tuple(last[2:]) == disk:
            produced = Produced(MANIFEST, str(last[1]), disk[0], disk, True)
        else:
            produced = place(work, MANIFEST, manifest_mod.dumps(data))
        self.manifest_entry = [key, produced.sha]
        return produced

    # -- the cache -----------------------------------------------------------------------------

    def _remember(self, manifest: Produced) -> None:
        self.cache.metrics = {n: [f.definition_hash, f.header_key] for n, f in self.facts.items()}
        self.cache.files = {
            rel: [p.sha, *p.stat] for rel, p in self.files.items() if p.stat is not None
        }
        assert self.manifest_entry is not None and manifest.stat is not None
        self.cache.manifest = [*self.manifest_entry, *manifest.stat]


def _save_cache(out: Path, cache: Cache) -> None:
    """Write the cache alone: the output is unchanged, what is known about it is not."""
    path = out / CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(cache.dump())
    os.replace(temp, path)
