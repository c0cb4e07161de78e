"""`validate` and `rules`: structure, references and the North Star rule pack."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from nsmcode.cli import Exit, output_file_option, project_option, report_errors
from nsmcode.diagnostics import InputError, Severity
from nsmcode.report import FORMATS


@click.command()
@project_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people; json (the shared envelope); sarif (code scanning); github "
    "(workflow annotations); junit (CI test reports).",
)
@output_file_option
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding of this severity or worse remains.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Report only findings not accepted by this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Accept every current finding: write them to this baseline file and exit 0.",
)
@click.option(
    "--show-info",
    is_flag=True,
    help="With -q, print info-level findings too (they are counted either way).",
)
@report_errors
def validate(
    project_dir: Path,
    fmt: str,
    fail_on: str,
    baseline_file: Path | None,
    write_baseline_file: Path | None,
    show_info: bool,
) -> None:
    """Check the definitions: structure, references, the North Star rules, and everything
    `compile` and `query` would refuse for every dialect in `targets` or of a connection
    (exit 1 when they would)."""
    from nsmcode.compile.diagnose import diagnose
    from nsmcode.console import current
    from nsmcode.project import load_project
    from nsmcode.report import Summary, render
    from nsmcode.rules import DEFAULT_RULES, check_project
    from nsmcode.rules.baseline import apply_baseline, read_baseline, write_baseline

    if baseline_file is not None and write_baseline_file is not None:
        raise click.UsageError("use --baseline or --write-baseline, not both")
    try:
        project = load_project(project_dir)
        from nsmcode.compile.funnel import check_funnels

        if problems := check_funnels(project):
            raise InputError(problems)
        accepted = read_baseline(baseline_file) if baseline_file is not None else None
    except InputError as exc:
        if fmt != "text":
            summary = Summary(input_error=True)
            current().result(render(fmt, exc.diagnostics, summary, DEFAULT_RULES))
        raise
    console = current()
    with console.timed(f"checked {len(DEFAULT_RULES)} rules"):
        outcome = check_project(project)
    from nsmcode.run import saved

    targets = project.config.checked_dialects
    # saved queries compile for every target (their own diagnostics, see run/saved.py)
    outcome.findings.extend(saved.diagnostics(project, targets))
    if write_baseline_file is not None:
        count = write_baseline(write_baseline_file, outcome.findings)
        console.info(
            f"wrote {write_baseline_file}: {count} finding{'s' if count != 1 else ''} accepted"
        )
        return
    findings, baselined = outcome.findings, 0
    if accepted is not None:
        findings, baselined = apply_baseline(findings, accepted)
    # what the compiler refuses is never a finding to accept: no baseline or suppression hides it
    with console.timed(f"compiled every metric for {', '.join(targets)}"):
        refused = diagnose(project)
    findings = sorted([*findings, *refused], key=lambda f: f.sort_key())
    summary = Summary(
        project=project.config.name,
        metrics=len(project.metrics),
        suppressed=outcome.suppressed,
        baselined=baselined,
    )
    if console.quiet and not show_info and fmt == "text":  # -q: info is counted, not printed
        shown = [f for f in findings if f.severity is not Severity.INFO]
        summary = dataclasses.replace(summary, hidden_info=len(findings) - len(shown))
        findings = shown

    def style(text: str, **styles: object) -> str:
        return console.style(text, False, **styles)

    console.result(render(fmt, findings, summary, DEFAULT_RULES, style))
    threshold = Severity(fail_on).rank
    if any(f.severity.rank >= threshold for f in findings):
        sys.exit(Exit.FINDINGS)


@click.command()
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List the rules, or print the documentation of rule CODE (e.g. NSM002)."""
    from nsmcode.rules import DEFAULT_RULES, rule_for
    from nsmcode.rules.docs import rule_markdown

    if code is None:
        from collections import Counter

        from nsmcode.console import current

        count = Counter(r.severity.value for r in DEFAULT_RULES)
        by = ", ".join(f"{n} {severity}" for severity, n in sorted(count.items()))
        current().detail(f"{len(DEFAULT_RULES)} rules in the default pack: {by}")
        width = max(len(r.name) for r in DEFAULT_RULES)
        for r in DEFAULT_RULES:
            click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary()}")
        return
    rule = rule_for(code)
    if rule is None:
        import difflib

        known = [r.code for r in DEFAULT_RULES] + [r.name for r in DEFAULT_RULES]
        close = difflib.get_close_matches(code, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else "; run `nsmcode rules` to list them"
        raise click.UsageError(f"unknown rule {code!r}{hint}")
    from nsmcode.console import current

    current().detail(f"rule {rule.code} ({rule.name}), severity {rule.severity.value}")
    click.echo(rule_markdown(rule, generated=False))
