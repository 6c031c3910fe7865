"""Storage behind the ledger: one small interface, a SQLite and a PostgreSQL implementation.

Tables (the same on both databases):

- ``ledger_meta``: ``schema_version``, ``format``, creation time and version.
- ``ledger_records``: one row per record; ``body`` is the canonical JSON the hash covers, the
  other columns are indexes over it for queries (checked against the body by ``verify``).
- ``ledger_regimes``: per record and regime, the regime's outcome (for ``query(regime=...)``).
- ``ledger_debits``: per shipped record, line and licence, what was debited.
- ``ledger_usage`` / ``ledger_usage_values``: running totals per licence (and per currency).
- ``ledger_head``: one row, the last record's sequence number and hash.

Records, regimes and debits refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) by trigger;
a new record must continue the chain from the head, and the head moves forward one record at
a time. Anyone who can drop a trigger can still change rows: the hash chain detects that.
"""

from __future__ import annotations

import abc
import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ._errors import LedgerError

__all__ = ["SCHEMA_VERSION", "Store", "open_store"]

SCHEMA_VERSION = 1
TABLES = (
    "ledger_meta",
    "ledger_records",
    "ledger_regimes",
    "ledger_debits",
    "ledger_usage",
    "ledger_usage_values",
    "ledger_head",
)
APPEND_ONLY = ("ledger_meta", "ledger_records", "ledger_regimes", "ledger_debits")

Row = tuple[Any, ...]


class Cursor(abc.ABC):
    """SQL access inside one transaction. Placeholders are ``?`` on every database."""

    #: the head row (seq, hash, recorded_at) when the transaction locked it on opening
    locked: Row | None = None

    @abc.abstractmethod
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abc.abstractmethod
    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abc.abstractmethod
    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abc.abstractmethod
    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None


