"""Properties of the Canada regime (regimes/ca) over random transactions.

The golden cases in regimes/ca/cases pin single decisions. These state rules of Canadian law as
properties that must hold whatever else the transaction says, and add the examples golden cases
cannot write because TOML has no null (a line stated as not on the Export Control List).
"""

from __future__ import annotations

import csv
import re
import tomllib
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportrules import Engine, InvalidTransaction
from exportrules._cases import load_cases, run_cases
from exportrules._engine import FixedScreener
from exportrules._loader import load_regime
from exportrules._model import Decision, Outcome
from exportrules._validate import countries
from tests.conftest import ROOT

CA = ROOT / "regimes" / "ca"
TABLES = CA / "tables"
DATE = "2026-11-27"


@cache
def _engine() -> Engine:
    return Engine.from_paths([CA], screening=False)


def _column(table: str, column: str) -> list[str]:
    with (TABLES / f"{table}.csv").open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return sorted({r[column] for r in rows})


AREA_CONTROL_LIST = _column("area_control_list", "country")
AFCCL = _column("afccl", "country")
GEP41_DESTINATIONS = _column("gep41_destinations", "country")
SANCTIONED = _column("sanctioned_destinations", "country")
HR_CONCERN = _column("hr_concern", "country")
US_CONTROLLED = _column("ecl_us_controlled", "item")

# Codes by the paragraph of ECL s. 2 that sets their destinations.
OTHER_THAN_US = ["1-3.A.1.a", "1-5.A.2.a", "1-6.A.3", "2-5.a", "2-10.c", "6-3.A.1", "7-1.a"]
ALL_DESTINATIONS = [*US_CONTROLLED, "3-1.a", "4-2.B", "9-1", "9-8.a", "2-1.b.2", "6-2.A"]
ARMS = ["2-1.a", "2-3.a", "2-5.a", "2-10.c", "9-2.a", "9-4", "5501", "5503"]
ALL_CODES = sorted({*OTHER_THAN_US, *ALL_DESTINATIONS, *ARMS, "5400", "5504.2.a", "5201"})
DESTINATIONS = sorted(
    {"US", "CN", "DE", "JP", "MX", "BR", "IN", "AE", "SA", "GB", "FR", "PK", "ZA", "KR", "TR"}
    | set(HR_CONCERN)
    | set(SANCTIONED)
)
PARTY_TYPES = ["commercial", "government", "military", "police", "academic", "unknown"]
SECURITY_FORCES = ["military", "police", "security_service", "intelligence", "prison_authority"]
ACTIVITIES = ["export", "reexport", "transfer", "technical_assistance"]
STRATEGIC_RU_BY = ["1-3.A.1.a", "2-1.a", "3-1.a", "6-3.A.1", "7-1.a", "9-4", "5504.2.g"]


def _outcome(d: Decision) -> Outcome:
    return d.regimes["ca"].outcome


def _line(
    i: int, code: str | None, origin: str = "CA", tags: list[str] | None = None
) -> dict[str, Any]:
    return {"id": str(i + 1), "origin": origin, "classification": {"ca": code}, "tags": tags or []}


@st.composite
def transactions(
    draw: st.DrawFn,
    codes: list[str] | None = None,
    destinations: list[str] | None = None,
    export_from: str = "CA",
) -> dict[str, Any]:
    """A random export from Canada: 1-3 lines, random parties, end uses and destination."""
    dest = draw(st.sampled_from(destinations or DESTINATIONS))
    line_codes = draw(st.lists(st.sampled_from(codes or ALL_CODES), min_size=1, max_size=3))
    parties = [
        {
            "role": "consignee",
            "name": "Consignee Co",
            "country": dest,
            "type": draw(st.sampled_from(PARTY_TYPES)),
        },
    ]
    if draw(st.booleans()):
        parties.append(
            {
                "role": "end_user",
                "name": "End User Org",
                "country": dest,
                "type": draw(st.sampled_from(PARTY_TYPES)),
            }
        )
    return {
        "date": DATE,
        "export_from": export_from,
        "destination": dest,
        "activity": draw(st.sampled_from(ACTIVITIES)),
        "parties": parties,
        "end_use": draw(st.lists(st.sampled_from(["civil", "military", "research"]), unique=True)),
        "lines": [_line(i, c) for i, c in enumerate(line_codes)],
    }


