"""Engine semantics on the test-only regime (tests/fixtures/regimes/tl)."""

from __future__ import annotations

import shutil
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import exportrules
from exportrules import Engine, Outcome, RuleSetError
from exportrules._engine import FixedScreener
from tests.conftest import TL


def tx(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "T-1",
        "date": "2026-01-01",
        "export_from": "DE",
        "destination": "CN",
        "lines": [{"id": "1", "classification": {"tl": "T100"}}],
    }
    base.update(over)
    return base


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_paths([TL])


def test_listed_item_requires_licence(engine: Engine) -> None:
    d = engine.evaluate(tx())
    assert d.outcome is Outcome.LICENSE_REQUIRED
    (f,) = d.findings
    assert f.rule == "tl.listed" and f.citation == "Testland Export Act 2020, s. 4(1)"
    assert f.message == "T100 is listed (NS)."
    assert d.regimes["tl"].applies


def test_not_applicable_outside_members(engine: Engine) -> None:
    d = engine.evaluate(tx(export_from="US"))
    assert d.outcome is Outcome.NOT_APPLICABLE and not d.regimes["tl"].applies


def test_unlisted_item_no_licence(engine: Engine) -> None:
    d = engine.evaluate(tx(lines=[{"id": "1"}]))
    assert d.outcome is Outcome.NO_LICENSE_REQUIRED
    assert [f.rule for f in d.findings] == ["tl.nothing"]


def test_unknown_code_fails_closed_to_review(engine: Engine) -> None:
    d = engine.evaluate(tx(lines=[{"id": "1", "classification": {"tl": "T999"}}]))
    assert d.outcome is Outcome.REVIEW


def test_malformed_code_is_invalid(engine: Engine) -> None:
    with pytest.raises(exportrules.InvalidTransaction) as ei:
        engine.evaluate(tx(lines=[{"id": "1", "classification": {"tl": "X-1"}}]))
    assert ei.value.problems[0].path == "lines[0].classification.tl"


def test_general_authorisation_discharges_and_is_listed(engine: Engine) -> None:
    d = engine.evaluate(tx(destination="US"))
    assert d.outcome is Outcome.AUTHORISED
    (a,) = d.authorisations
    assert a.id == "TG1" and a.kind == "general" and a.conditions == ("Register before first use.",)


def test_deny_beats_authorise(engine: Engine) -> None:
    d = engine.evaluate(tx(destination="US", knowledge=["aware_wmd"]))
    assert d.outcome is Outcome.LICENSE_REQUIRED
    assert not d.authorisations
    assert "tl.tg1_denied_wmd" in {f.rule for f in d.findings}


def test_authorisation_covers_only_named_reasons(engine: Engine) -> None:
    d = engine.evaluate(tx(destination="US", knowledge=["informed_wmd"]))
    assert d.outcome is Outcome.LICENSE_REQUIRED  # TG1 covers 'listed', not 'wmd'


def test_held_licence_must_match_line_destination_and_dates(engine: Engine) -> None:
    lic = {
        "regime": "tl",
        "id": "L-1",
        "lines": ["1"],
        "destinations": ["CN"],
        "valid_from": "2025-01-01",
        "valid_until": "2026-12-31",
    }
    assert engine.evaluate(tx(authorisations=[lic])).outcome is Outcome.AUTHORISED
    for bad in (
        {"lines": ["2"]},
        {"destinations": ["RU"]},
        {"valid_until": "2025-12-31"},
        {"regime": "zz"},
    ):
        d = engine.evaluate(tx(authorisations=[{**lic, **bad}]))
        assert d.outcome is Outcome.LICENSE_REQUIRED, bad


def test_prohibit_is_not_discharged(engine: Engine) -> None:
    lic = {"regime": "tl", "id": "L-1", "lines": ["1"], "destinations": ["KP"]}
    d = engine.evaluate(tx(destination="KP", authorisations=[lic]))
    assert d.outcome is Outcome.PROHIBITED