class Store(abc.ABC):
    """A database holding one ledger."""

    dialect: str
    display: str  # the URL without a password, for messages

    def __init__(self) -> None:
        self.lock = threading.RLock()

    @abc.abstractmethod
    def write(self) -> contextlib.AbstractContextManager[Cursor]:
        """One write transaction; writers from every process are serialised on the head."""

    @abc.abstractmethod
    def read(self) -> contextlib.AbstractContextManager[Cursor]:
        """One read transaction over a consistent snapshot."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def num(self, x: Decimal) -> Any:
        """An amount as this database stores it."""

    @abc.abstractmethod
    def flag(self, x: bool) -> Any:
        """A boolean as this database stores it."""

    @abc.abstractmethod
    def _existing_tables(self, cur: Cursor) -> set[str]: ...

    @abc.abstractmethod
    def _ddl(self) -> list[str]: ...

    @abc.abstractmethod
    def _schema_lock(self, cur: Cursor) -> None: ...

    def ensure_schema(self, create: bool, now: str, version: str) -> None:
        """Check the schema, creating it in one transaction when the database is empty."""
        with self.write_schema() as cur:
            present = self._existing_tables(cur)
            ours = present & set(TABLES)
            if not ours:
                if not create:
                    raise LedgerError(f"{self.display}: there is no exportrules ledger here")
                for stmt in self._ddl():
                    cur.run(stmt)
                cur.many(
                    "INSERT INTO ledger_meta (key, value) VALUES (?, ?)",
                    [
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("format", "exportrules-ledger"),
                        ("created_at", now),
                        ("created_by", f"exportrules {version}"),
                    ],
                )
                cur.run(
                    "INSERT INTO ledger_head (id, seq, hash, recorded_at) VALUES (1, 0, ?, '')",
                    ["0" * 64],
                )
                return
            self._check_version(cur, ours)

    def _check_version(self, cur: Cursor, ours: set[str]) -> None:
        if "ledger_meta" not in ours:
            raise LedgerError(
                f"{self.display}: has ledger tables but no ledger_meta table; it is not a "
                "ledger this version of exportrules can read"
            )
        meta: dict[str, str] = {
            str(k): str(v) for k, v in cur.all("SELECT key, value FROM ledger_meta")
        }
        v = meta.get("schema_version", "")
        if not v.isdigit():
            raise LedgerError(f"{self.display}: ledger schema version {v!r} is not readable")
        if int(v) > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.display}: the ledger has schema version {v}, newer than this version "
                f"of exportrules reads ({SCHEMA_VERSION}); upgrade exportrules. Nothing was "
                "changed."
            )
        missing = sorted(set(TABLES) - ours)
        if missing:
            raise LedgerError(
                f"{self.display}: the ledger is incomplete, tables missing: {', '.join(missing)}"
            )

    def write_schema(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._schema_tx()

    @contextlib.contextmanager
    def _schema_tx(self) -> Iterator[Cursor]:
        with self.write_plain() as cur:
            self._schema_lock(cur)
            yield cur

    @abc.abstractmethod
    def write_plain(self) -> contextlib.AbstractContextManager[Cursor]:
        """A write transaction without the head lock (for creating the schema)."""


# --------------------------------------------------------------------------- SQLite


_SQLITE_DDL = [
    "CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE ledger_records (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        prev TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT,
        transaction_id TEXT,
        input_sha256 TEXT NOT NULL,
        outcome TEXT NOT NULL,
        shipped INTEGER NOT NULL,
        body TEXT NOT NULL)""",
    "CREATE INDEX ledger_records_tx ON ledger_records (transaction_id)",
    "CREATE INDEX ledger_records_at ON ledger_records (recorded_at)",
    "CREATE INDEX ledger_records_input ON ledger_records (input_sha256)",
    """CREATE TABLE ledger_regimes (
        seq INTEGER NOT NULL, regime TEXT NOT NULL, outcome TEXT NOT NULL,
        PRIMARY KEY (seq, regime))""",
    "CREATE INDEX ledger_regimes_ro ON ledger_regimes (regime, outcome)",
    """CREATE TABLE ledger_debits (
        seq INTEGER NOT NULL, regime TEXT NOT NULL, authorisation TEXT NOT NULL,
        line TEXT NOT NULL, quantity TEXT, value TEXT, currency TEXT,
        PRIMARY KEY (seq, regime, authorisation, line))""",
    """CREATE TABLE ledger_usage (
        regime TEXT NOT NULL, authorisation TEXT NOT NULL, quantity TEXT NOT NULL,
        shipments INTEGER NOT NULL, last_seq INTEGER NOT NULL, limits TEXT,
        PRIMARY KEY (regime, authorisation))""",
    """CREATE TABLE ledger_usage_values (
        regime TEXT NOT NULL, authorisation TEXT NOT NULL, currency TEXT NOT NULL,
        value TEXT NOT NULL, PRIMARY KEY (regime, authorisation, currency))""",
    """CREATE TABLE ledger_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
        recorded_at TEXT NOT NULL)""",
    *[
        f"""CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} BEGIN
            SELECT RAISE(ABORT, 'exportrules ledger is append-only: {op} refused'); END"""
        for t in APPEND_ONLY
        for op in ("UPDATE", "DELETE")
    ],
    # a new record continues the chain: after the head, and chained to the record before it
    f"""CREATE TRIGGER ledger_records_chain BEFORE INSERT ON ledger_records
        WHEN NEW.seq <= (SELECT seq FROM ledger_head WHERE id = 1)
          OR NOT ((NEW.seq = 1 AND NEW.prev = '{"0" * 64}')
                  OR NEW.prev IS (SELECT hash FROM ledger_records WHERE seq = NEW.seq - 1))
        BEGIN SELECT RAISE(ABORT, 'exportrules ledger: a record must continue the chain'); END""",
    """CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head
        WHEN NEW.id <> OLD.id OR NEW.seq <= OLD.seq
          OR NEW.hash IS NOT (SELECT hash FROM ledger_records WHERE seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'exportrules ledger: the head only moves forward'); END""",
    """CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
        BEGIN SELECT RAISE(ABORT, 'exportrules ledger is append-only: DELETE refused'); END""",
    """CREATE TRIGGER ledger_usage_no_delete BEFORE DELETE ON ledger_usage
        BEGIN SELECT RAISE(ABORT, 'exportrules ledger is append-only: DELETE refused'); END""",
    """CREATE TRIGGER ledger_usage_values_no_delete BEFORE DELETE ON ledger_usage_values
        BEGIN SELECT RAISE(ABORT, 'exportrules ledger is append-only: DELETE refused'); END""",
]


