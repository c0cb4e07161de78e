"""Passwords with URL and conninfo delimiters never show up, whole or in part, in any message of
any profile type: connection failures (unreachable, refused credentials, unparsable strings),
query failures, and drivers that echo what they were given."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tinyproject import Tiny

from nsmcode.diagnostics import InputError
from nsmcode.project import load_project
from nsmcode.run.connections import EngineError, open_engine
from nsmcode.run.engines.base import Engine, scrub, secret_forms

PASSWORDS = [
    "Sup3r@Secret",
    "pass:word/with?query#frag",
    "100%Pure'Quote",
    "with space inside",
    "long@Piece:Here/Okay?Yess#Nope%Twenty'Four Fine",
]


def leaks(text: str, password: str) -> list[str]:
    """Pieces of the password (whole, or runs of 4+ between delimiters) found in the text."""
    pieces = {password} | {p for p in re.split(r"[@:/?#%'\s]+", password) if len(p) >= 4}
    return sorted(p for p in pieces if p in text)


def _message(raised: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(f"{d.message} {d.hint or ''}" for d in raised.value.diagnostics)


def _profile(tiny: Tiny, text: str) -> None:
    (tiny.root / "nsmcode.yaml").write_text((tiny.root / "nsmcode.yaml").read_text() + text)


def _refused(tiny: Tiny, profile: str) -> tuple[str, list[str]]:
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), profile)
    return _message(raised), [d.code for d in raised.value.diagnostics]


def test_scrub_by_parsed_parameters() -> None:
    """The issue's case: libpq splits at the first @ and echoes the rest as the host."""
    dsn = "postgresql://bob:Sup3r@Secret@127.0.0.1:1/db"
    message = "failed to resolve host 'Secret@127.0.0.1': Name or service not known"
    assert "Secret" not in scrub(message, [dsn])
    assert {"Sup3r@Secret", "Sup3r", "Secret"} <= secret_forms(dsn)
    assert "bob" in scrub(message + " user bob", [dsn])


