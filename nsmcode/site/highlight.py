"""SQL syntax colouring done at build time, so pages need no highlighter script.

A small regex tokenizer is enough for reading: keywords, strings, numbers, comments and quoted
identifiers get a class; everything is escaped.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_KEYWORDS = (
    "select from where group by order having limit offset join left right inner outer full "
    "cross on using as and or not in is null case when then else end distinct union all "
    "with over partition rows range between preceding following current row interval cast "
    "coalesce nullif exists true false asc desc nulls first last lateral unnest values "
    "filter within top qualify window extract date timestamp fetch next only except "
    "intersect like ilike"
)
KEYWORDS = frozenset(_KEYWORDS.split())

_TOKEN = re.compile(
    r"(?P<comment>--[^\n]*|/\*.*?\*/)"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<ident>\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]\n]*\])"
    r"|(?P<number>\b\d+(?:\.\d+)?\b)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    re.DOTALL,
)


def highlight_sql(sql: str) -> Markup:
    out: list[Markup] = []
    pos = 0
    for match in _TOKEN.finditer(sql):
        out.append(escape(sql[pos : match.start()]))
        text = match.group()
        kind = match.lastgroup
        if kind == "word":
            if text.lower() in KEYWORDS:
                out.append(Markup('<span class="k">{}</span>').format(text))
            elif sql[match.end() : match.end() + 1] == "(":
                out.append(Markup('<span class="f">{}</span>').format(text))
            else:
                out.append(escape(text))
        else:
            cls = {"comment": "c", "string": "s", "ident": "i", "number": "n"}[kind or "word"]
            out.append(Markup('<span class="{}">{}</span>').format(cls, text))
        pos = match.end()
    out.append(escape(sql[pos:]))
    return Markup("").join(out)
