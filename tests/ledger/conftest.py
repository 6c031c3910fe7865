"""Ledger tests run on both databases: SQLite (a temp file) and PostgreSQL (a fresh schema).

PostgreSQL comes from ``EXPORTRULES_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets
it; locally: ``. .ci/postgres.sh && pg_start``). In CI a missing server fails the tests.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from exportrules import Engine, Ledger
from tests.conftest import TL

PG_ENV = "EXPORTRULES_TEST_POSTGRES_URL"


def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") or os.environ.get("EXPORTRULES_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is expected here but {PG_ENV} is not set (.ci/run starts it)")
        pytest.skip(f"no PostgreSQL server: set {PG_ENV} (. .ci/postgres.sh && pg_start)")
    return url


def _with_schema(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def _pg_schema_url() -> Iterator[str]:
    base = pg_base_url()
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_schema(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty place for a ledger: an SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/ledger.db"
    else:
        yield from _pg_schema_url()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, for tests of PostgreSQL-only behaviour."""
    yield from _pg_schema_url()


def tamper(url: str, statements: Sequence[str | tuple[str, Sequence[Any]]]) -> None:
    """Change the database behind the ledger's back, as someone with write access could:
    with the append-only triggers switched off. Placeholders are ``?``."""
    stmts = [(s, ()) if isinstance(s, str) else s for s in statements]
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
        try:
            conn.execute("BEGIN")
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).fetchall():
                conn.execute(f"DROP TRIGGER {name}")
            for sql, params in stmts:
                conn.execute(sql, params)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=False) as c:
        c.execute("SET session_replication_role = replica")  # triggers off for this session
        for sql, params in stmts:
            c.execute(sql.replace("?", "%s"), params or None)
        c.commit()


def raw(url: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run SQL with the triggers in force; returns rows (raises what the database raises)."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        cur = c.execute(sql.replace("?", "%s"), params or None)
        return list(cur.fetchall()) if cur.description else []


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.from_paths([TL], screening=None)


def tx(
    id: str = "SO-1",
    *,
    quantity: float | int | None = 5,
    value: float | int | None = 100,
    currency: str | None = "EUR",
    limits: dict[str, Any] | None = None,
    licence: str | None = "L1",
    lines: int = 1,
    destination: str = "CN",
    date: str = "2026-03-01",
) -> dict[str, Any]:
    """A Testland transaction: T100 lines (licence required) and, unless licence is None, a
    held licence covering them, so the decision is ``authorised``."""
    ls = []
    for i in range(1, lines + 1):
        ln: dict[str, Any] = {"id": str(i), "classification": {"tl": "T100"}}
        if quantity is not None:
            ln["quantity"] = quantity
        if value is not None:
            ln["value"] = value
            ln["currency"] = currency
        ls.append(ln)
    t: dict[str, Any] = {
        "id": id,
        "date": date,
        "export_from": "DE",
        "destination": destination,
        "parties": [{"role": "end_user", "name": "Acme Import", "country": destination}],
        "lines": ls,
    }
    if licence is not None:
        a: dict[str, Any] = {
            "regime": "tl",
            "id": licence,
            "type": "individual",
            "lines": [str(i) for i in range(1, lines + 1)],
            "destinations": [destination],
        }
        if limits is not None:
            a["limits"] = limits
        t["authorisations"] = [a]
    return t


def open_ledger(url: str) -> Ledger:
    return Ledger.open(url)
