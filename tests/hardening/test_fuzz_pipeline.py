"""Fuzzing in the normal suite (deterministic, a few hundred cases): random YAML and random
mutations of the example project never crash nsmcode; every refusal is a located diagnostic.

`bench/fuzz.py` runs the same mutations 10,000+ times; these tests keep the property in CI.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hardening_kit import (
    DIALECTS,
    PATCHED,
    Pipeline,
    available_commands,
    cached_parse,
    check_located,
    check_report,
    example_files,
    mutate,
    random_document,
    with_target,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsmcode.diagnostics import InputError
from nsmcode.loader import read_text
from nsmcode.project import load_project
from nsmcode.yamlsource import parse

FAST = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@settings(FAST, max_examples=300)
@given(st.one_of(st.text(), st.text(alphabet="{}[]:-,'\"&*!|>#%@? \n\tab1"), st.binary()))
def test_the_parser_never_raises_on_any_text(data: str | bytes) -> None:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    _, problems = parse(text, "f.yaml")
    for problem in problems:
        assert problem.span is not None and problem.span.file == "f.yaml"
        assert problem.span.line >= 1 and problem.span.col >= 1
        assert problem.span.line <= text.count("\n") + text.count("\r") + 2


@settings(FAST, max_examples=100)
@given(st.binary(max_size=300))
def test_reading_any_bytes_gives_text_or_a_located_refusal(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    text, problems = read_text(path, "f.yaml")
    assert (text is None) == bool(problems)
    assert all(p.span is not None and p.span.file == "f.yaml" for p in problems)


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("random")
    (root / "definitions").mkdir()
    (root / "nsmcode.yaml").write_text("version: 1\nname: random\npaths: [definitions]\n")
    return root


@settings(FAST, max_examples=200)
@given(st.randoms(use_true_random=False), st.integers(1, 3))
def test_random_definition_files_load_or_are_refused_with_locations(
    project_dir: Path, rng: random.Random, count: int
) -> None:
    folder = project_dir / "definitions"
    for old in folder.iterdir():
        old.unlink()
    for i in range(count):
        (folder / f"f{i}.yaml").write_bytes(random_document(rng))
    try:
        load_project(project_dir)
    except InputError as error:
        assert error.diagnostics
        for d in error.diagnostics:
            assert d.span is not None, d.render()
            assert (project_dir / d.span.file).exists() or Path(d.span.file).exists(), d.render()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A pipeline with YAML parsing memoized while this module runs (the example's unchanged
    files are parsed once, not once per case)."""
    with pytest.MonkeyPatch.context() as patch:
        parse = cached_parse()
        for name in PATCHED:
            patch.setattr(f"{name}.parse", parse)
        yield Pipeline(tmp_path_factory.mktemp("fuzz"), commands=available_commands())


@settings(FAST, max_examples=300)
@given(st.randoms(use_true_random=False))
def test_mutations_of_the_example_never_crash_validate(
    pipeline: Pipeline, rng: random.Random
) -> None:
    files, applied = mutate(rng, example_files())
    verdict = pipeline.run(files, commands=("validate",))
    crash = verdict.crash
    assert crash is None, "\n".join([*applied, crash.crash or ""] if crash else applied)


@settings(FAST, max_examples=15)
@given(st.randoms(use_true_random=False), st.sampled_from(DIALECTS))
def test_mutations_of_the_example_never_crash_compile_or_docs(
    pipeline: Pipeline, rng: random.Random, dialect: str
) -> None:
    """Mutations that keep the project loadable (the interesting ones for compile and docs).
    And the contract: when `validate` exits 0, `compile` accepts the definitions."""
    files, applied = mutate(rng, with_target(example_files(), dialect), count=1, semantic=True)
    verdict = pipeline.run(files, label=dialect)
    crash = verdict.crash
    assert crash is None, "\n".join([*applied, crash.crash or ""] if crash else applied)
    steps = {step.args[0]: step for step in verdict.steps}
    if steps["validate"].exit_code == 0 and "compile" in steps:
        assert steps["compile"].exit_code == 0, "\n".join([*applied, steps["compile"].output])


def test_the_pipeline_sees_a_crash(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """The judge is real: an exception inside nsmcode is a crash with its class and place."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("planted")

    monkeypatch.setattr("nsmcode.project.build_project", broken)
    verdict = pipeline.run(example_files(), commands=("validate",))
    assert verdict.crash is not None
    assert (verdict.crash.crash or "").startswith("KeyError at project.py:")


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("E004 something is wrong\n", "no located diagnostic"),
        ("nowhere.yaml:3:1: E004 wrong\n", "missing file"),
        ("nsmcode.yaml:9999:1: E004 wrong\n", "past the end"),
        ("nsmcode.yaml:1:1: E004 wrong\n", None),
    ],
)
def test_the_judge_wants_a_real_location(output: str, problem: str | None, tmp_path: Path) -> None:
    (tmp_path / "nsmcode.yaml").write_text("version: 1\n")
    found = check_located(output, tmp_path)
    assert (found is None) if problem is None else (problem in (found or "")), found


@pytest.mark.parametrize(
    ("fmt", "stdout", "ok"),
    [
        ("json", '{"diagnostics": [{"file": "a.yaml", "line": 2, "col": 3}]}', True),
        ("json", '{"diagnostics": [{"file": "a.yaml", "line": null, "col": 3}]}', False),
        ("json", '{"diagnostics": []}', False),
        ("json", "not json", False),
        ("github", "::error file=a.yaml,line=2,col=1,title=E1::x", True),
        ("github", "::error title=E1::x", False),
    ],
)
def test_the_judge_reads_machine_reports(fmt: str, stdout: str, ok: bool) -> None:
    assert (check_report(fmt, stdout, 2) is None) is ok
