"""Step 2 on synthetic accounts: a planted link between early features and later activity passes,
no link fails, and every bucket equals the Python reference over the same rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from analyze_data import Build, retention_buckets

from nsmcode.analyze import analyze_project
from nsmcode.analyze.result import RetentionCheck, plural
from nsmcode.project import load_project


def retention(build: Build, scenario: str) -> RetentionCheck:
    root, _ = build(scenario)
    return analyze_project(load_project(root)).retention


@pytest.mark.parametrize(
    ("scenario", "cohort"),
    [("retained", "signups"), ("retained_by_first_use", "nsm"), ("not_retained", "signups")],
)
def test_buckets_equal_python(build: Build, scenario: str, cohort: str) -> None:
    root, data = build(scenario)
    check = analyze_project(load_project(root)).retention
    want = retention_buckets(data, cohort=cohort)
    got = {b.bucket: (b.entities, b.retained, b.low, b.high) for b in check.buckets if b.entities}
    assert got == want
    assert [b.bucket for b in check.buckets] == [0, 1, 2, 3, 4]


def test_planted_retention_passes(build: Build) -> None:
    check = retention(build, "retained")
    assert check.status == "pass"
    verdict = check.verdict
    assert verdict is not None and verdict.z is not None and verdict.z > 1.96
    assert verdict.top is not None and verdict.bottom is not None
    assert (verdict.bottom.bucket, verdict.top.bucket) == (1, 4)
    rates = [b.rate for b in check.buckets if b.entities]
    assert rates == sorted(rates)
    # signups that never used the product form their own bucket, compared but not the bottom
    none = check.buckets[0]
    assert none.entities > 0 and none.low == 0
    assert check.summary.startswith("Retention rises with the north-star score")
    assert any("first signups event" in text for text in check.explanation)


def test_first_use_cohort_has_no_zero_bucket(build: Build) -> None:
    """With the north star as cohort (the default), every account starts with its first use."""
    check = retention(build, "retained_by_first_use")
    assert check.cohort == check.activity == "active_features"
    assert check.buckets[0].entities == 0
    assert check.status == "pass"


def test_no_link_fails(build: Build) -> None:
    check = retention(build, "not_retained")
    assert check.status == "fail"
    assert check.verdict is not None and check.verdict.reason == "not_significant"
    assert check.verdict.z is not None and abs(check.verdict.z) <= 1.96
    assert any("not causation" in t or "does not show" in t for t in check.explanation)


def test_retention_dict_is_json_ready(build: Build) -> None:
    data = retention(build, "retained").to_dict()
    assert data["later_days"] == [56, 84] and data["score_days"] == 28
    labels = [b["label"] for b in data["buckets"]]
    assert labels[0] == "none" and all(label.startswith("Q") for label in labels[1:])


def test_a_ratio_north_star_is_scored_by_its_numerator(build: Build, tmp_path: Path) -> None:
    """A ratio north star (active features per signup) has no rows of its own: each entity is
    scored by the ratio's numerator, which has. Same data, same buckets as the numerator."""
    root, data = build("retained")
    ratio = tmp_path / "ratio"
    shutil.copytree(root, ratio)
    metrics = ratio / "metrics" / "metrics.yaml"
    text = metrics.read_text().replace("    role: north_star\n", "")
    text = text.replace(
        "  - name: activity_ratio\n", "  - name: activity_ratio\n    role: north_star\n"
    )
    metrics.write_text(text + "    entity: account\n")
    config = ratio / "nsmcode.yaml"
    config.write_text(
        config.read_text().replace(
            "retention_cohort: signups", "retention_cohort: signups, retention_activity: "
            "active_features"
        )
    )
    check = analyze_project(load_project(ratio)).retention
    assert check.status == "pass"
    got = {b.bucket: (b.entities, b.retained, b.low, b.high) for b in check.buckets if b.entities}
    assert got == retention_buckets(data, cohort="signups")
    assert any("active_features" in text for text in check.explanation)


def test_plural_of_the_entity() -> None:
    assert [plural(w) for w in ("account", "entity", "company", "key", "business", "box")] == [
        "accounts",
        "entities",
        "companies",
        "keys",
        "businesses",
        "boxes",
    ]
