"""The metric tree layout: every node placed, nothing overlapping, both widths."""

from __future__ import annotations

import itertools

import pytest

from nsmcode.project import Project
from nsmcode.site import tree
from nsmcode.site.build import NARROW, WIDE, tree_layouts
from nsmcode.site.inputs import gather


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_spec_places_inputs_by_category(mini: Project) -> None:
    spec = tree.tree_spec(mini)
    assert spec is not None
    assert spec.star.name == "weekly_active_integration_points"
    assert [g.name for g in spec.guardrails] == ["api_error_rate"]
    lanes = {key: [i.metric.name for i in items] for key, _, items in spec.lanes}
    assert lanes == {
        "dx": ["average_latency_ms"],
        "product": ["activation_rate_7d", "production_calls"],
        "growth": ["weekly_signups"],
    }
    # monthly_revenue has a KPI but is not in the tree: it is listed as tracked
    assert [m.name for m in spec.tracked] == ["monthly_revenue"]


@pytest.mark.parametrize("size", [WIDE, NARROW])
def test_layout_has_no_overlaps_and_fits(mini: Project, size: tuple[float, int]) -> None:
    layouts = tree_layouts(gather(mini), "")
    assert layouts is not None
    layout = layouts[0] if size == WIDE else layouts[1]
    width = size[0]
    nodes = {n.href: n for n in layout.nodes}
    loose = [p for p in layout.pills if not nodes[p.href.split("#")[0]].compact]
    boxes = [(n.x, n.y, n.w, n.h) for n in layout.nodes]
    boxes += [(p.x, p.y, p.w, tree.PILL_H) for p in loose]
    for a, b in itertools.combinations(boxes, 2):
        assert not overlaps(a, b), (a, b)
    for pill in layout.pills:  # a compact card holds its own pills, inside it
        node = nodes[pill.href.split("#")[0]]
        if node.compact:
            assert node.x < pill.x and pill.x + pill.w < node.x + node.w
            assert node.y < pill.y and pill.y + tree.PILL_H < node.y + node.h
    for x, y, w, h in boxes:
        assert x >= 0 and x + w <= width + 0.01 and y >= 0 and y + h <= layout.height
    names = {n.name for n in layout.nodes}
    assert names == {
        "weekly_active_integration_points",
        "api_error_rate",
        "average_latency_ms",
        "activation_rate_7d",
        "production_calls",
        "weekly_signups",
        "monthly_revenue",
    }
    # KPI and key result pills hang from the metrics they track
    assert {p.href.split("#")[0] for p in layout.pills} == {
        "metrics/weekly_signups.html",
        "metrics/monthly_revenue.html",
        "metrics/activation_rate_7d.html",
        "metrics/average_latency_ms.html",
    }


def test_labels_wrap_and_ellipsize() -> None:
    lines = tree.wrap("Integration points per active account per week", 120, 14, lines=2)
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(tree.text_width(line, 14) <= 120.5 for line in lines)
    assert tree.wrap("Short", 200, 14) == ["Short"]
