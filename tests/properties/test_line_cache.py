"""The line-result cache never changes a decision: an engine that remembers line results gives,
for every transaction of a random sequence, the very decision of an engine without the cache.

The sequences are built to make keys collide where they must not: the same transaction again,
and copies with one fact changed that findings render differently (``1`` / ``1.0``, another
destination, party or date), under messages that read some of those facts, or none.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from exportrules import Engine
from exportrules._engine import FixedScreener
from tests.properties.strategies import rule_specs, screen_hits, transactions
from tests.properties.test_properties import norm, regime_of

FIELDS = ["{line.id}", "{line.value}", "{tx.destination}", "{tx.date}", "{party.type}"]


def _rules(rules: list[dict[str, Any]], fields: list[str]) -> list[dict[str, Any]]:
    """The rules with messages rendering ``fields`` (what they do not render, the key must
    still tell apart when it decides anything)."""
    out = copy.deepcopy(rules)
    for r in out:
        shown = [f for f in fields if r.get("for_each") == "party" or f != "{party.type}"]
        r["message"] = " ".join(["generated", *shown])
    return out


def _variants(tx: dict[str, Any], k: int) -> list[dict[str, Any]]:
    """The transaction, and copies differing in one fact only."""
    out = [tx]
    a = copy.deepcopy(tx)
    for ln in a["lines"]:
        if isinstance(ln.get("value"), int):
            ln["value"] = float(ln["value"])  # 10 and 10.0 are equal, and render differently
    out.append(a)
    b = copy.deepcopy(tx)
    b["destination"] = "JP" if tx["destination"] != "JP" else "FR"
    b["authorisations"] = []
    out.append(b)
    c = copy.deepcopy(tx)
    c["date"] = "2026-01-01" if tx["date"] != "2026-01-01" else "2023-06-01"
    out.append(c)
    d = copy.deepcopy(tx)
    for p in d["parties"]:
        p["type"] = "police" if p["type"] != "police" else "commercial"
    out.append(d)
    e = copy.deepcopy(tx)
    for p in e["parties"]:
        p["name"] = "P1" if p["name"] != "P1" else "P2"  # another party, maybe screened
    e["parties"] = [p for i, p in enumerate(e["parties"]) if p["name"] not in
                    {q["name"] for q in e["parties"][:i]}]  # fmt: skip
    out.append(e)
    return out[: 2 + k]


def _engines(
    rules: list[dict[str, Any]], hits: list[dict[str, Any]], fields: list[str]
) -> tuple[Engine, Engine]:
    regime = regime_of(_rules(rules, fields))
    on = Engine([regime], screening=FixedScreener(hits) if hits else None)
    off = Engine([regime], screening=FixedScreener(hits) if hits else None)
    for s in off._stages:
        s.lines = None
    assert all(s.lines is not None for s in on._stages)
    return on, off


@given(
    rule_specs(),
    st.lists(transactions(), min_size=1, max_size=3),
    screen_hits,
    st.integers(0, 4),
    st.booleans(),
    st.lists(st.sampled_from(FIELDS), unique=True),
)
@settings(max_examples=200)
def test_line_cache_never_changes_a_decision(
    rules: list[dict[str, Any]],
    txs: list[dict[str, Any]],
    hits: list[dict[str, Any]],
    k: int,
    no_auths: bool,
    fields: list[str],
) -> None:
    on, off = _engines(rules, hits, fields)
    seq = []
    for tx in txs:
        if no_auths:  # without licences every line is cached
            tx["authorisations"] = []
        seq += _variants(tx, k)
    seq += seq  # everything again: now from the cache
    for tx in seq:
        assert norm(on.evaluate(copy.deepcopy(tx))) == norm(off.evaluate(copy.deepcopy(tx)))
