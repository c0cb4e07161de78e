"""`lsp`: the language server for editors (docs/editors.md shows each editor's setup)."""

from __future__ import annotations

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
    main()