def test_derive_chain_and_review(engine: Engine) -> None:
    d = engine.evaluate(
        tx(
            lines=[{"id": "1", "tags": ["cyber_surveillance"]}],
            parties=[{"role": "end_user", "name": "Bureau", "type": "police"}],
        )
    )
    assert d.outcome is Outcome.REVIEW
    assert "tl.cyber_review" in {f.rule for f in d.findings}
    d2 = engine.evaluate(tx(lines=[{"id": "1", "tags": ["cyber_surveillance"]}]))
    assert d2.outcome is Outcome.NO_LICENSE_REQUIRED


def test_rule_effective_dates(engine: Engine) -> None:
    line = {"id": "1", "value": 9000, "currency": "EUR", "classification": {"tl": "T300"}}
    after = engine.evaluate(tx(lines=[line]))
    before = engine.evaluate(tx(date="2023-06-01", lines=[line]))
    assert "tl.cc_high_value" in {f.rule for f in after.findings}
    assert "tl.cc_high_value" not in {f.rule for f in before.findings}


def test_regime_not_in_force_gives_review(engine: Engine) -> None:
    d = engine.evaluate(tx(date="2019-06-01"))
    assert d.outcome is Outcome.REVIEW
    assert d.findings[0].rule == "tl.not_in_force"


def test_for_each_party_names_the_party() -> None:
    e = Engine.from_paths([TL], screening=FixedScreener([{"party": "Bad Co", "list": "un"}]))
    d = e.evaluate(tx(parties=[{"role": "consignee", "name": "Bad Co"}]))
    assert d.outcome is Outcome.PROHIBITED
    f = next(f for f in d.findings if f.rule == "tl.listed_party")
    assert f.party == "Bad Co" and "Bad Co (consignee)" in f.message
    assert d.screening[0].list == "un"
    assert any(x.regime == "screening" for x in d.data)


def test_strict_data_turns_curated_results_into_review() -> None:
    e = Engine.from_paths([TL], strict_data=True)
    d = e.evaluate(tx(destination="US"))  # TG1 authorised, but 'items' is verified = false
    assert d.outcome is Outcome.REVIEW
    assert "tl.unverified_data" in {f.rule for f in d.findings}
    # never lowers: a licence requirement stays a licence requirement
    assert e.evaluate(tx()).outcome is Outcome.LICENSE_REQUIRED


def test_decision_lists_tables_used(engine: Engine) -> None:
    d = engine.evaluate(tx(destination="US"))
    assert {(x.table, x.verified) for x in d.data} >= {
        ("items", False),
        ("eg1", True),
        ("members", True),
    }


def test_duplicate_regime_ids_refused() -> None:
    with pytest.raises(RuleSetError, match="duplicate regime id 'tl'"):
        Engine.from_paths([TL, TL])


def test_unknown_backend() -> None:
    with pytest.raises(RuleSetError, match="unknown backend"):
        Engine.from_paths([TL], backend="magic")


def test_plugin_fault_fails_closed(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "plugin.py").write_text(
        "FACTS = {'plugin.x': 'bool'}\ndef facts(tx, line):\n    raise RuntimeError('boom')\n"
    )
    e = Engine.from_paths([d])
    res = e.evaluate(tx())
    assert res.outcome is Outcome.REVIEW
    assert res.findings[0].rule == "tl.engine_fault" and "boom" in res.findings[0].message


def test_plugin_adds_facts(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "plugin.py").write_text(
        "FACTS = {'plugin.heavy': 'bool'}\n"
        "def facts(tx, line):\n"
        "    return {'plugin.heavy': (line.quantity or 0) > 100}\n"
    )
    (d / "rules" / "p.toml").write_text(
        '[[rule]]\nid = "tl.heavy"\ncitation = "Testland Export Act 2020, s. 10"\n'
        'when = { fact = "plugin.heavy", eq = true }\nthen = { effect = "review" }\nmessage = "heavy"\n'
    )
    e = Engine.from_paths([d])
    assert e.evaluate(tx(lines=[{"id": "1", "quantity": 500}])).outcome is Outcome.REVIEW
    assert e.evaluate(tx(lines=[{"id": "1", "quantity": 5}])).outcome is Outcome.NO_LICENSE_REQUIRED


