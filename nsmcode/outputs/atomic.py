"""Replace files in an output folder in one step: stage beside it, then swap in with renames.

Nothing is written into the output folder until every file is ready in a staging folder next to it
(same file system, so every move is a rename). A folder that does not exist yet is swapped in whole
with one rename; an existing one has its changed files renamed in one by one, each replaced file
moved aside first, so that a failure half-way is rolled back: the previous output stays intact.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

BACKUP = ".replaced"


class Staging:
    """A temporary folder next to `out` collecting the files of the next output.

    Use as a context manager: leaving the block removes the staging folder, whether or not
    `commit` ran, so an exception never leaves it behind (a killed process can).
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{out.name}.nsmcode-", dir=out.parent))
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
            dirs[:] = [d for d in dirs if d != BACKUP or Path(folder) != self.root]
            rel = Path(folder).relative_to(self.root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            out.extend(prefix + name for name in files)
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
            os.rename(self.root, self.out)
            self._moved = True
            return
        staged = self.staged()
        first = [r for r in staged if r not in last]
        _Swap(self.out, self.root, self.root / BACKUP).run(
            first, removed, [r for r in last if r in staged]
        )

    def discard(self) -> None:
        if not self._moved:
            shutil.rmtree(self.root, ignore_errors=True)


class _Swap:
    """Moves files between staging and the output folder, undoing every move on failure."""

    def __init__(self, out: Path, staging: Path, backup: Path) -> None:
        self.out = out
        self.staging = staging
        self.backup = backup
        self.moves: list[tuple[Path, Path]] = []
        self.made: list[Path] = []

    def run(self, replace: list[str], remove: list[str], last: list[str]) -> None:
        try:
            for rel in replace:
                self._replace(rel)
            for rel in remove:
                if os.path.lexists(self.out / rel):
                    self._move(self.out / rel, self.backup / rel)
            for rel in last:
                self._replace(rel)
        except BaseException:
            self._undo()
            raise
        self._prune({(self.out / rel).parent for rel in remove})

    def _replace(self, rel: str) -> None:
        dest = self.out / rel
        self._parent(dest)
        if os.path.lexists(dest):
            self._move(dest, self.backup / rel)
        self._move(self.staging / rel, dest)

    def _move(self, src: Path, dest: Path) -> None:
        if dest.parent != self.out:
            dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
        self.moves.append((src, dest))

    def _parent(self, dest: Path) -> None:
        missing: list[Path] = []
        parent = dest.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir()
            self.made.append(folder)

    def _undo(self) -> None:
        for src, dest in reversed(self.moves):
            with contextlib.suppress(OSError):  # restore the rest; the error is re-raised
                os.replace(dest, src)
        for folder in reversed(self.made):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _prune(self, folders: set[Path]) -> None:
        """Remove folders emptied by deletions, up to (not including) the output folder."""
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            current = folder
            while current != self.out and self.out in current.parents:
                try:
                    current.rmdir()
                except OSError:
                    break
                current = current.parent


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
