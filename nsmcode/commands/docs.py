"""`docs build` and `docs serve`: the metric handbook, a static site made from the definitions."""

from __future__ import annotations

from pathlib import Path

import click

from nsmcode.cli import project_option, report_errors

out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder the site is written into; its files are replaced on every build. "
    "Default: <project>/site.",
)
data_option = click.option(
    "--with-data",
    is_flag=True,
    help="Run the metrics on the project's connection to show current values, progress and trends.",
)


@click.group()
def docs() -> None:
    """The metric handbook: a static site anyone in the company can read."""


def _build(project_dir: Path, out: Path | None, with_data: bool) -> Path:
    from nsmcode.console import current
    from nsmcode.project import load_project
    from nsmcode.site import build_site

    console = current()
    project = load_project(project_dir)
    out = project_dir / "site" if out is None else out
    with console.timed(f"built the site{' with data' if with_data else ''}"):
        result = build_site(
            project, out, with_data=with_data, progress=console.steps("querying data")
        )
    if console.verbose:
        files = sum(1 for path in result.out.rglob("*") if path.is_file())
        console.detail(f"wrote {files} files into {result.out.resolve()}")
    console.success(
        f"wrote {result.pages} pages to {out}"
        + (f" ({result.findings} validator findings shown)" if result.findings else "")
    )
    return result.out


@docs.command()
@project_option
@out_option
@data_option
@report_errors
def build(project_dir: Path, out: Path | None, with_data: bool) -> None:
    """Build the handbook into OUT.

    Open OUT/index.html in a browser (it works from the file system, offline) or publish the
    folder as it is on any static host."""
    _build(project_dir, out, with_data)


@docs.command()
@project_option
@out_option
@data_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option("--no-build", is_flag=True, help="Serve the folder as it is, without rebuilding.")
@report_errors
def serve(project_dir: Path, out: Path | None, with_data: bool, port: int, no_build: bool) -> None:
    """Build the handbook, then preview it locally.

    Serves OUT on http://127.0.0.1:PORT only (never on the network); Ctrl-C stops."""
    from nsmcode.console import current
    from nsmcode.site.serve import serve_folder

    if no_build:
        folder = project_dir / "site" if out is None else out
    else:
        folder = _build(project_dir, out, with_data)
    if not (folder / "index.html").is_file():
        raise click.UsageError(f"{folder} holds no site; run without --no-build first")
    with serve_folder(folder, port) as server:
        current().result(f"serving {folder} on {server.url} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            current().info("stopped")
