"""Packaging: the wheel and sdist build, install into a fresh venv and run; start-up stays light."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from nsmcode import __version__

HEAVY = ("sqlglot", "jinja2", "duckdb", "psycopg", "pyspark")
BIN = Path(sys.executable).parent


def _imports(*args: str) -> set[str]:
    """Top-level packages imported by `nsmcode ARGS`, read from `python -X importtime`."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nsmcode", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    assert "click" in names  # the parse worked
    return names


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["import", "--help"]])
def test_start_up_imports_no_engine_or_compiler(args: list[str]) -> None:
    imported = _imports(*args)
    assert sorted(imported & set(HEAVY)) == []
    if args == ["--version"]:
        assert "pydantic" not in imported
        assert "ruamel" not in imported


# What `nsmcode --version` may import: the standard library, click, and these modules of its own.
# Start-up time is measured by bench/startup.py; a test only checks this deterministic proxy.
VERSION_MODULES = {"nsmcode", "nsmcode.__main__", "nsmcode.cli", "nsmcode.diagnostics"}


def _modules(*args: str) -> set[str]:
    """Every module in sys.modules after `nsmcode ARGS` ran in a fresh interpreter."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['nsmcode', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('nsmcode', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return set(result.stderr.split())


def test_version_imports_only_click_and_the_standard_library() -> None:
    modules = _modules("--version")
    third_party = {
        name.split(".")[0]
        for name in modules
        if name.split(".")[0] not in sys.stdlib_module_names | {"nsmcode"}
        and not name.startswith("_")
    }
    assert third_party == {"click"}
    ours = {name for name in modules if name.split(".")[0] == "nsmcode"}
    assert ours <= VERSION_MODULES, sorted(ours - VERSION_MODULES)


def test_help_imports_no_definitions_machinery() -> None:
    """`--help` lists the commands without loading what they run."""
    ours = {name for name in _modules("--help") if name.split(".")[0] == "nsmcode"}
    heavy = ("loader", "models", "project", "compile", "run", "analyze", "site", "outputs")
    loaded = sorted(n for n in ours if n.split(".")[1:2] and n.split(".")[1] in heavy)
    assert loaded == []


def test_the_installed_script_prints_the_version() -> None:
    script = BIN / "nsmcode"
    assert script.is_file()
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and __version__ in result.stdout


def test_dialect_choices_match_the_models() -> None:
    from nsmcode.commands.importer import DIALECT_CHOICES
    from nsmcode.models import DIALECTS

    assert DIALECT_CHOICES == DIALECTS


def test_grain_choices_match_the_models() -> None:
    from nsmcode.api import GRAINS
    from nsmcode.commands import run
    from nsmcode.models import Grain

    assert GRAINS == run.GRAINS == tuple(g.value for g in Grain)


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_wheel_builds_installs_and_runs(source_tree: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--outdir", dist, source_tree, cwd=tmp_path)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("nsmcode-*.whl")
    (sdist,) = dist.glob("nsmcode-*.tar.gz")

    # every data file of the package (starter project, site templates and assets) is shipped
    package_data = sorted(
        p.relative_to(source_tree).as_posix()
        for p in (source_tree / "nsmcode").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    )
    assert "nsmcode/starter/files/nsmcode.yaml" in package_data
    assert "nsmcode/py.typed" in package_data
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
        (metadata_name,) = [n for n in in_wheel if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()
    assert [f for f in package_data if f not in in_wheel] == []
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert [f for f in package_data if f not in in_sdist] == []

    # heavy engines stay in extras
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    core = [r for r in requires if "extra ==" not in r]
    for heavy in ("duckdb", "psycopg", "pyspark", "playwright"):
        assert not [r for r in core if heavy in r.lower()], core
    extras = {
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Provides-Extra:")
    }
    assert {"duckdb", "postgres", "spark", "docs-test", "dev"} <= extras

    # a fresh venv: the wheel itself, dependencies borrowed from this environment (no network)
    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
    ).stdout.strip()
    (Path(site) / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    where = _run(python, "-c", "import nsmcode; print(nsmcode.__file__)", cwd=tmp_path)
    assert where.stdout.strip().startswith(site), where.stdout + where.stderr
    nsmcode = venv / "bin" / "nsmcode"
    version = _run(nsmcode, "--version", cwd=tmp_path)
    assert version.returncode == 0 and __version__ in version.stdout

    example = _run(
        nsmcode, "validate", "--project", source_tree / "examples" / "metrics", cwd=tmp_path
    )
    assert example.returncode == 0, example.stdout + example.stderr

    # the starter project ships inside the wheel and validates cleanly
    init = _run(nsmcode, "init", "starter", cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    starter = _run(nsmcode, "validate", "--project", "starter", cwd=tmp_path)
    assert starter.returncode == 0, starter.stdout + starter.stderr
