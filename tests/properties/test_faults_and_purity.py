"""Faults never lower a result, and decisions are a pure function of input, engine and data.

Fault property (docs/api.md, "Errors"): when the evaluation of a regime fails,

- in a backend, while matching: the reference evaluator decides the regime instead, and each
  line's outcome under it is the reference outcome raised to at least ``review``;
- anywhere else: each line's outcome under the regime is at least ``review``, at least what
  the regime had already decided for that line, and at least every finding it had already
  reported for it; the other regimes are untouched.

So the transaction never comes out less severe than what was established before the fault.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportrules import Decision, Engine, Outcome
from exportrules._combine import Combiner
from tests.properties.strategies import rule_specs, transactions
from tests.properties.test_properties import regime_of

HAS_RETE = importlib.util.find_spec("durable") is not None


def _decide(rules: list[dict[str, Any]], tx: dict[str, Any], backend: str = "python") -> Decision:
    return Engine([regime_of(rules)], backend=backend, screening=None).evaluate(tx)


def _by_line(d: Decision) -> dict[str, Outcome]:
    return {lr.line: lr.regimes["tl"] for lr in d.lines}


class Boom(RuntimeError):
    pass


@given(rule_specs(), transactions(), st.integers(0, 3))
def test_a_fault_part_way_never_lowers_what_was_found(
    rules: list[dict[str, Any]], tx: dict[str, Any], k: int
) -> None:
    clean = _decide(rules, tx)
    calls = 0
    real = Combiner.combine

    def combine(self: Combiner, *a: Any, **kw: Any) -> Outcome:
        nonlocal calls
        calls += 1
        if calls > k:  # the (k+1)-th line the regime combines fails
            raise Boom("injected")
        return real(self, *a, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Combiner, "combine", combine)
        faulty = _decide(rules, tx)
    if calls <= k:  # the regime combined fewer lines than that: no fault happened
        assert faulty == clean
        return
    fo, co = _by_line(faulty), _by_line(clean)
    assert "tl.engine_fault" in {f.rule for f in faulty.findings}
    assert all(o >= Outcome.REVIEW for o in fo.values())
    decided = [ln for ln in co if co[ln] != Outcome.NOT_APPLICABLE][:k]
    for ln in decided:  # lines combined before the fault keep their result (or review)
        assert fo[ln] == max(co[ln], Outcome.REVIEW)
    before = max([co[ln] for ln in decided], default=Outcome.NOT_APPLICABLE)
    assert faulty.outcome >= max(before, Outcome.REVIEW)
    kept = {(f.rule, f.line, f.party) for f in clean.findings if f.line in decided}
    assert kept <= {(f.rule, f.line, f.party) for f in faulty.findings}


@pytest.mark.parametrize("backend", ["python", pytest.param("rete", marks=pytest.mark.rete)])
@given(rules=rule_specs(), tx=transactions())
def test_a_backend_fault_is_decided_by_the_reference_evaluator(
    backend: str, rules: list[dict[str, Any]], tx: dict[str, Any]
) -> None:
    if backend == "rete" and not HAS_RETE:
        pytest.skip("needs exportrules[rete]")
    from exportrules._match import make_backend

    clean = _decide(rules, tx, "python")

    def fire(self: Any, *a: Any, **kw: Any) -> Any:
        raise MemoryError("injected backend failure")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(type(make_backend(backend)), "fire", fire)
        faulty = _decide(rules, tx, backend)
    fo, co = _by_line(faulty), _by_line(clean)
    for ln, o in co.items():
        assert fo[ln] == (o if o == Outcome.NOT_APPLICABLE else max(o, Outcome.REVIEW))
    if any(o != Outcome.NOT_APPLICABLE for o in co.values()):
        assert faulty.outcome == max(clean.outcome, Outcome.REVIEW)
        assert {f.rule for f in faulty.findings} == {f.rule for f in clean.findings} | {
            "tl.engine_fault"
        }


def test_a_fault_in_one_regime_leaves_the_others_alone(tmp_path: Any) -> None:
    from tests.properties.strategies import make_regime

    rule = {
        "id": "tl.cn",
        "citation": "Testland Export Act 2020, s. 1",
        "message": "x",
        "when": {"fact": "tx.destination", "eq": "CN"},
        "then": {"effect": "prohibit"},
    }
    tl = regime_of([rule])
    from exportrules import load_regime

    tm = load_regime(make_regime([rule], regime_id="tm"))
    tx = {"date": "2026-01-01", "export_from": "DE", "destination": "CN",
          "lines": [{"id": "1"}, {"id": "2"}]}  # fmt: skip
    real = Combiner.combine

    def combine(self: Combiner, *a: Any, **kw: Any) -> Outcome:
        if self.regime.id == "tm" and a[2] == "2":  # line "2" of regime tm fails
            raise Boom("injected")
        return real(self, *a, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Combiner, "combine", combine)
        d = Engine([tl, tm], screening=None).evaluate(tx)
    assert {lr.line: dict(lr.regimes) for lr in d.lines} == {
        "1": {"tl": Outcome.PROHIBITED, "tm": Outcome.PROHIBITED},  # decided before the fault
        "2": {"tl": Outcome.PROHIBITED, "tm": Outcome.REVIEW},
    }
    assert d.outcome == Outcome.PROHIBITED
    (f,) = [f for f in d.findings if f.rule == "tm.engine_fault"]
    assert "at line 2" in f.message and "Boom: injected" in f.message


# ----------------------------------------------------------------------------- purity

RENDERING = [
    {
        "id": "tl.says",
        "citation": "Testland Export Act 2020, s. 1",
        "message": "value {line.value}, quantity {line.quantity}, US content {line.us_content}",
        "when": {"fact": "line.id", "exists": True},
        "then": {"effect": "review"},
    }
]
# numbers equal in Python whose text differs
SAME_VALUE = [[1, 1.0], [0, 0.0, -0.0], [2, 2.0], [1000, 1000.0]]


@st.composite
def twin_transactions(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    field = draw(st.sampled_from(["value", "quantity", "us_content"]))
    vals = draw(st.sampled_from(SAME_VALUE[:2] if field == "us_content" else SAME_VALUE))
    a, b = draw(st.permutations(vals))[:2]
    line: dict[str, Any] = {"id": "1", "currency": "EUR"} if field == "value" else {"id": "1"}
    base = {"date": "2026-01-01", "export_from": "DE", "destination": "CN"}
    return (
        {**base, "lines": [{**line, field: a}]},
        {**base, "lines": [{**line, field: b}]},
    )


def _json(d: Decision) -> str:
    x = d.to_dict()
    del x["evaluated_at"]
    return json.dumps(x, sort_keys=True)


@pytest.mark.parametrize("backend", ["python", pytest.param("rete", marks=pytest.mark.rete)])
@given(twin=twin_transactions())
def test_a_decision_does_not_depend_on_what_was_decided_before(
    backend: str, twin: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    if backend == "rete" and not HAS_RETE:
        pytest.skip("needs exportrules[rete]")
    a, b = twin
    regime = regime_of(RENDERING)
    alone = Engine([regime], backend=backend, screening=None).evaluate(b)
    e = Engine([regime], backend=backend, screening=None)
    e.evaluate(a)
    after = e.evaluate(b)
    assert _json(after) == _json(alone)
    (f,) = after.findings
    line = b["lines"][0]
    for k in ("value", "quantity", "us_content"):
        if k in line:
            assert f"{k.replace('_', ' ').replace('us', 'US')} {line[k]!s}," in f.message + ","


def test_eu_report_value_is_the_input_number() -> None:
    e = Engine.default(screening=None)
    tx = {"date": "2026-01-01", "export_from": "DE", "destination": "CN",
          "lines": [{"id": "1", "value": 1.0, "currency": "EUR",
                     "classification": {"eu": "5A001.j"}, "tags": ["cyber_surveillance"]}]}  # fmt: skip
    tx2 = json.loads(json.dumps(tx).replace('"value": 1.0', '"value": 1'))
    reports = [f.report for f in e.evaluate(tx).findings if f.report]
    assert reports and all(type(r["value"]) is float for r in reports)
    reports = [f.report for f in e.evaluate(tx2).findings if f.report]
    assert reports and all(type(r["value"]) is int for r in reports)
