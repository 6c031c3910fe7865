"""``exportrules.Ledger``: an append-only, hash-chained record of decisions and shipments."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import IO, Any, overload

import attrs

from .._model import Decision, Outcome, Transaction
from .._version import __version__
from ._chain import FORMAT, ChainChecker, Verification, canonical, parse_anchor
from ._depletion import (
    ZERO,
    Balance,
    Debit,
    Limits,
    Usage,
    check_limits,
    debits_for,
    group,
    limits_of,
)
from ._errors import LedgerError
from ._store import Cursor, Store, open_store

__all__ = ["Ledger", "LedgerRecord"]

_PAGE = 500
_NOT_SHIPPABLE = (Outcome.PROHIBITED, Outcome.LICENSE_REQUIRED, Outcome.REVIEW)


class _NotFound(LedgerError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def input_sha256(tx: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``Transaction.to_dict()``."""
    return hashlib.sha256(canonical(tx)).hexdigest()


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(s: str) -> _dt.datetime:
    return _dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.UTC)


def _bound(x: _dt.date | _dt.datetime | str | None, end: bool) -> str | None:
    """A query bound as stored text. Dates cover the whole day; naive datetimes are UTC."""
    if x is None:
        return None
    if isinstance(x, str):
        try:
            x = _dt.date.fromisoformat(x) if len(x) == 10 else _dt.datetime.fromisoformat(x)
        except ValueError:
            raise LedgerError(f"{x!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if isinstance(x, _dt.datetime):
        if x.tzinfo is None:
            x = x.replace(tzinfo=_dt.UTC)
        return x.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{x.isoformat()}T23:59:59.999999Z" if end else f"{x.isoformat()}T00:00:00.000000Z"


class _Prepared:
    """A record checked and computed before the database is touched."""

    __slots__ = ("by_licence", "dd", "debits", "digest", "limits", "outcome", "txd")

    def __init__(
        self,
        txd: dict[str, Any],
        dd: dict[str, Any],
        digest: str,
        outcome: Outcome,
        debits: list[Debit],
        limits: dict[tuple[str, str], Limits | None],
        by_licence: dict[tuple[str, str], list[Debit]],
    ) -> None:
        self.txd, self.dd, self.digest, self.outcome = txd, dd, digest, outcome
        self.debits, self.limits, self.by_licence = debits, limits, by_licence


class _Batch:
    """What one write call appends, gathered so each table is written in one statement."""

    __slots__ = ("debits", "last_seq", "limits", "records", "regimes", "shipped", "usage")

    def __init__(self, shipped: dict[str, int]) -> None:
        self.shipped = shipped  # input_sha256 -> record that shipped it
        self.usage: dict[tuple[str, str], Usage] = {}  # running totals after this call
        self.limits: dict[tuple[str, str], Limits | None] = {}
        self.last_seq: dict[tuple[str, str], int] = {}
        self.records: list[tuple[Any, ...]] = []
        self.regimes: list[tuple[Any, ...]] = []
        self.debits: list[tuple[Any, ...]] = []


def _after(used: Usage, ds: list[Debit], lim: Limits | None) -> Usage:
    """A licence's totals once ``ds`` are debited."""
    values = dict(used.values)
    for d in ds:
        if d.value is not None and d.currency:
            values[d.currency] = values.get(d.currency, ZERO) + d.value
    return Usage(
        regime=used.regime,
        authorisation=used.authorisation,
        quantity=used.quantity + sum((d.quantity for d in ds if d.quantity is not None), ZERO),
        values=values,
        currency=_currency(lim, values),
        shipments=used.shipments + 1,
    )


@attrs.frozen
class LedgerRecord:
    """One record: exactly what was recorded (``body``) and its hash.

    ``transaction`` and ``decision`` are rebuilt from the body on each access.
    """

    body: Mapping[str, Any] = attrs.field(hash=False)
    hash: str

    @property
    def id(self) -> int:
        """The record's sequence number in the ledger (1, 2, 3 ...)."""
        return int(self.body["seq"])

    @property
    def prev(self) -> str:
        return str(self.body["prev"])

    @property
    def recorded_at(self) -> _dt.datetime:
        return _parse_time(self.body["recorded_at"])

    @property
    def by(self) -> str | None:
        by = self.body.get("recorded_by")
        return None if by is None else str(by)

    @property
    def shipped(self) -> bool:
        return bool(self.body.get("shipped"))

    @property
    def transaction_id(self) -> str | None:
        tid = self.body["transaction"].get("id")
        return None if tid is None else str(tid)

    @property
    def input_sha256(self) -> str:
        return str(self.body["input_sha256"])

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.body["decision"]["outcome"])

    @property
    def transaction(self) -> Transaction:
        return Transaction.from_dict(self.body["transaction"])

    @property
    def decision(self) -> Decision:
        return Decision.from_dict(self.body["decision"])

    @property
    def debits(self) -> tuple[Debit, ...]:
        return tuple(Debit.from_dict(d) for d in self.body.get("debits") or ())

    def to_dict(self) -> dict[str, Any]:
        """``{"hash": ..., "record": body}``: one line of ``export_jsonl``."""
        return {"hash": self.hash, "record": dict(self.body)}