@pytest.mark.parametrize("password", PASSWORDS)
def test_postgres_never_prints_the_password(
    tiny: Tiny, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    from urllib.parse import quote

    monkeypatch.setenv("NSMCODE_SECRET", password)
    _profile(
        tiny,
        "  fields:\n    type: postgres\n    host: 127.0.0.1\n    port: 1\n    user: bob\n"
        "    password_env: NSMCODE_SECRET\n"
        "  raw_url:\n    type: postgres\n    dsn_env: NSMCODE_RAW_URL\n"
        "  quoted_url:\n    type: postgres\n    dsn_env: NSMCODE_QUOTED_URL\n"
        "  conninfo:\n    type: postgres\n    dsn_env: NSMCODE_CONNINFO\n",
    )
    quoted = password.replace("\\", "\\\\").replace("'", "\\'")
    monkeypatch.setenv("NSMCODE_RAW_URL", f"postgresql://bob:{password}@127.0.0.1:1/db")
    monkeypatch.setenv(
        "NSMCODE_QUOTED_URL", f"postgresql://bob:{quote(password, safe='')}@127.0.0.1:1/db"
    )
    monkeypatch.setenv("NSMCODE_CONNINFO", f"host=127.0.0.1 port=1 password='{quoted}'")
    for profile in ("fields", "raw_url", "quoted_url", "conninfo"):
        text, codes = _refused(tiny, profile)
        assert codes in (["R004"], ["R005"]), (profile, text)
        assert leaks(text, password) == [], (profile, text)


@pytest.mark.parametrize("password", PASSWORDS)
def test_postgres_refused_credentials(
    tiny: Tiny, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tinyproject import postgres_dsn

    pytest.importorskip("psycopg")
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    server = conninfo_to_dict(postgres_dsn())
    dsn = make_conninfo("", **{**server, "user": f"nsm no {password}", "password": password})
    monkeypatch.setenv("NSMCODE_TINY_DSN", dsn)
    text, codes = _refused(tiny, "pg")
    assert codes == ["R005"], text
    assert leaks(text, password) == [], text


def _mysql_server() -> tuple[str, int] | None:
    url = os.environ.get("NSMCODE_TEST_MYSQL")
    if not url:
        return None
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 3306


@pytest.mark.parametrize("password", PASSWORDS)
def test_mysql_never_prints_the_password(
    tiny: Tiny, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pymysql")
    monkeypatch.setenv("NSMCODE_SECRET", password)
    server = _mysql_server()
    host, port = server or ("127.0.0.1", 1)
    _profile(
        tiny,
        "  down:\n    type: mysql\n    host: 127.0.0.1\n    port: 1\n    user: bob\n"
        "    password_env: NSMCODE_SECRET\n"
        f"  refused:\n    type: mysql\n    host: {host}\n    port: {port}\n    user: nsm_nobody\n"
        "    password_env: NSMCODE_SECRET\n",
    )
    text, codes = _refused(tiny, "down")
    assert codes == ["R004"] and leaks(text, password) == [], text
    if server is not None:
        text, codes = _refused(tiny, "refused")
        assert codes == ["R005"] and leaks(text, password) == [], text


@pytest.mark.parametrize("password", PASSWORDS)
def test_clickhouse_and_trino_never_print_the_password(
    tiny: Tiny, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NSMCODE_SECRET", password)
    _profile(
        tiny,
        "  ch:\n    type: clickhouse\n    host: 127.0.0.1\n    port: 1\n    user: bob\n"
        "    password_env: NSMCODE_SECRET\n"
        "  tr:\n    type: trino\n    host: 127.0.0.1\n    port: 1\n    user: bob\n"
        "    password_env: NSMCODE_SECRET\n",
    )
    project = load_project(tiny.root)
    if pytest.importorskip("clickhouse_connect"):
        text, codes = _refused(tiny, "ch")
        assert codes == ["R004"] and leaks(text, password) == [], text
    pytest.importorskip("trino")
    try:  # the trino client connects lazily: the failure comes with the first query
        engine = open_engine(project, "tr")
    except InputError as exc:
        text = str(exc) + " ".join(d.hint or "" for d in exc.diagnostics)
    else:
        with engine, pytest.raises(EngineError) as raised:
            engine.execute("SELECT 1")
        text = raised.value.message
    assert leaks(text, password) == [], text


@pytest.mark.parametrize("password", PASSWORDS)
def test_drivers_that_echo_their_arguments(
    tiny: Tiny, password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DB-API module whose errors repeat the password, in pieces and URL-quoted."""
    (tmp_path / "nsm_echo_driver.py").write_text(
        "from urllib.parse import quote\n"
        "def connect(*args, **kwargs):\n"
        "    p = kwargs['password']\n"
        "    raise RuntimeError(f\"login failed for {p!r} ({quote(p)}) host={p.split('@')[-1]}"
        " {p.split(':')[0]}\")\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("NSMCODE_SECRET", password)
    _profile(
        tiny,
        "  echo:\n    type: dbapi\n    module: nsm_echo_driver\n    user: bob\n"
        "    password_env: NSMCODE_SECRET\n",
    )
    text, codes = _refused(tiny, "echo")
    sys.modules.pop("nsm_echo_driver", None)
    assert codes == ["R004"] and leaks(text, password) == [], text


@pytest.mark.parametrize("password", PASSWORDS)
def test_query_errors_never_print_the_password(password: str) -> None:
    import sqlite3

    engine = Engine("lite", "sqlite", "sqlite", sqlite3.connect(":memory:"), (password,))
    literal = password.replace('"', '""')
    with engine, pytest.raises(EngineError) as raised:
        engine.execute(f'SELECT * FROM "{literal}"')
    assert leaks(raised.value.message, password) == [], raised.value.message
