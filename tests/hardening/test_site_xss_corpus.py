"""XSS corpus (xss_attacks.txt) through every field the docs site shows: always text, never markup.

tests/site checks one payload in every field; this runs the whole corpus through every field:
build k puts attack (k + j) mod N in field j, so N builds put every attack in every field. Each
build is compared with a benign build of the same project: user text may only produce the
elements and attributes benign text (with some Markdown) produces, no event handler or
`javascript:`/`data:`/`vbscript:` URL anywhere, the same scripts on every page, and a search
index that stays JSON inside its <script>.
"""

from __future__ import annotations

import functools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nsmcode.project import load_project
from nsmcode.rules import DEFAULT_RULES
from nsmcode.site import build_site

FIELDS = [
    "project_name",
    "project_description",
    "override_reason",
    "source_description",
    "column_description",
    "qualifier_reason",
    "qualifier_description",
    "condition_literal",
    "metric_label",
    "metric_description",
    "metric_value",
    "metric_owner",
    "metric_tag",
    "suppress_reason",
    "filter_literal",
    "table_name",
    "funnel_description",
    "team_description",
    "team_owner",
    "okr_objective",
    "okr_owner",
    "kr_description",
]


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[str, ...]:
    lines = Path(__file__).with_name("xss_attacks.txt").read_text(encoding="utf-8").splitlines()
    return tuple(
        line.replace("\\n", "\n").replace("\\u2028", "\u2028").replace("\\u2029", "\u2029")
        for line in lines
        if line.strip() and not line.startswith("#")
    )


