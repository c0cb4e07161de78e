"""Hostile YAML: bombs, deep nesting, huge and binary files, tags that would run code.

Each input goes through `nsmcode validate` (click's CliRunner, in-process) next to a valid file and
must be refused quickly (well under a second; the assertion leaves a generous margin) with a
located, coded diagnostic, and no traceback. Loading must never construct objects from tags: the
payloads below would create a file if anything executed them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main

VALID = """\
sources:
  - name: events
    table: events
    time_column: at
    columns:
      - {name: at, type: timestamp}
      - {name: kind, type: string}
metrics:
  - name: event_count
    source: events
    calculation: {type: count}
    grain: week
"""

# No test asserts time (a loaded machine makes such tests flaky): each refusal names the cap that
# fired, which proves the input was not expanded; bench/startup.py prints how long each one takes.


@dataclass(frozen=True)
class Hostile:
    data: bytes
    code: str
    message: str
    """A part of the diagnostic's message."""
    where: str | None = None
    """The expected `line:col` of the diagnostic, when it is meaningful."""


def _laughs(levels: int = 9) -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


def _text_bomb() -> bytes:
    big = "x" * 1_000_000
    refs = ", ".join(["*big"] * 200)
    return f"description: &big '{big}'\nmore: [{refs}]\n".encode()


def _pwned_payloads(marker: Path) -> dict[str, bytes]:
    """Tags that would create `marker` if a loader constructed them."""
    quoted = str(marker).replace("'", "''")
    return {
        "python_object_apply_os_system": (
            f"sources: !!python/object/apply:os.system ['touch {quoted}']\n"
        ).encode(),
        "python_object_apply_in_a_value": (
            "metrics:\n  - name: m\n    description: "
            f"!!python/object/apply:subprocess.check_call [['touch', '{quoted}']]\n"
        ).encode(),
        "python_object_new": (
            f"okrs: !!python/object/new:pathlib.Path.touch [!!python/object/new:pathlib.Path "
            f"['{quoted}']]\n"
        ).encode(),
        "python_name": b"sources: !!python/name:os.system\n",
        "tag_directive_to_python": (
            "%TAG !py! tag:yaml.org,2002:python/object/apply:\n---\n"
            f"sources: !py!os.system ['touch {quoted}']\n"
        ).encode(),
        "custom_include_tag": b"sources: !include /etc/passwd\n",
        "custom_env_tag": b"qualifiers: !env HOME\n",
    }


def _cases(marker: Path) -> dict[str, Hostile]:
    cases = {
        "billion_laughs": Hostile(_laughs(), "E010", "expands to more than 200000 values"),
        "alias_text_bomb": Hostile(_text_bomb(), "E010", "million characters of text"),
        "recursive_alias": Hostile(b"sources: &a [*a]\n", "E010", "nesting deeper than"),
        "deep_flow_nesting": Hostile(
            b"sources: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "E010", "nesting deeper than"
        ),
        "deep_block_nesting": Hostile(
            "".join("  " * i + f"k{i}:\n" for i in range(1000)).encode(),
            "E010",
            "nesting deeper than",
        ),
        "deep_mapping_nesting": Hostile(
            b"sources: " + b"{a: " * 20_000 + b"1" + b"}" * 20_000 + b"\n",
            "E010",
            "nesting deeper than",
        ),
        "very_long_line_unclosed_quote": Hostile(
            b"metrics: [{name: m, description: '" + b"x" * 1_000_000 + b"\n",
            "E001",
            "YAML syntax error",
        ),
        "very_long_name": Hostile(
            VALID.replace("name: event_count", "name: " + "n" * 1_000_000).encode(),
            "E004",
            "longer than 128 characters",
        ),
        "very_long_table_name": Hostile(
            VALID.replace("table: events", "table: " + "t" * 1_000_000).encode(),
            "E004",
            "longer than 512 characters",
        ),
        "huge_file": Hostile(b"# " + b"x" * 6_000_000 + b"\n", "E009", "larger than 5 MB"),
        "binary_file": Hostile(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "E009", "binary"
        ),
        "utf16_file": Hostile(VALID.encode("utf-16"), "E009", "binary"),
        "latin1_file": Hostile(
            VALID.replace("kind", "caf\u00e9").encode("latin-1"),
            "E009",
            "not valid UTF-8",
            "7:19",
        ),
        "nul_after_the_first_8k": Hostile(
            VALID.encode() + b"# " + b"x" * 9000 + b"\n" + b"x: \x00\n",
            "E001",
            "U+0000 is not allowed",
            "14:4",
        ),
        "escape_character": Hostile(b"sources:\n  - name: \x1b[31mred\n", "E001", "U+001B", "2:11"),
        "tab_indentation": Hostile(
            b"sources:\n\t- name: events\n", "E001", "found a tab character", "2:1"
        ),
        "duplicate_keys": Hostile(
            VALID.replace("table: events", "table: events\n    table: events_v2").encode(),
            "E002",
            "duplicate key 'table'",
            "4:5",
        ),
        "merge_key": Hostile(
            b"x: &base {type: count}\nmetrics:\n  - <<: *base\n", "E010", "merge keys", "3:5"
        ),
        "several_documents": Hostile(
            VALID.encode() + b"---\n" * 100_000, "E001", "found several", "14:1"
        ),
        "surrogate_escape": Hostile(
            VALID.replace("table: events", 'table: "ev\\ud800ents"').encode(),
            "E004",
            "unpaired surrogate",
            "3:12",
        ),
        "nan_target": Hostile(
            VALID.replace(
                "grain: week",
                "grain: week\n    target: {value: .nan, direction: increase, due: 2026-12-31}",
            ).encode(),
            "E004",
            "expected a finite number (got nan)",
            "13:21",
        ),
        "huge_integer_baseline": Hostile(
            b"okrs:\n  - name: o\n    objective: x\n    period: 2026-Q4\n    key_results:\n"
            b"      - {metric: event_count, baseline: " + b"9" * 5000 + b"}\n",
            "E004",
            "expected a finite number",
        ),
        "complex_key": Hostile(b"? [sources]\n: []\n", "E004", "a key must be a plain string"),
        "timestamp_with_zone_as_due_date": Hostile(
            b"okrs:\n  - name: o\n    objective: x\n    period: 2026-Q4\n    key_results:\n"
            b"      - {metric: event_count, due: 2026-12-31T23:59:59+05:00}\n",
            "E004",
            "expected a date",
        ),
    }
    for name, data in _pwned_payloads(marker).items():
        cases[name] = Hostile(data, "E010", "is not allowed")
    return cases


