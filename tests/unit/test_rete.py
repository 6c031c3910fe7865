"""Rete backend: the differential test against the python backend, and one test
per durable_rules pitfall the wrapper handles (docs/backends.md)."""

from __future__ import annotations

import datetime as _dt
import gc
import os
import random
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("durable.engine", reason="the rete backend needs exportrules[rete]")

from exportrules import Engine, _rete
from exportrules._cases import run_cases
from exportrules._errors import EvaluationError
from exportrules._ir import Regime
from exportrules._loader import load_regime

pytestmark = pytest.mark.rete

ROOT = Path(__file__).resolve().parents[2]
TL = ROOT / "tests" / "fixtures" / "regimes" / "tl"

# --------------------------------------------------------------------------- helpers

REGIME_TOML = """\
id = "rt"
name = "Rete test regime (fixture, not law)"
authority = "Test authority (fictional)"
version = "test"
references = ["Rete Test Act (fictional)"]
effective = { from = "2000-01-01" }
code_pattern = '^T[0-9]{3}(\\.[a-z0-9]+)*$'
code_examples = ["T100", "T100.a"]
held_licence_citation = "Rete Test Act, s. 9"
applicability = { fact = "tx.export_from", in_table = "members" }

[tables.members]
source = "fixture"
as_of = "2024-01-01"
verified = true
coverage = "Fixture members."

[tables.items]
source = "fixture"
as_of = "2024-01-01"
verified = false
coverage = "Fixture items."
columns = { controls = "list", threshold = "number" }

[tables.groups]
source = "fixture"
as_of = "2024-01-01"
verified = false
coverage = "Fixture country groups, with dated rows."

[tags]
cyber_surveillance = "A cyber-surveillance item (fixture)."
{extra_tags}
[[lookup]]
name = "item"
table = "items"
key = "line.code"
match = "hierarchical"
"""

TABLES = {
    "members.csv": "country\nDE\nFR\n",
    "items.csv": "code,controls,threshold,cyber\nT100,NS,0,no\nT200,NS;CS,1000,yes\n"
    "T300,CC,0.0000001,no\nT300.a,CC;RS,2.5,yes\n",
    "groups.csv": "country,group,valid_from,valid_until\nCN,D,2020-01-01,\nRU,D,2022-02-24,\n"
    "IR,E,2020-01-01,2024-01-01\nUS,A,,\nJP,A,,\n",
}


def make_regime(folder: Path, rules: str, name: str = "rt", tags: Sequence[str] = ()) -> Regime:
    """A regime folder with the fixture tables and ``rules`` as its only rule file."""
    root = folder / name
    (root / "rules").mkdir(parents=True)
    (root / "tables").mkdir()
    extra = "".join(f'{t} = "Fixture tag {t}."\n' for t in tags)
    (root / "regime.toml").write_text(REGIME_TOML.replace("{extra_tags}", extra))
    for fn, text in TABLES.items():
        (root / "tables" / fn).write_text(text)
    (root / "rules" / "rules.toml").write_text(textwrap.dedent(rules))
    return load_regime(root)


def rule(rid: str, when: str, then: str = '{ effect = "review" }', extra: str = "") -> str:
    return (
        f'[[rule]]\nid = "rt.{rid}"\ncitation = "Rete Test Act, s. 1"\n{extra}'
        f'when = {when}\nthen = {then}\nmessage = "Rule {rid}."\n\n'
    )


def tx(
    code: str | None = "T100",
    *,
    dest: str = "CN",
    date: str = "2026-01-01",
    value: float = 100.0,
    us_content: float = 0.0,
    tags: Sequence[str] = (),
    end_use: Sequence[str] = (),
    knowledge: Sequence[str] = (),
    parties: Sequence[Mapping[str, Any]] = (),
    lines: int = 1,
) -> dict[str, Any]:
    ls = []
    for k in range(lines):
        ln: dict[str, Any] = {"id": str(k + 1), "value": value, "currency": "EUR",
                              "us_content": us_content, "quantity": 1, "tags": list(tags)}  # fmt: skip
        if code is not None:
            ln["classification"] = {"rt": code}
        ls.append(ln)
    return {"id": "T", "date": date, "export_from": "DE", "destination": dest,
            "end_use": list(end_use), "knowledge": list(knowledge), "parties": list(parties),
            "lines": ls}  # fmt: skip


