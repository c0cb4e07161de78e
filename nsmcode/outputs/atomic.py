"""Replace files in an output folder safely: stage beside it, then swap in with renames, journaled.

Nothing is written into the output folder until every file is ready in a staging folder next to it
(same file system, so every move is a rename). A folder that does not exist yet is swapped in whole
with one rename. An existing one has its changed files renamed in one by one, each replaced file
moved aside first; before the first move, the list of moves is written to a journal in the staging
folder (one rename makes it appear whole). So the swap survives anything:

- an exception half-way rolls the moves back: the previous output stays intact;
- a killed process (SIGKILL, power cut of the process, Ctrl-C twice) leaves the staging folder
  behind; the next run (`recover`, called before anything reads or writes the output) finishes a
  journaled swap, every move of which is idempotent, and deletes any staging folder without a
  journal (the output was not touched yet). The output is then the old one or the new one, whole,
  and no staging folder is left.

A staging folder is locked (flock) while its process lives, so a run never recovers the staging
folder of another run still at work. (Where flock does not exist, on Windows, recovery assumes no
other run writes the same output at the same time.)

Fault injection: with `NSMCODE_TEST_KILL_AT_STEP=k` in the environment, the process kills itself
(SIGKILL) just before the k-th change to the file system a swap or a recovery makes; the kill
tests use it to stop the swap at every step.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

BACKUP = ".replaced"
JOURNAL = ".journal"
_JOURNAL_TEMP = ".journal.tmp"
RESERVED = (BACKUP, JOURNAL, _JOURNAL_TEMP)
"""Names at the top of a staging folder that are not staged files."""
KILL_AT = "NSMCODE_TEST_KILL_AT_STEP"
_steps = 0


def staging_prefix(out: Path) -> str:
    return f".{out.name}.nsmcode-"


class Staging:
    """A temporary folder next to `out` collecting the files of the next output.

    Use as a context manager: leaving the block removes the staging folder, whether or not
    `commit` ran, so an exception never leaves it behind (a killed process can: see `recover`).
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        self.root = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
        self._lock = _lock(self.root)
        os.chmod(self.root, 0o777 & ~_umask())  # mkdtemp's 0700 would become the output's mode
        self._dirs: set[str] = set()
        self._moved = False

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()

    def path(self, rel: str) -> Path:
        """Where the file `rel` (a POSIX path relative to the output folder) is staged."""
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._dirs:
            (self.root / parent).mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        return self.root / rel

    def write(self, rel: str, data: bytes) -> os.stat_result:
        path = self.path(rel)
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            return os.fstat(handle.fileno())

    def staged(self) -> list[str]:
        """Every staged file, as sorted POSIX paths relative to the output folder."""
        out: list[str] = []
        for folder, dirs, files in os.walk(self.root):
            top = Path(folder) == self.root
            if top:
                dirs[:] = [d for d in dirs if d not in RESERVED]
            rel = Path(folder).relative_to(self.root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            out.extend(prefix + name for name in files if not (top and name in RESERVED))
        return sorted(out)

    def commit(self, remove: Iterable[str] = (), last: tuple[str, ...] = ()) -> None:
        """Swap the staged files into the output folder and delete the files in `remove`.

        Files named in `last` are moved in after every other change, in that order (the manifest
        goes last, so it never describes files that are not there yet).
        """
        removed = sorted(set(remove))
        if not self.out.exists():
            if removed:
                raise FileNotFoundError(f"cannot remove files from missing folder {self.out}")
            fault_point()
            os.rename(self.root, self.out)
            self._moved = True
            self._unlock()
            return
        staged = self.staged()
        plan: dict[str, object] = {
            "out": self.out.name,
            "replace": [r for r in staged if r not in last],
            "remove": removed,
            "last": [r for r in last if r in staged],
        }
        swap = _Swap(self.out, self.root)
        swap.start(plan)
        try:
            swap.run(plan)
        except BaseException:
            swap.undo()
            raise
        swap.finish(plan)

    def discard(self) -> None:
        if not self._moved:
            _remove(self.root)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def recover(out: Path) -> list[Path]:
    """Finish or clean up what killed runs left beside `out`: complete a journaled swap, delete
    staging folders without a journal. Returns the staging folders dealt with."""
    parent = out.parent
    prefix = staging_prefix(out)
    try:
        names = sorted(n for n in os.listdir(parent) if n.startswith(prefix))
    except OSError:
        return []
    done: list[Path] = []
    for name in names:
        folder = parent / name
        if folder.is_symlink() or not folder.is_dir():
            continue
        with _held(folder) as mine:
            if not mine:  # another run is at work in it
                continue
            plan = _journal(folder)
            if plan is not None and plan.get("out") == out.name and out.is_dir():
                swap = _Swap(out, folder)
                swap.run(plan)
                swap.finish(plan)
            else:
                _remove(folder)
        done.append(folder)
    return done


class _Swap:
    """Moves files between staging and the output folder. Every step checks what is already
    done, so running it again after a kill completes it; `undo` reverses this process's moves."""

    def __init__(self, out: Path, staging: Path) -> None:
        self.out = out
        self.staging = staging
        self.backup = staging / BACKUP
        self.moves: list[tuple[Path, Path]] = []
        self.made: list[Path] = []

    def start(self, plan: dict[str, object]) -> None:
        """Write the journal: once it is there, the swap is completed, never lost."""
        temp = self.staging / _JOURNAL_TEMP
        fault_point()
        temp.write_text(json.dumps(plan), encoding="utf-8")
        fault_point()
        os.replace(temp, self.staging / JOURNAL)

    def run(self, plan: dict[str, object]) -> None:
        for rel in _names(plan, "replace"):
            self._replace(rel)
        for rel in _names(plan, "remove"):
            if os.path.lexists(self.out / rel) and not os.path.lexists(self.backup / rel):
                self._move(self.out / rel, self.backup / rel)
        for rel in _names(plan, "last"):
            self._replace(rel)

    def finish(self, plan: dict[str, object]) -> None:
        """Prune folders emptied by the removals, then drop the journal and the staging folder
        (with the replaced files in it)."""
        self._prune({(self.out / rel).parent for rel in _names(plan, "remove")})
        fault_point()
        os.unlink(self.staging / JOURNAL)
        _remove(self.staging)

    def _replace(self, rel: str) -> None:
        source = self.staging / rel
        if not os.path.lexists(source):  # moved in already (a resumed swap)
            return
        dest = self.out / rel
        self._parent(dest)
        if os.path.lexists(dest) and not os.path.lexists(self.backup / rel):
            self._move(dest, self.backup / rel)
        self._move(source, dest)

    def _move(self, src: Path, dest: Path) -> None:
        if dest.parent != self.out and not dest.parent.is_dir():
            fault_point()
            dest.parent.mkdir(parents=True, exist_ok=True)
        fault_point()
        os.replace(src, dest)
        self.moves.append((src, dest))

    def _parent(self, dest: Path) -> None:
        missing: list[Path] = []
        parent = dest.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            fault_point()
            folder.mkdir()
            self.made.append(folder)

    def undo(self) -> None:
        """Put back what this process moved, then forget the swap (the journal last: a kill
        during the undo leaves a journal, and the next run completes the swap instead)."""
        for src, dest in reversed(self.moves):
            with contextlib.suppress(OSError):  # restore the rest; the error is re-raised
                os.replace(dest, src)
        for folder in reversed(self.made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        with contextlib.suppress(OSError):
            os.unlink(self.staging / JOURNAL)

    def _prune(self, folders: set[Path]) -> None:
        """Remove folders emptied by deletions, up to (not including) the output folder."""
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            current = folder
            while current != self.out and self.out in current.parents:
                if not current.is_dir() or any(current.iterdir()):
                    break
                fault_point()
                try:
                    current.rmdir()
                except OSError:
                    break
                current = current.parent


def fault_point() -> None:
    """One change to the file system is about to happen; a kill test may stop the process here."""
    global _steps
    wanted = os.environ.get(KILL_AT)
    if not wanted:
        return
    _steps += 1
    if str(_steps) == wanted:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _names(plan: dict[str, object], key: str) -> list[str]:
    names = plan.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"a swap journal with a broken {key!r} list")
    for name in names:
        if name.startswith("/") or ".." in name.split("/"):
            raise ValueError(f"a swap journal naming a path outside the output: {name!r}")
    return names


def _journal(folder: Path) -> dict[str, object] | None:
    try:
        data = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no journal: the swap never started (a temp journal is not one)
    return data if isinstance(data, dict) else None


def _remove(folder: Path) -> None:
    if os.path.lexists(folder):
        fault_point()
        shutil.rmtree(folder, ignore_errors=True)


def _lock(folder: Path) -> int | None:
    """Hold an exclusive lock on `folder` for as long as this process lives (or until closed)."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


@contextlib.contextmanager
def _held(folder: Path) -> Iterator[bool]:
    """True, holding the lock, when no living process holds `folder`'s lock."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield True
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