CASE_NAMES = sorted(_cases(Path("/nonexistent")))


@pytest.fixture(scope="module", autouse=True)
def _warm_up(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Import what validate imports once, before the cases run."""
    root = _project(tmp_path_factory.mktemp("warm"))
    assert CliRunner().invoke(main, ["validate", "--project", str(root)]).exit_code in (0, 1)


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "definitions").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text("version: 1\nname: hostile\npaths: [definitions]\n")
    (root / "definitions" / "valid.yaml").write_text(VALID)
    return root


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_input_is_refused_with_a_located_message(
    name: str, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pwned"
    case = _cases(marker)[name]
    root = _project(tmp_path)
    file = root / "definitions" / "hostile.yaml"
    file.write_bytes(case.data)
    monkeypatch.chdir(root)
    result = runner.invoke(main, ["validate", "--project", "."])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    where = case.where or r"\d+:\d+"
    pattern = rf"^definitions/hostile\.yaml:{where}: {case.code} .*{re.escape(case.message)}"
    assert re.search(pattern, result.output, re.M), result.output[:2000]
    assert len(result.output) < 5000, "the message must be short, not the input echoed back"
    assert not marker.exists(), "a tag was executed"


def test_the_payloads_are_real(tmp_path: Path) -> None:
    """The tags above do create the file under an unsafe loader (PyYAML's), so their refusal
    proves something: nsmcode's loader never constructs them."""
    yaml = pytest.importorskip("yaml")
    marker = tmp_path / "pwned"
    payload = _pwned_payloads(marker)["python_object_apply_os_system"]
    yaml.unsafe_load(payload)
    assert marker.exists()


def test_a_byte_order_mark_changes_nothing(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A BOM is accepted, and positions after it are the same as without it."""
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    broken = VALID.replace("type: count", "type: cont")
    outputs = []
    for prefix in (b"", b"\xef\xbb\xbf"):
        (root / "definitions" / "valid.yaml").write_bytes(prefix + broken.encode())
        result = runner.invoke(main, ["validate", "--project", "."])
        assert result.exit_code == 2
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert "definitions/valid.yaml:11:25: E004" in outputs[0]
    (root / "definitions" / "valid.yaml").write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert runner.invoke(main, ["validate", "--project", "."]).exit_code in (0, 1)


def test_hostile_project_file(tmp_path: Path, runner: CliRunner) -> None:
    """nsmcode.yaml itself goes through the same safe loader."""
    marker = tmp_path / "pwned"
    root = _project(tmp_path)
    for data in (*_pwned_payloads(marker).values(), _laughs(), b"\x00\x01binary"):
        (root / "nsmcode.yaml").write_bytes(b"version: 1\nname: x\n" + data)
        result = runner.invoke(main, ["validate", "--project", str(root)])
        assert result.exit_code == 2, result.output
        assert "nsmcode.yaml:" in result.output
        assert "Traceback" not in result.output
    assert not marker.exists()
