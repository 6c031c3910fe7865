"""The Python API on near-valid input: a Decision or InvalidTransaction, nothing else, in
bounded time, and whatever comes out can be written as UTF-8 JSON."""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any

from hypothesis import given

from exportrules import Decision, Engine, InvalidTransaction, Transaction
from tests.fuzz.conftest import PER_INPUT, budget, count
from tests.fuzz.strategies import near_valid, near_valid_text


@cache
def engine() -> Engine:
    """The bundled regimes with the bundled screening lists: every stage runs."""
    return Engine.default()


def _check_error(e: InvalidTransaction) -> None:
    assert e.problems, "an InvalidTransaction names at least one problem"
    for p in e.problems:
        assert isinstance(p.path, str) and p.message
    json.dumps(e.to_dict(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    str(e).encode("utf-8")


def _check_decision(d: Decision) -> None:
    data = d.to_json().encode("utf-8")
    assert Decision.from_dict(json.loads(data)) == d


@budget(ci=250, long=5000)
@given(near_valid())
def test_evaluate_near_valid_transactions(tx: Any) -> None:
    count("api: Engine.evaluate(near-valid mapping)")
    t0 = time.monotonic()
    try:
        d = engine().evaluate(tx)
    except InvalidTransaction as e:
        _check_error(e)
    else:
        _check_decision(d)
        assert not any(f.rule.endswith(".engine_fault") for f in d.findings), d.findings
    assert time.monotonic() - t0 < PER_INPUT


@budget(ci=250, long=5000)
@given(near_valid_text())
def test_from_json_near_valid_bytes(raw: bytes) -> None:
    count("api: Transaction.from_json(near-valid bytes)")
    t0 = time.monotonic()
    try:
        t = Transaction.from_json(raw)
    except InvalidTransaction as e:
        _check_error(e)
    else:
        t.to_json().encode("utf-8")
        assert Transaction.from_json(t.to_json()) == t
    assert time.monotonic() - t0 < PER_INPUT
