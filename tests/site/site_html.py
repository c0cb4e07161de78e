"""Helpers for the docs-site tests: where the fixture project is, and an HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.script_text: dict[str, str] = {}
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs).get("id") or dict(attrs).get("src") or ""
            self.script_text[self._script] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.script_text[self._script] += data
        else:
            self.text.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


# -- hostile definitions ---------------------------------------------------------------------------

PAYLOAD = (
    '<script>alert(1)</script> "><img src=x onerror=alert(1)> javascript:alert(1) '
    "</script><script>alert(2)</script> ' onmouseover='alert(3) <svg onload=alert(4)> {{ 7*7 }}"
    " `<img src=x onerror=alert(7)>` [x](javascript:alert(8))"
)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    import json

    return json.dumps(text)


def write_hostile_project(root: Path) -> Path:
    """A project whose every free-text field carries script and attribute-breaking text."""
    p = q(PAYLOAD)
    condition = q("environment <> '</script><script>alert(5)</script>'")
    row_filter = q("account_id <> '\"><img src=x onerror=alert(6)>'")
    (root / "definitions").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text(
        f"version: 1\nname: {p}\ndescription: {p}\npaths: [definitions]\n"
        "targets: [duckdb, postgres]\n"
    )
    (root / "definitions" / "all.yaml").write_text(
        f"""
sources:
  - name: events
    description: {p}
    table: events
    time_column: at
    entities: [{{name: account, column: account_id}}]
    columns:
      - {{name: at, type: timestamp, description: {p}}}
      - {{name: account_id, type: string}}
      - {{name: environment, type: string, semantic: environment}}
    dimensions: [environment]
qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: {p}
    description: {p}
  - name: hostile
    condition: {condition}
    reason: {p}
metrics:
  - name: star
    label: {p}
    role: north_star
    measures: outcome
    description: {p}
    value: {p}
    owner: {p}
    source: events
    calculation: {{type: count_distinct, columns: [account_id]}}
    qualifiers: [production_only, hostile]
    filter: {row_filter}
    grain: week
    entity: account
    segments: [environment]
    tags: [{p}]
  - name: lever
    label: {p}
    role: input
    category: dx
    description: {p}
    owner: {p}
    source: events
    calculation: {{type: count}}
    qualifiers: [production_only]
    grain: week
  - name: guard
    label: {p}
    role: guardrail
    description: {p}
    calculation: {{type: ratio, numerator: lever, denominator: star}}
    grain: week
funnels:
  - name: path
    description: {p}
    entity: account
    steps: [lever, star]
teams:
  - name: team_a
    description: {p}
    owner: {p}
    kpis:
      - {{metric: lever, target: 10, direction: increase, due: 2026-12-31}}
okrs:
  - name: okr_a
    objective: {p}
    owner: {p}
    period: 2026-Q4
    key_results:
      - description: {p}
        metric: star
        baseline: 1
        target: 2
        direction: increase
        due: 2026-12-31
"""
    )
    return root


SAFE_SCRIPTS = ("assets/site.js", "search-index")


def injected(html: str) -> list[str]:
    """Everything in a page that user text could have smuggled in: event handlers, script,
    image, frame and object elements, javascript: URLs."""
    problems = []
    doc = parse(html)
    for tag, attrs in doc.tags:
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "xlink:href", "action", "formaction") and (
                (value or "").strip().lower().startswith(("javascript:", "data:text"))
            ):
                problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "iframe", "object", "embed", "frame", "base", "form", "meta") and not (
            tag == "meta" and set(attrs) <= {"charset", "name", "content", "http-equiv"}
        ):
            problems.append(f"<{tag}>")
        if tag == "script":
            key = attrs.get("src") or attrs.get("id") or ""
            if not key.endswith(SAFE_SCRIPTS):
                problems.append(f"<script {attrs}>")
    return problems
