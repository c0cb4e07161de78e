"""`lsp`: the language server for editors (docs/editors.md shows each editor's setup)."""

from __future__ import annotations

import sys

import click


@click.command()
@click.option("--stdio", is_flag=True, help="Speak over stdin/stdout (the default and only way).")
def lsp(stdio: bool) -> None:
    """Run the language server over stdio: diagnostics, hover, go to definition, completion."""
    try:
        from nsmcode.lsp.server import main
    except ModuleNotFoundError as exc:
        if exc.name not in ("pygls", "lsprotocol"):
            raise
        raise click.ClickException(
            "the language server needs pygls: pip install 'nsmcode[lsp]'"
        ) from None
    from nsmcode.console import current

    console = current()
    if console.verbose:
        import logging

        # stdout carries the protocol; the server's own log (pygls) goes to stderr, which
        # editors show in their output panel
        console.detail("language server on stdio; its log follows on stderr")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("lsp: %(message)s"))
        logging.getLogger("pygls").addHandler(handler)
        logging.getLogger("pygls").setLevel(logging.INFO)
    main()
