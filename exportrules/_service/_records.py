"""The service's evaluation step: the library's per-record pipeline, ``exportrules._batch``.

``/v1/evaluate`` and ``/v1/evaluate/batch`` call the same decode, parse, validate, evaluate and
encode steps as ``exportrules evaluate`` and ``evaluate --batch``, so the answers and the error
records are the same by construction. Every failure becomes an answer, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from .. import _batch
from .._engine import Engine
from .._errors import Problem

__all__ = ["TOO_LARGE", "Answer", "decide_lines", "decide_one"]

#: the error code of a batch line (or the rest of a batch) over the service's size limit
TOO_LARGE = "request_too_large"

# HTTP status of a single evaluation by error code: the body is not UTF-8 JSON (400), not a
# valid transaction (422), or the engine failed (500)
STATUS = {
    None: 200,
    _batch.INVALID_UTF8: 400,
    _batch.INVALID_JSON: 400,
    _batch.INVALID_TRANSACTION: 422,
    _batch.ENGINE_FAULT: 500,
    _batch.OUTPUT_ERROR: 500,
}


class Answer(NamedTuple):
    """One evaluation's answer: the JSON body, the error code (None for a decision) and the
    decision's outcome."""

    body: bytes
    error: str | None
    outcome: str | None


def decide_one(engine: Engine, raw: bytes, *, replace_date: str | None = None) -> Answer:
    """One transaction: the decision, or ``{"error": code, "problems": [...]}`` (for an invalid
    transaction exactly ``InvalidTransaction.to_dict()``)."""
    try:
        d = _batch.decide(engine, raw, replace_date=replace_date)
        return Answer(_batch.encode_decision(d), None, d.outcome.value)
    except _batch.RecordError as e:
        doc = {
            "error": e.code,
            "problems": [{"path": p.path, "message": p.message} for p in e.problems],
        }
        return Answer(json.dumps(doc, ensure_ascii=False).encode("utf-8"), e.code, None)


def _outcome(r: _batch.Result) -> str | None:
    if r.error is not None:
        return None
    # the decision's outcome, read from its JSON without decoding it all
    i = r.data.find(b'"outcome": "')
    if i < 0:
        return None
    j = r.data.find(b'"', i + 12)
    return r.data[i + 12 : j].decode("ascii", "replace")


def decide_lines(
    engine: Engine,
    lines: Sequence[tuple[int, bytes | None]],
    *,
    replace_date: str | None,
    limit: int,
) -> list[Answer]:
    """Numbered batch lines to answers, one each, in order (``_batch.process_record``); a line
    given as None was longer than ``limit`` bytes and becomes a ``request_too_large`` record."""
    out = []
    for n, raw in lines:
        if raw is None:
            r = _batch.error_record(
                n,
                TOO_LARGE,
                [Problem("", f"the line is longer than this service's limit of {limit} bytes")],
            )
        else:
            r = _batch.process_record(engine, raw, n, replace_date=replace_date)
        out.append(Answer(r.data, r.error, _outcome(r)))
    return out
