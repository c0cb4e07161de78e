"""Render the handbook: every page from its template, plus the shipped CSS and JavaScript.

`render_site` is pure (views in, bytes out) so tests can check pages without touching the disk;
`build_site` gathers the inputs (rule findings, compiled SQL, optionally data) and writes
atomically into the output folder.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nsmcode import models
from nsmcode.project import Project
from nsmcode.site import fmt, markdown, prose, tree, views

if TYPE_CHECKING:
    from nsmcode.run.execute import Progress
from nsmcode.site.highlight import highlight_sql
from nsmcode.site.output import check_output, write_tree
from nsmcode.site.search import embed_json, search_index
from nsmcode.site.views import Site, metric_url, rule_url, team_title

ASSETS = ("site.css", "site.js", "favicon.svg")

# The tree is laid out twice; CSS shows the one that fits (see tree.py).
WIDE = (1040.0, 4)
NARROW = (360.0, 1)


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nsmcode.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["sql"] = highlight_sql
    env.filters["num"] = fmt.number
    env.filters["px"] = px
    env.filters["code_spans"] = markdown.code_spans
    env.filters["humanize"] = prose.humanize
    env.globals.update(
        metric_url=metric_url,
        rule_url=rule_url,
        kind_label=prose.kind_label,
        calc_name=lambda m: prose.CALCULATION_NAMES.get(m.calculation.type, m.calculation.type),
        team_title=team_title,
        paragraphs=paragraphs,
        grain_of=prose.grain_of,
        target_text=fmt.target,
        Role=models.Role,
    )
    return env


def px(value: float) -> str:
    """A coordinate with at most one decimal and no trailing `.0` (stable, compact SVG)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def paragraphs(text: str | None) -> list[str]:
    """User text split on blank lines; each paragraph is escaped by the template."""
    if not text:
        return []
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def _tree_labels(site: Site, root: str) -> tree.Labels:
    project = site.project
    href = {name: root + metric_url(name) for name in project.metrics}
    caption = {}
    for m in project.metrics.values():
        caption[m.name] = (
            "North Star Metric"
            if m.role is models.Role.NORTH_STAR
            else (prose.kind_label(m) if m.role is not models.Role.PLAIN else "Metric")
        )
    values = {name: f"{v.current} · {v.period:%d %b}" for name, v in site.values.items()}
    pills: dict[str, list[tuple[str, str, str, str]]] = {}
    for name in sorted(project.metrics):
        items = []
        kpis = project.kpis_for(name)
        if kpis:
            teams = ", ".join(sorted({team_title(t) for t, _ in kpis}))
            text = f"{len(kpis)} KPI" + ("s" if len(kpis) > 1 else "")
            items.append(("kpi", text, f"{text}: {teams}", href[name] + "#targets"))
        krs = project.key_results_for(name)
        if krs:
            objectives = "; ".join(sorted({o.objective for o, _ in krs}))
            text = f"{len(krs)} key result" + ("s" if len(krs) > 1 else "")
            items.append(("kr", text, f"{text}: {objectives}", href[name] + "#targets"))
        if items:
            pills[name] = items
    return tree.Labels(href=href, caption=caption, value=values, pills=pills)


def tree_layouts(site: Site, root: str) -> tuple[tree.Layout, tree.Layout] | None:
    spec = tree.tree_spec(site.project)
    if spec is None:
        return None
    labels = _tree_labels(site, root)
    return tree.layout(spec, labels, *WIDE), tree.layout(spec, labels, *NARROW)


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str
    section: str
    context: dict[str, Any]


