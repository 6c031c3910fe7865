"""The screening policy, listing dates, programme facts and clearances in decisions."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from exportrules import ClearedMatch, Engine, Outcome, ScreeningPolicy
from exportrules._engine import FixedScreener
from exportrules._screen import lists_read
from tests.conftest import TL

TX: dict[str, Any] = {
    "id": "S-1",
    "date": "2026-06-01",
    "export_from": "DE",
    "destination": "US",
    "parties": [{"role": "end_user", "name": "Acme Listed", "country": "US"}],
    "lines": [{"id": "1", "classification": {"tl": "T100"}}],
    "authorisations": [
        {"regime": "tl", "id": "L-1", "lines": ["1"], "destinations": ["US"]},
    ],
}


def _hit(list_id: str, level: str = "match", **kw: Any) -> dict[str, Any]:
    return {"party": "Acme Listed", "list": list_id, "entry_id": "E-1", "entry_name": "ACME",
            "level": level, "score": 0.97 if level == "match" else 0.8, **kw}  # fmt: skip


def _engine(*hits: dict[str, Any], **kw: Any) -> Engine:
    return Engine.from_paths([TL], screening=FixedScreener(list(hits)), **kw)


def _rules(d: Any) -> list[str]:
    return [f.rule for f in d.findings]


# --------------------------------------------------------------------------- other jurisdiction


def test_confirmed_match_on_a_list_no_applying_regime_reads_is_held_for_review() -> None:
    # TL's rules read only "un" and "tl_list": a confirmed Entity List match is not TL's law,
    # but it must not sit silently beside "authorised"
    d = _engine(_hit("us_entity_list")).evaluate(TX)
    assert d.lines[0].outcome == Outcome.AUTHORISED  # the held licence covers line 1
    [f] = [f for f in d.findings if f.rule == "screening.other_jurisdiction"]
    assert (f.effect, f.outcome, f.party, f.line) == ("review", Outcome.REVIEW, "Acme Listed", None)
    assert "us_entity_list" in f.message and "none of the loaded regimes" in f.message
    assert d.outcome == Outcome.REVIEW


def test_policy_note_shows_it_without_holding() -> None:
    d = _engine(_hit("us_entity_list"), screening_policy=ScreeningPolicy("note")).evaluate(TX)
    [f] = [f for f in d.findings if f.rule == "screening.other_jurisdiction"]
    assert (f.effect, f.outcome) == ("note", Outcome.NOT_APPLICABLE)
    assert d.outcome == Outcome.AUTHORISED


def test_policy_off_is_silent() -> None:
    d = _engine(_hit("us_entity_list"), screening_policy=ScreeningPolicy("off")).evaluate(TX)
    assert "screening.other_jurisdiction" not in _rules(d)
    assert d.outcome == Outcome.AUTHORISED


def test_a_list_an_applying_regime_reads_is_left_to_its_rules() -> None:
    d = _engine(_hit("un")).evaluate(TX)
    assert "tl.listed_party" in _rules(d) and "screening.other_jurisdiction" not in _rules(d)
    assert d.outcome == Outcome.PROHIBITED


def test_regime_that_reads_the_list_but_does_not_apply_leaves_it_to_the_policy() -> None:
    # TL applies only to exports from its members (DE, FR): from GB it does not apply
    d = _engine(_hit("un")).evaluate({**TX, "export_from": "GB"})
    assert d.regimes["tl"].applies is False
    [f] = [f for f in d.findings if f.rule == "screening.other_jurisdiction"]
    assert "implemented here by tl, which does not apply" in f.message
    assert d.outcome == Outcome.REVIEW


def test_potential_match_elsewhere_is_a_note_by_default() -> None:
    d = _engine(_hit("us_entity_list", "review")).evaluate(TX)
    [f] = [f for f in d.findings if f.rule == "screening.other_jurisdiction"]
    assert f.effect == "note" and d.outcome == Outcome.AUTHORISED
    d = _engine(
        _hit("us_entity_list", "review"),
        screening_policy=ScreeningPolicy(potential_other_jurisdiction="review"),
    ).evaluate(TX)
    assert d.outcome == Outcome.REVIEW


def test_explicit_implementers_override_what_the_rules_read() -> None:
    pol = ScreeningPolicy(implementers={"us_entity_list": ("tl",)})
    d = _engine(_hit("us_entity_list"), screening_policy=pol).evaluate(TX)
    assert "screening.other_jurisdiction" not in _rules(d)


def test_bad_policy_action_is_refused() -> None:
    with pytest.raises(ValueError, match="other_jurisdiction"):
        ScreeningPolicy("block")  # type: ignore[arg-type]


def test_lists_read_from_the_rules() -> None:
    r = Engine.from_paths([TL]).regimes[0]
    assert lists_read(r) == (frozenset({"un", "tl_list"}), frozenset({"un", "tl_list"}))


# --------------------------------------------------------------------------- listing dates


def test_listing_after_the_transaction_date_is_no_hit_but_a_note() -> None:
    d = _engine(_hit("un", listed_on="2026-07-01")).evaluate(TX)
    assert "tl.listed_party" not in _rules(d)
    assert "screening.other_jurisdiction" not in _rules(d)
    [n] = [f for f in d.findings if f.rule == "screening.not_listed_on_date"]
    assert n.effect == "note" and "2026-07-01" in n.message and "after" in n.message
    [h] = d.screening
    assert h.in_force is False and h.listed_on == "2026-07-01"
    assert d.outcome == Outcome.AUTHORISED
    # on the day of listing it applies
    d2 = _engine(_hit("un", listed_on="2026-06-01")).evaluate(TX)
    assert "tl.listed_party" in _rules(d2) and d2.outcome == Outcome.PROHIBITED


def test_delisted_entry_is_no_hit() -> None:
    d = _engine(_hit("un", listed_on="2010-01-01", delisted_on="2026-05-01")).evaluate(TX)
    assert "tl.listed_party" not in _rules(d)
    assert "screening.not_listed_on_date" in _rules(d)
    d2 = _engine(_hit("un", listed_on="2010-01-01", delisted_on="2026-06-02")).evaluate(TX)
    assert "tl.listed_party" in _rules(d2)


def test_undated_listing_is_in_force_and_says_so() -> None:
    d = _engine(_hit("un")).evaluate(TX)
    assert "tl.listed_party" in _rules(d)
    [n] = [f for f in d.findings if f.rule == "screening.listing_date_unknown"]
    assert "treated as in force on 2026-06-01" in n.message


# --------------------------------------------------------------------------- programmes


def test_programmes_are_facts_qualified_by_list(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "rules" / "programs.toml").write_text(
        """[[rule]]
