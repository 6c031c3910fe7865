"""The hash chain: canonical JSON, record hashes and the checks ``verify`` makes.

A record's *body* is a JSON object holding everything recorded (the transaction, the decision,
who, when, whether it shipped, the licence debits) plus its sequence number ``seq`` and the hash
of the record before it, ``prev``. Its hash is the SHA-256 of the body's canonical JSON: keys
sorted, separators ``,`` and ``:``, no whitespace, UTF-8, non-ASCII characters written as
themselves, NaN and infinities refused. Numbers are written as Python's ``json`` writes them (the
shortest text that reads back as the same number). The first record's ``prev`` is 64 zeros.
See docs/records.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

__all__ = [
    "FORMAT",
    "GENESIS",
    "ChainChecker",
    "Verification",
    "VerifyProblem",
    "canonical",
    "record_hash",
]

FORMAT = "exportrules-ledger/1"
GENESIS = "0" * 64
_MAX_PROBLEMS = 100


def canonical(obj: Any) -> bytes:
    """The canonical JSON bytes of ``obj`` (sorted keys, compact, UTF-8, no NaN)."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(body: Mapping[str, Any]) -> str:
    """The hex SHA-256 of a record body's canonical JSON."""
    return hashlib.sha256(canonical(body)).hexdigest()


@attrs.frozen
class VerifyProblem:
    """One thing wrong in the ledger: the record (by sequence number) and what is wrong."""

    seq: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "reason": self.reason}


@attrs.frozen
class Verification:
    """The result of checking a ledger's hash chain.

    Attributes:
        ok: true when every record is intact, in order, and none is missing.
        checked: how many records were read and checked.
        first_bad: sequence number of the first bad record (edited, deleted, reordered), or None.
        reason: what is wrong with that record, or None.
        problems: every problem found (at most 100), the first one first.
        head_seq, head_hash: the last record's sequence number and hash. Keep them somewhere
            else (a report, a mail, a second system): ``verify(anchor=...)`` then also detects a
            ledger rewritten from the start.
    """

    ok: bool
    checked: int
    first_bad: int | None = None
    reason: str | None = None
    problems: tuple[VerifyProblem, ...] = ()
    head_seq: int = 0
    head_hash: str = GENESIS

    def __bool__(self) -> bool:
        return self.ok

    @property
    def anchor(self) -> str:
        """``"<seq>:<hash>"`` of the last record, for ``verify(anchor=...)`` later."""
        return f"{self.head_seq}:{self.head_hash}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad": self.first_bad,
            "reason": self.reason,
            "problems": [p.to_dict() for p in self.problems],
            "head": {"seq": self.head_seq, "hash": self.head_hash},
        }


def parse_anchor(anchor: str) -> tuple[int, str]:
    """Read ``"<seq>:<hash>"``; raises ValueError when malformed."""
    seq_s, sep, h = anchor.partition(":")
    hexdigits = set("0123456789abcdef")
    if not sep or not seq_s.isdigit() or len(h) != 64 or not set(h) <= hexdigits:
        raise ValueError(f"anchor {anchor!r} is not '<seq>:<64 hex digits>'")
    return int(seq_s), h