def pages(site: Site) -> list[Page]:
    project = site.project
    out = [
        Page("index.html", "home.html.j2", "North Star", "home", {}),
        Page("metrics/index.html", "metrics.html.j2", "All metrics", "metrics", {}),
        Page("okrs.html", "okrs.html.j2", "OKRs", "okrs", {}),
        Page("kpis.html", "kpis.html.j2", "Team KPIs", "kpis", {}),
        Page("data.html", "data.html.j2", "Data sources and qualifiers", "data", {}),
        Page("rules/index.html", "rules.html.j2", "Rules and findings", "rules", {}),
    ]
    if project.saved_queries:
        out.append(
            Page("saved.html", "saved.html.j2", "Saved queries", "saved", {"saved": _saved(site)})
        )
    if site.analysis is not None:
        title = "Is the North Star a leading indicator?"
        out.append(Page("analysis.html", "analysis.html.j2", title, "analysis", {}))
    for name in sorted(project.metrics):
        metric = project.metrics[name]
        out.append(
            Page(
                metric_url(name),
                "metric.html.j2",
                prose.title(metric),
                f"metric:{name}",
                {"metric": metric},
            )
        )
    for name, view in sorted(site.funnels.items()):
        title = view.funnel.title
        out.append(Page(view.url, "funnel.html.j2", title, f"funnel:{name}", {"view": view}))
    for name, view in sorted(site.retention.items()):
        title = f"{prose.title(view.metric)}: cohorts"
        out.append(Page(view.url, "retention.html.j2", title, f"metric:{name}", {"view": view}))
    for rule in site.rules:
        out.append(
            Page(
                rule_url(rule.code),
                "rule.html.j2",
                f"{rule.code}: {rule.summary}",
                "rules",
                {"rule": rule},
            )
        )
    return out


@dataclass(frozen=True)
class SavedView:
    definition: models.SavedQuery
    grain: str
    tabs: list[views.SqlTab]
    """The compiled SQL per dialect, the project's own first (as on metric pages)."""

    @property
    def compiles(self) -> bool:
        return any(t.sql is not None for t in self.tabs)


def _saved(site: Site) -> list[SavedView]:
    """Saved queries, by name, with their SQL for every compile target (see run/saved.py)."""
    from nsmcode.diagnostics import InputError
    from nsmcode.run import saved
    from nsmcode.site.inputs import dialects

    project = site.project
    documented = {r.code for r in site.rules}
    out = []
    for name in sorted(project.saved_queries):
        definition = project.saved_queries[name]
        tabs = []
        for dialect in dialects(project):
            try:
                sql: str | None = saved.compile_saved(project, name, dialect)
                problems: tuple[views.Finding, ...] = ()
            except InputError as exc:
                sql = None
                found = exc.diagnostics
                problems = tuple(views.finding_view(project, d, documented) for d in found)
            label = views.DIALECT_LABELS.get(dialect, dialect)
            tabs.append(views.SqlTab(dialect, label, sql, problems))
        try:
            grain = saved.grain(project, definition)
        except InputError:
            grain = None
        compiles = any(t.sql is not None for t in tabs)
        label = grain.value if grain else ("total" if compiles else "-")
        out.append(SavedView(definition, label, tabs))
    return out


def render_site(site: Site) -> dict[str, bytes]:
    """Every file of the site: relative posix path -> bytes. Pure and deterministic."""
    env = _environment()
    index = embed_json(search_index(site))
    files: dict[str, bytes] = {}
    for page in pages(site):
        root = "../" * page.path.count("/")
        context = {
            "site": site,
            "project": site.project,
            "page": page,
            "root": root,
            "search_index": index,
            "link": site.linker(root),
            "title_of": site.title_of,
            **page.context,
        }
        if page.template == "home.html.j2":
            context["layouts"] = tree_layouts(site, root)
        html = env.get_template(page.template).render(context)
        files[page.path] = _tidy(html).encode("utf-8")
    static = importlib.resources.files("nsmcode.site") / "static"
    for name in ASSETS:
        files[f"assets/{name}"] = (static / name).read_bytes()
    return files


def _tidy(html: str) -> str:
    """Drop trailing spaces and runs of blank lines the templates leave; end with one newline."""
    lines = [line.rstrip() for line in html.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    findings: int
    site: Site


def build_site(
    project: Project, out: Path, *, with_data: bool = False, progress: Progress | None = None
) -> BuildResult:
    """Build the handbook for `project` into `out` (replaced atomically); `progress` wraps the
    steps of querying the data (a progress bar on a terminal)."""
    from nsmcode.site import inputs

    target = check_output(project, out)
    site = inputs.gather(project, with_data=with_data, progress=progress)
    files = render_site(site)
    write_tree(files, target)
    pages = sum(1 for p in files if p.endswith(".html"))
    return BuildResult(target, pages, len(site.findings), site)


__all__ = ["BuildResult", "build_site", "render_site"]
