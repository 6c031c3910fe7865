"""The ledger: records, queries, the hash chain and what verify() detects, on both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import pickle
from pathlib import Path

import pytest

from exportrules import Decision, Engine, Ledger, LedgerError, Outcome, Transaction
from exportrules._ledger import verify_lines
from tests.ledger.conftest import raw, tamper, tx


def _canon(obj: object) -> bytes:
    # The canonical form as docs/records.md states it, written out independently here.
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _fill(ledger: Ledger, engine: Engine, n: int, **kw: object) -> list[int]:
    ids = []
    for i in range(1, n + 1):
        t = tx(f"SO-{i}", **kw)  # type: ignore[arg-type]
        ids.append(ledger.record(engine.evaluate(t), t, by="clerk").id)
    return ids


def test_record_and_get_round_trip(ledger_url: str, engine: Engine) -> None:
    t = tx("SO-1")
    d = engine.evaluate(t)
    with Ledger.open(ledger_url) as led:
        rec = led.record(d, t, by="j.doe")
        assert rec.id == 1 and len(led) == 1
        got = led.get(1)
    assert got == rec
    assert got.decision == d
    assert got.transaction == Transaction.from_dict(t)
    assert got.by == "j.doe" and got.shipped is False
    assert got.transaction_id == "SO-1" and got.outcome is Outcome.AUTHORISED
    assert got.recorded_at.tzinfo is not None
    assert abs(got.recorded_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_hash_is_sha256_of_canonical_body_chained_to_previous(
    ledger_url: str, engine: Engine
) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 3)
        recs = [led.get(i) for i in (1, 2, 3)]
    assert recs[0].prev == "0" * 64
    for a, b in itertools.pairwise(recs):
        assert b.prev == a.hash
    for r in recs:
        assert r.hash == hashlib.sha256(_canon(dict(r.body))).hexdigest()
        tx_digest = hashlib.sha256(_canon(r.transaction.to_dict())).hexdigest()
        assert r.input_sha256 == tx_digest
    assert len({r.hash for r in recs}) == 3


def test_non_ascii_is_hashed_as_utf8(ledger_url: str, engine: Engine) -> None:
    t = tx("SO-u")
    t["parties"][0]["name"] = "Ёлка 株式会社"
    with Ledger.open(ledger_url) as led:
        rec = led.record(engine.evaluate(t), t)
        again = led.get(rec.id)
        assert led.verify().ok
    assert again.transaction.parties[0].name == "Ёлка 株式会社"
    assert again.hash == hashlib.sha256(_canon(dict(again.body))).hexdigest()


def test_get_missing_record(ledger_url: str) -> None:
    with Ledger.open(ledger_url) as led, pytest.raises(LedgerError, match="no record 7"):
        led.get(7)
    with Ledger.open(ledger_url) as led, pytest.raises(KeyError):
        led.get(7)


def test_query_filters(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        a = tx("A")
        b = tx("B", licence=None)  # no licence: license_required
        led.record(engine.evaluate(a), a)
        led.record(engine.evaluate(b), b)
        led.record(engine.evaluate(a), a, shipped=True)
        assert [r.id for r in led.query()] == [1, 2, 3]
        assert [r.id for r in led.query(transaction_id="A")] == [1, 3]
        assert [r.id for r in led.query(outcome="license_required")] == [2]
        assert [r.id for r in led.query(outcome=Outcome.AUTHORISED)] == [1, 3]
        assert [r.id for r in led.query(regime="tl")] == [1, 2, 3]
        assert [r.id for r in led.query(regime="tl", outcome="license_required")] == [2]
        assert [r.id for r in led.query(regime="eu")] == []
        assert [r.id for r in led.query(shipped=True)] == [3]
        today = dt.datetime.now(dt.UTC).date()
        assert [r.id for r in led.query(since=today, until=today)] == [1, 2, 3]
        assert [r.id for r in led.query(until=today - dt.timedelta(days=1))] == []
        assert [r.id for r in led.query(since=today + dt.timedelta(days=1))] == []
        t2 = led.get(2).recorded_at
        assert [r.id for r in led.query(since=t2)] == [2, 3]
        assert [r.id for r in led.query(until=t2)] == [1, 2]
        assert [r.id for r in led.query(since=t2.isoformat(), until=t2.isoformat())] == [2]
        with pytest.raises(LedgerError, match="not an outcome"):
            list(led.query(outcome="maybe"))
        with pytest.raises(LedgerError, match="not a date"):
            list(led.query(since="last week"))


def test_query_pages_through_many_records(ledger_url: str, engine: Engine) -> None:
    t = tx("P")
    d = engine.evaluate(t)
    with Ledger.open(ledger_url) as led:
        for _ in range(1203):
            led.record(d, t)
        ids = [r.id for r in led.query()]
        # writing while iterating: later records are not included, nothing deadlocks
        seen = []
        for r in led.query(transaction_id="P"):
            seen.append(r.id)
            if r.id == 10:
                led.record(d, t)
    assert ids == list(range(1, 1204))
    assert seen == list(range(1, 1204))


def test_record_refuses_a_decision_for_another_transaction(ledger_url: str, engine: Engine) -> None:
    a, b = tx("A"), tx("B")
    with Ledger.open(ledger_url) as led:
        with pytest.raises(LedgerError, match="decision is for transaction 'A'"):
            led.record(engine.evaluate(a), b)
        two = tx("A", lines=2)
        # same id, other content: decisions carry input_sha256, which must match
        with pytest.raises(LedgerError, match="input_sha256"):
            led.record(engine.evaluate(a), two)
        assert len(led) == 0


def test_record_refuses_shipping_what_is_not_cleared(ledger_url: str, engine: Engine) -> None:
    t = tx("N", licence=None)
    d = engine.evaluate(t)
    assert d.outcome is Outcome.LICENSE_REQUIRED
    with Ledger.open(ledger_url) as led:
        with pytest.raises(LedgerError, match="license_required.*cannot be recorded as shipped"):
            led.record(d, t, shipped=True)
        assert len(led) == 0
        led.record(d, t)  # recording the decision itself is fine
        assert len(led) == 1


def test_record_accepts_json_forms(ledger_url: str, engine: Engine) -> None:
    t = tx("J")
    d = engine.evaluate(t)
    with Ledger.open(ledger_url) as led:
        rec = led.record(json.loads(d.to_json()), t)
        assert rec.decision == d
        with pytest.raises(LedgerError, match="not a decision"):
            led.record({"outcome": "authorised"}, t)


def test_export_jsonl_and_verify_it(ledger_url: str, engine: Engine, tmp_path: Path) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 4)
        lines = list(led.export_jsonl())
        out = tmp_path / "export.jsonl"
        assert led.export_jsonl(out) == 4
        head = led.verify().anchor
    assert out.read_text(encoding="utf-8") == "".join(lines)
    prev = "0" * 64
    for n, line in enumerate(lines, start=1):
        obj = json.loads(line)
        assert obj["record"]["seq"] == n and obj["record"]["prev"] == prev
        assert hashlib.sha256(_canon(obj["record"])).hexdigest() == obj["hash"]
        prev = obj["hash"]
    assert verify_lines(lines, anchor=head).ok
    # an edited export is caught, at the edited record
    obj = json.loads(lines[2])
    obj["record"]["recorded_by"] = "someone else"
    bad = [*lines[:2], json.dumps(obj) + "\n", *lines[3:]]
    v = verify_lines(bad)
    assert not v.ok and v.first_bad == 3
    # a dropped line too
    v = verify_lines([*lines[:1], *lines[2:]])
    assert not v.ok and v.first_bad == 2 and "missing" in (v.reason or "")


def test_pickle_reopens_the_same_ledger(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 2)
        copy = pickle.loads(pickle.dumps(led))
    try:
        assert len(copy) == 2 and copy.get(2).transaction_id == "SO-2"
    finally:
        copy.close()


# --------------------------------------------------------------------------- verify


def test_verify_clean(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        v0 = led.verify()
        assert v0.ok and v0.checked == 0 and v0.first_bad is None
        _fill(led, engine, 5)
        v = led.verify()
    assert v.ok and bool(v) and v.checked == 5 and v.first_bad is None and v.problems == ()
    assert v.head_seq == 5 and v.anchor.startswith("5:")


def _body(url: str, seq: int) -> dict[str, object]:
    rows = raw(url, "SELECT body FROM ledger_records WHERE seq = ?", [seq])
    return json.loads(rows[0][0])  # type: ignore[no-any-return]


def test_verify_detects_an_edited_record(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 5)
    body = _body(ledger_url, 3)
    body["decision"]["outcome"] = "no_license_required"  # type: ignore[index]
    tamper(
        ledger_url, [("UPDATE ledger_records SET body = ? WHERE seq = 3", [_canon(body).decode()])]
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.checked == 5 and v.first_bad == 3
    assert "does not match its hash" in (v.reason or "")


def test_verify_detects_an_edited_and_rehashed_record(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 5)
    body = _body(ledger_url, 2)
    body["recorded_by"] = "nobody"
    text = _canon(body).decode()
    h = hashlib.sha256(text.encode()).hexdigest()
    tamper(
        ledger_url,
        [
            (
                "UPDATE ledger_records SET body = ?, hash = ?, recorded_by = ? WHERE seq = 2",
                [text, h, "nobody"],
            ),
        ],
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.first_bad == 2
    assert "record 3 was chained to" in (v.reason or "")


def test_verify_detects_an_edited_last_record_through_the_head(
    ledger_url: str, engine: Engine
) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 3)
    body = _body(ledger_url, 3)
    body["recorded_by"] = "nobody"
    text = _canon(body).decode()
    h = hashlib.sha256(text.encode()).hexdigest()
    tamper(
        ledger_url,
        [
            (
                "UPDATE ledger_records SET body = ?, hash = ?, recorded_by = ? WHERE seq = 3",
                [text, h, "nobody"],
            )
        ],
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.first_bad == 3 and "head" in (v.reason or "")


def test_verify_detects_a_deleted_record(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 5)
    tamper(
        ledger_url,
        ["DELETE FROM ledger_records WHERE seq = 2", "DELETE FROM ledger_regimes WHERE seq = 2"],
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.checked == 4 and v.first_bad == 2
    assert "record 2 is missing" in (v.reason or "")


def test_verify_detects_deleted_records_at_the_end(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 5)
    tamper(
        ledger_url,
        ["DELETE FROM ledger_records WHERE seq >= 4", "DELETE FROM ledger_regimes WHERE seq >= 4"],
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.first_bad == 4 and "deleted from the end" in (v.reason or "")


def test_verify_detects_reordered_records(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 5)
    # swap records 3 and 4: rows move, their content and hashes with them
    tamper(
        ledger_url,
        [
            "UPDATE ledger_records SET seq = -3 WHERE seq = 3",
            "UPDATE ledger_records SET seq = 3 WHERE seq = 4",
            "UPDATE ledger_records SET seq = 4 WHERE seq = -3",
        ],
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.first_bad == 3 and "reordered" in (v.reason or "")


def test_verify_detects_a_forged_index_column(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 3)
    tamper(ledger_url, ["UPDATE ledger_records SET outcome = 'prohibited' WHERE seq = 2"])
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.first_bad == 2 and "column outcome" in (v.reason or "")
    tamper(
        ledger_url,
        [
            "UPDATE ledger_records SET outcome = 'authorised' WHERE seq = 2",
            "DELETE FROM ledger_regimes WHERE seq = 3",
        ],
    )
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and v.first_bad == 3 and "regime index" in (v.reason or "")


def test_verify_against_an_anchor_detects_a_rewritten_ledger(
    ledger_url: str, engine: Engine
) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 3)
        anchor = led.verify().anchor
    # rewrite the whole chain consistently from record 1: only the anchor can tell
    rows = raw(ledger_url, "SELECT seq, body FROM ledger_records ORDER BY seq")
    stmts: list[tuple[str, list[object]]] = []
    prev = "0" * 64
    for seq, text in rows:
        body = json.loads(text)
        body["prev"] = prev
        if seq == 1:
            body["recorded_by"] = "forger"
        t = _canon(body).decode()
        h = hashlib.sha256(t.encode()).hexdigest()
        stmts.append(
            (
                "UPDATE ledger_records SET body = ?, hash = ?, prev = ?, recorded_by = ? "
                "WHERE seq = ?",
                [t, h, prev, body["recorded_by"], seq],
            )
        )
        prev = h
    stmts.append(("UPDATE ledger_head SET hash = ? WHERE id = 1", [prev]))
    tamper(ledger_url, stmts)
    with Ledger.open(ledger_url) as led:
        assert led.verify().ok  # internally consistent ...
        v = led.verify(anchor=anchor)
    assert not v.ok and v.first_bad == 3 and "anchor" in (v.reason or "")
    with pytest.raises(ValueError, match="anchor"):
        Ledger.open(ledger_url).verify(anchor="3:xyz")


# --------------------------------------------------------------------------- append-only


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_records SET recorded_by = 'x' WHERE seq = 1",
        "DELETE FROM ledger_records WHERE seq = 1",
        "UPDATE ledger_regimes SET outcome = 'prohibited'",
        "DELETE FROM ledger_regimes",
        "UPDATE ledger_meta SET value = '2' WHERE key = 'schema_version'",
        "DELETE FROM ledger_head",
        "UPDATE ledger_head SET seq = 7",
        "INSERT INTO ledger_records (seq, hash, prev, recorded_at, recorded_by, transaction_id, "
        "input_sha256, outcome, shipped, body) VALUES (9, 'h', 'p', '', NULL, NULL, 'x', "
        "'authorised', FALSE, '{}')",
    ],
)
def test_database_refuses_changes(ledger_url: str, engine: Engine, sql: str) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 2)
    with pytest.raises(Exception, match="exportrules ledger"):
        raw(ledger_url, sql)
    with Ledger.open(ledger_url) as led:
        assert led.verify().ok and len(led) == 2


def test_postgres_refuses_truncate(pg_url: str, engine: Engine) -> None:
    with Ledger.open(pg_url) as led:
        _fill(led, engine, 1)
    for table in ("ledger_records", "ledger_head", "ledger_usage"):
        with pytest.raises(Exception, match="append-only"):
            raw(pg_url, f"TRUNCATE {table} CASCADE")


# --------------------------------------------------------------------------- bad input


def test_newer_schema_is_refused_and_left_alone(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 1)
    tamper(ledger_url, ["UPDATE ledger_meta SET value = '2' WHERE key = 'schema_version'"])
    before = raw(ledger_url, "SELECT seq, hash, body FROM ledger_records")
    with pytest.raises(LedgerError, match="schema version 2, newer"):
        Ledger.open(ledger_url)
    assert raw(ledger_url, "SELECT seq, hash, body FROM ledger_records") == before


def test_incomplete_schema_is_refused(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _fill(led, engine, 1)
    tamper(ledger_url, ["DROP TABLE ledger_debits"])
    with pytest.raises(LedgerError, match="tables missing: ledger_debits"):
        Ledger.open(ledger_url)


def test_open_without_create(ledger_url: str, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no exportrules ledger|no ledger file"):
        Ledger.open(ledger_url, create=False)
    if ledger_url.startswith("sqlite"):
        assert not (tmp_path / "ledger.db").exists()
    else:
        assert raw(ledger_url, "SELECT to_regclass('ledger_records')") == [(None,)]


def test_corrupt_sqlite_file(tmp_path: Path, engine: Engine) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    before = junk.read_bytes()
    with pytest.raises(LedgerError, match="not a readable SQLite database"):
        Ledger.open(f"sqlite:///{junk}")
    assert junk.read_bytes() == before
    # a real ledger whose pages were damaged
    url = f"sqlite:///{tmp_path}/l.db"
    with Ledger.open(url) as led:
        _fill(led, engine, 30)
    data = bytearray((tmp_path / "l.db").read_bytes())
    for i in range(100):
        data[i] = 0xFF
    (tmp_path / "l.db").write_bytes(bytes(data))
    for f in tmp_path.glob("l.db-*"):
        f.unlink()
    with pytest.raises(LedgerError, match="not a readable SQLite database"):
        Ledger.open(url)


def test_unreachable_postgres_is_a_clear_error() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(LedgerError, match=r"cannot connect") as e:
        Ledger.open(f"postgresql://user:s3cret@127.0.0.1:{port}/db", timeout=3)
    assert "s3cret" not in str(e.value)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("mysql://x/y", "unknown ledger URL scheme"),
        ("sqlite://relative.db", "sqlite:///relative/path.db"),
        ("", "non-empty"),
    ],
)
def test_bad_urls(url: str, match: str) -> None:
    with pytest.raises(LedgerError, match=match):
        Ledger.open(url)


def test_sqlite_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.chdir(tmp_path)
    t = tx()
    d = engine.evaluate(t)
    with Ledger.open("sqlite:///rel.db") as led:
        led.record(d, t)
    with Ledger.open(tmp_path / "rel.db") as led:  # a plain path (os.PathLike)
        assert len(led) == 1
    with Ledger.open(f"sqlite:///{tmp_path / 'rel.db'}") as led:  # absolute: four slashes
        assert len(led) == 1
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger.open("sqlite:///no/such/folder/l.db")
    with Ledger.open("sqlite:///:memory:") as led:
        led.record(d, t)
        assert led.verify().ok


def test_decision_round_trip_survives_storage(ledger_url: str, engine: Engine) -> None:
    t = tx("RT", quantity=2.5, value=0.1)
    d = engine.evaluate(t)
    with Ledger.open(ledger_url) as led:
        rec = led.record(d, t)
        back = led.get(rec.id)
    assert Decision.from_dict(back.body["decision"]) == d
    assert back.body["transaction"]["lines"][0]["value"] == 0.1


def test_sqlite_synchronous_option(tmp_path: Path, engine: Engine) -> None:
    t = tx()
    with Ledger.open(f"sqlite:///{tmp_path}/n.db?synchronous=normal") as led:
        led.record(engine.evaluate(t), t)
        assert led._store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with Ledger.open(f"sqlite:///{tmp_path}/n.db") as led:
        assert led._store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with pytest.raises(LedgerError, match="synchronous is full"):
        Ledger.open(f"sqlite:///{tmp_path}/n.db?synchronous=off")
    with pytest.raises(LedgerError, match="unknown option"):
        Ledger.open(f"sqlite:///{tmp_path}/n.db?journal=delete")