def y(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write(root: Path, value: dict[str, str]) -> Path:
    rule = DEFAULT_RULES[-1].code
    (root / "definitions").mkdir(parents=True, exist_ok=True)
    (root / "nsmcode.yaml").write_text(
        f"version: 1\nname: {y(value['project_name'])}\n"
        f"description: {y(value['project_description'])}\npaths: [definitions]\n"
        f"targets: [duckdb]\nrules:\n  overrides:\n    - rule: {rule}\n      severity: warning\n"
        f"      reason: {y(value['override_reason'])}\n",
        encoding="utf-8",
    )
    table = '"' + value["table_name"].replace('"', '""') + '"'
    v = {k: y(t) for k, t in value.items()}
    condition = y(f"environment <> {sql_literal(value['condition_literal'])}")
    row_filter = y(f"account_id <> {sql_literal(value['filter_literal'])}")
    (root / "definitions" / "all.yaml").write_text(
        f"""\
sources:
  - name: events
    description: {v["source_description"]}
    table: events
    time_column: at
    entities: [{{name: account, column: account_id}}]
    columns:
      - {{name: at, type: timestamp, description: {v["column_description"]}}}
      - {{name: account_id, type: string}}
      - {{name: environment, type: string, semantic: environment}}
    dimensions: [environment]
  - name: other
    table: {y(table)}
    time_column: at
    entities: [{{name: account, column: account_id}}]
    columns:
      - {{name: at, type: timestamp}}
      - {{name: account_id, type: string}}
qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: {v["qualifier_reason"]}
    description: {v["qualifier_description"]}
  - name: hostile
    condition: {condition}
    reason: plain
metrics:
  - name: star
    label: {v["metric_label"]}
    role: north_star
    measures: outcome
    description: {v["metric_description"]}
    value: {v["metric_value"]}
    owner: {v["metric_owner"]}
    source: events
    calculation: {{type: count_distinct, columns: [account_id]}}
    qualifiers: [production_only, hostile]
    filter: {row_filter}
    grain: week
    entity: account
    segments: [environment]
    tags: [{v["metric_tag"]}]
    suppress: [{{rule: NSM003, reason: {v["suppress_reason"]}}}]
  - name: lever
    role: input
    category: dx
    source: other
    calculation: {{type: count}}
    grain: week
funnels:
  - name: path
    description: {v["funnel_description"]}
    entity: account
    steps: [lever, star]
teams:
  - name: team_a
    description: {v["team_description"]}
    owner: {v["team_owner"]}
    kpis:
      - {{metric: lever, target: 10, direction: increase, due: 2026-12-31}}
okrs:
  - name: okr_a
    objective: {v["okr_objective"]}
    owner: {v["okr_owner"]}
    period: 2026-Q4
    key_results:
      - description: {v["kr_description"]}
        metric: star
        baseline: 1
        target: 2
        direction: increase
        due: 2026-12-31
""",
        encoding="utf-8",
    )
    return root


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.elements.append((tag, found))
        if tag == "script":
            self._script = found
            self.scripts.append((found, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def read_site(out: Path) -> dict[str, Page]:
    pages = {}
    for path in sorted(out.rglob("*")):
        if path.suffix in (".html", ".svg"):
            page = Page()
            page.feed(path.read_text(encoding="utf-8"))
            page.close()
            pages[path.relative_to(out).as_posix()] = page
    return pages


URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background")
BAD_URL = re.compile(r"^(javascript|vbscript|data):", re.I)


def signature(tag: str, attrs: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    return tag, tuple(sorted(attrs))


BENIGN_TEXT = "Plain words, **bold**, _em_, `code` and [a link](https://example.com/x)."


@pytest.fixture(scope="module")
def benign(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Page]:
    root = tmp_path_factory.mktemp("benign")
    project = load_project(write(root / "project", dict.fromkeys(FIELDS, BENIGN_TEXT)))
    build_site(project, root / "site")
    return read_site(root / "site")


def injected(pages: dict[str, Page], benign: dict[str, Page]) -> list[str]:
    """What user text smuggled into the pages, judged against the benign build."""
    found: list[str] = []
    allowed = {signature(t, a) for page in benign.values() for t, a in page.elements}
    for name, page in pages.items():
        for tag, attrs in page.elements:
            if signature(tag, attrs) not in allowed:
                found.append(f"{name}: new markup <{tag} {attrs}>")
            for attr, url in attrs.items():
                if attr.startswith("on"):
                    found.append(f"{name}: <{tag} {attr}=...>")
                if attr in URL_ATTRS and BAD_URL.match(re.sub(r"[\x00-\x20]", "", url)):
                    found.append(f"{name}: <{tag} {attr}={url!r}>")
        if [a for a, _ in page.scripts] != [a for a, _ in benign[name].scripts]:
            found.append(f"{name}: other scripts")
        for attrs, text in page.scripts:
            if "</script" in text.lower() or "<!--" in text:
                found.append(f"{name}: a script's text could end the script")
            if attrs.get("type") == "application/json":
                json.loads(text)
    return found


def test_the_checker_sees_smuggled_markup(benign: dict[str, Page]) -> None:
    name = next(n for n in benign if n.endswith(".html"))
    for html in (
        '<img src=x onerror="alert(1)">',
        '<a href=" javascript:alert(1)">x</a>',
        "<script>alert(1)</script>",
        '<p class="x" onclick="alert(1)">x</p>',
    ):
        extra = Page()
        extra.feed(html)
        page = Page()
        page.elements = benign[name].elements + extra.elements
        page.scripts = benign[name].scripts + extra.scripts
        assert injected({**benign, name: page}, benign), html
    assert injected(benign, benign) == []


def test_the_corpus_is_large() -> None:
    assert len(corpus()) >= 40


@pytest.mark.parametrize("k", range(len(corpus())))
def test_every_attack_in_every_field_is_text(
    k: int, benign: dict[str, Page], tmp_path: Path
) -> None:
    attacks = corpus()
    value = {field: attacks[(k + j) % len(attacks)] for j, field in enumerate(FIELDS)}
    project = load_project(write(tmp_path / "project", value))
    build_site(project, tmp_path / "site")
    pages = read_site(tmp_path / "site")
    assert set(pages) == set(benign)
    assert injected(pages, benign) == []
    shown = " ".join(" ".join(t for page in pages.values() for t in page.text).split())
    for field in ("metric_label", "metric_owner", "okr_objective", "team_owner"):
        text = " ".join(value[field].split())  # whitespace, line separators included, may vary
        assert text in shown, f"{field}: {value[field]!r} is not shown as text"
