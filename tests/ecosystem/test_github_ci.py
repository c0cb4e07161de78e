"""The GitHub Action and the example workflow: their structure, and every nsmcode command in them
run for real against the example project."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from nsmcode.cli import main

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "examples" / "metrics"
ACTION = REPO / "action.yml"
WORKFLOW = REPO / "examples" / "github-workflow.yml"
BIN = Path(sys.executable).parent


CI_DOC = REPO / "docs" / "ci.md"


def _load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())  # YAML 1.2: `on` stays a string


def _doc_blocks() -> list[Any]:
    """The YAML blocks of docs/ci.md: the README workflow, the pre-commit configs, ..."""
    blocks = re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(), re.DOTALL)
    return [YAML(typ="safe").load(block) for block in blocks]


def _workflows() -> list[Any]:
    """The example workflow and the one in docs/ci.md (the README's snippet)."""
    return [_load(WORKFLOW), _doc_blocks()[0]]


def _workflow_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for workflow in _workflows():
        (job,) = workflow["jobs"].values()
        steps += job["steps"]
    return steps


def test_action_is_a_composite_with_the_documented_inputs() -> None:
    action = _load(ACTION)
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name in ("version", "project", "args"):
        assert inputs[name]["description"]
        assert inputs[name]["required"] is False
    for step in action["runs"]["steps"]:
        assert "run" in step or "uses" in step
        if "run" in step:
            assert step["shell"] == "bash"  # composite run steps must name their shell
            # inputs reach scripts through env only: `${{ inputs.x }}` inside a script would let
            # an input inject shell code
            assert "${{" not in step["run"], step["name"]


def test_readme_workflow_is_a_small_version_of_the_example() -> None:
    readme, example = _doc_blocks()[0], _load(WORKFLOW)
    for workflow in (readme, example):
        (job,) = workflow["jobs"].values()
        assert job["env"]["NSMCODE_PROJECT"] == "metrics"
        assert job["runs-on"] == "ubuntu-latest"
    assert readme["permissions"] == example["permissions"]


def test_pre_commit_snippets_use_published_hooks() -> None:
    published = {h["id"] for h in _load(REPO / ".pre-commit-hooks.yaml")}
    configs = [b for b in _doc_blocks() if isinstance(b, dict) and "repos" in b]
    assert len(configs) == 2
    remote, local = configs
    assert {h["id"] for h in remote["repos"][0]["hooks"]} == published
    (hook,) = local["repos"][0]["hooks"]
    assert hook["id"] in published and hook["language"] == "system"


def test_workflow_does_what_the_docs_promise() -> None:
    workflow = _load(WORKFLOW)
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["permissions"]["security-events"] == "write"
    steps = _workflow_steps()
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/checkout@")
    action_steps = [s for s in steps if s.get("uses", "").startswith("nsmcode/nsmcode@")]
    assert action_steps and "--format github" in action_steps[0]["with"]["args"]
    runs = "\n".join(s.get("run", "") for s in steps)
    sarif = re.search(r"--format sarif[^\n>]*> *(\S+)", runs)
    assert sarif is not None
    (upload,) = [
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert upload["with"]["sarif_file"] == sarif.group(1)
    assert "nsmcode compile --check" in runs
    assert re.search(r"nsmcode okr status --format markdown >> \"\$GITHUB_STEP_SUMMARY\"", runs)


def _commands() -> list[list[str]]:
    """Every nsmcode command line in the workflow and the action's default, as argv lists."""
    out: list[list[str]] = []
    for step in _workflow_steps():
        if step.get("uses", "").startswith("nsmcode/nsmcode@"):
            out.append(shlex.split(step["with"]["args"]))
        for line in step.get("run", "").splitlines():
            for segment in re.split(r"&&|\|\||[|;]", line):
                words = shlex.split(segment.split(">")[0])
                if words[:1] == ["nsmcode"]:
                    out.append(words[1:])
    out.append(shlex.split(_load(ACTION)["inputs"]["args"]["default"]))
    for block in _doc_blocks():
        for repo in block.get("repos", []) if isinstance(block, dict) else []:
            for hook in repo["hooks"]:
                if "entry" in hook:  # a local hook
                    words = shlex.split(hook["entry"])[1:]
                    at = words.index("--project")
                    out.append(words[:at] + words[at + 2 :])
    unique: list[list[str]] = []
    for argv in out:
        if argv not in unique:
            unique.append(argv)
    return unique


def _assert_annotations(stdout: str) -> None:
    """Findings are workflow commands (`::error file=...`), never plain `file:line:col:` text."""
    for line in stdout.splitlines():
        assert not re.match(r"^\S+:\d+:\d+: ", line), line
        if line.startswith("::"):
            assert re.match(r"::(error|warning|notice) file=[^,]+,line=\d+", line), line


def test_every_command_is_found() -> None:
    commands = [" ".join(c[:2]) for c in _commands()]
    assert "validate --format" in commands
    assert "compile --check" in commands
    assert "okr status" in commands


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv))
def test_every_command_runs_against_the_example(
    argv: list[str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real options only: each runs through the CLI on the example project (found through
    NSMCODE_PROJECT, as in the workflow) and exits 0 or 1, never 2 (usage or input error)."""
    monkeypatch.setenv("NSMCODE_PROJECT", str(EXAMPLE))
    result = runner.invoke(main, argv)
    assert result.exit_code in (0, 1), result.output[-3000:]
    assert "No such option" not in result.output
    if "--format" in argv:
        fmt = argv[argv.index("--format") + 1]
        if fmt == "sarif":
            sarif = json.loads(result.stdout)
            assert sarif["version"] == "2.1.0"
            assert sarif["runs"][0]["tool"]["driver"]["name"] == "nsmcode"
        elif fmt == "github":
            _assert_annotations(result.stdout)
        elif fmt == "markdown":
            assert "|" in result.stdout and "---" in result.stdout


def test_action_run_step_splits_arguments_like_a_shell(tmp_path: Path, runner: CliRunner) -> None:
    """The action's run step, executed by bash as the runner would: quoted words stay one
    argument and nothing is interpreted by a shell."""
    (step,) = [s for s in _load(ACTION)["runs"]["steps"] if "NSMCODE_ARGS" in s.get("env", {})]
    project = tmp_path / "project"  # small and quick; the example runs in the test above
    assert runner.invoke(main, ["init", str(project)]).exit_code == 0
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "NSMCODE_PROJECT": str(project),
        "NSMCODE_ARGS": "import dbt 'no such; folder $(touch hacked)' --dry-run",
    }
    result = subprocess.run(
        ["bash", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "no such; folder $(touch hacked) does not exist" in result.stderr
    assert not (tmp_path / "hacked").exists()

    env["NSMCODE_ARGS"] = "validate --format github"
    result = subprocess.run(
        ["bash", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stderr
    _assert_annotations(result.stdout)

    # the `project` input, when given, wins over the job's NSMCODE_PROJECT
    env["NSMCODE_PROJECT"] = str(tmp_path / "nowhere")
    env["PROJECT_INPUT"] = str(project)
    result = subprocess.run(
        ["bash", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stderr
    del env["PROJECT_INPUT"]
    result = subprocess.run(
        ["bash", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2 and "nowhere" in result.stderr


def test_action_exports_the_project_for_later_steps(tmp_path: Path) -> None:
    (step,) = [s for s in _load(ACTION)["runs"]["steps"] if "GITHUB_ENV" in s.get("run", "")]
    assert step["if"] == "inputs.project != ''"  # an empty input keeps the job's setting
    github_env = tmp_path / "github_env"
    env = {**os.environ, "GITHUB_ENV": str(github_env), "PROJECT_INPUT": "metrics"}
    subprocess.run(["bash", "-c", step["run"]], env=env, check=True)
    assert github_env.read_text() == "NSMCODE_PROJECT=metrics\n"
