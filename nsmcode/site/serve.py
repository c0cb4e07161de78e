"""A local preview server: the standard library's http.server on loopback, nothing more.

Bound to 127.0.0.1 only, so a preview never exposes the handbook to the network; serves files from
the site folder and nothing outside it (http.server refuses paths that escape its directory).
"""

from __future__ import annotations

import functools
import http.server
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a preview does not need an access log on the terminal."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"


@contextmanager
def serve_folder(folder: Path, port: int = 8000) -> Iterator[Server]:
    """A server for `folder` on 127.0.0.1:`port` (0 picks a free port); closed on exit."""
    handler = functools.partial(_Handler, directory=str(folder.resolve()))
    server = Server((HOST, port), handler)
    try:
        yield server
    finally:
        server.server_close()
