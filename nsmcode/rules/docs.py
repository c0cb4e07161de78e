"""Rule documentation, generated from the rule classes: one page per rule and an index.

Regenerate the committed pages with `python -m nsmcode.rules.docs` (from the repository root);
`python -m nsmcode.rules.docs --check` exits 1 when they are out of date, and a test does the same.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from nsmcode.rules import DEFAULT_RULES
from nsmcode.rules.engine import Rule

DOCS_DIR = Path("docs") / "rules"
HELP_URI = "https://github.com/nsmcode/nsmcode/blob/main/docs/rules/{code}.md"
PRINCIPLES = "../principles.md"
"""Where rule docstrings cite their principle: docs/principles.md, relative to docs/rules/."""
PRINCIPLES_URI = "https://github.com/nsmcode/nsmcode/blob/main/docs/principles.md"
GENERATED = (
    "<!-- Generated from the rule classes by `python -m nsmcode.rules.docs`; do not edit. -->"
)


def help_uri(rule: type[Rule]) -> str:
    return HELP_URI.format(code=rule.code)


def rule_body(rule: type[Rule], *, relative: bool = False) -> str:
    """The docstring after its summary line: What it does, Why is this bad?, Example ...

    Links to docs/principles.md stay relative for the pages in docs/rules/ (`relative`); read
    anywhere else (SARIF, the site), they point at the page in the repository."""
    body = "\n".join(rule.doc().splitlines()[1:]).strip()
    return body if relative else body.replace(f"]({PRINCIPLES}", f"]({PRINCIPLES_URI}")


def section(rule: type[Rule], title: str) -> str:
    """The text of one `## title` section of a rule's documentation."""
    parts = ("\n" + rule_body(rule)).split("\n## ")
    for part in parts[1:]:
        heading, _, text = part.partition("\n")
        if heading.strip() == title:
            return text.strip()
    return ""


def rule_markdown(rule: type[Rule], *, generated: bool = True) -> str:
    """A rule's page; `generated=False` leaves out the do-not-edit banner (for the terminal)."""
    module = rule.__module__.replace(".", "/") + ".py"
    lines = [GENERATED, ""] if generated else []
    lines += [
        f"# {rule.code} `{rule.name}`",
        "",
        rule.summary(),
        "",
        f"- Default severity: **{rule.severity.value}**",
        f"- Defined in: `{module}` (`{rule.__name__}`)",
        "",
        rule_body(rule, relative=generated),
        "",
    ]
    if rule.thresholds:
        lines += [
            "## Configuration",
            "",
            "Thresholds, set under `rules.thresholds` in nsmcode.yaml:",
            "",
            "| key | default | meaning |",
            "| --- | --- | --- |",
            *(f"| `{t.key}` | {t.default} | {t.description} |" for t in rule.thresholds),
            "",
        ]
    lines += [
        "## Turning it off",
        "",
        "For one definition, with the reason it does not apply:",
        "",
        "```yaml",
        "suppress:",
        f"  - {{rule: {rule.code}, reason: ...}}",
        "```",
        "",
        "For the whole project, in nsmcode.yaml (`severity`: error, warning, info or off):",
        "",
        "```yaml",
        "rules:",
        "  overrides:",
        f"    - {{rule: {rule.code}, severity: warning, reason: ...}}",
        "```",
        "",
        "[All rules](README.md)",
        "",
    ]
    return "\n".join(lines)


def index_markdown(rules: Sequence[type[Rule]]) -> str:
    rows = [
        f"| [{r.code}]({r.code}.md) | `{r.name}` | {r.severity.value} | {r.summary()} |"
        for r in rules
    ]
    return "\n".join(
        [
            GENERATED,
            "",
            "# The North Star rule pack",
            "",
            "`nsmcode validate` checks every project against these rules after loading it. Each",
            "finding names its rule code, points at the offending value (file:line:col) and",
            "gives a fix hint; `nsmcode rules CODE` prints a rule's page in the terminal. The",
            "principles the rules enforce, and the publications they come from, are on",
            "[docs/principles.md](../principles.md).",
            "",
            "| code | name | default severity | what it wants |",
            "| --- | --- | --- | --- |",
            *rows,
            "",
            "## Configuration",
            "",
            "- **Severity overrides** (nsmcode.yaml): `rules: {overrides: [{rule: NSM009,"
            ' severity: info, reason: ...}]}`; `severity: "off"` turns a rule off. The reason is'
            " mandatory.",
            "- **Thresholds** (nsmcode.yaml): `rules: {thresholds: {min_inputs: 2}}`; the keys"
            " are listed below and on each rule's page. Unknown keys are reported (NSM091).",
            "- **Suppressions** (any metric, funnel, team or OKR): `suppress: [{rule: NSM006,"
            " reason: ...}]` silences that rule's findings about that definition only.",
            "  A suppression or an `off` override that silences nothing is reported (NSM092).",
            "- **Baselines**: `nsmcode validate --write-baseline FILE` records today's findings,"
            " keyed on (definition, code) rather than line numbers; `--baseline FILE` then"
            " reports only new ones, so CI blocks regressions without blocking on old debt.",
            "",
            "## Thresholds",
            "",
            "| key | default | rule | meaning |",
            "| --- | --- | --- | --- |",
            *(
                f"| `{t.key}` | {t.default} | [{r.code}]({r.code}.md) | {t.description} |"
                for r in rules
                for t in r.thresholds
            ),
            "",
            "## Output and exit codes",
            "",
            "`--format text|json|sarif|github`; `--fail-on error|warning` (default error). Exit"
            " code 0 when nothing at or above `--fail-on` is found, 1 when something is, 2 when"
            " the definitions cannot be loaded.",
            "",
        ]
    )


def render(rules: Sequence[type[Rule]] = DEFAULT_RULES) -> dict[str, str]:
    """File name -> content for the whole docs/rules folder."""
    pages = {f"{r.code}.md": rule_markdown(r) for r in rules}
    pages["README.md"] = index_markdown(rules)
    return pages


def stale(directory: Path, rules: Sequence[type[Rule]] = DEFAULT_RULES) -> list[str]:
    """Names of pages missing, different, or left over from a removed rule."""
    wanted = render(rules)
    out = [
        name
        for name, text in sorted(wanted.items())
        if not (directory / name).is_file() or (directory / name).read_text("utf-8") != text
    ]
    if directory.is_dir():
        out += sorted(p.name for p in directory.glob("*.md") if p.name not in wanted)
    return out


def write(directory: Path, rules: Sequence[type[Rule]] = DEFAULT_RULES) -> list[Path]:
    """Write every page and delete pages of rules that no longer exist."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = render(rules)
    for path in directory.glob("*.md"):
        if path.name not in wanted:
            path.unlink()
    written = []
    for name, text in sorted(wanted.items()):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    directory = Path(paths[0]) if paths else DOCS_DIR
    if check:
        out_of_date = stale(directory)
        for name in out_of_date:
            print(f"{directory / name} is out of date", file=sys.stderr)
        if out_of_date:
            print("run: python -m nsmcode.rules.docs", file=sys.stderr)
        return 1 if out_of_date else 0
    for path in write(directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