class _SqliteCursor(Cursor):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        cur = self.conn.execute(sql, params)
        try:
            while True:
                rows = cur.fetchmany(500)
                if not rows:
                    return
                yield from rows
        finally:
            cur.close()


class SqliteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: str, create: bool, timeout: float, synchronous: str = "full") -> None:
        super().__init__()
        self.path = path
        self.display = f"sqlite:///{path}"
        memory = path == ":memory:"
        if not memory:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise LedgerError(f"{self.display}: folder {parent} does not exist")
            if not create and not os.path.exists(path):
                raise LedgerError(f"{self.display}: there is no ledger file here")
            if os.path.isdir(path):
                raise LedgerError(f"{self.display}: is a folder, not a ledger file")
        try:
            if memory or create:
                conn = sqlite3.connect(
                    path, timeout=timeout, isolation_level=None, check_same_thread=False
                )
            else:
                conn = sqlite3.connect(
                    f"file:{_sqlite_uri_path(path)}?mode=rw",
                    uri=True,
                    timeout=timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
            self.conn = conn
            # Fail now, with a clear message, if the file is not an SQLite database.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if not memory:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode != "wal" and create:
                    conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a record is on disk when record() returns. NORMAL (in WAL mode) may lose the
            # last records on a power cut, never corrupts, and commits several times faster.
            conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        except sqlite3.DatabaseError as e:
            raise LedgerError(_sqlite_message(self.display, e)) from None

    def _existing_tables(self, cur: Cursor) -> set[str]:
        return {r[0] for r in cur.all("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _ddl(self) -> list[str]:
        return _SQLITE_DDL

    def _schema_lock(self, cur: Cursor) -> None:
        pass  # BEGIN IMMEDIATE already holds the database's write lock

    def num(self, x: Decimal) -> Any:
        return format(x, "f")

    def flag(self, x: bool) -> Any:
        return 1 if x else 0

    @contextlib.contextmanager
    def _tx(self, begin: str) -> Iterator[Cursor]:
        with self.lock:
            try:
                self.conn.execute(begin)
            except sqlite3.DatabaseError as e:
                raise LedgerError(_sqlite_message(self.display, e)) from None
            try:
                yield _SqliteCursor(self.conn)
            except BaseException as e:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
                if isinstance(e, sqlite3.DatabaseError):
                    raise LedgerError(_sqlite_message(self.display, e)) from None
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.DatabaseError as e:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    raise LedgerError(_sqlite_message(self.display, e)) from None

    def write(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._tx("BEGIN IMMEDIATE")

    def write_plain(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._tx("BEGIN IMMEDIATE")

    def read(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._tx("BEGIN")

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _sqlite_uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


def _sqlite_message(display: str, e: sqlite3.Error) -> str:
    text = str(e)
    if "file is not a database" in text or "malformed" in text:
        return (
            f"{display}: the file is not a readable SQLite database ({text}); it is corrupt or "
            "not a ledger. Nothing was written."
        )
    if "locked" in text or "busy" in text:
        return f"{display}: the database stayed locked by another writer ({text})"
    if "append-only" in text or "chain" in text or "head" in text:
        return f"{display}: {text}"
    return f"{display}: database error: {text}"


# --------------------------------------------------------------------------- PostgreSQL


_PG_DDL = [
    "CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE ledger_records (
        seq BIGINT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        prev TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT,
        transaction_id TEXT,
        input_sha256 TEXT NOT NULL,
        outcome TEXT NOT NULL,
        shipped BOOLEAN NOT NULL,
        body TEXT NOT NULL)""",
    "CREATE INDEX ledger_records_tx ON ledger_records (transaction_id)",
    "CREATE INDEX ledger_records_at ON ledger_records (recorded_at)",
    "CREATE INDEX ledger_records_input ON ledger_records (input_sha256)",
    """CREATE TABLE ledger_regimes (
        seq BIGINT NOT NULL, regime TEXT NOT NULL, outcome TEXT NOT NULL,
        PRIMARY KEY (seq, regime))""",
    "CREATE INDEX ledger_regimes_ro ON ledger_regimes (regime, outcome)",
    """CREATE TABLE ledger_debits (
        seq BIGINT NOT NULL, regime TEXT NOT NULL, authorisation TEXT NOT NULL,
        line TEXT NOT NULL, quantity NUMERIC, value NUMERIC, currency TEXT,
        PRIMARY KEY (seq, regime, authorisation, line))""",
    """CREATE TABLE ledger_usage (
        regime TEXT NOT NULL, authorisation TEXT NOT NULL, quantity NUMERIC NOT NULL,
        shipments BIGINT NOT NULL, last_seq BIGINT NOT NULL, limits TEXT,
        PRIMARY KEY (regime, authorisation))""",
    """CREATE TABLE ledger_usage_values (
        regime TEXT NOT NULL, authorisation TEXT NOT NULL, currency TEXT NOT NULL,
        value NUMERIC NOT NULL, PRIMARY KEY (regime, authorisation, currency))""",
    """CREATE TABLE ledger_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL,
        recorded_at TEXT NOT NULL)""",
    """CREATE OR REPLACE FUNCTION exportrules_ledger_refuse() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'exportrules ledger: % on % refused, the ledger is append-only',
            TG_OP, TG_TABLE_NAME;
        END $$""",
    """CREATE OR REPLACE FUNCTION exportrules_ledger_chain() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.seq <= (SELECT seq FROM ledger_head WHERE id = 1)
             OR NOT ((NEW.seq = 1 AND NEW.prev = repeat('0', 64))
                     OR NEW.prev IS NOT DISTINCT FROM
                        (SELECT hash FROM ledger_records WHERE seq = NEW.seq - 1)) THEN
            RAISE EXCEPTION 'exportrules ledger: record % does not continue the chain', NEW.seq;
          END IF;
          RETURN NEW;
        END $$""",
    """CREATE OR REPLACE FUNCTION exportrules_ledger_head() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id <> OLD.id OR NEW.seq <= OLD.seq OR NEW.hash IS DISTINCT FROM
             (SELECT hash FROM ledger_records WHERE seq = NEW.seq) THEN
            RAISE EXCEPTION 'exportrules ledger: the head only moves to the next record';
          END IF;
          RETURN NEW;
        END $$""",
    *[
        f"""CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
            FOR EACH ROW EXECUTE FUNCTION exportrules_ledger_refuse()"""
        for t in APPEND_ONLY
    ],
    *[
        f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
            FOR EACH STATEMENT EXECUTE FUNCTION exportrules_ledger_refuse()"""
        for t in (*APPEND_ONLY, "ledger_head", "ledger_usage", "ledger_usage_values")
    ],
    *[
        f"""CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
            FOR EACH ROW EXECUTE FUNCTION exportrules_ledger_refuse()"""
        for t in ("ledger_head", "ledger_usage", "ledger_usage_values")
    ],
    """CREATE TRIGGER ledger_records_chain BEFORE INSERT ON ledger_records
        FOR EACH ROW EXECUTE FUNCTION exportrules_ledger_chain()""",
    """CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head
        FOR EACH ROW EXECUTE FUNCTION exportrules_ledger_head()""",
]

_PG_LOCK_KEY = 0x65787072  # advisory lock id used while creating the schema


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class _PgCursor(Cursor):
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.conn = store.conn
        self._n = 0

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.conn.cursor() as cur:
            cur.execute(_pg(sql), params or None)
            return list(cur.fetchall()) if cur.description else []

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.conn.cursor() as cur:
            cur.execute(_pg(sql) if params else sql, params or None)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(_pg(sql), rows)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        self._n += 1
        with self.conn.cursor(name=f"exportrules_stream_{self._n}") as cur:
            cur.itersize = 1000
            cur.execute(_pg(sql), params or None)
            yield from cur


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__()
        self.display = _redact(url)
        try:
            import psycopg
        except ImportError:
            raise LedgerError(
                "a postgresql:// ledger needs psycopg: pip install 'exportrules[postgres]'"
            ) from None
        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(url, connect_timeout=max(1, int(timeout)), autocommit=True)
        except psycopg.Error as e:
            raise LedgerError(f"{self.display}: cannot connect: {_first_line(e)}") from None

    def _existing_tables(self, cur: Cursor) -> set[str]:
        rows = cur.all("SELECT " + ", ".join(f"to_regclass('{t}') IS NOT NULL" for t in TABLES))
        return {t for t, present in zip(TABLES, rows[0]) if present}

    def _ddl(self) -> list[str]:
        return _PG_DDL

    def _schema_lock(self, cur: Cursor) -> None:
        cur.all("SELECT pg_advisory_xact_lock(?)", [_PG_LOCK_KEY])

    def num(self, x: Decimal) -> Any:
        return x

    def flag(self, x: bool) -> Any:
        return bool(x)

    @contextlib.contextmanager
    def _tx(self, first: str | None, read_only: bool = False) -> Iterator[Cursor]:
        psycopg = self._psycopg
        with self.lock:
            try:
                with self.conn.transaction():
                    cur = _PgCursor(self)
                    if read_only:
                        cur.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    if first:
                        rows = cur.all(first)
                        cur.locked = rows[0] if rows else None
                    yield cur
            except psycopg.Error as e:
                raise LedgerError(f"{self.display}: {_first_line(e)}") from None

    def write(self) -> contextlib.AbstractContextManager[Cursor]:
        # Every writer locks the head row: records are chained in one order, and the licence
        # balances read after the lock are the committed ones (READ COMMITTED reads afresh).
        return self._tx("SELECT seq, hash, recorded_at FROM ledger_head WHERE id = 1 FOR UPDATE")

    def write_plain(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._tx(None)

    def read(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._tx(None, read_only=True)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _redact(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --------------------------------------------------------------------------- URLs


def open_store(url: str, *, create: bool, timeout: float = 30.0) -> Store:
    """Open the database a ledger URL names (``sqlite:///path``, ``postgresql://...``)."""
    if not isinstance(url, str) or not url:
        raise LedgerError("a ledger URL is a non-empty string, e.g. sqlite:///ledger.db")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return SqliteStore(url, create, timeout)  # a plain file path
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest.startswith("/"):
            raise LedgerError(
                f"{url!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        raw_path, _, query = rest[1:].partition("?")
        path = unquote(raw_path)
        if not path:
            raise LedgerError(f"{url!r}: no file path after sqlite:///")
        opts = dict(parse_qsl(query, keep_blank_values=True))
        unknown = sorted(set(opts) - {"synchronous"})
        if unknown:
            raise LedgerError(f"{url!r}: unknown option {', '.join(unknown)} (synchronous=)")
        sync = opts.get("synchronous", "full").lower()
        if sync not in ("full", "normal"):
            raise LedgerError(f"{url!r}: synchronous is full (the default) or normal")
        return SqliteStore(path, create, timeout, sync)
    if scheme in ("postgresql", "postgres"):
        return PostgresStore(url, timeout)
    raise LedgerError(
        f"{_redact(url)}: unknown ledger URL scheme {scheme!r}; use sqlite:///path.db or "
        "postgresql://user@host/db"
    )