def _with_permit(tx: dict[str, Any]) -> dict[str, Any]:
    """The same transaction with an individual permit for every line and the destination."""
    held = {
        "regime": "ca",
        "id": "EXP-TEST-1",
        "type": "individual",
        "lines": [ln["id"] for ln in tx["lines"]],
        "destinations": [tx["destination"]],
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
    }
    return {**tx, "authorisations": [held]}


# --------------------------------------------------------------------------- properties


@given(tx=transactions(destinations=AREA_CONTROL_LIST))
def test_every_export_to_the_dprk_is_prohibited(tx: dict[str, Any]) -> None:
    # SEMA (DPRK) Regulations s. 2 prohibits every good; a permit cannot lift it.
    assert _outcome(_engine().evaluate(_with_permit(tx))) is Outcome.PROHIBITED


@given(tx=transactions(codes=ALL_DESTINATIONS))
def test_s_2b_items_are_never_cleared_without_a_permit(tx: dict[str, Any]) -> None:
    # ECL s. 2(b): controlled to every destination, the United States included.
    assert _outcome(_engine().evaluate(tx)) >= Outcome.AUTHORISED


@given(tx=transactions(codes=OTHER_THAN_US, destinations=[d for d in DESTINATIONS if d != "US"]))
def test_s_2a_items_outside_the_us_always_need_some_authority(tx: dict[str, Any]) -> None:
    # ECL s. 2(a): a permit (individual or general) is needed for every destination but the US.
    d = _engine().evaluate(tx)
    assert _outcome(d) >= Outcome.AUTHORISED
    assert any(f.rule == "ca.ecl.other_than_us" for f in d.findings)


@given(tx=transactions(codes=["1-3.A.1.a", "6-3.A.1", "7-1.a", "2-10.c"], destinations=["US"]))
def test_s_2a_items_to_the_us_need_no_permit(tx: dict[str, Any]) -> None:
    # The general exemption for the United States, with no WMD knowledge on the transaction.
    # 2-10.c is arms, but to the US it needs no permit, so s. 7.3 is not engaged either.
    assert _outcome(_engine().evaluate(tx)) is Outcome.NO_LICENSE_REQUIRED


# Arms controlled to the US (ECL s. 2(b) and the Group 5 weapons items); of these, 9-2 and 9-4
# leave Canada under GEP-47 when they are exported as goods (not transferred as technology).
ARMS_CONTROLLED_TO_US = {"2-1.a", "2-3.a", "9-2.a", "9-4", "5501", "5503"}
GEP47_WITHOUT_TAG = {"9-2.a", "9-4"}


def _individual_permit(code: str, dest: str, activity: str) -> bool:
    if dest != "US":
        return True
    if code not in ARMS_CONTROLLED_TO_US:
        return False
    return not (code in GEP47_WITHOUT_TAG and activity in ("export", "reexport"))


@given(tx=transactions(codes=ARMS), force=st.sampled_from(SECURITY_FORCES))
def test_arms_for_security_forces_are_held_unless_a_permit_was_issued(
    tx: dict[str, Any], force: str
) -> None:
    # EIPA s. 7.3(1): the assessment is documented before arms needing an individual permit go
    # to a security force; no hold where no individual permit is involved. Once a permit for the
    # line and destination is held, the Minister made that assessment when issuing it (s. 7.4
    # would have required refusal), so the line is not held again.
    force_party = {"role": "end_user", "name": "Force", "country": tx["destination"], "type": force}
    tx = {**tx, "parties": [*tx["parties"], force_party]}
    without, with_permit = _engine().evaluate(tx), _engine().evaluate(_with_permit(tx))
    for ln in tx["lines"]:
        code = ln["classification"]["ca"]

        def held(d: Any, line_id: str = ln["id"]) -> bool:
            return any(
                f.rule == "ca.assessment.security_force_end_user" and f.line == line_id
                for f in d.findings
            )

        needs_permit = _individual_permit(code, tx["destination"], tx["activity"])
        assert held(without) == needs_permit, code
        assert not held(with_permit), code
        # the note shows the s. 7.3 assessment as discharged by the permit
        noted = any(
            f.rule == "ca.assessment.permit_assessed" and f.line == ln["id"]
            for f in with_permit.findings
        )
        assert noted == needs_permit, code
    if tx["destination"] != "US":
        assert _outcome(without) >= Outcome.LICENSE_REQUIRED