def comparable(d: Any) -> dict[str, Any]:
    out: dict[str, Any] = d.to_dict()
    out.pop("engine", None)
    out.pop("evaluated_at", None)  # when it was decided, not what
    return out


def assert_agree(regime: Regime, txs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    py = Engine([regime], backend="python", screening=None)
    rete = Engine([regime], backend="rete", screening=None)
    out = []
    for t in txs:
        a, b = comparable(py.evaluate(t)), comparable(rete.evaluate(t))
        assert a == b, f"backends disagree on {t}"
        out.append(b)
    return out


def fired(decision: Mapping[str, Any]) -> set[str]:
    return {f["rule"] for f in decision["findings"]}


def compiled(engine: Engine, regime: Regime) -> Any:
    return engine._backend.compiled(regime)


# --------------------------------------------------------------------------- agreement


def test_tl_golden_cases_pass_on_rete() -> None:
    results = run_cases(TL, backend="rete")
    assert results
    assert [r.case.name for r in results if not r.ok] == []


def test_tl_decisions_identical_to_python_backend() -> None:
    regime = load_regime(TL)
    people = [{"role": "end_user", "name": "P", "country": "CN", "type": "police"}]
    txs = [
        {"date": "2026-01-01", "export_from": "DE", "destination": d, "lines": [
            {"id": "1", "classification": {"tl": c}, "value": v, "currency": "EUR",
             "tags": t}], "parties": p, "knowledge": k}
        for d in ("US", "KP", "IR", "CN")
        for c in ("T100", "T200.x", "T300.a", "T999")
        for v in (10, 6000)
        for t in ([], ["cyber_surveillance"])
        for p in ([], people)
        for k in ([], ["aware_wmd", "informed_wmd"])
    ]  # fmt: skip
    out = assert_agree(regime, txs)
    # the fixture exercises derive strata (cyber -> cyber_risk) and party rules
    assert any("tl.cyber_review" in fired(d) for d in out)
    assert any("tl.tg1" in fired(d) for d in out)


PATTERNS = ["T[12].*", "T300(\\..*)?"]  # TOML literal strings: no escaping inside


def _leaf(rng: random.Random, party: bool) -> str:
    choices = [
        lambda: f'{{ fact = "tx.destination", eq = "{rng.choice(["CN", "US", "RU"])}" }}',
        lambda: f'{{ fact = "tx.destination", ne = "{rng.choice(["CN", "US"])}" }}',
        lambda: f'{{ fact = "tx.destination", in = {rng.sample(["CN", "US", "RU", "IR", "JP"], 2)} }}'.replace("'", '"'),
        lambda: '{ fact = "tx.destination", in_table = "groups" }',
        lambda: f'{{ fact = "tx.destination", in_table = "groups", column = "group", eq_value = "{rng.choice("ADE")}" }}',
        lambda: f'{{ fact = "tx.end_use", contains = "{rng.choice(["wmd", "military", "civil"])}" }}',
        lambda: '{ fact = "tx.end_user_types", intersects = ["police", "military"] }',
        lambda: f'{{ fact = "line.code", exists = {rng.choice(["true", "false"])} }}',
        lambda: f'{{ fact = "line.code", eq = "{rng.choice(["T100", "T200", "T300.a"])}" }}',
        lambda: "{ fact = \"line.code\", matches = '" + rng.choice(PATTERNS) + "' }",
        lambda: '{ fact = "line.code", in_table = "items", match = "hierarchical" }',
        lambda: f'{{ fact = "line.value", {rng.choice(["lt", "le", "gt", "ge"])} = {rng.choice([100, 999.5, 5000, 1e-7])} }}',
        lambda: f'{{ fact = "line.us_content", {rng.choice(["lt", "ge"])} = {rng.choice([1e-7, 0.25])} }}',
        lambda: '{ fact = "line.tags", contains = "cyber_surveillance" }',
        lambda: f'{{ fact = "line.classified", eq = {rng.choice(["true", "false"])} }}',
        lambda: f'{{ fact = "item.found", eq = {rng.choice(["true", "false"])} }}',
        lambda: f'{{ fact = "item.threshold", {rng.choice(["lt", "gt", "ne"])} = {rng.choice([0, 2.5, 1e-7])} }}',
        lambda: f'{{ fact = "item.cyber", eq = "{rng.choice(["yes", "no"])}" }}',
        lambda: f'{{ fact = "item.controls", intersects = {rng.sample(["NS", "CS", "CC", "RS"], 2)} }}'.replace("'", '"'),
        lambda: f'{{ fact = "tx.knowledge", contains = "{rng.choice(["aware_wmd", "informed_wmd"])}" }}',
    ]  # fmt: skip
    if party:
        choices += [
            lambda: f'{{ fact = "party.type", eq = "{rng.choice(["police", "military", "unknown"])}" }}',
            lambda: f'{{ fact = "party.role", ne = "{rng.choice(["end_user", "consignee"])}" }}',
            lambda: f'{{ fact = "party.country", in = {rng.sample(["CN", "US", "RU"], 2)} }}'.replace("'", '"'),
            lambda: '{ fact = "party.country", exists = false }',
        ]  # fmt: skip
    return rng.choice(choices)()


def _cond(rng: random.Random, depth: int, party: bool, derived: Sequence[str]) -> str:
    r = rng.random()
    if derived and r < 0.15:
        return f'{{ fact = "derived.{rng.choice(derived)}", eq = {rng.choice(["true", "false"])} }}'
    if depth <= 0 or r < 0.45:
        return _leaf(rng, party)
    if r < 0.6:
        return f"{{ not = {_cond(rng, depth - 1, party, derived)} }}"
    op = "all" if r < 0.8 else "any"
    kids = ", ".join(_cond(rng, depth - 1, party, derived) for _ in range(rng.randint(1, 3)))
    return f"{{ {op} = [ {kids} ] }}"


def _random_rules(rng: random.Random) -> str:
    out = []
    derived: list[str] = []
    for k in range(rng.randint(2, 5)):  # derive rules, each may read earlier ones
        party = rng.random() < 0.3
        out.append(rule(f"d{k}", _cond(rng, 2, party, derived),
                        f'{{ effect = "derive", fact = "f{k}" }}',
                        'for_each = "party"\n' if party else ""))  # fmt: skip
        derived.append(f"f{k}")
    effects = [
        '{ effect = "prohibit" }',
        '{ effect = "require", reason = "a" }',
        '{ effect = "require", reason = "b" }',
        '{ effect = "review" }',
        '{ effect = "no_license" }',
        '{ effect = "authorise", authorisation = "G1", kind = "general", covers = ["a"] }',
        '{ effect = "deny_authorisation", kind = "general" }',
    ]
    for k in range(rng.randint(5, 25)):
        party = rng.random() < 0.25
        extra = 'for_each = "party"\n' if party else ""
        if rng.random() < 0.2:
            extra += rng.choice(['effective = { from = "2025-01-01" }\n',
                                 'effective = { until = "2024-06-01" }\n',
                                 'effective = { from = "2021-01-01", until = "2026-01-01" }\n'])  # fmt: skip
        out.append(rule(f"r{k}", _cond(rng, 3, party, derived), rng.choice(effects), extra))
    return "".join(out)


def _random_tx(rng: random.Random) -> dict[str, Any]:
    parties = [
        {"role": rng.choice(["end_user", "consignee"]), "name": f"P{j}",
         "type": rng.choice(["police", "military", "unknown", "commercial"]),
         **({"country": rng.choice(["CN", "US", "RU"])} if rng.random() < 0.8 else {})}
        for j in range(rng.randint(0, 3))
    ]  # fmt: skip
    t = tx(
        rng.choice(["T100", "T100.b", "T200", "T300", "T300.a.1", "T999", None]),
        dest=rng.choice(["CN", "US", "RU", "IR", "JP", "BR"]),
        date=rng.choice(["2023-06-01", "2024-06-01", "2025-06-01", "2026-06-01"]),
        value=rng.choice([0, 99.99, 100, 999.5, 5000, 1e-7, 123456.75]),
        us_content=rng.choice([0.0, 1e-8, 1e-7, 2e-7, 0.25, 1.0]),
        tags=rng.choice([[], ["cyber_surveillance"]]),
        end_use=rng.sample(["wmd", "military", "civil"], rng.randint(0, 2)),
        knowledge=rng.sample(["aware_wmd", "informed_wmd"], rng.randint(0, 1)),
        parties=parties,
        lines=rng.randint(1, 3),
    )
    for ln in t["lines"]:  # lines differ from each other
        if rng.random() < 0.5:
            ln["classification"] = {"rt": rng.choice(["T100", "T200.a", "T300.a"])}
    return t


@pytest.mark.parametrize("seed", range(12))
def test_random_rulesets_agree_with_python_backend(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    regime = make_regime(tmp_path, _random_rules(rng))
    out = assert_agree(regime, [_random_tx(rng) for _ in range(40)])
    assert len(out) == 40
    # the generated rule sets do fire: the comparison is not between two empty results
    assert sum(len(d["findings"]) for d in out) > 0


def test_backend_firings_and_derived_facts_identical(tmp_path: Path) -> None:
    rng = random.Random(99)
    regime = make_regime(tmp_path, _random_rules(rng))
    rete = Engine([regime], backend="rete", screening=None)
    py = Engine([regime], backend="python", screening=None)
    for _ in range(30):
        t = _random_tx(rng)
        frames_py = _frames(py, regime, t)
        frames_rt = _frames(rete, regime, t)
        f_py = py._backend.fire(regime, frames_py[0], frames_py[1], frames_py[2])
        f_rt = rete._backend.fire(regime, frames_rt[0], frames_rt[1], frames_rt[2])
        key = sorted((r.id, i, j if j is not None else -1) for r, i, j in f_py)
        assert key == sorted((r.id, i, j if j is not None else -1) for r, i, j in f_rt)
        assert frames_py[1] == frames_rt[1]  # derived.* written the same way


def _frames(engine: Engine, regime: Regime, t: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """The (view, frames, parties) the engine would hand to its backend for ``t``."""
    captured: list[tuple[Any, Any, Any]] = []
    real = engine._backend.fire

    def spy(rg: Regime, view: Any, frames: Any, parties: Any) -> Any:
        captured.append((view, [dict(f) for f in frames], [dict(p) for p in parties]))
        return real(rg, view, frames, parties)

    engine._backend.fire = spy
    try:
        engine.evaluate(t)
    finally:
        del engine._backend.fire
    if not captured:  # regime not applicable: nothing handed over
        return (None, [], [])
    return captured[0]


# --------------------------------------------------------------------------- pitfalls


def test_action_exception_surfaces_as_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regime = make_regime(tmp_path, rule("any_code", '{ fact = "line.code", exists = true }'))
    eng = Engine([regime], backend="rete", screening=None)
    comp = compiled(eng, regime)

    def boom(self: Any, name: str, m: Any) -> None:
        raise RuntimeError("boom inside an action")

    monkeypatch.setattr(_rete._Compiled, "_record", boom)
    view, frames, parties = _frames(Engine([regime], screening=None), regime, tx())
    with pytest.raises(EvaluationError, match="boom inside an action"):
        eng._backend.fire(regime, view, frames, parties)
    assert comp.live == 0  # the session was deleted in finally
    # through the engine: fail closed, the fault is a review finding, never a silent pass
    d = eng.evaluate(tx()).to_dict()
    assert d["outcome"] == "review"
    assert "rt.engine_fault" in fired(d)
    monkeypatch.undo()
    d = eng.evaluate(tx()).to_dict()
    assert fired(d) == {"rt.any_code"}


def test_2000_sequential_evaluations_stay_under_session_cap(tmp_path: Path) -> None:
    regime = make_regime(
        tmp_path,
        rule("listed", '{ fact = "item.found", eq = true }', '{ effect = "require", reason = "l" }')
        + rule("cn", '{ fact = "tx.destination", eq = "CN" }'),
    )
    eng = Engine([regime], backend="rete", screening=None)
    comp = compiled(eng, regime)
    ruleset = comp.ruleset
    outs = set()
    for k in range(2000):
        d = eng.evaluate(tx("T100" if k % 2 else "T999", dest="CN" if k % 3 else "US"))
        outs.add((k % 6, d.outcome.value))
        assert comp.live == 0
    assert comp.ruleset is ruleset  # never needed the guard: every session was deleted
    assert len(outs) == 6
    assert {o for _, o in outs} == {"license_required", "review", "no_license_required"}


def test_session_guard_rebuilds_before_durable_cap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Sessions that fail to delete are counted; the ruleset is rebuilt before durable's 1,024."""
    regime = make_regime(
        tmp_path, rule("cn", '{ fact = "tx.destination", eq = "CN" }', '{ effect = "prohibit" }')
    )
    eng = Engine([regime], backend="rete", screening=None)
    comp = compiled(eng, regime)
    first = comp.ruleset

    def failing_delete(sid: Any) -> None:
        raise RuntimeError("simulated delete_state failure")

    first.delete_state = failing_delete  # sessions now really stay alive in durable
    for _ in range(1100):
        assert comp.live <= _rete.MAX_LIVE_SESSIONS
        # without the guard, durable raises MemoryError on the 1,025th live session
        assert fired(eng.evaluate(tx()).to_dict()) == {"rt.cn"}
    assert comp.ruleset is not first
    assert comp.live < 1100 - _rete.MAX_LIVE_SESSIONS + 1
    assert "rebuilding the ruleset" in caplog.text


def test_sentinel_keeps_sessions_valid_when_nothing_matches(tmp_path: Path) -> None:
    regime = make_regime(tmp_path, rule("never", '{ fact = "tx.destination", eq = "AQ" }'))
    eng = Engine([regime], backend="rete", screening=None)
    comp = compiled(eng, regime)
    assert "sentinel" in comp.definition
    for _ in range(200):
        d = eng.evaluate(tx())
        assert d.outcome.value == "no_license_required"
        assert comp.live == 0


def test_exponent_floats_compare_correctly(tmp_path: Path) -> None:
    rules = (
        rule("lt", '{ fact = "line.us_content", lt = 2e-7 }')
        + rule("le", '{ fact = "line.us_content", le = 1e-7 }')
        + rule("gt", '{ fact = "line.us_content", gt = 5e-8 }')
        + rule("eq", '{ fact = "line.us_content", eq = 1e-7 }')
        + rule("big", '{ fact = "line.value", ge = 1e17 }')
        + rule("max", '{ fact = "line.value", ge = 1e15 }')
        + rule("thr", '{ fact = "item.threshold", lt = 2e-7 }')
    )
    regime = make_regime(tmp_path, rules)
    want = {
        0.0: {"rt.lt", "rt.le"},
        1e-8: {"rt.lt", "rt.le"},
        1e-7: {"rt.lt", "rt.le", "rt.gt", "rt.eq"},
        1.5e-7: {"rt.lt", "rt.gt"},
        2e-7: {"rt.gt"},
        0.5: {"rt.gt"},
    }
    for us, rules_fired in want.items():
        (d,) = assert_agree(regime, [tx(None, us_content=us)])
        assert fired(d) == rules_fired, us
    (d,) = assert_agree(regime, [tx(None, value=1e15)])  # the largest valid number
    assert "rt.max" in fired(d) and "rt.big" not in fired(d)
    (d,) = assert_agree(regime, [tx("T300", value=1)])  # table number 0.0000001
    assert "rt.thr" in fired(d)


def test_numbers_encoded_without_exponents() -> None:
    assert _rete._num(1e-7) == "0.0000001"
    assert _rete._num(-2.5e-12) == "-0.0000000000025"
    assert "e" not in _rete._num(1e20).lower() and _rete._num(1e20).endswith(".0")
    big = _rete._num(2**63)  # beyond int64: written as a double (durable parses ints as int64)
    assert big.endswith(".0") and "e" not in big and float(big) == float(2**63)
    assert _rete._num(42) == "42"
    assert _rete._dumps({"a": [1e-7, True, None, 'x"y']}) == '{"a":[0.0000001,true,null,"x\\"y"]}'


def test_frame_over_255_properties_is_refused_cleanly(tmp_path: Path) -> None:
    rules = "".join(
        rule(f"t{k}", f'{{ fact = "line.tags", contains = "t{k}" }}') for k in range(300)
    )
    regime = make_regime(tmp_path, rules, tags=[f"t{k}" for k in range(300)])
    eng = Engine([regime], backend="rete", screening=None)
    # a few matching tags: encoded sparsely, far under the cap, same answer as python
    (d,) = assert_agree(regime, [tx(tags=["t1", "t7", "t299"])])
    assert fired(d) == {"rt.t1", "rt.t7", "rt.t299"}
    sizes: list[int] = []
    comp = compiled(eng, regime)
    real = comp._post

    def spy(facts: list[dict[str, Any]], plain: bool) -> None:
        sizes.extend(len(f) for f in facts)
        real(facts, plain)

    comp._post = spy
    eng.evaluate(tx(tags=["t1", "t7", "t299"]))
    assert sizes and max(sizes) < 20
    # 300 true atoms cannot be posted: refused with a clear error, the engine fails closed
    view, frames, parties = _frames(Engine([regime], screening=None), regime,
                                    tx(tags=[f"t{k}" for k in range(300)]))  # fmt: skip
    with pytest.raises(EvaluationError, match="at most 255"):
        eng._backend.fire(regime, view, frames, parties)
    assert comp.live == 0
    d2 = eng.evaluate(tx(tags=[f"t{k}" for k in range(300)])).to_dict()
    assert d2["outcome"] == "review" and "rt.engine_fault" in fired(d2)


def test_facts_not_events_every_matching_rule_fires(tmp_path: Path) -> None:
    same = '{ fact = "tx.destination", eq = "CN" }'
    regime = make_regime(
        tmp_path,
        rule("a", same) + rule("b", same, '{ effect = "require", reason = "x" }')
        + rule("c", same, '{ effect = "prohibit" }'),
    )  # fmt: skip
    (d,) = assert_agree(regime, [tx()])
    assert fired(d) == {"rt.a", "rt.b", "rt.c"}


def test_disjunction_blow_up_is_capped(tmp_path: Path) -> None:
    groups = ", ".join(
        f'{{ any = [ {{ fact = "tx.destination", eq = "CN" }}, '
        f'{{ fact = "line.value", gt = {k * 10} }}, '
        f'{{ fact = "line.code", matches = "T{k % 4}.*" }} ] }}'
        for k in range(8)
    )  # 3^8 = 6,561 disjuncts if expanded naively
    regime = make_regime(tmp_path, rule("wide", f"{{ all = [ {groups} ] }}"))
    eng = Engine([regime], backend="rete", screening=None)
    expr = compiled(eng, regime).definition["r0"]["all"][0]["m"]
    assert _rete._size(expr) <= _rete.MAX_DISJUNCTS
    rng = random.Random(3)
    assert_agree(regime, [_random_tx(rng) for _ in range(30)])


def test_effective_dates_are_native_conditions(tmp_path: Path) -> None:
    regime = make_regime(
        tmp_path, rule("dated", '{ fact = "tx.destination", eq = "CN" }',
                       extra='effective = { from = "2024-01-01", until = "2025-01-01" }\n'),
    )  # fmt: skip
    eng = Engine([regime], backend="rete", screening=None)
    expr = compiled(eng, regime).definition["r0"]["all"][0]["m"]
    lo, hi = _dt.date(2024, 1, 1).toordinal(), _dt.date(2025, 1, 1).toordinal()
    assert {"$gte": {"d": lo}} in expr["$and"] and {"$lt": {"d": hi}} in expr["$and"]
    got = {dt: fired(d) for dt, d in zip(
        ["2023-12-31", "2024-01-01", "2024-12-31", "2025-01-01"],
        assert_agree(regime, [tx(date=x) for x in
                              ["2023-12-31", "2024-01-01", "2024-12-31", "2025-01-01"]]))}  # fmt: skip
    assert got == {"2023-12-31": set(), "2024-01-01": {"rt.dated"},
                   "2024-12-31": {"rt.dated"}, "2025-01-01": set()}  # fmt: skip


def test_durable_calls_hold_the_process_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regime = make_regime(tmp_path, rule("cn", '{ fact = "tx.destination", eq = "CN" }'))
    eng = Engine([regime], backend="rete", screening=None)
    seen: list[bool] = []
    dre = _rete._dre

    class Spy:
        def __getattr__(self, name: str) -> Any:
            real = getattr(dre, name)

            def call(*a: Any) -> Any:
                seen.append(_rete._LOCK._is_owned())  # type: ignore[attr-defined]
                return real(*a)

            return call

    monkeypatch.setattr(_rete, "_dre", Spy())
    eng.evaluate(tx())
    assert seen and all(seen)


def test_concurrent_threads_match_sequential(tmp_path: Path) -> None:
    rng = random.Random(5)
    regime = make_regime(tmp_path, _random_rules(rng))
    txs = [_random_tx(rng) for _ in range(60)]
    eng = Engine([regime], backend="rete", screening=None)
    sequential = [comparable(eng.evaluate(t)) for t in txs]

    def work(k: int) -> list[tuple[int, dict[str, Any]]]:
        order = list(range(len(txs)))
        random.Random(k).shuffle(order)
        return [(i, comparable(eng.evaluate(txs[i]))) for i in order]

    with ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(work, range(8)))
    for res in results:
        for i, d in res:
            assert d == sequential[i]
    assert compiled(eng, regime).live == 0


def test_no_background_timer_threads(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    regime = make_regime(tmp_path, rule("cn", '{ fact = "tx.destination", eq = "CN" }'))
    eng = Engine([regime], backend="rete", screening=None)
    for _ in range(20):
        eng.evaluate(tx())
    new = [t for t in threading.enumerate() if t not in before]
    assert new == []
    assert not any(isinstance(t, threading.Timer) for t in threading.enumerate())


def test_refuses_to_import_on_python_313() -> None:
    code = textwrap.dedent(
        """
        import sys
        from exportrules import Engine, RuleSetError
        sys.version_info = (3, 13, 0, "final", 0)
        try:
            import exportrules._rete
        except ImportError as e:
            print("IMPORT-ERROR:", e)
        try:
            Engine([], backend="rete")
        except RuleSetError as e:
            print("RULESET-ERROR:", e)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout  # fmt: skip
    assert "IMPORT-ERROR:" in out and "3.13" in out
    assert "RULESET-ERROR:" in out and "exportrules[rete]" in out


def test_engines_over_the_same_rules_share_one_durable_ruleset(tmp_path: Path) -> None:
    """durable never frees a ruleset: a new engine over the same rules must not compile again."""
    a_regime = make_regime(tmp_path / "a", rule("cn", '{ fact = "tx.destination", eq = "CN" }'))
    b_regime = make_regime(tmp_path / "b", rule("cn", '{ fact = "tx.destination", eq = "CN" }'))
    other = make_regime(tmp_path / "c", rule("cn", '{ fact = "tx.destination", eq = "US" }'))
    a = Engine([a_regime], backend="rete", screening=None)
    b = Engine([b_regime], backend="rete", screening=None)
    c = Engine([other], backend="rete", screening=None)
    assert compiled(a, a_regime) is compiled(b, b_regime)
    assert compiled(a, a_regime).ruleset is not compiled(c, other).ruleset
    assert comparable(a.evaluate(tx())) == comparable(b.evaluate(tx()))
    assert fired(a.evaluate(tx()).to_dict()) == {"rt.cn"}
    assert fired(c.evaluate(tx()).to_dict()) == set()
    before = len(_rete._PROGRAMS)
    for _ in range(50):
        Engine([a_regime], backend="rete", screening=None).evaluate(tx())
    assert len(_rete._PROGRAMS) == before


@pytest.mark.slow
def test_100k_evaluations_flat_rss(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    rng = random.Random(8)
    regime = make_regime(tmp_path, _random_rules(rng))
    pyeng = Engine([regime], screening=None)
    inputs = []
    for _ in range(50):
        view, frames, parties = _frames(pyeng, regime, _random_tx(rng))
        if view is not None:
            inputs.append((view, frames, parties))
    backend = _rete.ReteBackend()
    proc = psutil.Process()

    def run(n: int) -> None:
        for k in range(n):
            view, frames, parties = inputs[k % len(inputs)]
            backend.fire(regime, view, [dict(f) for f in frames], parties)

    run(5_000)  # warm-up: caches, allocator arenas
    gc.collect()
    rss0 = proc.memory_info().rss
    run(100_000)
    gc.collect()
    grown = proc.memory_info().rss - rss0
    assert backend.compiled(regime).live == 0
    assert grown < 8 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 100,000 evaluations"


def test_strings_with_quotes_backslashes_and_unicode(tmp_path: Path) -> None:
    odd = ['Zoë "Q" Ltd.', "back\\slash", "tab\there", "東京", "x: 1e-07, y", ""]
    rules = "".join(
        rule(f"s{k}", '{ fact = "line.description", eq = \'' + s + "' }")
        for k, s in enumerate(odd)
        if "'" not in s and "\t" not in s
    ) + rule("tab", '{ fact = "line.description", eq = "tab\\there" }')
    regime = make_regime(tmp_path, rules)
    txs = []
    for s in [*odd, 'Zoe "Q" Ltd.', "back\\\\slash"]:
        t = tx(None)
        t["lines"][0]["description"] = s
        txs.append(t)
    out = assert_agree(regime, txs)
    assert fired(out[0]) == {"rt.s0"} and fired(out[3]) == {"rt.s3"}
    assert fired(out[2]) == {"rt.tab"} and fired(out[4]) == {"rt.s4"}
    assert fired(out[6]) == set() and fired(out[7]) == set()


def test_capped_groups_mixing_line_and_party_facts(tmp_path: Path) -> None:
    """Groups computed in Python (over the disjunct cap) see the right frame per fact."""
    groups = ", ".join(
        f'{{ any = [ {{ not = {{ fact = "party.type", eq = "{t}" }} }}, '
        f'{{ fact = "tx.destination", eq = "{d}" }}, {{ fact = "line.code", exists = false }} ] }}'
        for t, d in zip(["police", "military", "unknown"] * 3, ["CN", "US", "RU"] * 3)
    )  # 3^9 disjuncts: compiled with the groups as Python atoms
    regime = make_regime(
        tmp_path,
        rule("wide", f"{{ all = [ {groups} ] }}", extra='for_each = "party"\n')
        + rule("line", '{ fact = "line.code", exists = true }')
        + rule("dwide", f"{{ all = [ {groups} ] }}", '{ effect = "derive", fact = "w" }',
               'for_each = "party"\n')
        + rule("uses_w", '{ fact = "derived.w", eq = true }'),
    )  # fmt: skip
    eng = Engine([regime], backend="rete", screening=None)
    assert compiled(eng, regime).mixed_atoms  # the cap did apply
    rng = random.Random(12)
    out = assert_agree(regime, [_random_tx(rng) for _ in range(60)])
    assert any("rt.wide" in fired(d) for d in out)
    assert any("rt.wide" not in fired(d) and d["lines"] for d in out)


def test_empty_rounds_are_never_posted(tmp_path: Path) -> None:
    """durable_rules crashes the process on an empty batch: a stratum with only per-party
    rules and a transaction without parties must post nothing for that stratum."""
    regime = make_regime(
        tmp_path,
        rule("d0", '{ fact = "tx.destination", eq = "CN" }', '{ effect = "derive", fact = "cn" }')
        + rule("d1", '{ all = [ { fact = "party.type", eq = "police" }, '
               '{ fact = "derived.cn", eq = true } ] }', '{ effect = "derive", fact = "pol" }',
               'for_each = "party"\n')
        + rule("uses", '{ fact = "derived.pol", eq = true }'),
    )  # fmt: skip
    eng = Engine([regime], backend="rete", screening=None)
    comp = compiled(eng, regime)
    assert comp.n_strata == 2 and "D1" not in comp.kinds and "Q1" in comp.kinds
    batches: list[int] = []
    real = comp._post

    def spy(facts: list[dict[str, Any]], plain: bool) -> None:
        batches.append(len(facts))
        assert facts, "an empty batch reached durable_rules"  # fail here, not by a crash
        real(facts, plain)

    comp._post = spy
    assert fired(eng.evaluate(tx()).to_dict()) == set()
    assert batches and min(batches) > 0
    (d,) = assert_agree(regime, [tx()])
    assert fired(d) == set()
    police = [{"role": "end_user", "name": "P", "type": "police"}]
    (d,) = assert_agree(regime, [tx(parties=police)])
    assert fired(d) == {"rt.uses"}


def test_failure_inside_durable_fails_closed_and_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regime = make_regime(
        tmp_path, rule("cn", '{ fact = "tx.destination", eq = "CN" }', '{ effect = "prohibit" }')
    )
    eng = Engine([regime], backend="rete", screening=None)
    comp = compiled(eng, regime)
    dre = _rete._dre
    live = comp.live

    class Broken:
        def __getattr__(self, name: str) -> Any:
            if name == "assert_facts":

                def fail(*a: Any) -> Any:
                    raise MemoryError("simulated durable failure")

                return fail
            return getattr(dre, name)

    monkeypatch.setattr(_rete, "_dre", Broken())
    d = eng.evaluate(tx()).to_dict()
    # the reference evaluator decides the regime instead: the fault never lowers the prohibition
    assert d["outcome"] == "prohibited" and fired(d) == {"rt.engine_fault", "rt.cn"}
    assert comp.live == live + 1  # the session may exist in durable: counted for the guard
    monkeypatch.undo()
    assert fired(eng.evaluate(tx()).to_dict()) == {"rt.cn"}
    assert comp.live == live + 1