class _EP:
    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value, self._obj = name, "fake_pkg:regime", value

    def load(self) -> Any:
        return self._obj


def test_entry_point_regimes_are_discovered(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(group: str) -> list[_EP]:
        assert group == "exportrules.regimes"
        return [_EP("testland", lambda: TL)]

    monkeypatch.setattr(metadata, "entry_points", fake)
    monkeypatch.setattr("exportrules._engine.bundled_regimes", list)
    e = Engine.default(screening=None)
    assert [r.id for r in e.regimes] == ["tl"]
    assert "tl" in {r.id for r in e.regimes}
    assert e.evaluate(tx()).regimes["tl"].outcome is Outcome.LICENSE_REQUIRED


def test_broken_entry_point_answers_review_or_raises_when_strict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Bad(_EP):
        def load(self) -> Any:
            raise ImportError("no module named fake_pkg")

    monkeypatch.setattr(
        metadata, "entry_points", lambda group: [Bad("bad", None), _EP("testland", lambda: TL)]
    )
    monkeypatch.setattr("exportrules._engine.bundled_regimes", list)
    e = Engine.default(screening=None)
    d = e.evaluate(tx())
    assert d.regimes["tl"].outcome is Outcome.LICENSE_REQUIRED  # the good one still decides
    assert d.regimes["bad"].outcome is Outcome.REVIEW
    assert any(f.rule == "bad.ruleset_error" and "fake_pkg" in f.message for f in d.findings)
    with pytest.raises(RuleSetError, match="plug-in 'bad'"):
        Engine.default(screening=None, strict_plugins=True)


def test_threads_agree_with_sequential(engine: Engine) -> None:
    txs = [
        tx(id=f"T{i}", destination=c, lines=[{"id": "1", "classification": {"tl": code}}])
        for i, (c, code) in enumerate(
            [(c, k) for c in ("US", "CN", "KP", "JP") for k in ("T100", "T200.a", "T300", "T999")]
        )
    ]
    # Decision equality covers everything decided (all but evaluated_at)
    want = [engine.evaluate(t) for t in txs]
    got: dict[int, list[Any]] = {}

    def work(k: int) -> None:
        got[k] = [engine.evaluate(t) for t in txs * 10]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        assert got[k] == want * 10


def test_evaluate_many_in_order_and_with_workers(engine: Engine) -> None:
    txs = [tx(id=f"T{i}", destination=["US", "CN", "KP"][i % 3]) for i in range(9)]
    seq = list(engine.evaluate_many(txs))  # Decision == ignores evaluated_at only
    par = list(engine.evaluate_many(txs, workers=2))
    assert seq == par
    assert [d.transaction for d in seq] == [f"T{i}" for i in range(9)]


def test_evaluate_many_raises_on_invalid(engine: Engine) -> None:
    with pytest.raises(exportrules.InvalidTransaction):
        list(engine.evaluate_many([tx(), tx(destination="zz")]))


class _Screener(FixedScreener):
    def can_screen(self, name: str) -> bool:
        return any(ch.isalnum() for ch in name)


def test_unscreenable_party_name_is_review_not_clear() -> None:
    e = Engine.from_paths([TL], screening=_Screener([]))
    d = e.evaluate(tx(lines=[{"id": "1"}], parties=[{"role": "end_user", "name": "---"}]))
    assert d.outcome is Outcome.REVIEW  # the line alone would be no_license_required
    f = next(f for f in d.findings if f.rule == "screening.unscreenable")
    assert f.party == "---" and f.line is None


def test_missing_licence_policy_is_labelled_unknown() -> None:
    e = Engine.from_paths([TL], screening=FixedScreener([{"party": "X", "list": "tl_list"}]))
    t = exportrules.Transaction.from_dict(tx(parties=[{"role": "end_user", "name": "X"}]))
    assert t.date is not None
    from exportrules._facts import TxFacts

    hits = e._screening.screen(t, t.date).live
    assert TxFacts(t, t.date, hits).base["screening.policies"] == (
        "unknown (the list data does not state the licence review policy)",
    )


def test_unknown_item_tag_is_invalid(engine: Engine) -> None:
    with pytest.raises(exportrules.InvalidTransaction) as ei:
        engine.evaluate(tx(lines=[{"id": "1", "tags": ["cyber_survelliance"]}]))
    assert ei.value.problems[0].path == "lines[0].tags[0]"
    assert "cyber_surveillance" in ei.value.problems[0].message  # the known tags are listed


def test_named_held_licence_only_discharges_its_reasons(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "rules" / "s.toml").write_text(
        '[[rule]]\nid = "tl.sanction"\ncitation = "Testland Export Act 2020, s. 11"\n'
        'when = { fact = "tx.destination", eq = "CN" }\n'
        'then = { effect = "require", reason = "sanction", held_licences = "named" }\n'
        'message = "sanctions authorisation"\n'
    )
    e = Engine.from_paths([d])
    lic = {"regime": "tl", "id": "L-1", "lines": ["1"], "destinations": ["CN"]}
    assert e.evaluate(tx(authorisations=[lic])).outcome is Outcome.LICENSE_REQUIRED
    named = {**lic, "id": "L-2", "reasons": ["sanction"]}
    d2 = e.evaluate(tx(authorisations=[lic, named]))
    assert d2.outcome is Outcome.AUTHORISED
    assert {a.id for a in d2.authorisations} == {"L-1", "L-2"}
    # a licence naming only the sanction reason leaves the listing requirement open
    assert e.evaluate(tx(authorisations=[named])).outcome is Outcome.LICENSE_REQUIRED


def test_generated_table_metadata_overrides_regime_toml(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "tables" / "items.meta.toml").write_text(
        'source = "Generated from the official text"\nas_of = "2026-01-01"\n'
        'verified = true\ncoverage = "All items."\n'
    )
    from exportrules._loader import load_regime

    t = load_regime(d).tables["items"]
    assert t.verified and t.as_of == "2026-01-01" and t.source.startswith("Generated")


def test_evaluate_many_workers_keep_a_custom_screener() -> None:
    e = Engine.from_paths([TL], screening=FixedScreener([{"party": "Bad Co", "list": "un"}]))
    t = tx(parties=[{"role": "consignee", "name": "Bad Co"}])
    (d,) = list(e.evaluate_many([t], workers=1))
    assert d.outcome is Outcome.PROHIBITED and d.screening[0].list == "un"


def test_evaluate_many_workers_refuse_an_unpicklable_screener() -> None:
    class Local(FixedScreener):
        pass

    e = Engine.from_paths([TL], screening=Local([]))
    with pytest.raises(exportrules.EvaluationError, match="cannot be pickled"):
        list(e.evaluate_many([tx()], workers=1))


def test_fact_to_fact_comparisons(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "rules" / "f.toml").write_text(
        '[[rule]]\nid = "tl.over_threshold"\ncitation = "Testland Export Act 2020, s. 12"\n'
        'when = { fact = "line.value", gt_fact = "item.threshold" }\n'
        'then = { effect = "review" }\nmessage = "{line.value} is over {item.threshold}"\n'
        '[[rule]]\nid = "tl.return_home"\ncitation = "Testland Export Act 2020, s. 13"\n'
        'when = { fact = "tx.destination", eq_fact = "line.origin" }\n'
        'then = { effect = "review" }\nmessage = "returning to its origin"\n'
    )
    e = Engine.from_paths([d])

    def rules(**line: Any) -> set[str]:
        res = e.evaluate(tx(lines=[{"id": "1", "classification": {"tl": "T200"}, **line}]))
        return {f.rule for f in res.findings}

    assert "tl.over_threshold" in rules(value=1500, currency="EUR")  # T200 threshold 1000
    assert "tl.over_threshold" not in rules(value=1000, currency="EUR")
    assert "tl.over_threshold" not in rules()  # no value: absent facts compare false
    assert "tl.return_home" in rules(origin="CN")
    assert "tl.return_home" not in rules(origin="DE")
    assert "tl.return_home" not in rules()
