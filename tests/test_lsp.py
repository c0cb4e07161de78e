"""`nsmcode lsp`, end to end: the test spawns the server and speaks JSON-RPC to it over stdio, as an
editor does (initialize, didOpen, didChange, hover, definition, references, completion, code
actions, publishDiagnostics), and never calls a handler directly.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

pytest.importorskip("pygls")  # the `lsp` extra; in `dev`, so CI has it (CI=true fails a skip)

SOURCES = """\
sources:
  - name: events
    table: analytics.events
    description: One row per product event.
    time_column: at
    columns:
      - {name: at, type: timestamp}
      - {name: account_id, type: string, semantic: identifier}
qualifiers:
  - name: real_accounts
    condition: account_id IS NOT NULL
    reason: Anonymous events are not customers.
"""

METRICS = """\
metrics:
  - name: weekly_accounts
    label: Weekly accounts
    role: north_star
    measures: outcome
    description: Accounts active in the week.
    source: events
    calculation:
      type: count_distinct
      columns: [account_id]
    qualifiers: [real_accounts]
    grain: week
  - name: weekly_events
    source: events
    calculation: {type: count}
    grain: week
  - name: events_per_account
    calculation:
      type: ratio
      numerator: weekly_events
      denominator: weekly_accounts
    grain: week
