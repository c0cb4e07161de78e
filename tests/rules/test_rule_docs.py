"""Rule documentation: complete, truthful (examples fail and pass), quoting the seeds verbatim,
and the committed docs/rules/ generated from the current rule classes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from casetools import build, findings, relative

from nsmcode.rules import DEFAULT_RULES
from nsmcode.rules.docs import render, stale
from nsmcode.rules.engine import Rule

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
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


def _quotes(rule: type[Rule]) -> list[tuple[str, str]]:
    """(quoted text, seed file) for every block quote of the rule's documentation."""
    out = []
    for block in re.split(r"\n(?!>)", "\n" + rule.doc()):
        lines = [line for line in block.splitlines() if line.startswith(">")]
        if not lines:
            continue
        text = " ".join(line.lstrip("> ").strip() for line in lines if "— seed" not in line)
        source = re.search(r"— seed \"[^\"]+\" \(([0-9a-f_]+\.txt)\)", "\n".join(lines))
        assert source, f"{rule.code}: a quote must name its seed"
        out.append((text.strip(), source.group(1)))
    return out


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.code)
def test_quotes_are_verbatim_from_the_named_seed(rule: type[Rule]) -> None:
    quotes = _quotes(rule)
    if not rule.name.startswith("config."):
        assert quotes, f"{rule.code} quotes no principle from the seeds"
    if not SEEDS.is_dir():
        pytest.skip(f"the seed texts are not beside the repository ({SEEDS})")
    for text, seed in quotes:
        body = " ".join((SEEDS / seed).read_text(encoding="utf-8").split())
        assert " ".join(text.split()) in body, f"{rule.code}: not verbatim in {seed}: {text!r}"


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
