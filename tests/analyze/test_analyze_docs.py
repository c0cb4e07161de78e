"""docs/analyze.md documents every analyze error code and the numbers the code uses."""

from __future__ import annotations

import re
from pathlib import Path

from nsmcode.analyze import retention, setup, stats

DOC = (Path(__file__).resolve().parents[2] / "docs" / "analyze.md").read_text()


def test_every_error_code_is_documented() -> None:
    source = Path(setup.__file__).read_text()
    used = set(re.findall(r'"(A\d{3})"', source))
    documented = set(re.findall(r"^\| (A\d{3}) \|", DOC, flags=re.MULTILINE))
    assert used and used == documented


def test_documented_thresholds_match_the_code() -> None:
    assert f"fewer than **{stats.MIN_PAIRS} pairs**" in DOC
    assert f"at least {stats.MIN_BUCKET} entities" in DOC
    assert f"days 1-{retention.SCORE_DAYS} after the start" in DOC
    later = retention.LATER
    assert f"days {later[0] + 1}-{later[1]} after the start" in DOC
    assert f"at most {setup.MAX_LAG_LIMIT}" in DOC
