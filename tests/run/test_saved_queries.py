"""Saved queries: validated with located errors, run by name, compiled for every target (and the
compiled DuckDB file gives the rows `query --saved` gives)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tinyproject import Tiny, expected

import nsmcode
from nsmcode.cli import main
from nsmcode.models import DIALECTS
from nsmcode.run.connections import open_engine
from nsmcode.run.saved import Relative

D = dt.date
SAVED = """\
version: 1
saved_queries:
  - name: review
    description: Calls and points by plan, last two weeks.
    metrics: [calls, points]
    grain: week
    segments: [plan]
    since: -2 weeks
  - name: team_monthly
    metrics: [calls]
    grain: month
    where: "plan = 'team'"
    since: 2026-10-01
"""


def with_saved(tiny: Tiny, text: str = SAVED) -> Path:
    (tiny.root / "metrics" / "saved.yaml").write_text(text)
    return tiny.root


def cli(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [*args, "--project", str(root)])
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def test_relative_dates() -> None:
    assert Relative.parse("-12 weeks").before(D(2026, 11, 30)) == D(2026, 9, 7)
    assert Relative.parse("-1 month").before(D(2026, 3, 31)) == D(2026, 2, 28)
    assert Relative.parse("-2 quarters").before(D(2026, 8, 15)) == D(2026, 2, 15)
    assert Relative.parse("-90 days").before(D(2026, 4, 1)) == D(2026, 1, 1)


def test_run_by_name_equals_the_query_it_saves(tiny: Tiny) -> None:
    project = nsmcode.load(with_saved(tiny))
    assert project.saved_queries["review"].description
    got = project.query_saved("review", as_of="2026-10-25")
    # -2 weeks from Sunday 2026-10-25 is 2026-10-11: the weeks starting 10-12 and 10-19
    want = project.query(["calls", "points"], segments=["plan"], since="2026-10-11")
    assert got.rows == want.rows and got.columns == ["period", "plan", "calls", "points"]
    assert {r[0] for r in got.rows} == {D(2026, 10, 12), D(2026, 10, 19)}
    monthly = project.query_saved("team_monthly", as_of="2026-10-25")
    team = sum(v for (_, plan), v in expected("calls", by_plan=True).items() if plan == "team")
    assert monthly.rows == [(D(2026, 10, 1), team)]
    assert monthly.complete == (False,)  # October had not ended on 2026-10-25
    out = json.loads(cli(tiny.root, "query", "--saved", "team_monthly", "--format", "json"))[
        "results"
    ]
    assert out[0]["calls"] == team


def test_compiled_for_every_target_and_the_file_runs(tiny: Tiny, tmp_path: Path) -> None:
    root = with_saved(tiny)
    cli(root, "compile", "--out", str(tmp_path / "out"))
    for dialect in DIALECTS:
        for name in ("review", "team_monthly"):
            text = (tmp_path / "out" / "sql" / dialect / "saved" / f"{name}.sql").read_text()
            assert text.startswith(f"-- saved query: {name}\n")
    cli(root, "compile", "--out", str(tmp_path / "out"), "--check")
    project = nsmcode.load(root)
    today = dt.date.today()
    sql = (tmp_path / "out" / "sql" / "duckdb" / "saved" / "review.sql").read_text()
    with open_engine(project._project) as engine:
        ran = engine.execute(sql)
    want = project.query_saved("review", as_of=today)  # relative to today, like CURRENT_DATE
    assert [(r[0], *r[1:]) for r in ran.rows] == want.rows
    explained = cli(root, "query", "--saved", "review", "--explain")
    assert "CURRENT_DATE" in explained


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        (SAVED.replace("[calls, points]", "[calls, pointz]"), "E007", "saved.yaml:5:"),
        (SAVED.replace("-2 weeks", "2 weeks"), "E004", "saved.yaml:8:12: E004"),
        (SAVED.replace("-2 weeks", "9999-12-31"), "E004", "saved.yaml:8:12: E004"),
        (SAVED.replace("-2 weeks", "-5000 days"), "E004", "saved.yaml:8:12: E004"),
        (SAVED.replace("plan = 'team'", "status_code = 500"), "C011", "saved.yaml:12:13: C011"),
        (SAVED.replace("plan = 'team'", "1; DROP TABLE a"), "C012", "saved.yaml:12:14: C012"),
        (SAVED.replace("    grain: week\n", ""), "", ""),
        (SAVED.replace("[calls]", "[calls, errors]").replace("    grain: month\n", ""), "", ""),
        (SAVED.replace("grain: week", "grain: total"), "Q002", "saved.yaml:8:"),
        # a fiscal grain without `calendar: {fiscal_year_start}`: at `grain:`, not at `--by`
        (SAVED.replace("grain: month", "grain: fiscal_quarter"), "C043", "saved.yaml:11:12: C043"),
    ],
)
def test_bad_saved_queries_are_located(tiny: Tiny, text: str, code: str, where: str) -> None:
    root = with_saved(tiny, text)
    out = CliRunner().invoke(main, ["validate", "--project", str(root)]).output
    if not code:  # metrics of one grain need no `grain:`
        assert "saved.yaml" not in out, out
        cli(root, "query", "--saved", "team_monthly")
        return
    assert code in out and where in out, out
    assert "Traceback" not in out
    if code.startswith(("C", "Q")):  # compile and query refuse it the same way
        assert where in cli(root, "compile", "--out", str(root / "out"), code=2)
    if code == "C043":
        assert where in cli(root, "query", "--saved", "team_monthly", code=2)


def test_grains_that_differ_need_a_grain(tiny: Tiny) -> None:
    text = SAVED.replace("[calls]", "[calls, monthly_calls]").replace("    grain: month\n", "")
    (tiny.root / "metrics" / "extra.yaml").write_text(
        "version: 1\nmetrics:\n  - name: monthly_calls\n    source: api_calls\n"
        "    calculation: {type: count}\n    grain: month\n"
    )
    root = with_saved(tiny, text.replace("grain: week", "grain: week"))
    out = CliRunner().invoke(main, ["validate", "--project", str(root)]).output
    assert "saved.yaml:10:14: Q001 [error] saved query 'team_monthly': its metrics have" in out


def test_unknown_saved_query(tiny: Tiny) -> None:
    root = with_saved(tiny)
    out = cli(root, "query", "--saved", "reveiw", code=2)
    assert "--saved:1:1: Q003 unknown saved query 'reveiw'" in out and "did you mean review" in out
    assert "drop METRIC" in cli(root, "query", "calls", "--saved", "review", code=2)


def test_docs_site_lists_saved_queries_with_their_sql(tiny: Tiny, tmp_path: Path) -> None:
    root = with_saved(tiny)
    cli(root, "docs", "build", "--out", str(tmp_path / "site"))
    page = (tmp_path / "site" / "saved.html").read_text()
    for name in ("review", "team_monthly"):
        assert f'id="saved-{name}"' in page and f'id="saved-sql-{name}-duckdb"' in page
    assert "Calls and points by plan, last two weeks." in page
    assert "plan = &#39;team&#39;" in page  # escaped
    assert 'href="saved.html"' in (tmp_path / "site" / "index.html").read_text()
    # every compiled dialect, behind a dialect switcher like a metric page's
    project = nsmcode.load(root)
    targets = [project.definitions.config.dialect, *project.definitions.config.targets]
    assert len(set(targets)) == len(DIALECTS)
    for name in ("review", "team_monthly"):
        tablist = page.split(f'aria-label="SQL dialect of {name}"', 1)[1].split("</div>", 1)[0]
        assert re.findall(r'data-dialect="(\w+)"', tablist) == list(dict.fromkeys(targets))
        for dialect in set(targets):
            code = re.search(
                rf'<code id="saved-sql-{name}-{dialect}" class="language-sql">(.*?)</code></pre>',
                page,
                re.S,
            )
            assert code is not None, (name, dialect)
            shown = html.unescape(re.sub(r"<[^>]+>", "", code.group(1)))
            assert shown == project.saved_sql(name, dialect=dialect).rstrip("\n"), dialect
