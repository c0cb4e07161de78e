"""The small markdown subset rule docstrings are written in, rendered to escaped HTML.

Rule docs use headings, paragraphs, lists, block quotes, fenced code and inline code, emphasis and
links. Forty lines of our own cover that; a markdown dependency would bring raw-HTML passthrough we
would then have to turn off. Everything is escaped; links keep only http(s), mailto and relative
URLs.
"""

from __future__ import annotations

import inspect
import re

from markupsafe import Markup, escape

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\*\*(?P<strong>[^*]+)\*\*"
    r"|(?<![\w*])[*_](?P<em>[^*_\s][^*_]*)[*_](?![\w*])"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)
_SAFE_URL = re.compile(r"^(https?://|mailto:|#|\.{0,2}/|[\w.-]+(?:/[\w.-]*)*(?:#[\w-]*)?$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|(?P<num>\d+)[.)])\s+(?P<body>.*)$")


def code_spans(text: str) -> Markup:
    """Only `code` spans, for messages that may quote user text: nothing else becomes markup."""
    parts = re.split(r"`([^`]+)`", text)
    return Markup("").join(
        Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts)
    )


def inline(text: str) -> Markup:
    out: list[Markup] = []
    pos = 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[pos : match.start()]))
        if match["code"] is not None:
            out.append(Markup("<code>{}</code>").format(match["code"]))
        elif match["strong"] is not None:
            out.append(Markup("<strong>{}</strong>").format(inline(match["strong"])))
        elif match["em"] is not None:
            out.append(Markup("<em>{}</em>").format(inline(match["em"])))
        else:
            url = match["url"]
            label = inline(match["text"])
            if _SAFE_URL.match(url) and not url.lower().startswith("javascript:"):
                out.append(Markup('<a href="{}">{}</a>').format(url, label))
            else:
                out.append(label)
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def render(source: str, *, heading_offset: int = 1) -> Markup:
    """Render a docstring: dedented, blocks separated by blank lines, headings shifted down."""
    lines = inspect.cleandoc(source).splitlines()
    html: list[Markup] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("```"):
            language = stripped[3:].strip()
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                body.append(lines[i])
                i += 1
            i += 1
            cls = Markup(' class="language-{}"').format(language) if language else Markup("")
            html.append(Markup("<pre><code{}>{}</code></pre>").format(cls, "\n".join(body)))
            continue
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", stripped)
        if heading:
            level = min(6, len(heading[1]) + heading_offset)
            html.append(Markup("<h{0}>{1}</h{0}>").format(level, inline(heading[2])))
            i += 1
            continue
        if stripped.startswith(">"):
            quote: list[str] = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quote.append(lines[i].strip()[1:].strip())
                i += 1
            inner_quote = render("\n".join(quote), heading_offset=heading_offset)
            html.append(Markup("<blockquote>{}</blockquote>").format(inner_quote))
            continue
        item = _LIST_ITEM.match(line)
        if item:
            tag = "ol" if item["num"] else "ul"
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                match = _LIST_ITEM.match(lines[i])
                if match:
                    items.append(match["body"])
                elif items:
                    items[-1] += " " + lines[i].strip()
                i += 1
            inner = Markup("").join(Markup("<li>{}</li>").format(inline(x)) for x in items)
            html.append(Markup("<{0}>{1}</{0}>").format(tag, inner))
            continue
        paragraph = [stripped]
        i += 1
        while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
            paragraph.append(lines[i].strip())
            i += 1
        html.append(Markup("<p>{}</p>").format(inline(" ".join(paragraph))))
    return Markup("\n").join(html)


def _starts_block(line: str) -> bool:
    s = line.strip()
    return s.startswith(("```", "#", ">")) or bool(_LIST_ITEM.match(line))
