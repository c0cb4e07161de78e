"""Import dbt MetricFlow semantic models and metrics as an nsmcode project.

    result = import_dbt(Path("my_dbt_project"))
    result.problems        # what was not carried over, located in the dbt files
    result.write(Path("metrics"))

The mapping is documented in docs/dbt.md. Nothing is dropped silently: every dbt feature without
an nsmcode equivalent becomes a `D1xx` diagnostic with the dbt file:line:col.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nsmcode.dbt_import.calendar import read_calendar
from nsmcode.dbt_import.filters import Context, Reference
from nsmcode.dbt_import.manifest import read_manifest
from nsmcode.dbt_import.reader import not_carried, read_dbt
from nsmcode.dbt_import.saved import SavedQueries
from nsmcode.dbt_import.semantic import Builder
from nsmcode.dbt_import.verify import verify
from nsmcode.dbt_import.windowed import Translator
from nsmcode.dbt_import.writer import definition_file, project_file, write_files
from nsmcode.diagnostics import Diagnostic, Span

__all__ = ["ImportResult", "import_dbt"]

Definitions = list[tuple[dict[str, Any], Span]]


@dataclass
class ImportResult:
    name: str
    dialect: str
    root: Path
    """The dbt project folder; provenance comments are relative to it."""
    files: list[str]
    sources: Definitions
    metrics: Definitions
    problems: list[Diagnostic]
    saved_queries: Definitions = field(default_factory=list)
    qualifiers: Definitions = field(default_factory=list)
    calendar: dict[str, Any] | None = None
    """`calendar:` of nsmcode.yaml: the dbt time spine's custom granularities."""
    """Qualifiers holding the `Metric()` filters of metrics with several of them."""
    """Everything not carried over (warnings located in the dbt files), sorted."""

    def rendered(self) -> dict[str, str]:
        """The project's files: relative path -> YAML text."""
        count = len(self.files)
        header = (
            f"# Imported by `nsmcode import dbt` from {count} dbt file{'s' if count != 1 else ''};"
            "\n# each definition names the dbt file:line it came from."
        )
        out = {
            "nsmcode.yaml": project_file(
                self.name,
                f"Metrics imported from the dbt project {self.name}.",
                self.dialect,
                self.calendar,
            ),
            "definitions/sources.yaml": definition_file(
                header, {"sources": self.sources}, self.root
            ),
        }
        if self.metrics:
            out["definitions/metrics.yaml"] = definition_file(
                header, {"qualifiers": self.qualifiers, "metrics": self.metrics}, self.root
            )
        if self.saved_queries:
            out["definitions/saved_queries.yaml"] = definition_file(
                header, {"saved_queries": self.saved_queries}, self.root
            )
        from nsmcode.schema import SCHEMA_FILES, schema_text

        out.update({rel: schema_text(kind) for kind, rel in SCHEMA_FILES.items()})  # modelines
        return out

    def write(self, out: Path) -> list[Path]:
        """Write the project under `out`; raises InputError (nothing written) on any clash."""
        return write_files(out, self.rendered())


def _qualify(builder: Builder) -> Any:
    def qualify(ref: Reference, ctx: Context) -> str:
        """Columns of joined sources are written `source.column`; the metric's own unqualified."""
        if ref.model is ctx.model:
            return ref.column
        return f"{ref.model.name}.{ref.column}"

    return qualify


def import_dbt(
    path: Path,
    *,
    name: str | None = None,
    dialect: str = "duckdb",
    schema: str | None = None,
    manifest: bool = False,
) -> ImportResult:
    """Read a dbt project (or folder, or file) and translate it; nothing is written.

    With `manifest`, `path` is dbt's compiled target/semantic_manifest.json.
    Raises InputError when the input cannot be read at all (exit 2).
    """
    dbt = read_manifest(path) if manifest else read_dbt(path)
    builder = Builder(schema)
    builder.column_types = dbt.column_types
    calendar = read_calendar(dbt.time_spines, manifest, schema)
    for loc in dbt.semantic_models:
        builder.add(loc)
    translator = Translator(builder, dbt.metrics, dialect, _qualify(builder))
    translator.custom_grains = calendar.granularities
    translator.run()
    # measures marked create_metric: true are metrics in dbt too
    for measure in builder.measures.values():
        if measure.loc.get("create_metric") is True:
            translator.measure_metric(measure.name, (), measure.name, measure.loc.span())
    translator.finish()
    metrics = sorted(
        translator.out.values(), key=lambda item: (item[1].file, item[1].line, item[0]["name"])
    )
    carried = {name: out for (name, extra), out in translator.done.items() if not extra and out}
    for measure in builder.measures.values():
        made = translator.done.get(("measure:" + measure.name, ()))
        if measure.loc.get("create_metric") is True and made:
            carried.setdefault(measure.name, made)
    saved = SavedQueries(builder, carried)
    saved.custom_grains = calendar.granularities
    for loc in dbt.saved_queries:
        saved.add(loc)
    problems = [*dbt.warnings, *calendar.problems, *builder.problems, *translator.problems]
    problems += saved.problems
    for loc in dbt.latest_spec_models:
        problems.append(
            not_carried(
                "D111",
                f"model {loc.name!r}: semantic models written inside `models:` (the dbt 1.12 "
                "spec) are not read yet; only top-level `semantic_models:` are",
                loc.span("semantic_model", key=True),
            )
        )
    project_name = name or dbt.project_name or dbt.root.resolve().name
    sources = builder.source_definitions()
    if calendar.source is not None and calendar.span is not None:
        if any(s["name"] == calendar.source["name"] for s, _span in sources):
            calendar.source["name"] += "__calendar"
            assert calendar.block is not None
            calendar.block["source"] = calendar.source["name"]
        sources.append((calendar.source, calendar.span))
    result = ImportResult(
        project_name,
        dialect,
        dbt.root,
        dbt.files,
        sources,
        metrics,
        [],
        saved.out,
        sorted(translator.qualifiers.values(), key=lambda item: item[0]["name"]),
        calendar.block,
    )
    problems += verify(result)
    unique = {(d.code, d.message, d.span): d for d in problems}
    result.problems = sorted(unique.values(), key=Diagnostic.sort_key)
    return result