class Ledger:
    """An append-only, hash-chained store of decisions: who recorded what, when, and what
    shipped. Open one with :meth:`open`; it is safe to share between threads.

    Each record holds the transaction, the decision, who recorded it and when, whether it
    shipped and what that debited from held licences; its hash covers all of it and the
    previous record's hash, so :meth:`verify` finds any record edited, deleted or reordered.
    """

    def __init__(self, store: Store, url: str) -> None:
        self._store = store
        self._url = url

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls, url: str | os.PathLike[str], *, create: bool = True, timeout: float = 30.0
    ) -> Ledger:
        """Open (or create) the ledger at ``url``.

        Args:
            url: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, a plain file
                path (SQLite), or ``postgresql://user:password@host:port/database`` (needs
                ``exportrules[postgres]``).
            create: create the ledger when the database holds none (default). With False an
                absent ledger is an error.
            timeout: seconds to wait for the database (connection, another writer's lock).

        Raises:
            LedgerError: the database cannot be reached or read, is not a ledger, or holds a
                ledger of a newer schema version. Nothing is written in that case.
        """
        u = os.fspath(url)
        store = open_store(u, create=create, timeout=timeout)
        try:
            store.ensure_schema(create, _now(), __version__)
        except BaseException:
            store.close()
            raise
        return cls(store, u)

    @property
    def url(self) -> str:
        """The URL this ledger was opened with."""
        return self._url

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes reopen the same database rather than share a connection.
        return (_reopen, (self._url,))

    def __repr__(self) -> str:
        return f"Ledger({self._store.display!r})"

    def __len__(self) -> int:
        with self._store.read() as cur:
            row = cur.one("SELECT seq FROM ledger_head WHERE id = 1")
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ writing

    def record(
        self,
        decision: Decision | Mapping[str, Any],
        transaction: Transaction | Mapping[str, Any],
        by: str | None = None,
        shipped: bool = False,
    ) -> LedgerRecord:
        """Append one record: the transaction, its decision, who records it and when.

        With ``shipped=True`` the goods left: every held licence that discharged a line is
        debited with the line's quantity and value, in the same database transaction as the
        record, and only if every debit fits the licence's ``limits``.

        Raises:
            InvalidTransaction: the transaction breaks the contract.
            LimitExceeded: a debit would overdraw a licence, or cannot be measured against its
                limits (no quantity; a value in another currency). Nothing is written.
            LedgerError: the decision was not made for this transaction; a shipment of a
                decision that does not clear it (prohibited, license_required, review); the
                same transaction already recorded as shipped; a database failure. Nothing is
                written.
        """
        return self.record_many([(decision, transaction)], by=by, shipped=shipped)[0]

    def record_many(
        self,
        items: Iterable[tuple[Decision | Mapping[str, Any], Transaction | Mapping[str, Any]]],
        by: str | None = None,
        shipped: bool = False,
    ) -> list[LedgerRecord]:
        """Append several (decision, transaction) pairs in one database transaction.

        All or nothing: the same checks as :meth:`record`, in order (a later shipment sees the
        debits of an earlier one in the same call); if any fails, nothing is written. Faster
        than one :meth:`record` per pair because the database commits once.
        """
        if by is not None and not isinstance(by, str):
            raise LedgerError("by must be a string (who records this) or None")
        prepared = [self._prepare(d, t, shipped) for d, t in items]
        if not prepared:
            return []
        out: list[LedgerRecord] = []
        with self._store.write() as cur:
            head = cur.locked or cur.one(
                "SELECT seq, hash, recorded_at FROM ledger_head WHERE id = 1"
            )
            if head is None:
                raise LedgerError(
                    f"{self._store.display}: the ledger head is missing (corrupt ledger)"
                )
            seq, prev, last_at = int(head[0]), str(head[1]), str(head[2])
            batch = _Batch(self._already_shipped(cur, prepared) if shipped else {})
            for p in prepared:
                seq += 1
                rec = self._append(cur, p, seq, prev, last_at, by, shipped, batch)
                prev, last_at = rec.hash, str(rec.body["recorded_at"])
                out.append(rec)
            # every row of the call in a few statements: one round trip per table, not per row
            self._flush(cur, batch)
            cur.run(
                "UPDATE ledger_head SET seq = ?, hash = ?, recorded_at = ? WHERE id = 1",
                [seq, prev, last_at],
            )
        return out

    def _already_shipped(self, cur: Cursor, prepared: list[_Prepared]) -> dict[str, int]:
        """input_sha256 -> first record that shipped it, for this call's transactions."""
        digests = sorted({p.digest for p in prepared})
        found: dict[str, int] = {}
        for i in range(0, len(digests), 500):
            part = digests[i : i + 500]
            rows = cur.all(
                "SELECT input_sha256, min(seq) FROM ledger_records WHERE shipped = ? AND "
                f"input_sha256 IN ({', '.join('?' * len(part))}) GROUP BY input_sha256",
                [self._store.flag(True), *part],
            )
            found.update({str(d): int(n) for d, n in rows})
        return found

    def _prepare(
        self,
        decision: Decision | Mapping[str, Any],
        transaction: Transaction | Mapping[str, Any],
        shipped: bool,
    ) -> _Prepared:
        """Everything that does not need the database: validation, hashes, debits."""
        from .._validate import parse_transaction

        t = parse_transaction(transaction)
        txd = t.to_dict()
        if isinstance(decision, Decision):
            dd = decision.to_dict()
        else:
            try:
                dd = Decision.from_dict(decision).to_dict()
            except (KeyError, TypeError, ValueError) as e:
                raise LedgerError(f"not a decision ({type(e).__name__}: {e})") from None
        digest = input_sha256(txd)
        self._check_pair(dd, txd, digest)
        outcome = Outcome(dd["outcome"])
        if shipped and outcome in _NOT_SHIPPABLE:
            raise LedgerError(
                f"transaction {txd.get('id')!r}: the decision is {outcome.value}, which does not "
                "clear the export, so it cannot be recorded as shipped (record it with "
                "shipped=False; resolve the review or obtain the licence, evaluate again, then "
                "record the shipment). Nothing was written."
            )
        debits = debits_for(dd, txd) if shipped else []
        return _Prepared(txd, dd, digest, outcome, debits, limits_of(txd), group(debits))

    def _append(
        self,
        cur: Cursor,
        p: _Prepared,
        seq: int,
        prev: str,
        last_at: str,
        by: str | None,
        shipped: bool,
        batch: _Batch,
    ) -> LedgerRecord:
        """Check and build one record after ``prev``; its rows go into ``batch``."""
        store = self._store
        txd, dd, digest = p.txd, p.dd, p.digest
        if shipped:
            first = batch.shipped.get(digest)
            if first is not None:
                raise LedgerError(
                    f"transaction {txd.get('id')!r} with this exact content was already "
                    f"recorded as shipped (record {first}); a second shipment would debit "
                    "its licences twice. Nothing was written."
                )
            batch.shipped[digest] = seq
        for key, ds in p.by_licence.items():
            used = batch.usage.get(key)
            if used is None:
                used = self._usage(cur, *key)
            lim = p.limits.get(key)
            check_limits(lim, used, ds)
            batch.usage[key] = _after(used, ds, lim)
            batch.limits[key] = lim
            batch.last_seq[key] = seq
        at = max(_now(), last_at)
        body: dict[str, Any] = {
            "format": FORMAT,
            "seq": seq,
            "prev": prev,
            "recorded_at": at,
            "recorded_by": by,
            "shipped": bool(shipped),
            "input_sha256": digest,
            "transaction": txd,
            "decision": dd,
            "debits": [d.to_dict() for d in p.debits],
        }
        text = canonical(body).decode("utf-8")
        h = hashlib.sha256(text.encode("utf-8")).hexdigest()
        batch.records.append(
            (
                seq,
                h,
                prev,
                at,
                by,
                txd.get("id"),
                digest,
                p.outcome.value,
                store.flag(bool(shipped)),
                text,
            )
        )
        batch.regimes.extend(
            (seq, rid, r["outcome"]) for rid, r in sorted(dd["regimes"].items()) if r.get("applies")
        )
        batch.debits.extend(
            (
                seq,
                d.regime,
                d.authorisation,
                d.line,
                None if d.quantity is None else store.num(d.quantity),
                None if d.value is None else store.num(d.value),
                d.currency,
            )
            for d in p.debits
        )
        return LedgerRecord(body=body, hash=h)

    def _flush(self, cur: Cursor, batch: _Batch) -> None:
        store = self._store
        cur.many(
            "INSERT INTO ledger_records (seq, hash, prev, recorded_at, recorded_by, "
            "transaction_id, input_sha256, outcome, shipped, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.records,
        )
        cur.many(
            "INSERT INTO ledger_regimes (seq, regime, outcome) VALUES (?, ?, ?)", batch.regimes
        )
        cur.many(
            "INSERT INTO ledger_debits (seq, regime, authorisation, line, quantity, value, "
            "currency) VALUES (?, ?, ?, ?, ?, ?, ?)",
            batch.debits,
        )
        usage_rows: list[tuple[Any, ...]] = []
        value_rows: list[tuple[Any, ...]] = []
        for key, u in sorted(batch.usage.items()):
            lim = batch.limits.get(key)
            usage_rows.append(
                (
                    key[0],
                    key[1],
                    store.num(u.quantity),
                    u.shipments,
                    batch.last_seq[key],
                    json.dumps(lim.to_dict(), sort_keys=True) if lim else None,
                )
            )
            value_rows.extend(
                (key[0], key[1], c, store.num(v)) for c, v in sorted(u.values.items())
            )
        cur.many(
            "INSERT INTO ledger_usage (regime, authorisation, quantity, shipments, last_seq, "
            "limits) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (regime, authorisation) DO UPDATE "
            "SET quantity = excluded.quantity, shipments = excluded.shipments, "
            "last_seq = excluded.last_seq, limits = excluded.limits",
            usage_rows,
        )
        cur.many(
            "INSERT INTO ledger_usage_values (regime, authorisation, currency, value) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (regime, authorisation, currency) DO UPDATE "
            "SET value = excluded.value",
            value_rows,
        )

    @staticmethod
    def _check_pair(dd: Mapping[str, Any], txd: Mapping[str, Any], digest: str) -> None:
        tid = txd.get("id")
        if dd.get("transaction") != tid:
            raise LedgerError(
                f"the decision is for transaction {dd.get('transaction')!r}, not {tid!r}; "
                "nothing was written"
            )
        given = dd.get("input_sha256")
        if given is not None and given != digest:
            raise LedgerError(
                f"the decision's input_sha256 ({given[:12]}…) is not the hash of this "
                f"transaction ({digest[:12]}…): it was made for other content; evaluate this "
                "transaction and record that decision. Nothing was written."
            )
        d_lines = sorted(x["line"] for x in dd.get("lines") or ())
        t_lines = sorted(x["id"] for x in txd.get("lines") or ())
        if d_lines != t_lines:
            raise LedgerError(
                f"the decision covers lines {d_lines}, the transaction has {t_lines}; nothing "
                "was written"
            )

    def _usage(self, cur: Cursor, regime: str, authorisation: str) -> Usage:
        row = cur.one(
            "SELECT quantity, shipments, limits FROM ledger_usage "
            "WHERE regime = ? AND authorisation = ?",
            [regime, authorisation],
        )
        vals = {
            str(c): Decimal(str(v))
            for c, v in cur.all(
                "SELECT currency, value FROM ledger_usage_values "
                "WHERE regime = ? AND authorisation = ?",
                [regime, authorisation],
            )
        }
        if row is None:
            return Usage(regime, authorisation, values=vals, currency=_currency(None, vals))
        lim = Limits.from_json(json.loads(row[2])) if row[2] else None
        return Usage(
            regime=regime,
            authorisation=authorisation,
            quantity=Decimal(str(row[0])),
            values=vals,
            currency=_currency(lim, vals),
            shipments=int(row[1]),
        )

    # ------------------------------------------------------------------ reading

    def get(self, id: int) -> LedgerRecord:
        """The record with sequence number ``id``.

        Raises:
            LedgerError (also a KeyError): there is no such record.
        """
        with self._store.read() as cur:
            row = cur.one("SELECT hash, body FROM ledger_records WHERE seq = ?", [int(id)])
        if row is None:
            raise _NotFound(f"{self._store.display}: no record {id}")
        return LedgerRecord(body=json.loads(row[1]), hash=str(row[0]))

    def query(
        self,
        transaction_id: str | None = None,
        since: _dt.date | _dt.datetime | str | None = None,
        until: _dt.date | _dt.datetime | str | None = None,
        outcome: Outcome | str | None = None,
        regime: str | None = None,
        shipped: bool | None = None,
    ) -> Iterator[LedgerRecord]:
        """Records in ledger order that match every filter given.

        Args:
            transaction_id: the transaction's ``id``.
            since, until: recording time bounds, both inclusive; a date covers its whole day
                (UTC), a datetime without a time zone is read as UTC.
            outcome: the decision's outcome; with ``regime``, that regime's outcome.
            regime: only records in which this regime applied.
            shipped: only shipments (True) or only records that did not ship (False).

        The records are read in pages, so the ledger can be written to while iterating;
        records appended after the call started are not included.
        """
        where: list[str] = []
        params: list[Any] = []
        if transaction_id is not None:
            where.append("r.transaction_id = ?")
            params.append(transaction_id)
        lo, hi = _bound(since, False), _bound(until, True)
        if lo is not None:
            where.append("r.recorded_at >= ?")
            params.append(lo)
        if hi is not None:
            where.append("r.recorded_at <= ?")
            params.append(hi)
        oc = None if outcome is None else _outcome(outcome)
        if shipped is not None:
            where.append("r.shipped = ?")
            params.append(self._store.flag(shipped))
        if regime is not None:
            sub = "SELECT 1 FROM ledger_regimes g WHERE g.seq = r.seq AND g.regime = ?"
            params.append(regime)
            if oc is not None:
                sub += " AND g.outcome = ?"
                params.append(oc)
            where.append(f"EXISTS ({sub})")
        elif oc is not None:
            where.append("r.outcome = ?")
            params.append(oc)
        yield from self._pages(where, params)

    def _pages(self, where: list[str], params: list[Any]) -> Iterator[LedgerRecord]:
        for _seq, h, text in self._raw_pages(where, params):
            yield LedgerRecord(body=json.loads(text), hash=h)

    def _raw_pages(self, where: list[str], params: list[Any]) -> Iterator[tuple[int, str, str]]:
        """(seq, hash, body text) of matching records up to the head at the start, in pages."""
        with self._store.read() as cur:
            row = cur.one("SELECT seq FROM ledger_head WHERE id = 1")
        last = int(row[0]) if row else 0
        after = 0
        cond = " AND ".join(["r.seq > ?", "r.seq <= ?", *where])
        sql = (
            f"SELECT r.seq, r.hash, r.body FROM ledger_records r WHERE {cond} "
            f"ORDER BY r.seq LIMIT {_PAGE}"
        )
        while True:
            with self._store.read() as cur:
                rows = cur.all(sql, [after, last, *params])
            for r in rows:
                yield int(r[0]), str(r[1]), str(r[2])
            if len(rows) < _PAGE:
                return
            after = int(rows[-1][0])

    def used(self, regime: str, authorisation_id: str) -> Usage:
        """Totals debited from a held licence by shipped records (zero when none)."""
        with self._store.read() as cur:
            return self._usage(cur, regime, authorisation_id)

    def balances(self) -> list[Balance]:
        """Every licence ever debited: limits as last stated, used, remaining."""
        out: list[Balance] = []
        with self._store.read() as cur:
            rows = cur.all(
                "SELECT regime, authorisation, last_seq, limits FROM ledger_usage "
                "ORDER BY regime, authorisation"
            )
            for reg, aid, last_seq, lim_text in rows:
                lim = Limits.from_json(json.loads(lim_text)) if lim_text else None
                out.append(Balance(self._usage(cur, reg, aid), lim, int(last_seq)))
        return out

    # ------------------------------------------------------------------ checking

    def verify(self, anchor: str | None = None) -> Verification:
        """Check the whole chain and every index over it.

        Args:
            anchor: ``"<seq>:<hash>"`` from an earlier ``verify()`` (``.anchor``) kept outside
                the database: the record at ``seq`` must still carry that hash.

        Returns:
            a :class:`Verification`: ``ok``, ``checked``, ``first_bad`` and why.
        """
        checker = ChainChecker(parse_anchor(anchor) if anchor else None)
        totals: dict[tuple[str, str], list[Any]] = {}
        with self._store.read() as cur:
            regimes = _Grouped(
                cur.stream("SELECT seq, regime, outcome FROM ledger_regimes ORDER BY seq, regime")
            )
            debit_rows = _Grouped(
                cur.stream(
                    "SELECT seq, regime, authorisation, line, quantity, value, currency "
                    "FROM ledger_debits ORDER BY seq, regime, authorisation, line"
                )
            )
            for row in cur.stream(
                "SELECT seq, hash, prev, recorded_at, recorded_by, transaction_id, "
                "input_sha256, outcome, shipped, body FROM ledger_records ORDER BY seq"
            ):
                seq = int(row[0])
                body = checker.feed(seq, str(row[1]), str(row[9]))
                got_regimes = regimes.take(seq)
                got_debits = debit_rows.take(seq)
                if body is None:
                    continue
                try:
                    self._check_indexes(checker, seq, row, body, got_regimes, got_debits)
                    for d in body.get("debits") or ():
                        t = totals.setdefault(
                            (d["regime"], d["authorisation"]), [ZERO, {}, set(), 0]
                        )
                        if d.get("quantity") is not None:
                            t[0] += Decimal(d["quantity"])
                        if d.get("value") is not None:
                            t[1][d["currency"]] = t[1].get(d["currency"], ZERO) + Decimal(
                                d["value"]
                            )
                        t[2].add(seq)
                        t[3] = max(t[3], seq)
                except (KeyError, TypeError, ValueError, ArithmeticError) as e:
                    checker.extra(seq, f"record {seq}: malformed content ({type(e).__name__})")
            for seq in regimes.leftover() | debit_rows.leftover():
                checker.extra(seq, f"index rows for record {seq}, which does not exist")
            self._check_usage(cur, checker, totals)
            head = cur.one("SELECT seq, hash FROM ledger_head WHERE id = 1")
        if head is None:
            checker.extra(0, "the ledger head row is missing")
        elif (int(head[0]), str(head[1])) != (checker.expected_seq - 1, checker.prev_hash):
            hs = int(head[0])
            if hs > checker.expected_seq - 1:
                checker.extra(
                    checker.expected_seq,
                    f"the ledger head names record {hs}, but the last record is "
                    f"{checker.expected_seq - 1}: records deleted from the end",
                )
            else:
                checker.extra(
                    hs if hs > 0 else 1,
                    f"the ledger head (record {hs}, {str(head[1])[:12]}…) is not the last "
                    f"record ({checker.expected_seq - 1}, {checker.prev_hash[:12]}…)",
                )
        return checker.finish()

    @staticmethod
    def _check_indexes(
        checker: ChainChecker,
        seq: int,
        row: tuple[Any, ...],
        body: Mapping[str, Any],
        got_regimes: list[tuple[Any, ...]],
        got_debits: list[tuple[Any, ...]],
    ) -> None:
        dec, tx = body["decision"], body["transaction"]
        cols = {
            "prev": (row[2], body["prev"]),
            "recorded_at": (row[3], body["recorded_at"]),
            "recorded_by": (row[4], body.get("recorded_by")),
            "transaction_id": (row[5], tx.get("id")),
            "input_sha256": (row[6], body["input_sha256"]),
            "outcome": (row[7], dec["outcome"]),
            "shipped": (bool(row[8]), bool(body.get("shipped"))),
        }
        bad = sorted(k for k, (a, b) in cols.items() if a != b)
        if bad:
            checker.extra(
                seq, f"record {seq}: column {', '.join(bad)} differs from its content (edited)"
            )
        # (input_sha256 was checked against the transaction when the record was written; both
        # are covered by the record's hash, so re-hashing the transaction here adds nothing.)
        want = sorted((k, v["outcome"]) for k, v in dec["regimes"].items() if v.get("applies"))
        if sorted((str(r[1]), str(r[2])) for r in got_regimes) != want:
            checker.extra(seq, f"record {seq}: its regime index rows differ from its content")
        want_d = sorted(
            (
                d["regime"],
                d["authorisation"],
                d["line"],
                None if d.get("quantity") is None else Decimal(d["quantity"]),
                None if d.get("value") is None else Decimal(d["value"]),
                d.get("currency"),
            )
            for d in body.get("debits") or ()
        )
        got_d = sorted(
            (
                str(r[1]),
                str(r[2]),
                str(r[3]),
                None if r[4] is None else Decimal(str(r[4])),
                None if r[5] is None else Decimal(str(r[5])),
                r[6],
            )
            for r in got_debits
        )
        if got_d != want_d:
            checker.extra(seq, f"record {seq}: its licence debit rows differ from its content")

    @staticmethod
    def _check_usage(
        cur: Cursor, checker: ChainChecker, totals: dict[tuple[str, str], list[Any]]
    ) -> None:
        rows = {
            (str(r[0]), str(r[1])): (Decimal(str(r[2])), int(r[3]), int(r[4]))
            for r in cur.all(
                "SELECT regime, authorisation, quantity, shipments, last_seq FROM ledger_usage"
            )
        }
        vals: dict[tuple[str, str], dict[str, Decimal]] = {}
        for reg, aid, c, v in cur.all(
            "SELECT regime, authorisation, currency, value FROM ledger_usage_values"
        ):
            vals.setdefault((str(reg), str(aid)), {})[str(c)] = Decimal(str(v))
        for key in sorted(set(rows) | set(totals) | set(vals)):
            t = totals.get(key)
            want = (t[0], len(t[2]), t[3]) if t else None
            want_v = dict(t[1]) if t else {}
            if rows.get(key) != want or vals.get(key, {}) != want_v:
                at = t[3] if t else (rows[key][2] if key in rows else 1)
                checker.extra(
                    at,
                    f"licence {key[1]} ({key[0]}): its running balance differs from the sum of "
                    "the recorded debits (the balance tables were edited)",
                )

    # ------------------------------------------------------------------ export

    @overload
    def export_jsonl(self, dest: None = None) -> Iterator[str]: ...

    @overload
    def export_jsonl(self, dest: str | os.PathLike[str] | IO[str]) -> int: ...

    def export_jsonl(
        self, dest: str | os.PathLike[str] | IO[str] | None = None
    ) -> Iterator[str] | int:
        """Every record as JSON lines ``{"hash": ..., "record": {...}}``, in ledger order.

        With no argument, an iterator of lines (each ending in a newline); with a path or a
        text file, writes them there and returns how many were written. Each line is
        canonical JSON, so ``record`` can be re-hashed as it stands (docs/records.md).
        """
        if dest is None:
            return self._lines()
        if isinstance(dest, (str, os.PathLike)):
            tmp = f"{os.fspath(dest)}.partial"
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                n = self._write_lines(fh)
            os.replace(tmp, dest)
            return n
        return self._write_lines(dest)

    def _write_lines(self, fh: IO[str]) -> int:
        n = 0
        for line in self._lines():
            fh.write(line)
            n += 1
        return n

    def _lines(self) -> Iterator[str]:
        # the stored text is canonical JSON, so this line is canonical JSON of
        # {"hash": ..., "record": body} without parsing and re-writing each record
        for _seq, h, text in self._raw_pages([], []):
            yield f'{{"hash":"{h}","record":{text}}}\n'

    # used by the report: raw bodies in a period, without building objects
    def _bodies(
        self,
        since: _dt.date | _dt.datetime | str | None,
        until: _dt.date | _dt.datetime | str | None,
    ) -> Iterator[Mapping[str, Any]]:
        where: list[str] = []
        params: list[Any] = []
        lo, hi = _bound(since, False), _bound(until, True)
        if lo is not None:
            where.append("r.recorded_at >= ?")
            params.append(lo)
        if hi is not None:
            where.append("r.recorded_at <= ?")
            params.append(hi)
        for rec in self._pages(where, params):
            yield rec.body


def _reopen(url: str) -> Ledger:
    return Ledger.open(url, create=False)


def _outcome(x: Outcome | str) -> str:
    if isinstance(x, Outcome):
        return x.value
    try:
        return Outcome(x).value
    except ValueError:
        raise LedgerError(
            f"{x!r} is not an outcome ({', '.join(o.value for o in Outcome)})"
        ) from None


def _currency(lim: Limits | None, vals: Mapping[str, Decimal]) -> str | None:
    if lim is not None and lim.value is not None and lim.currency:
        return lim.currency
    return next(iter(vals)) if len(vals) == 1 else None


class _Grouped:
    """Rows ordered by their first column, taken group by group as the records go by."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self._peek: tuple[Any, ...] | None = next(rows, None)
        self._orphans: set[int] = set()

    def take(self, seq: int) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        while self._peek is not None and int(self._peek[0]) <= seq:
            if int(self._peek[0]) == seq:
                out.append(self._peek)
            else:
                self._orphans.add(int(self._peek[0]))
            self._peek = next(self._rows, None)
        return out

    def leftover(self) -> set[int]:
        while self._peek is not None:
            self._orphans.add(int(self._peek[0]))
            self._peek = next(self._rows, None)
        return self._orphans