id = "tl.hrit"
citation = "Testland Export Act 2020, s. 10"
for_each = "party"
when = { fact = "party.match_programs", intersects = ["us_sdn:HRIT-SY", "us_sdn:HRIT-IR"] }
then = { effect = "prohibit" }
message = "{party.name} is designated ({party.match_programs})."
"""
    )
    e = Engine.from_paths(
        [d], screening=FixedScreener([_hit("us_sdn", programs=["SDGT", "HRIT-SY"])])
    )
    out = e.evaluate(TX)
    [f] = [f for f in out.findings if f.rule == "tl.hrit"]
    assert f.message == "Acme Listed is designated (us_sdn:HRIT-SY, us_sdn:SDGT)."
    # the regime reads us_sdn through its programmes: no other-jurisdiction hold
    assert "screening.other_jurisdiction" not in _rules(out)
    # a potential match carries no programme facts
    e2 = Engine.from_paths(
        [d], screening=FixedScreener([_hit("us_sdn", "review", programs=["HRIT-SY"])])
    )
    assert "tl.hrit" not in _rules(e2.evaluate(TX))


# --------------------------------------------------------------------------- clearances


def _clear(**kw: Any) -> ClearedMatch:
    base: dict[str, Any] = {"party_name": "ACME listed", "list_id": "un", "entry_id": "E-1",
                                "cleared_by": "j.doe", "reason": "different company, DD-9",
                                "expires": _dt.date(2027, 1, 1), "cleared_at": "2026-05-02T08:00:00Z"}  # fmt: skip
    return ClearedMatch(**{**base, **kw})


def test_engine_clearance_suppresses_the_hit_and_is_listed() -> None:
    d = _engine(_hit("un"), cleared=[_clear()]).evaluate(TX)
    assert "tl.listed_party" not in _rules(d) and d.screening == ()
    [c] = d.cleared
    assert (c.party, c.list, c.entry_id, c.cleared_by, c.expires) == (
        "Acme Listed", "un", "E-1", "j.doe", "2027-01-01"
    )
    assert d.to_dict()["cleared"][0]["basis"] == "different company, DD-9"
    assert c.cleared_at is not None and c.cleared_at.startswith("2026-05-02T08:00:00")
    assert d.outcome == Outcome.AUTHORISED


@pytest.mark.parametrize(
    "kw",
    [{"expires": _dt.date(2026, 6, 1), "cleared_at": "2026-05-02"}, {"entry_id": "E-2"}, {"list_id": "us_dpl"},
     {"party_name": "Other Co"}],
)
def test_clearance_applies_only_to_its_entry_name_and_dates(kw: dict[str, Any]) -> None:
    d = _engine(_hit("un"), cleared=[_clear(**kw)]).evaluate(TX)
    assert "tl.listed_party" in _rules(d) and d.cleared == ()


def test_clearances_survive_with_screener() -> None:
    e = _engine(_hit("un"), cleared=[_clear()])
    e2 = e.with_screener(FixedScreener([_hit("un")]))
    assert e2.evaluate(TX).cleared != ()


def test_engine_lists_the_list_versions_it_screens_with() -> None:
    assert Engine.from_paths([TL]).list_versions() == []
    e = _engine(_hit("un"))
    assert [v["id"] for v in e.list_versions()] == ["un"]