@given(tx=transactions(codes=ARMS, destinations=HR_CONCERN))
def test_arms_to_human_rights_concern_destinations_are_assessed_once(tx: dict[str, Any]) -> None:
    # EIPA s. 7.4: without a permit the substantial-risk test must be documented with the
    # application; a permit held for the line and destination shows it was done.
    without, with_permit = _engine().evaluate(tx), _engine().evaluate(_with_permit(tx))
    assert _outcome(without) >= Outcome.LICENSE_REQUIRED
    assert "ca.assessment.human_rights_concern" in _rules(without)
    assert "ca.assessment.human_rights_concern" not in _rules(with_permit)


@given(tx=transactions(codes=STRATEGIC_RU_BY, destinations=["RU", "BY"]))
def test_strategic_items_to_russia_and_belarus_are_prohibited(tx: dict[str, Any]) -> None:
    assert _outcome(_engine().evaluate(_with_permit(tx))) is Outcome.PROHIBITED


def _tag_all(tx: dict[str, Any], tag: str) -> dict[str, Any]:
    return {**tx, "lines": [{**ln, "tags": [*ln["tags"], tag]} for ln in tx["lines"]]}


@given(tx=transactions(codes=ARMS, destinations=[d for d in DESTINATIONS if d not in AFCCL]))
def test_prohibited_weapons_outside_the_afccl_are_prohibited(tx: dict[str, Any]) -> None:
    # EIPA s. 7(2)(a): the Minister may not issue a permit, so a held one cannot help.
    d = _engine().evaluate(_with_permit(_tag_all(tx, "ca_prohibited_weapon")))
    assert _outcome(d) is Outcome.PROHIBITED


@given(tx=transactions(), tag=st.sampled_from(["ca_prohibited_weapon"]))
def test_marking_a_prohibited_weapon_never_lowers_the_outcome(tx: dict[str, Any], tag: str) -> None:
    before = _outcome(_engine().evaluate(tx))
    assert _outcome(_engine().evaluate(_tag_all(tx, tag))) >= before


@given(tx=transactions(), knowledge=st.sampled_from(["aware_wmd", "informed_wmd"]))
def test_wmd_knowledge_never_lowers_the_outcome(tx: dict[str, Any], knowledge: str) -> None:
    before = _outcome(_engine().evaluate(tx))
    after = _outcome(_engine().evaluate({**tx, "knowledge": [knowledge]}))
    assert after >= before


@given(tx=transactions())
def test_removing_a_permit_never_lowers_the_outcome(tx: dict[str, Any]) -> None:
    assert _outcome(_engine().evaluate(tx)) >= _outcome(_engine().evaluate(_with_permit(tx)))


@given(tx=transactions())
def test_un_listed_party_is_always_prohibited(tx: dict[str, Any]) -> None:
    eng = _engine().with_screener(
        FixedScreener([{"party": "Consignee Co", "list": "un", "level": "match"}])
    )
    d = eng.evaluate(_with_permit(tx))
    assert _outcome(d) is Outcome.PROHIBITED
    assert any(f.rule == "ca.un_act.listed_party" for f in d.findings)


@given(tx=transactions())
def test_missing_canadian_classification_is_never_cleared(tx: dict[str, Any]) -> None:
    lines = [
        {"id": ln["id"], "origin": "CA", "classification": {"eu": "5A002.a"}} for ln in tx["lines"]
    ]
    assert _outcome(_engine().evaluate({**tx, "lines": lines})) >= Outcome.REVIEW


def _brokered(tx: dict[str, Any], broker_country: str) -> dict[str, Any]:
    broker = {"role": "broker", "name": "Broker", "country": broker_country, "type": "commercial"}
    return {
        **tx,
        "export_from": "BG",
        "activity": "brokering",
        "parties": [*tx["parties"], broker],
    }


@given(tx=transactions(codes=["2-1.a", "2-5.a", "2-10.c", "9-2.a", "9-4"]))
def test_canadian_brokering_of_arms_needs_a_brokering_permit(tx: dict[str, Any]) -> None:
    # EIPA s. 14.2(1), BCL s. 1(a): an export permit (no reasons listed) does not discharge it.
    d = _engine().evaluate(_with_permit(_brokered(tx, "CA")))
    assert _outcome(d) >= Outcome.LICENSE_REQUIRED
    assert any(f.rule == "ca.bcl.arms" for f in d.findings)


