"""What `nsmcode compile` writes: SQL files per dialect and a manifest, atomically and cached.

Layout of the output folder (default `<project>/target`)::

    sql/<dialect>/<metric>.sql   header (metric, definition file:line, dialect, definition hash)
                                 then the pretty-printed SQL
    manifest.json                every metric, its dependencies and hashes (see `manifest`)
    .nsmcode-cache/              the local compile cache, ignored by git

Diagnostic codes: C101 metric names colliding on case-insensitive file systems, C102-C105 an
output folder compile must not write to (see `safety`), C106 an unknown dialect.
"""

from __future__ import annotations

from nsmcode.outputs.writer import Report, compile_project

__all__ = ["Report", "compile_project"]
