"""The client-side search index: names and descriptions of everything, embedded in each page.

Embedding it as `<script type="application/json">` (not fetched) keeps search working from
file://. The JSON is escaped so that no description can close the script element.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from nsmcode.site import prose
from nsmcode.site.views import Site, metric_url, team_title

_MAX = 240


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _MAX else text[: _MAX - 1].rstrip() + "…"


def search_index(site: Site) -> list[dict[str, str]]:
    project = site.project
    entries: list[dict[str, str]] = []
    for m in project.metrics.values():
        entries.append(
            {
                "t": prose.title(m),
                "n": m.name,
                "k": prose.kind_label(m),
                "d": _short(m.description or m.value),
                "u": metric_url(m.name),
            }
        )
    for okr in project.okrs.values():
        entries.append(
            {
                "t": okr.objective,
                "n": okr.name,
                "k": f"Objective · {okr.period}",
                "d": _short("; ".join(kr.description or kr.metric for kr in okr.key_results)),
                "u": f"okrs.html#okr-{okr.name}",
            }
        )
    for team in project.teams.values():
        entries.append(
            {
                "t": team_title(team),
                "n": team.name,
                "k": "Team KPIs",
                "d": _short(team.description),
                "u": f"kpis.html#team-{team.name}",
            }
        )
    for src in project.sources.values():
        entries.append(
            {
                "t": src.name,
                "n": src.table or "select",
                "k": "Source",
                "d": _short(src.description),
                "u": f"data.html#source-{src.name}",
            }
        )
    for q in project.qualifiers.values():
        entries.append(
            {
                "t": prose.humanize(q.name).capitalize(),
                "n": q.name,
                "k": "Qualifier",
                "d": _short(q.reason),
                "u": f"data.html#qualifier-{q.name}",
            }
        )
    for rule in site.rules:
        entries.append(
            {
                "t": f"{rule.code}: {rule.summary}",
                "n": rule.name,
                "k": "Rule",
                "d": "",
                "u": f"rules/{rule.code}.html",
            }
        )
    return sorted(entries, key=lambda e: (e["u"], e["n"]))


def embed_json(data: Any) -> Markup:
    """JSON safe inside a <script> element: `<`, `>`, `&` and line separators escaped."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup(text)