@given(tx=transactions(), country=st.sampled_from(["DE", "US", "BG", "GB"]))
def test_brokering_by_a_foreign_broker_abroad_is_not_applicable(
    tx: dict[str, Any], country: str
) -> None:
    assert _outcome(_engine().evaluate(_brokered(tx, country))) is Outcome.NOT_APPLICABLE


@given(tx=transactions(export_from="DE"))
def test_exports_from_elsewhere_are_not_applicable(tx: dict[str, Any]) -> None:
    assert _outcome(_engine().evaluate(tx)) is Outcome.NOT_APPLICABLE


@given(
    date=st.dates().map(str).filter(lambda s: "2000-01-01" <= s < "2019-09-01"), tx=transactions()
)
def test_before_the_att_amendments_the_regime_only_reviews(tx: dict[str, Any], date: str) -> None:
    assert _outcome(_engine().evaluate({**tx, "date": date})) is Outcome.REVIEW


CODE_PATTERN = re.compile(tomllib.loads((CA / "regime.toml").read_text("utf-8"))["code_pattern"])


@settings(max_examples=100)
@given(
    code=st.from_regex(
        r"\A([1-9]-[0-9]{1,2}(\.[A-Za-z0-9]{1,3}){0,4}|5[0-9]{3}(\.[a-z0-9]{1,2}){0,3})\Z"
    )
)
def test_well_formed_codes_are_accepted_and_never_silently_cleared_abroad(code: str) -> None:
    tx = {"date": DATE, "export_from": "CA", "destination": "CN", "lines": [_line(0, code)]}
    d = _engine().evaluate(tx)  # must not raise InvalidTransaction
    # Outside the US every well-formed code is either interpreted or held (fail closed);
    # only Group 5 trade items with other destinations may be cleared.
    if _outcome(d) is Outcome.NO_LICENSE_REQUIRED:
        assert any(f.rule == "ca.ecl.group5_other_destination" for f in d.findings)


@settings(max_examples=100)
@given(code=st.text(min_size=1, max_size=12).filter(lambda s: s == s.strip() and s != ""))
def test_malformed_codes_are_invalid_input(code: str) -> None:
    tx = {"date": DATE, "export_from": "CA", "destination": "CN", "lines": [_line(0, code)]}
    if CODE_PATTERN.fullmatch(code):
        _engine().evaluate(tx)
    else:
        with pytest.raises(InvalidTransaction):
            _engine().evaluate(tx)


# --------------------------------------------------------------------------- examples


def _unlisted(dest: str, origin: str | None, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"id": "1", "classification": {"ca": None}}
    if origin is not None:
        line["origin"] = origin
    return {"date": DATE, "export_from": "CA", "destination": dest, "lines": [line], **extra}


def _rules(d: Decision) -> set[str]:
    return {f.rule for f in d.findings}


def test_unlisted_canadian_item_needs_no_permit() -> None:
    d = _engine().evaluate(_unlisted("DE", "CA"))
    assert _outcome(d) is Outcome.NO_LICENSE_REQUIRED
    assert "ca.ecl.not_listed" in _rules(d)


def test_unlisted_us_origin_item_is_caught_by_item_5400() -> None:
    # Item 5400 controls it; General Export Permit No. 12 (SOR/97-107) then authorises it to
    # Germany, but not to the countries its s. 2 excludes.
    d = _engine().evaluate(_unlisted("DE", "US"))
    assert _outcome(d) is Outcome.AUTHORISED
    assert {"ca.ecl.us_origin", "ca.gep.gep12"} <= _rules(d)
    for excluded in ("CU", "IR", "SY"):
        d = _engine().evaluate(_unlisted(excluded, "US"))
        assert _outcome(d) >= Outcome.LICENSE_REQUIRED, excluded
        assert "ca.gep.gep12" not in _rules(d)


def test_unlisted_us_origin_item_back_to_the_us_needs_nothing() -> None:
    d = _engine().evaluate(_unlisted("US", "US"))
    assert _outcome(d) is Outcome.NO_LICENSE_REQUIRED
    assert "ca.ecl.us_origin" not in _rules(d)