class ChainChecker:
    """Walks records in storage order and collects what is wrong with them.

    Feed it ``(row_seq, stored_hash, body_text)`` in the order the store keeps them; it checks
    that each body hashes to its stored hash, that sequence numbers run 1, 2, 3 ... without a
    gap, that each body's ``prev`` is the hash of the record before, and that recording times
    never go backwards. After a break it re-anchors on the stored hash so one bad record is
    reported once, not once for every record after it.
    """

    def __init__(self, anchor: tuple[int, str] | None = None, canonical: bool = False) -> None:
        self.canonical = canonical  # also check the text is in canonical form (exports)
        self.checked = 0
        self.problems: list[VerifyProblem] = []
        self._n_problems = 0
        self.expected_seq = 1
        self.prev_hash = GENESIS
        self.prev_at = ""
        self.anchor = anchor
        self.anchor_seen = anchor is None

    def _bad(self, seq: int, reason: str) -> None:
        self._n_problems += 1
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(VerifyProblem(seq, reason))

    def feed(self, row_seq: int, stored_hash: str, body_text: str) -> dict[str, Any] | None:
        """Check one stored record; returns its parsed body (None if it is not JSON)."""
        self.checked += 1
        try:
            body = json.loads(body_text)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            self._bad(row_seq, f"record {row_seq}: its content is not a JSON object (edited)")
            self.expected_seq = row_seq + 1
            self.prev_hash = stored_hash
            return None
        actual = hashlib.sha256(body_text.encode("utf-8")).hexdigest()
        if actual != stored_hash:
            self._bad(
                row_seq,
                f"record {row_seq}: its content does not match its hash (edited after it "
                "was written)",
            )
        elif self.canonical and canonical(body) != body_text.encode("utf-8"):
            self._bad(row_seq, f"record {row_seq}: its content is not in canonical form")
        body_seq = body.get("seq")
        if row_seq != self.expected_seq and row_seq > self.expected_seq:
            missing = (
                f"record {self.expected_seq} is"
                if row_seq == self.expected_seq + 1
                else f"records {self.expected_seq} to {row_seq - 1} are"
            )
            self._bad(self.expected_seq, f"{missing} missing (deleted)")
        elif body_seq != row_seq:
            self._bad(
                row_seq,
                f"record {row_seq}: its content is that of record {body_seq} (records "
                "reordered or moved)",
            )
        elif body.get("prev") != self.prev_hash and row_seq == self.expected_seq:
            if row_seq > 1:
                self._bad(
                    row_seq - 1,
                    f"record {row_seq - 1}: its hash is not the one record {row_seq} was "
                    f"chained to (record {row_seq - 1} was rewritten after record {row_seq} "
                    "was written, or records were reordered)",
                )
            else:
                self._bad(row_seq, "record 1: it does not start the chain (prev is not zeros)")
        at = body.get("recorded_at")
        if isinstance(at, str):
            if at < self.prev_at:
                self._bad(
                    row_seq,
                    f"record {row_seq}: recorded at {at}, before the record preceding it "
                    f"({self.prev_at}) (records reordered)",
                )
            self.prev_at = at
        if body.get("format") != FORMAT:
            self._bad(row_seq, f"record {row_seq}: unknown record format {body.get('format')!r}")
        if self.anchor is not None and row_seq == self.anchor[0]:
            self.anchor_seen = True
            if stored_hash != self.anchor[1]:
                self._bad(
                    row_seq,
                    f"record {row_seq}: its hash differs from the anchor you kept "
                    "(the ledger was rewritten up to here)",
                )
        self.expected_seq = row_seq + 1
        self.prev_hash = stored_hash
        return body

    def extra(self, seq: int, reason: str) -> None:
        """Report a problem found by a check outside the chain (indexes, usage, head)."""
        self._bad(seq, reason)

    def finish(self) -> Verification:
        if self.anchor is not None and not self.anchor_seen:
            self._bad(
                self.anchor[0],
                f"record {self.anchor[0]}, which the anchor you kept names, is missing "
                "(records deleted from the end)",
            )
        probs = sorted(self.problems, key=lambda p: p.seq)
        first = probs[0] if probs else None
        return Verification(
            ok=self._n_problems == 0,
            checked=self.checked,
            first_bad=first.seq if first else None,
            reason=first.reason if first else None,
            problems=tuple(probs),
            head_seq=self.expected_seq - 1,
            head_hash=self.prev_hash,
        )


def verify_lines(lines: Iterable[str], anchor: str | None = None) -> Verification:
    """Verify an export made by ``Ledger.export_jsonl`` (one ``{"hash", "record"}`` per line)."""
    checker = ChainChecker(parse_anchor(anchor) if anchor else None, canonical=True)
    for n, line in enumerate(_nonblank(lines), start=1):
        try:
            obj = json.loads(line)
            h, body = obj["hash"], obj["record"]
            seq = body["seq"] if isinstance(body, dict) else n
            text = canonical(body).decode("utf-8")
        except (ValueError, KeyError, TypeError):
            checker.checked += 1
            checker.extra(n, f"line {n}: not a ledger export record")
            continue
        checker.feed(int(seq) if isinstance(seq, int) else n, str(h), text)
    return checker.finish()


def _nonblank(lines: Iterable[str]) -> Iterator[str]:
    for ln in lines:
        if ln.strip():
            yield ln