"""

TIMEOUT = 60.0


class Client:
    """A minimal LSP client: Content-Length framing, requests by id, notifications kept."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nsmcode", "lsp"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.next_id = 0
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.responses: dict[int, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body))

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def _pump(self, deadline: float) -> None:
        message = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        if "id" in message and "method" not in message:
            self.responses[message["id"]] = message
        elif "id" in message:  # a request from the server (e.g. client/registerCapability)
            self.send({"id": message["id"], "result": None})
        else:
            self.notes.append(message)

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while ident not in self.responses:
            self._pump(deadline)
        response = self.responses.pop(ident)
        assert "error" not in response, response
        return response["result"]

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def diagnostics(self, uri: str, *, after: int = 0) -> list[dict[str, Any]]:
        """The first diagnostics published for `uri` among notifications after index `after`."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for note in self.notes[after:]:
                if (
                    note.get("method") == "textDocument/publishDiagnostics"
                    and note["params"]["uri"] == uri
                ):
                    return list(note["params"]["diagnostics"])
            self._pump(deadline)

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "metrics").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text("version: 1\nname: lsp\npaths: [metrics]\n")
    (root / "metrics" / "sources.yaml").write_text(SOURCES)
    (root / "metrics" / "metrics.yaml").write_text(METRICS)
    return root


@pytest.fixture
def client(project: Path) -> Iterator[Client]:
    c = Client(project)
    result = c.request(
        "initialize", {"processId": None, "rootUri": project.as_uri(), "capabilities": {}}
    )
    caps = result["capabilities"]
    assert caps["hoverProvider"] and caps["definitionProvider"] and caps["completionProvider"]
    c.notify("initialized", {})
    yield c
    c.close()


def _open(client: Client, path: Path) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "yaml",
                "version": 1,
                "text": path.read_text(),
            }
        },
    )
    return uri


def _change(client: Client, uri: str, text: str, version: int) -> None:
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
    )


def _at(text: str, needle: str, offset: int = 0) -> dict[str, int]:
    """The LSP position of `needle` (plus `offset` characters) in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def _validate(project: Path, file: str) -> list[tuple[str, int, int, str]]:
    """(code, line, col, message + hint) of `nsmcode validate`'s findings in one file."""
    done = subprocess.run(
        [sys.executable, "-m", "nsmcode", "validate", "--format", "json", "--project", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    found = json.loads(done.stdout)["diagnostics"]
    return sorted(
        (
            f["code"],
            f["line"] - 1,
            f["col"] - 1,
            f["message"] + (f"\nhint: {f['hint']}" if f["hint"] else ""),
        )
        for f in found
        if f["file"] == file
    )


def _lsp(found: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    return sorted(
        (d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"])
        for d in found
    )


def _errors(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in found if d["code"].startswith("E")]


def test_diagnostics_as_you_type_match_validate(client: Client, project: Path) -> None:
    path = project / "metrics" / "metrics.yaml"
    uri = _open(client, path)
    first = client.diagnostics(uri)
    assert first and _lsp(first) == _validate(project, "metrics/metrics.yaml")  # rule findings
    assert not _errors(first)
    broken = METRICS.replace("denominator: weekly_accounts", "denominator: weekly_acounts")
    mark = len(client.notes)
    _change(client, uri, broken, 2)
    [found] = client.diagnostics(uri, after=mark)
    position = _at(broken, "weekly_acounts")
    assert found["range"]["start"] == position
    assert found["range"]["end"] == {**position, "character": position["character"] + 14}
    assert found["code"] == "E007" and found["severity"] == 1
    assert found["message"] == (
        "metric 'events_per_account' refers to unknown metric 'weekly_acounts'\n"
        "hint: did you mean 'weekly_accounts'?"
    )
    # the code action fixes the misspelling from the hint
    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": found["range"],
            "context": {"diagnostics": [found]},
        },
    )
    [action] = actions
    assert action["title"] == "Change to 'weekly_accounts'"
    [edit] = action["edit"]["changes"][uri]
    assert edit["newText"] == "weekly_accounts" and edit["range"] == found["range"]
    # fixed: the diagnostics are cleared
    mark = len(client.notes)
    _change(client, uri, METRICS, 3)
    assert _lsp(client.diagnostics(uri, after=mark)) == _lsp(first)


def test_a_change_reports_in_the_files_that_reference_it(client: Client, project: Path) -> None:
    metrics_uri = (project / "metrics" / "metrics.yaml").as_uri()
    sources = project / "metrics" / "sources.yaml"
    uri = _open(client, sources)
    client.diagnostics(uri)
    mark = len(client.notes)
    _change(client, uri, SOURCES.replace("name: real_accounts", "name: real_acounts"), 2)
    found = _errors(client.diagnostics(metrics_uri, after=mark))
    assert [d["code"] for d in found] == ["E007"]
    assert "unknown qualifier 'real_accounts'" in found[0]["message"]


def test_hover_definition_references(client: Client, project: Path) -> None:
    path = project / "metrics" / "metrics.yaml"
    uri = _open(client, path)
    client.diagnostics(uri)
    doc = {"uri": uri}
    hover = client.request(
        "textDocument/hover",
        {"textDocument": doc, "position": _at(METRICS, "denominator: weekly_accounts", 15)},
    )
    text = hover["contents"]["value"]
    assert text.startswith("**Weekly accounts** (`weekly_accounts`) — north star")
    assert "Accounts active in the week." in text
    assert "Counts distinct `account_id` values in `events`, real accounts, per week." in text
    # a column: type and semantic
    hover = client.request(
        "textDocument/hover",
        {"textDocument": doc, "position": _at(METRICS, "[account_id]", 2)},
    )
    assert hover["contents"]["value"] == (
        "**column** `events.account_id`: string, semantic identifier"
    )
    # go to definition: the metric, and the qualifier in the other file
    where = client.request(
        "textDocument/definition",
        {"textDocument": doc, "position": _at(METRICS, "numerator: weekly_events", 12)},
    )
    assert where["uri"] == uri
    assert where["range"]["start"] == _at(METRICS, "name: weekly_events")
    where = client.request(
        "textDocument/definition",
        {"textDocument": doc, "position": _at(METRICS, "[real_accounts]", 3)},
    )
    assert where["uri"] == (project / "metrics" / "sources.yaml").as_uri()
    assert where["range"]["start"] == _at(SOURCES, "name: real_accounts")
    # find references: the definition and the one use
    found = client.request(
        "textDocument/references",
        {
            "textDocument": doc,
            "position": _at(METRICS, "name: weekly_accounts", 7),
            "context": {"includeDeclaration": True},
        },
    )
    assert sorted(r["range"]["start"]["line"] for r in found) == [
        _at(METRICS, "name: weekly_accounts")["line"],
        _at(METRICS, "denominator: weekly_accounts")["line"],
    ]


def test_hover_on_a_rule_code_shows_its_documentation(client: Client, project: Path) -> None:
    path = project / "metrics" / "extra.yaml"
    text = (
        "metrics:\n  - name: plain_one\n    source: events\n    calculation: {type: count}\n"
        "    suppress:\n      - {rule: NSM042, reason: kept for a dashboard}\n"
    )
    path.write_text(text)
    uri = _open(client, path)
    client.diagnostics(uri)
    hover = client.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": _at(text, "NSM042", 2)},
    )
    assert hover["contents"]["value"].startswith("# NSM042")


def test_completion(client: Client, project: Path) -> None:
    path = project / "metrics" / "metrics.yaml"
    uri = _open(client, path)
    client.diagnostics(uri)

    def labels(text: str, position: dict[str, int]) -> list[str]:
        _change(client, uri, text, 10)
        result = client.request(
            "textDocument/completion", {"textDocument": {"uri": uri}, "position": position}
        )
        return [item["label"] for item in result["items"]]

    # field names of a metric, from the models
    text = METRICS + "  - name: new_metric\n    \n"
    fields = labels(text, {"line": text.count("\n") - 1, "character": 4})
    assert {"source", "calculation", "grain", "qualifiers", "role"} <= set(fields)
    # metric names after a metric reference key
    text = METRICS + "  - name: new_metric\n    drives: \n"
    assert set(labels(text, {"line": text.count("\n") - 1, "character": 12})) == {
        "weekly_accounts",
        "weekly_events",
        "events_per_account",
    }
    # grains, sources, qualifiers, columns
    text = METRICS + "  - name: new_metric\n    grain: \n"
    grains = labels(text, {"line": text.count("\n") - 1, "character": 11})
    assert {"day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year"} <= set(
        grains
    )
    text = METRICS + "  - name: new_metric\n    source: \n"
    assert labels(text, {"line": text.count("\n") - 1, "character": 12}) == ["events"]
    text = METRICS + "  - name: new_metric\n    qualifiers: [\n"
    assert labels(text, {"line": text.count("\n") - 1, "character": 17}) == ["real_accounts"]
    text = METRICS + "  - name: new_metric\n    source: events\n"
    text += "    calculation: {type: sum, column: \n"
    assert labels(text, {"line": text.count("\n") - 1, "character": 39}) == ["account_id", "at"]


def test_dialects_complete_in_the_project_file(client: Client, project: Path) -> None:
    path = project / "nsmcode.yaml"
    uri = path.as_uri()
    text = "version: 1\nname: lsp\npaths: [metrics]\ndialect: \n"
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
    )
    result = client.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 9}},
    )
    assert {"duckdb", "postgres", "snowflake", "bigquery"} <= {i["label"] for i in result["items"]}


def test_a_missing_reason_gets_a_fix(client: Client, project: Path) -> None:
    path = project / "metrics" / "sources.yaml"
    uri = _open(client, path)
    client.diagnostics(uri)
    broken = SOURCES.replace("    reason: Anonymous events are not customers.\n", "")
    mark = len(client.notes)
    _change(client, uri, broken, 2)
    found = client.diagnostics(uri, after=mark)
    [missing] = [d for d in found if d["code"] == "E005"]
    assert missing["range"]["start"] == _at(broken, "name: real_accounts")
    [action] = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": missing["range"],
            "context": {"diagnostics": [missing]},
        },
    )
    [edit] = action["edit"]["changes"][uri]
    assert edit["newText"] == "    reason: \n"
    assert edit["range"]["start"] == {"line": missing["range"]["start"]["line"] + 1, "character": 0}


def test_pygls_is_not_imported_by_help() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom nsmcode.cli import main\n"
        "CliRunner().invoke(main, ['--help'])\nCliRunner().invoke(main, ['lsp', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pygls', 'lsprotocol'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