def test_unlisted_item_without_origin_is_held() -> None:
    d = _engine().evaluate(_unlisted("JP", None))
    assert _outcome(d) is Outcome.REVIEW
    assert "ca.ecl.origin_missing" in _rules(d)


def test_unlisted_item_to_the_dprk_is_still_prohibited() -> None:
    d = _engine().evaluate(_unlisted("KP", "CA"))
    assert _outcome(d) is Outcome.PROHIBITED
    assert {"ca.acl.export", "ca.sanctions.dprk_all_goods"} <= _rules(d)


def test_unlisted_item_with_wmd_suspicion_needs_a_5505_permit() -> None:
    d = _engine().evaluate(_unlisted("PK", "CA", end_use=["wmd"]))
    assert _outcome(d) is Outcome.LICENSE_REQUIRED
    assert "ca.ecl.item_5505_suspicion" in _rules(d)


def test_unlisted_item_to_iran_is_held_for_schedule_2() -> None:
    d = _engine().evaluate(_unlisted("IR", "CA"))
    assert _outcome(d) is Outcome.REVIEW
    assert "ca.sanctions.listed_goods_review" in _rules(d)


# --------------------------------------------------------------------------- data and coverage


def test_no_gep41_destination_has_sema_or_un_regulations() -> None:
    # GEP-41 s. 3(1)(c) is not written as a rule because no eligible destination is sanctioned;
    # if the tables ever overlap, the rule must be reinstated.
    assert not set(GEP41_DESTINATIONS) & set(SANCTIONED)


def test_every_country_key_is_an_assigned_iso_code() -> None:
    regime = load_regime(CA)
    for t in regime.tables.values():
        if t.key == "country":
            bad = {r["country"] for r in t.rows} - countries()
            assert not bad, f"{t.name}: {sorted(bad)}"


def test_tables_are_curated_and_say_so() -> None:
    """Hand-curated tables say verified = false; only the generated SEMA schedules are verified,
    and those carry the generator's .meta.toml."""
    regime = load_regime(CA)
    for t in regime.tables.values():
        generated = (CA / "tables" / f"{t.name}.meta.toml").is_file()
        assert t.verified is generated, f"{t.name}: only generated tables may be verified"
        assert t.source and t.as_of and t.coverage


def test_every_effect_rule_is_exercised_by_a_golden_case_or_an_example_here() -> None:
    regime = load_regime(CA)
    fired: set[str] = set()
    for r in run_cases(CA):
        assert r.ok, (r.case.name, r.failures)
        if r.decision is not None:
            fired |= _rules(r.decision)
    for tx in (_unlisted("DE", "CA"), _unlisted("DE", "US"), _unlisted("JP", None)):
        fired |= _rules(_engine().evaluate(tx))
    fired |= _un_programme_rules_fired()
    effect_rules = {r.id for r in regime.rules if r.effect.kind != "derive"}
    # Rules that no row of today's generated tables can trigger; each is checked to be so, so
    # that a regenerated table that adds such a row makes this test ask for a golden case.
    for rule, (table, kinds) in DATA_DEPENDENT.items():
        rows = _table_rows(table)
        assert not any(r["kind"] in kinds for r in rows), f"{rule} can now fire: add a case"
        fired.add(rule)
    assert effect_rules - fired == set()


DATA_DEPENDENT = {
    # Schedule 5.02 names every code as "subset of": a listed row would be prohibited outright.
    "ca.sanctions.ru_jet_fuel": ("ru_sch502_jet_fuel", {"listed"}),
    # Schedule 6 Part 1 has no "subset of" codes and no code longer than six digits.
    "ca.sanctions.ru_luxury_goods_check": ("ru_sch6_luxury", {"subset", "narrower"}),
}


def _table_rows(name: str) -> list[dict[str, str]]:
    import csv

    with (CA / "tables" / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))


def test_at_least_forty_golden_cases_each_with_reasoning() -> None:
    cases = load_cases(CA)
    assert len(cases) >= 40
    assert all(c.reason.strip() for c in cases)


# --- Russia and Belarus: SEMA schedules that name tariff codes -------------------------------

HS_SAMPLES = ["85171300", "220300", "28539000", "730411", "271012", "261100", "090111", "880730"]
# The first export restrictions of each regulation: Russia's Schedule 4 predates the regime's
# start (2019-09-01); Belarus's export bans began with s. 3.6 (SOR/2022-75, 2022-04-05).
SEMA_START = {"RU": 0, "BY": 947}
SEMA_CODES = [None, "1-3.A.1.a", "2-1.a", "5400", "5101"]


