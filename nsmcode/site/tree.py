"""The metric tree, laid out in Python and drawn as inline SVG (no JavaScript, works from file://).

The north star sits on top with its guardrails beside it; its inputs hang below in one lane per
category (DX, product, growth), inputs of inputs nested under their parent; each metric carries
small pills for the KPIs and key results that point at it. Two layouts are computed, one wide and
one narrow, and CSS shows the one that fits the screen: SVG cannot reflow, so we lay it out twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nsmcode import models
from nsmcode.project import Project
from nsmcode.site import prose

# Average glyph advance as a fraction of the font size. Conservative (wide fonts such as DejaVu)
# so labels never overflow their boxes whatever the system font is.
_NARROW = set("iljtfI.,:;'!|() ")
_WIDE = set("mwMWQOGCD@%")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    total = 0.0
    for char in text:
        if char in _NARROW:
            total += 0.34
        elif char in _WIDE or char.isupper():
            total += 0.78
        else:
            total += 0.6
    return total * size * (1.07 if bold else 1.0)


def wrap(text: str, width: float, size: float, *, lines: int = 2, bold: bool = False) -> list[str]:
    """Greedy word wrap into at most `lines` lines; the last one gets an ellipsis if cut."""
    out: list[str] = []
    current = ""
    words = text.split()
    for i, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size, bold=bold) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines - 1:
            rest = " ".join(words[i:])
            out.append(_ellipsize(rest, width, size, bold=bold))
            return out
    if current:
        out.append(_ellipsize(current, width, size, bold=bold))
    return out


def _ellipsize(text: str, width: float, size: float, *, bold: bool = False) -> str:
    if text_width(text, size, bold=bold) <= width + 0.5:
        return text
    while text and text_width(text + "…", size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# ------------------------------------------------------------------------------------------------
# Layout model


@dataclass(frozen=True)
class Pill:
    x: float
    y: float
    w: float
    text: str
    label: str
    href: str
    kind: str  # "kpi" | "kr"


@dataclass(frozen=True)
class Node:
    name: str
    x: float
    y: float
    w: float
    h: float
    kind: str  # "nsm" | "input" | "guardrail" | "tracked"
    category: str
    caption: str
    lines: tuple[str, ...]
    href: str
    label: str
    value: str | None = None
    compact: bool = False

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Lane:
    x: float
    y: float
    w: float
    h: float
    title: str
    category: str
    count: int


@dataclass(frozen=True)
class Edge:
    d: str
    kind: str  # "drives" | "guards"


@dataclass
class Layout:
    width: float
    height: float = 0.0
    nodes: list[Node] = field(default_factory=list)
    pills: list[Pill] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# What goes in the tree


@dataclass(frozen=True)
class Item:
    """A metric in the tree with the things hanging from it."""

    metric: models.Metric
    kind: str
    children: tuple[Item, ...] = ()


@dataclass(frozen=True)
class TreeSpec:
    star: models.Metric
    guardrails: tuple[models.Metric, ...]
    lanes: tuple[tuple[str, str, tuple[Item, ...]], ...]  # (category, title, items)
    tracked: tuple[models.Metric, ...]


LANE_TITLES = {"dx": "DX inputs", "product": "Product inputs", "growth": "Growth inputs"}


def _by_title(metrics: list[models.Metric]) -> list[models.Metric]:
    return sorted(metrics, key=lambda m: (prose.title(m).lower(), m.name))


def tree_spec(project: Project) -> TreeSpec | None:
    star = project.north_star
    if star is None:
        return None
    placed = {star.name}

    def item(metric: models.Metric, kind: str) -> Item:
        placed.add(metric.name)
        kids = [m for m in _by_title(project.inputs_of(metric.name)) if m.name not in placed] + [
            m for m in _by_title(project.guardrails_of(metric.name)) if m.name not in placed
        ]
        children = tuple(
            item(k, "guardrail" if k.role is models.Role.GUARDRAIL else "input")
            for k in kids
            if k.name not in placed
        )
        return Item(metric, kind, children)

    guardrails = tuple(_by_title(project.guardrails_of(star.name)))
    placed.update(g.name for g in guardrails)
    inputs = _by_title(project.inputs_of(star.name))
    lanes: list[tuple[str, str, tuple[Item, ...]]] = []
    for category in ("dx", "product", "growth", None):
        members = [m for m in inputs if (m.category.value if m.category else None) == category]
        if members:
            key = category or "other"
            title = LANE_TITLES.get(key, "Other inputs")
            lanes.append((key, title, tuple(item(m, "input") for m in members)))
    for metric in guardrails:  # inputs of guardrails are rare; keep them reachable
        placed.add(metric.name)
    tracked = tuple(
        m
        for m in _by_title(list(project.metrics.values()))
        if m.name not in placed and (project.kpis_for(m.name) or project.key_results_for(m.name))
    )
    return TreeSpec(star, guardrails, tuple(lanes), tracked)


# ------------------------------------------------------------------------------------------------
# Geometry

PAD = 16.0
GAP = 20.0
TITLE = 14.0
CAPTION = 11.0
PILL_H = 20.0
PILL_TEXT = 11.0


@dataclass(frozen=True)
class Labels:
    """Per-metric strings the builder provides (captions, current values, hrefs)."""

    href: dict[str, str]
    caption: dict[str, str]
    value: dict[str, str]
    pills: dict[str, list[tuple[str, str, str, str]]]  # name -> [(kind, text, label, href)]


def layout(spec: TreeSpec, labels: Labels, width: float, columns: int) -> Layout:
    """Place every node; `columns` lanes side by side (1 = the phone layout, lanes stacked)."""
    out = Layout(width=width)
    narrow = columns == 1
    spine = PAD + 5  # the narrow layout hangs everything off a vertical line on the left
    star = spec.star
    nsm_w = width - 2 * PAD if narrow else min(380.0, width * 0.4)
    nsm = _node(star, "nsm", (width - nsm_w) / 2, PAD, nsm_w, labels, title_size=18)
    out.nodes.append(nsm)
    pill_x = PAD + 22 if narrow else nsm.x  # clear of the spine on phones
    bottom = _pills(out, labels, star.name, pill_x, nsm.bottom + 8, nsm.w / 2 - 8)

    guard_w = 220.0
    beside = not narrow and nsm.x + nsm.w + 56 + guard_w <= width - PAD
    gx, gy = (nsm.x + nsm.w + 56, nsm.y) if beside else (PAD + 22, bottom + 18)
    gw = guard_w if beside else width - gx - PAD
    for metric in spec.guardrails:
        node = _node(metric, "guardrail", gx, gy, gw, labels)
        out.nodes.append(node)
        mid = node.y + node.h / 2
        if beside:
            out.edges.append(Edge(f"M{nsm.x + nsm.w:.1f},{mid:.1f}H{gx:.1f}", "guards"))
        else:
            out.edges.append(Edge(f"M{spine:.1f},{nsm.bottom:.1f}V{mid:.1f}H{gx:.1f}", "guards"))
        gy = _pills(out, labels, metric.name, gx, node.bottom + 6, gw) + 14
        bottom = max(bottom, gy - 14)
    top = max(bottom, nsm.bottom) + (34 if narrow else 46)

    lanes = list(spec.lanes)
    cols = max(1, min(columns, len(lanes)))
    left = PAD + 22 if narrow else PAD
    lane_w = (width - PAD - left - (cols - 1) * GAP) / cols
    row_start = top
    for start in range(0, len(lanes), cols):
        row = lanes[start : start + cols]
        placed: list[tuple[Lane, float]] = []
        for j, (category, title, items) in enumerate(row):
            x = left + j * (lane_w + GAP)
            placed.append(_lane(out, labels, category, title, items, x, row_start, lane_w))
        row_h = max(h for _, h in placed)
        for lane, _ in placed:
            out.lanes.append(
                Lane(lane.x, lane.y, lane.w, row_h, lane.title, lane.category, lane.count)
            )
            if narrow:
                d = f"M{spine:.1f},{nsm.bottom:.1f}V{lane.y + 19:.1f}H{lane.x:.1f}"
            else:
                d = (
                    f"M{nsm.cx:.1f},{nsm.bottom:.1f}V{top - 22:.1f}"
                    f"H{lane.x + lane.w / 2:.1f}V{lane.y:.1f}"
                )
            out.edges.append(Edge(d, "drives"))
        row_start += row_h + GAP

    if spec.tracked:
        cols = 1 if narrow else 3
        row_start = _tracked(out, labels, spec.tracked, row_start + 8, width, cols)
    out.height = row_start - GAP + PAD
    return out


def _tracked(
    out: Layout,
    labels: Labels,
    metrics: tuple[models.Metric, ...],
    y: float,
    width: float,
    columns: int,
) -> float:
    """Metrics that KPIs or key results point at but that are not in the tree, in a grid."""
    cols = max(1, columns)
    card_w = (width - 2 * PAD - 24 - (cols - 1) * 12) / cols
    cursor = y + 38
    for start in range(0, len(metrics), cols):
        for c, metric in enumerate(metrics[start : start + cols]):
            _compact(out, labels, metric, PAD + 12 + c * (card_w + 12), cursor, card_w)
        cursor += COMPACT_H + 8
    cursor += 4
    h = cursor - y
    title = "Also tracked by KPIs and OKRs"
    out.lanes.append(Lane(PAD, y, width - 2 * PAD, h, title, "tracked", len(metrics)))
    return y + h + GAP


def _lane(
    out: Layout,
    labels: Labels,
    category: str,
    title: str,
    items: tuple[Item, ...],
    x: float,
    y: float,
    w: float,
) -> tuple[Lane, float]:
    """A category lane: header, then cards stacked, children indented under their parent."""
    header = 38.0
    cursor = y + header
    nodes: list[Node] = []

    def place(item: Item, depth: int, parent: Node | None) -> None:
        nonlocal cursor
        indent = 14.0 + 18.0 * depth
        node = _node(item.metric, item.kind, x + indent, cursor, w - indent - 12, labels)
        out.nodes.append(node)
        nodes.append(node)
        if parent is not None:
            mid = node.y + node.h / 2
            kind = "guards" if item.kind == "guardrail" else "drives"
            out.edges.append(
                Edge(f"M{parent.x + 10:.1f},{parent.bottom:.1f}V{mid:.1f}H{node.x:.1f}", kind)
            )
        cursor = _pills(out, labels, item.metric.name, node.x, node.bottom + 6, node.w) + 12
        for child in item.children:
            place(child, depth + 1, node)

    for item in items:
        place(item, 0, None)
    return Lane(x, y, w, 0, title, category, len(nodes)), cursor - y + 2


def _node(
    metric: models.Metric,
    kind: str,
    x: float,
    y: float,
    w: float,
    labels: Labels,
    *,
    title_size: float = TITLE,
) -> Node:
    inner = w - 28
    lines = wrap(prose.title(metric), inner, title_size, bold=True)
    line_h = title_size * 1.3
    value = labels.value.get(metric.name)
    h = 14 + CAPTION + 8 + line_h * len(lines) + (title_size * 1.5 if value else 0) + 10
    category = metric.category.value if metric.category else kind
    caption = labels.caption.get(metric.name, "")
    label = f"{caption}: {prose.title(metric)}" + (f", {value}" if value else "")
    return Node(
        metric.name,
        round(x, 1),
        round(y, 1),
        round(w, 1),
        round(h, 1),
        kind,
        category,
        caption,
        tuple(lines),
        labels.href[metric.name],
        label,
        value,
    )


COMPACT_H = 38.0


def _compact(
    out: Layout, labels: Labels, metric: models.Metric, x: float, y: float, w: float
) -> None:
    """A one-line card with its KPI / key result counts inside, for metrics outside the tree."""
    pills = [
        (kind, text.replace("key result", "KR"), label, href)
        for kind, text, label, href in labels.pills.get(metric.name, [])
    ]
    widths = [text_width(text, PILL_TEXT) + 16 for _, text, _, _ in pills]
    used = sum(widths) + 6 * max(0, len(widths) - 1)
    title = _ellipsize(prose.title(metric), w - 30 - used - 8, TITLE, bold=True)
    caption = labels.caption.get(metric.name, "")
    value = labels.value.get(metric.name)
    label = f"{caption}: {prose.title(metric)}" + (f", {value}" if value else "")
    out.nodes.append(
        Node(
            metric.name,
            round(x, 1),
            round(y, 1),
            round(w, 1),
            COMPACT_H,
            "tracked",
            metric.role.value,
            caption,
            (title,),
            labels.href[metric.name],
            label,
            None,
            compact=True,
        )
    )
    px = x + w - 10 - used
    for pw, (kind, text, plabel, href) in zip(widths, pills, strict=True):
        out.pills.append(
            Pill(
                round(px, 1),
                round(y + (COMPACT_H - PILL_H) / 2, 1),
                round(pw, 1),
                text,
                plabel,
                href,
                kind,
            )
        )
        px += pw + 6


def _pills(
    out: Layout, labels: Labels, name: str, x: float, y: float, w: float, *, center: bool = False
) -> float:
    """Flow the KPI / key result pills of a metric under its card; returns the y below them."""
    pills = labels.pills.get(name, [])
    if not pills:
        return y - 6
    rows: list[list[tuple[float, tuple[str, str, str, str]]]] = [[]]
    used = 0.0
    for pill in pills:
        pw = min(text_width(pill[1], PILL_TEXT) + 20, w)
        if rows[-1] and used + pw > w:
            rows.append([])
            used = 0.0
        rows[-1].append((pw, pill))
        used += pw + 6
    for r, row in enumerate(rows):
        total = sum(pw for pw, _ in row) + 6 * (len(row) - 1)
        px = x + (w - total) / 2 if center else x
        for pw, (kind, text, label, href) in row:
            shown = _ellipsize(text, pw - 20, PILL_TEXT)
            out.pills.append(
                Pill(
                    round(px, 1),
                    round(y + r * (PILL_H + 6), 1),
                    round(pw, 1),
                    shown,
                    label,
                    href,
                    kind,
                )
            )
            px += pw + 6
    return y + len(rows) * (PILL_H + 6) - 6
