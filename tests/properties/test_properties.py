"""The rule-interaction properties (docs/index.md), as hypothesis tests over random rule
sets and transactions."""

from __future__ import annotations

import copy
import importlib.util
import json
import random
from collections.abc import Mapping, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportrules import Decision, Engine, Outcome, Transaction
from exportrules._engine import FixedScreener
from exportrules._ir import Regime, TableView, eval_cond
from exportrules._loader import load_regime
from tests.properties.strategies import (
    KNOWLEDGE,
    make_regime,
    rule_specs,
    rules_toml,
    screen_hits,
    transactions,
)

HAS_RETE = importlib.util.find_spec("durable") is not None


class ReferenceBackend:
    """Obviously-correct evaluation: no index, no compilation, naive fixpoint for derive rules."""

    name = "python"

    def fire(
        self,
        regime: Regime,
        view: TableView,
        frames: Sequence[MutableMapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
    ) -> list[tuple[Any, int, int | None]]:
        live = [r for r in regime.rules if r.in_force(view.date)]
        out: list[tuple[Any, int, int | None]] = []
        for i, f in enumerate(frames):

            def holds(r: Any) -> list[int | None]:
                if r.for_each == "party":
                    return [
                        j for j, p in enumerate(parties) if eval_cond(r.condition, {**f, **p}, view)
                    ]
                return [None] if eval_cond(r.condition, f, view) else []

            changed = True
            while changed:  # derive to a fixpoint, in any order
                changed = False
                for r in live:
                    if r.effect.kind == "derive" and not f[f"derived.{r.effect.fact}"] and holds(r):
                        f[f"derived.{r.effect.fact}"] = True
                        changed = True
            for r in live:
                if r.effect.kind != "derive":
                    out.extend((r, i, j) for j in holds(r))
        return out


@lru_cache(maxsize=256)
def _regime(text: str) -> Regime:
    import json

    rules = json.loads(text)
    return load_regime(make_regime(rules))


def regime_of(rules: list[dict[str, Any]]) -> Regime:
    import json

    return _regime(json.dumps(rules, sort_keys=True))


def engine(
    rules: list[dict[str, Any]], hits: Sequence[Mapping[str, Any]] = (), backend: str = "python"
) -> Engine:
    return Engine(
        [regime_of(rules)], backend=backend, screening=FixedScreener(hits) if hits else None
    )


def norm(d: Decision) -> dict[str, Any]:
    """A decision with backend and rule-set hash removed, lists put in canonical order."""
    x = d.to_dict()
    del x["evaluated_at"]  # when it was decided, not what
    del x["input_sha256"]  # a permuted input is another input, decided the same way
    x["engine"] = {}
    x["lines"] = sorted(x["lines"], key=lambda r: r["line"])
    x["findings"] = sorted(
        x["findings"], key=lambda f: (f["regime"], f["line"] or "", f["rule"], f["party"] or "")
    )
    return x


def stable_json(d: Decision) -> str:
    """The decision's JSON without ``evaluated_at``, the one field that records time."""
    x = d.to_dict()
    del x["evaluated_at"]
    return json.dumps(x, ensure_ascii=False)


def outcomes(d: Decision) -> dict[str, Outcome]:
    return {lr.line: lr.outcome for lr in d.lines}


def at_least(a: Decision, b: Decision) -> bool:
    """Every line outcome of ``a`` is at least as severe as in ``b``."""
    oa, ob = outcomes(a), outcomes(b)
    return all(oa[k] >= ob[k] for k in ob) and a.outcome >= b.outcome


@given(rule_specs(), transactions(), screen_hits)
def test_python_backend_agrees_with_reference(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    e = engine(rules, hits)
    ref = e.with_screener(FixedScreener(hits) if hits else None)
    ref._backend = ReferenceBackend()
    assert norm(e.evaluate(tx)) == norm(ref.evaluate(tx))


@given(rule_specs(), transactions(), screen_hits)
def test_compiled_backend_agrees_with_reference_and_closures(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    """The compiled decision functions against the naive evaluator and the closure backend."""
    from exportrules._compile import CompiledBackend
    from exportrules._pyback import PythonBackend

    e = engine(rules, hits)
    e._backend = CompiledBackend()
    ref = e.with_screener(FixedScreener(hits) if hits else None)
    ref._backend = ReferenceBackend()
    closures = e.with_screener(FixedScreener(hits) if hits else None)
    closures._backend = PythonBackend()
    got = norm(e.evaluate(tx))
    assert got == norm(ref.evaluate(tx))
    assert got == norm(closures.evaluate(tx))


@given(rule_specs(), transactions())
def test_deterministic(rules: list[dict[str, Any]], tx: dict[str, Any]) -> None:
    a = engine(rules).evaluate(tx)
    b = Engine([load_regime(make_regime(rules))], screening=None).evaluate(copy.deepcopy(tx))
    assert norm(a) == norm(b)
    assert a == engine(rules).evaluate(tx)  # equality ignores evaluated_at only
    assert stable_json(a) == stable_json(engine(rules).evaluate(tx))


@given(rule_specs(min_size=2), transactions(), st.randoms(use_true_random=False))
def test_invariant_under_permutation(
    rules: list[dict[str, Any]], tx: dict[str, Any], rnd: random.Random
) -> None:
    base = norm(engine(rules).evaluate(tx))
    shuffled = rules[:]
    rnd.shuffle(shuffled)
    assert norm(engine(shuffled).evaluate(tx)) == base
    tx2 = copy.deepcopy(tx)
    for k in ("lines", "parties", "end_use", "knowledge", "authorisations"):
        rnd.shuffle(tx2[k])
    assert norm(engine(rules).evaluate(tx2)) == base


extra_rule = st.sampled_from(["prohibit", "require", "review"]).map(
    lambda k: {
        "id": "tl.extra",
        "citation": "Testland Export Act 2020, s. 99",
        "message": "x",
        "when": {"fact": "line.code", "exists": True},
        "then": {"effect": k, **({"reason": "r1"} if k == "require" else {})},
    }
)


@given(rule_specs(), transactions(), extra_rule)
def test_adding_a_restrictive_rule_never_lowers(
    rules: list[dict[str, Any]], tx: dict[str, Any], extra: dict[str, Any]
) -> None:
    assert at_least(engine([*rules, extra]).evaluate(tx), engine(rules).evaluate(tx))


@given(rule_specs(), transactions(), st.sampled_from(KNOWLEDGE))
def test_adding_knowledge_never_lowers(
    rules: list[dict[str, Any]], tx: dict[str, Any], k: str
) -> None:
    more = {**tx, "knowledge": sorted({*tx["knowledge"], k})}
    e = engine(rules)
    assert at_least(e.evaluate(more), e.evaluate(tx))


@given(rule_specs(), transactions(), screen_hits)
def test_adding_a_listed_party_never_lowers(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    tx = {
        **tx,
        "parties": [{"role": "end_user", "name": f"P{i}", "type": "commercial"} for i in range(4)],
    }
    assert at_least(engine(rules, hits).evaluate(tx), engine(rules).evaluate(tx))


@given(rule_specs(), transactions())
def test_removing_an_authorisation_never_lowers(
    rules: list[dict[str, Any]], tx: dict[str, Any]
) -> None:
    e = engine(rules)
    full = e.evaluate(tx)
    for i in range(len(tx["authorisations"])):
        less = {**tx, "authorisations": tx["authorisations"][:i] + tx["authorisations"][i + 1 :]}
        assert at_least(e.evaluate(less), full)


@given(rule_specs(), transactions(), screen_hits)
def test_prohibit_dominates_and_deny_beats_authorise(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    d = engine(rules, hits).evaluate(tx)
    spec = {r["id"]: r["then"] for r in rules}
    by_line = {lr.line: lr for lr in d.lines}
    for f in d.findings:
        if f.effect == "prohibit":
            assert f.line is not None and by_line[f.line].regimes["tl"] is Outcome.PROHIBITED
        if f.effect == "authorise" and f.rule in spec:
            kind = spec[f.rule]["kind"]
            for g in d.findings:
                if g.effect != "deny_authorisation" or g.line != f.line:
                    continue
                deny = spec[g.rule]
                blocks = deny.get("authorisation") in (None, "*", f.authorisation) and deny.get(
                    "kind"
                ) in (None, kind)
                assert not blocks, (f, g)


@given(rule_specs(), transactions())
def test_rule_outside_its_interval_acts_as_absent(
    rules: list[dict[str, Any]], tx: dict[str, Any]
) -> None:
    derive = [r for r in rules if r["then"]["effect"] == "derive"]
    others = [r for r in rules if r["then"]["effect"] != "derive"]
    dead = [{**r, "effective": {"from": "2099-01-01"}} for r in others]
    expired = [{**r, "effective": {"until": "2000-01-01"}} for r in others]
    base = norm(engine(derive).evaluate(tx))
    assert norm(engine(derive + dead).evaluate(tx)) == base
    assert norm(engine(derive + expired).evaluate(tx)) == base


def _classified_for(tx: dict[str, Any], rid: str) -> dict[str, Any]:
    """The transaction with only the classifications for regime ``rid``."""
    lines = [
        {
            **ln,
            "classification": {k: v for k, v in ln.get("classification", {}).items() if k == rid},
        }
        for ln in tx.get("lines", [])
    ]
    return {**tx, "lines": lines}


@given(rule_specs(), rule_specs(), transactions())
def test_regimes_are_independent(
    r1: list[dict[str, Any]], r2: list[dict[str, Any]], tx: dict[str, Any]
) -> None:
    reg1 = regime_of(r1)
    reg2 = load_regime(make_regime(r2, regime_id="tm"))
    both = Engine([reg1, reg2], screening=None).evaluate(tx)
    # a classification may only name a regime exportrules knows: drop the other test regime's
    one = Engine([reg1], screening=None).evaluate(_classified_for(tx, "tl"))
    two = Engine([reg2], screening=None).evaluate(_classified_for(tx, "tm"))
    assert both.regimes["tl"] == one.regimes["tl"] and both.regimes["tm"] == two.regimes["tm"]
    assert both.outcome == max(one.outcome, two.outcome)
    for lr in both.lines:
        assert lr.outcome == max(lr.regimes.values())


@given(transactions())
def test_transaction_json_round_trip(tx: dict[str, Any]) -> None:
    t = Transaction.from_dict(tx)
    assert Transaction.from_json(t.to_json()) == t
    assert Transaction.from_dict(t.to_dict()).to_dict() == t.to_dict()


@given(rule_specs(), transactions(), screen_hits)
def test_decision_json_round_trip(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    d = engine(rules, hits).evaluate(tx)
    assert Decision.from_json(d.to_json()) == d


@pytest.mark.rete
@pytest.mark.skipif(
    not HAS_RETE, reason="durable_rules not installed (pip install 'exportrules[rete]')"
)
@given(rule_specs(), transactions(), screen_hits)
def test_backends_agree(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    py = engine(rules, hits).evaluate(tx)
    rete = engine(rules, hits, backend="rete").evaluate(tx)
    assert norm(py) == norm(rete)
    compiled = engine(rules, hits, backend="compiled").evaluate(tx)
    assert norm(compiled) == norm(rete)


def test_generated_toml_loads() -> None:
    rules = [
        {
            "id": "tl.a",
            "citation": "Testland Export Act 2020, s. 1",
            "message": "m",
            "when": {"all": [{"fact": "line.code", "matches": r"T1.*"}]},
            "then": {"effect": "review"},
        }
    ]
    assert 'matches = "T1.*"' in rules_toml(rules)
    assert regime_of(rules).rules[0].id == "tl.a"