@settings(max_examples=60, deadline=None)
@given(
    dest=st.sampled_from(["RU", "BY"]),
    day=st.integers(0, 2639),  # 2019-09-01 (the regime's start) to 2026-11-27
    hs=st.sampled_from(HS_SAMPLES),
    code=st.sampled_from(SEMA_CODES),
    origin=st.sampled_from(["CA", "US", "DE"]),
    tagged=st.booleans(),
    activity=st.sampled_from(["export", "transfer", "brokering"]),
)
def test_ru_by_lines_are_never_cleared_with_or_without_the_tariff_code(
    dest: str, day: int, hs: str, code: str | None, origin: str, tagged: bool, activity: str
) -> None:
    """The Russia and Belarus regulations list goods by tariff code and in lists not encoded
    here: removing a line's hs_code (or giving one) never yields no_license_required."""
    import datetime

    day = max(day, SEMA_START[dest])
    date = (datetime.date(2019, 9, 1) + datetime.timedelta(days=day)).isoformat()
    line: dict[str, Any] = {"id": "1", "origin": origin, "classification": {"ca": code}}
    if tagged:
        line["tags"] = ["not_for_ru_oil_projects"]
    tx: dict[str, Any] = {"date": date, "export_from": "CA", "destination": dest,
                          "activity": activity, "lines": [line]}  # fmt: skip
    if activity == "brokering":
        tx["parties"] = [{"role": "broker", "name": "Broker", "country": "CA"}]
    with_code = {**tx, "lines": [{**line, "hs_code": hs}]}
    for t in (tx, with_code):
        d = _engine().evaluate(t)
        assert _outcome(d) >= Outcome.REVIEW, (dest, date, hs, code, _rules(d))


def test_tariff_code_tables_are_read_by_rules_and_declared_with_prefix_lookups() -> None:
    regime = load_regime(CA)
    prefix = {lk.table for lk in regime.lookups if lk.match == "prefix"}
    assert prefix == {
        "ru_sch4_oil", "ru_sch502_jet_fuel", "ru_sch6_luxury", "ru_sch7_industrial",
        "by_sch4_luxury", "by_sch5_weapons",
    }  # fmt: skip


UN_PROGRAMMES = {
    "Al-Qaida": "al_qaida", "Taliban": "taliban", "DPRK": "dprk", "Iran": "iran", "Iraq": "iraq",
    "Libya": "libya", "Somalia": "somalia", "DRC": "drc", "Sudan": "sudan",
    "SouthSudan": "south_sudan", "CAR": "car", "Yemen": "yemen", "Haiti": "haiti",
}  # fmt: skip


def _un_hit(programme: str, date: str) -> Decision:
    hits = [{"party": "Listed", "list": "un", "level": "match", "programs": [programme]}]
    tx = {**_unlisted("AE", "CA", date=date),
          "parties": [{"role": "consignee", "name": "Listed", "country": "AE"}]}  # fmt: skip
    return _engine().with_screener(FixedScreener(hits)).evaluate(tx)


def _un_programme_rules_fired() -> set[str]:
    fired: set[str] = set()
    for programme in UN_PROGRAMMES:
        for date in ("2019-10-01", DATE):
            fired |= _rules(_un_hit(programme, date))
    return fired


@pytest.mark.parametrize("programme", sorted(UN_PROGRAMMES))
def test_un_listed_party_cites_the_regulation_of_its_un_regime(programme: str) -> None:
    """United Nations Act s. 2: each UN regime has its own implementing regulation; a confirmed
    match under it is prohibited and cites that regulation (from the date the section cited
    has its number), never only the generic rule."""
    d = _un_hit(programme, DATE)
    assert _outcome(d) is Outcome.PROHIBITED
    rule = f"ca.un_act.{UN_PROGRAMMES[programme]}"
    cited = [f for f in d.findings if f.rule == rule]
    assert cited and cited[0].citation.startswith("SOR/"), (programme, _rules(d))
    assert "ca.un_act.listed_party" not in _rules(d)
    assert _outcome(_un_hit(programme, "2019-10-01")) is Outcome.PROHIBITED
