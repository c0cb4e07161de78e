"""The language server (`nsmcode lsp`): diagnostics, hover, definitions, references, completion
and certain fixes, answered by the loader, project and rules that `nsmcode validate` uses.

pygls is an optional dependency (`pip install 'nsmcode[lsp]'`), imported only by `server`.
"""
