"""Descriptions are written by many people: every user string is text, never markup."""

from __future__ import annotations

import json
from pathlib import Path

from site_html import PAYLOAD, injected, parse, write_hostile_project

from nsmcode.project import load_project
from nsmcode.site import build_site


def test_hostile_text_is_shown_not_run(tmp_path: Path) -> None:
    project = load_project(write_hostile_project(tmp_path / "hostile"))
    out = tmp_path / "site"
    build_site(project, out)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    shown = 0
    for page in pages:
        html = page.read_text()
        assert injected(html) == [], page
        doc = parse(html)
        assert len([t for t, _ in doc.tags if t == "script"]) == 2
        text = "".join(doc.text)
        shown += text.count("<script>alert(1)</script>")
        assert "{{ 7*7 }}" in text or "49" not in text
        index = json.loads(doc.script_text["search-index"])
        assert any(PAYLOAD in entry["t"] for entry in index)
        assert "</script><script>" not in doc.script_text["search-index"]
    assert shown > 50  # the text is displayed, escaped, not dropped
    home = (out / "index.html").read_text()
    # in the tree SVG too: labels, titles and aria-labels
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home
    assert 'aria-label="North Star Metric: &lt;script&gt;' in home
