"""The markdown subset rule docs are written in, and the SQL highlighter: escaped, never raw."""

from __future__ import annotations

from nsmcode.site.highlight import highlight_sql
from nsmcode.site.markdown import code_spans, inline, render


def test_rule_doc_structure() -> None:
    doc = """
        ## What it does
        Reports a north star with **no** `qualifiers`.

        ## Why is this bad?
        > Could a team inflate this metric?
        >
        > — seed

        - one
        - two
          continued

        1. first

        ```yaml
        metrics: [a < b]
        ```
    """
    html = str(render(doc, heading_offset=0))
    assert "<h2>What it does</h2>" in html
    assert "<p>Reports a north star with <strong>no</strong> <code>qualifiers</code>.</p>" in html
    assert (
        "<blockquote><p>Could a team inflate this metric?</p>\n<p>— seed</p></blockquote>" in html
    )
    assert "<ul><li>one</li><li>two continued</li></ul>" in html
    assert "<ol><li>first</li></ol>" in html
    assert '<pre><code class="language-yaml">metrics: [a &lt; b]</code></pre>' in html


def test_headings_shift_down() -> None:
    assert str(render("# Title", heading_offset=1)) == "<h2>Title</h2>"


def test_raw_html_is_escaped() -> None:
    html = str(render('<script>alert(1)</script> and <img src=x onerror="alert(1)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_only_safe_links_survive() -> None:
    assert (
        str(inline("[docs](https://example.com/a)")) == '<a href="https://example.com/a">docs</a>'
    )
    assert str(inline("[rule](NSM001.html)")) == '<a href="NSM001.html">rule</a>'
    dangerous = str(inline("[x](javascript:alert(1))"))
    assert "href" not in dangerous and dangerous.startswith("x")
    assert "href" not in str(inline('[x](data:text/html,"<b>")'))


def test_odd_lines_do_not_hang() -> None:
    assert str(render("#nospace\n* \n>")) != ""


def test_code_spans_only() -> None:
    out = str(code_spans("use `NOT is_test` **not** <b>"))
    assert out == "use <code>NOT is_test</code> **not** &lt;b&gt;"


def test_sql_highlight_escapes_and_marks_tokens() -> None:
    html = str(highlight_sql("SELECT COUNT(*) AS value -- n\nFROM t WHERE a = '<x>' AND b > 2"))
    assert '<span class="k">SELECT</span>' in html
    assert '<span class="f">COUNT</span>(' in html
    assert '<span class="s">&#39;&lt;x&gt;&#39;</span>' in html
    assert '<span class="c">-- n</span>' in html
    assert '<span class="n">2</span>' in html
    assert "b &gt; " in html
