"""`nsmcode lsp`: the language server, over stdio (pygls).

It keeps one `Workspace` per project (the folder holding nsmcode.yaml above an opened file) and
answers from the same loader, project and rules as `nsmcode validate`; this module only maps to
LSP types. Diagnostics are debounced: a burst of keystrokes gives one check, after the pause.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from nsmcode import __version__
from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.loader import PROJECT_FILE
from nsmcode.lsp import answers
from nsmcode.lsp.symbols import references, symbol_at
from nsmcode.workspace import Workspace, file_key

DEBOUNCE_SECONDS = 0.25
_TOKEN = re.compile(r"""'[^']*'|"[^"]*"|[^\s,\[\]{}#:]+""")
"""The value a diagnostic points at: quoted, or up to a space, a comma or a bracket."""
_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


def path_of(uri: str) -> Path:
    return file_key(unquote(urlparse(uri).path))


def uri_of(path: Path) -> str:
    return path.as_uri()


class Server(LanguageServer):
    def __init__(self) -> None:
        super().__init__("nsmcode", __version__)
        self.workspaces: dict[Path, Workspace] = {}
        self.published: dict[Path, set[Path]] = {}
        self.pending: dict[Path, asyncio.TimerHandle] = {}

    def workspace_for(self, path: Path) -> Workspace | None:
        for folder in path.parents:
            if (folder / PROJECT_FILE).is_file():
                if folder not in self.workspaces:
                    self.workspaces[folder] = Workspace(folder)
                return self.workspaces[folder]
        return None

    def text(self, uri: str) -> str:
        return str(self.workspace.get_text_document(uri).source)

    def changed(self, uri: str, *, now: bool = False) -> None:
        path = path_of(uri)
        ws = self.workspace_for(path)
        if ws is None:
            return
        ws.update(path, self.text(uri))
        if now:
            self.publish(ws, path)
            return
        handle = self.pending.pop(ws.root, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_event_loop()
        self.pending[ws.root] = loop.call_later(DEBOUNCE_SECONDS, self.publish, ws, path)

    def publish(self, ws: Workspace, changed: Path) -> None:
        """Check the project; send the changed file's diagnostics (none is news too), every
        other file's, and clear those now fixed."""
        self.pending.pop(ws.root, None)
        by_file: dict[Path, list[lsp.Diagnostic]] = {changed: []}
        for d in ws.check():
            if d.span is None:
                continue
            by_file.setdefault(ws.path_of(d.span.file), []).append(self.to_lsp(ws, d))
        for path in self.published.get(ws.root, set()) - set(by_file):
            by_file[path] = []
        self.published[ws.root] = {p for p, found in by_file.items() if found}
        for path, found in sorted(by_file.items()):
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri_of(path), diagnostics=found)
            )

    def to_lsp(self, ws: Workspace, d: Diagnostic) -> lsp.Diagnostic:
        assert d.span is not None
        row, col = d.span.line - 1, d.span.col - 1
        end = col + 1
        path = ws.path_of(d.span.file)
        try:
            text = ws.open.get(path)
            lines = (text if text is not None else path.read_text(encoding="utf-8")).splitlines()
            token = _TOKEN.match(lines[row], col)
            if token:
                end = token.end()
        except (OSError, IndexError, UnicodeDecodeError):
            pass
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        return lsp.Diagnostic(
            range=lsp.Range(lsp.Position(row, col), lsp.Position(row, end)),
            message=message,
            severity=_SEVERITY[d.severity],
            code=d.code,
            source="nsmcode",
            data={"message": d.message, "hint": d.hint, "code": d.code},
        )

    def located(self, uri: str, position: lsp.Position) -> tuple[Workspace, Any] | None:
        path = path_of(uri)
        ws = self.workspace_for(path)
        if ws is None:
            return None
        if ws.project is None or path not in ws.documents():
            ws.check()
        doc = ws.documents().get(path)
        if doc is None:
            return None
        found = symbol_at(doc, self.text(uri), position.line + 1, position.character + 1)
        return (ws, found) if found else None


server = Server()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: Server, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.changed(params.text_document.uri, now=True)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: Server, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: Server, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: Server, params: lsp.DidCloseTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    ws = ls.workspace_for(path)
    if ws is not None:
        ws.close(path)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: Server, params: lsp.HoverParams) -> lsp.Hover | None:
    found = ls.located(params.text_document.uri, params.position)
    if found is None or found[0].project is None:
        return None
    ws, (symbol, _) = found
    assert ws.project is not None
    text = answers.hover(ws.project, symbol)
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))


def _location(ws: Workspace, span: Any) -> lsp.Location:
    row, col = span.line - 1, span.col - 1
    return lsp.Location(
        uri=uri_of(ws.path_of(span.file)),
        range=lsp.Range(lsp.Position(row, col), lsp.Position(row, col)),
    )


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: Server, params: lsp.DefinitionParams) -> lsp.Location | None:
    found = ls.located(params.text_document.uri, params.position)
    if found is None or found[0].project is None:
        return None
    ws, (symbol, _) = found
    assert ws.project is not None
    span = answers.definition(ws.project, symbol)
    return _location(ws, span) if span else None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def find_references(ls: Server, params: lsp.ReferenceParams) -> list[lsp.Location]:
    found = ls.located(params.text_document.uri, params.position)
    if found is None:
        return []
    ws, (symbol, _) = found
    docs = list(ws.documents().values())
    return [_location(ws, doc.span(path)) for doc, path in references(docs, symbol)]


@server.feature(
    lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", "-"])
)
def completion(ls: Server, params: lsp.CompletionParams) -> lsp.CompletionList:
    path = path_of(params.text_document.uri)
    ws = ls.workspace_for(path)
    if ws is not None and ws.project is None:
        ws.check()
    items = answers.completions(
        ws.project if ws else None,
        ls.text(params.text_document.uri),
        params.position.line,
        params.position.character,
        project_file=path.name == PROJECT_FILE,
    )
    kinds = {"field": lsp.CompletionItemKind.Field, "value": lsp.CompletionItemKind.Value}
    return lsp.CompletionList(
        is_incomplete=False,
        items=[lsp.CompletionItem(label=label, kind=kinds[kind]) for label, kind in items],
    )


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
def code_action(ls: Server, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    text = ls.text(uri)
    actions: list[lsp.CodeAction] = []
    for d in params.context.diagnostics:
        data = d.data if isinstance(d.data, dict) else {}
        found = Diagnostic(
            str(data.get("code") or d.code),
            str(data.get("message") or d.message),
            _span_of(d),
            data.get("hint"),
        )
        for title, r1, c1, r2, c2, new in answers.fixes(found, text):
            edit = lsp.TextEdit(
                range=lsp.Range(lsp.Position(r1, c1), lsp.Position(r2, c2)), new_text=new
            )
            actions.append(
                lsp.CodeAction(
                    title=title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    is_preferred=True,
                    edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
                )
            )
    return actions


def _span_of(d: lsp.Diagnostic) -> Any:
    from nsmcode.diagnostics import Span

    return Span("", d.range.start.line + 1, d.range.start.character + 1)


def main() -> None:
    server.start_io()
