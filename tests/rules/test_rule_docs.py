"""Rule documentation: complete, truthful (examples fail and pass), citing the principles of
docs/principles.md verbatim, and the committed docs/rules/ generated from the rule classes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from casetools import build, findings, relative

from nsmcode.rules import DEFAULT_RULES
from nsmcode.rules.docs import render, stale
from nsmcode.rules.engine import Rule

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def _examples(rule: type[Rule]) -> tuple[str, str]:
    doc = rule.doc()
    failing, _, passing = doc.partition("\nUse instead:\n")
    bad = FENCE.findall(failing.partition("\n## Example\n")[2])
    good = FENCE.findall(passing)
    assert len(bad) == 1 and len(good) == 1, f"{rule.code}: one failing and one passing example"
    return bad[0], good[0]


def test_committed_docs_are_up_to_date() -> None:
    out_of_date = stale(REPO / "docs" / "rules")
    assert not out_of_date, f"regenerate with `python -m nsmcode.rules.docs`: {out_of_date}"


def test_docs_cover_every_rule_and_nothing_else() -> None:
    pages = render()
    assert set(pages) == {f"{r.code}.md" for r in DEFAULT_RULES} | {"README.md"}
    for rule in DEFAULT_RULES:
        assert f"[{rule.code}]({rule.code}.md)" in pages["README.md"]
        for key in (t.key for t in rule.thresholds):
            assert f"`{key}`" in pages[f"{rule.code}.md"], key


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.code)
def test_rule_documents_itself(rule: type[Rule]) -> None:
    assert re.fullmatch(r"NSM\d{3}", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*", rule.name), rule.name
    doc = rule.doc()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert f"\n{heading}\n" in doc, f"{rule.code} lacks {heading!r}"
    assert (
        doc.index("## What it does")
        < doc.index("## Why is this bad?")
        < doc.index("## Example")
        < doc.index("Use instead:")
    )
    _examples(rule)


PRINCIPLES = REPO / "docs" / "principles.md"
CITATION = re.compile(r"— \[(?P<title>[^\]]+)\]\(\.\./principles\.md#(?P<anchor>[a-z0-9-]+)\)")


def _slug(heading: str) -> str:
    """The anchor GitHub gives a markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _principles() -> tuple[dict[str, str], list[str], str]:
    """docs/principles.md: anchor -> heading, every block-quoted passage, and the whole text."""
    text = PRINCIPLES.read_text(encoding="utf-8")
    headings = {_slug(h): h for h in re.findall(r"^## (.+)$", text, re.M)}
    return headings, _block_quotes(text), text


def _block_quotes(text: str) -> list[str]:
    """Each paragraph of each block quote, its lines joined (citation lines included)."""
    out: list[str] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith(">") and line.strip() != ">":
            current.append(line[1:].strip())
            continue
        if current:
            out.append(" ".join(current))
            current = []
    return out


def _citations(rule: type[Rule]) -> list[tuple[list[str], str, str]]:
    """(quoted passages, principle title, anchor) for every block quote of the rule's doc."""
    out = []
    passages: list[str] = []
    for paragraph in _block_quotes(rule.doc()):
        cited = CITATION.search(paragraph)
        if cited is None:
            passages.append(paragraph)
            continue
        assert passages, f"{rule.code}: a citation without a quote"
        out.append((passages, cited["title"], cited["anchor"]))
        passages = []
    assert not passages, f"{rule.code}: a quote must cite its principle in docs/principles.md"
    return out


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.code)
def test_rule_cites_a_principle_of_docs_principles(rule: type[Rule]) -> None:
    """Each rule quotes its principle from docs/principles.md, verbatim, and names it."""
    headings, quotes, text = _principles()
    citations = _citations(rule)
    if rule.name.startswith("config."):
        assert not citations and rule.code in text  # listed as enforcing no principle
        return
    assert citations, f"{rule.code} cites no principle"
    for passages, title, anchor in citations:
        assert anchor in headings, f"{rule.code}: no principle #{anchor} in docs/principles.md"
        assert headings[anchor] == title, f"{rule.code}: #{anchor} is {headings[anchor]!r}"
        section = text.partition(f"## {title}\n")[2].partition("\n## ")[0]
        assert rule.code in section, f"{rule.code} is not listed under {title!r}"
        for passage in passages:
            assert passage in quotes, f"{rule.code}: not verbatim in docs/principles.md: {passage}"


def test_principles_quote_short_passages_and_name_publications() -> None:
    """Every quote is short; every principle cites a publication listed under Sources, never a
    file outside the project."""
    headings, quotes, text = _principles()
    for quote in quotes:
        assert len(quote.split()) <= 25, f"a quote longer than a short sentence: {quote}"
    sources = re.findall(r"^- \*\*[^*]+\*\*: \*(?P<title>[^*]+)\*", text, re.M)
    assert len(sources) == 3
    for title, heading in headings.items():
        if heading in ("Sources", "Configuration rules"):
            continue
        section = text.partition(f"## {heading}\n")[2].partition("\n## ")[0]
        assert any(f"— *{s}*" in section for s in sources), f"{title} cites no listed source"
        assert "Enforced by NSM" in section, f"{title} names no rule"
    assert not re.search(r"\.txt|[0-9a-f]{16}|shared/", text)


def test_nothing_in_the_repository_reads_outside_it() -> None:
    """The project stands on its own: no file refers to texts beside the repository."""
    needle = "shared" + "/seeds"
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    offenders = []
    for rel in filter(None, listed.split("\0")):
        path = REPO / rel
        if path.is_file() and path.stat().st_size < 2_000_000:
            data = path.read_bytes()
            if needle.encode() in data:
                offenders.append(rel)
    assert offenders == []


def _run_example(rule: type[Rule], text: str, root: Path) -> list[str]:
    """Where the rule fires on a documentation example (relative paths of findings in it)."""
    name = "nsmcode.yaml" if text.startswith("# nsmcode.yaml") else "metrics/example.yaml"
    build(root, {name: text})
    return [
        f"{relative(d, root)}:{d.span.line if d.span else 0}"
        for d in findings(root)
        if d.code == rule.code and relative(d, root) == name
    ]


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.code)
def test_documented_examples_fail_and_pass(rule: type[Rule], tmp_path: Path) -> None:
    bad, good = _examples(rule)
    assert _run_example(rule, bad, tmp_path / "bad"), f"{rule.code}: the example does not fail"
    assert not _run_example(rule, good, tmp_path / "good"), f"{rule.code}: 'Use instead' fails"
