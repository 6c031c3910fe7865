"""Properties of the US regime (regimes/us), checked on generated transactions.

Each property states a legal invariant the rules must keep whatever else the transaction says:
an embargoed destination never yields "no licence required" for an item subject to the EAR; an
Entity List party never gets a licence exception; unknown codes fail closed; more US content
never lowers the outcome; every Country Chart column rule fires exactly where the chart has X.
"""

from __future__ import annotations

import csv
import datetime
import shutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import exportrules
from exportrules import Outcome
from exportrules._engine import FixedScreener

ROOT = Path(__file__).resolve().parents[2]
US = ROOT / "regimes" / "us"
DATE = "2026-11-27"
SETTINGS = settings(max_examples=60, deadline=None)


def _csv(name: str) -> list[dict[str, str]]:
    with (US / "tables" / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))


CCL_CODES = sorted(r["eccn"] for r in _csv("ccl") if not r["valid_from"])
# Every CCL row in force on DATE (dated rows included): the codes the regime knows that day.
KNOWN_ON_DATE = sorted(
    r["eccn"]
    for r in _csv("ccl")
    if (r["valid_from"] or "0000") <= DATE < (r["valid_until"] or "9999")
)
CHART = {r["country"]: r for r in _csv("country_chart")}
DESTINATIONS = sorted(CHART)
PARTY_TYPES = ["government", "military", "police", "commercial", "academic", "unknown"]
END_USES = ["civil", "military_end_use", "research", "law_enforcement"]


@cache
def _engine() -> exportrules.Engine:
    return exportrules.Engine.from_paths([str(US)], screening=False)


def _decide(tx: Mapping[str, Any], hits: list[dict[str, Any]] | None = None) -> Any:
    eng = _engine()
    if hits:
        eng = eng.with_screener(FixedScreener(hits))
    return eng.evaluate(dict(tx))


codes = st.sampled_from([*CCL_CODES, "EAR99"])
parties = st.lists(
    st.builds(
        lambda role, typ, i: {"role": role, "name": f"Party {i}", "country": "DE", "type": typ},
        st.sampled_from(["end_user", "consignee", "purchaser"]),
        st.sampled_from(PARTY_TYPES),
        st.integers(0, 3),
    ),
    max_size=3,
    unique_by=lambda p: p["name"],
)


def _tx(
    dest: str, code: str, ps: list[dict[str, str]], end_use: list[str], **kw: Any
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": "1",
        "classification": {"us": code},
        "value": 100,
        "currency": "USD",
    }
    tx: dict[str, Any] = {"date": DATE, "export_from": "US", "destination": dest,
                          "parties": ps, "end_use": end_use, "lines": [line]}  # fmt: skip
    tx.update(kw)
    return tx


@SETTINGS
@given(
    dest=st.sampled_from(["CU", "IR", "KP", "SY", "RU", "BY"]),
    code=codes,
    ps=parties,
    end_use=st.lists(st.sampled_from(END_USES), max_size=2, unique=True),
)
def test_embargoed_destination_is_never_nlr(
    dest: str, code: str, ps: list[dict[str, str]], end_use: list[str]
) -> None:
    d = _decide(_tx(dest, code, ps, end_use))
    if dest == "SY" and code == "EAR99":
        # Since 2 Sep 2025 License Exception SPP (740.5) authorises EAR99 items to Syria; the
        # line still needs that authorisation (746.9(a)) and no other exception is used.
        assert d.outcome >= Outcome.AUTHORISED, (dest, code, d.outcome)
        assert {a.id for a in d.authorisations if a.kind == "exception"} <= {"SPP"}
        return
    assert d.outcome >= Outcome.REVIEW, (dest, code, d.outcome)
    assert not any(a.kind == "exception" for a in d.authorisations)


@SETTINGS
@given(ps=parties, end_use=st.lists(st.sampled_from(END_USES), max_size=2, unique=True))
def test_syria_ear99_needs_spp_and_spp_is_dated(
    ps: list[dict[str, str]], end_use: list[str]
) -> None:
    """EAR99 to Syria: SPP (740.5) from 2 Sep 2025 on, licence required before; never NLR."""
    after = _decide(_tx("SY", "EAR99", ps, end_use))
    before = _decide(_tx("SY", "EAR99", ps, end_use, date="2025-09-01"))
    assert after.outcome >= Outcome.AUTHORISED
    assert before.outcome >= Outcome.LICENSE_REQUIRED
    assert not any(a.kind == "exception" for a in before.authorisations)


@SETTINGS
@given(region=st.sampled_from(["UA-43", "UA-40", "UA-14", "UA-09"]), code=codes, ps=parties)
def test_covered_regions_of_ukraine_are_never_nlr(
    region: str, code: str, ps: list[dict[str, str]]
) -> None:
    d = _decide(_tx("UA", code, ps, [], destination_region=region))
    assert d.outcome >= Outcome.LICENSE_REQUIRED
    assert not any(a.kind == "exception" for a in d.authorisations)


@SETTINGS
@given(dest=st.sampled_from(DESTINATIONS), code=codes, ps=parties)
def test_entity_list_party_never_gets_a_licence_exception(
    dest: str, code: str, ps: list[dict[str, str]]
) -> None:
    listed = {"role": "end_user", "name": "Listed Co", "country": dest, "type": "commercial"}
    hits = [{"party": "Listed Co", "list": "us_entity_list", "level": "match"}]
    d = _decide(_tx(dest, code, [*ps, listed], []), hits)
    assert d.outcome >= Outcome.LICENSE_REQUIRED
    assert not any(a.kind == "exception" for a in d.authorisations)
    assert "us.enduser.entity_list" in {f.rule for f in d.findings}


@SETTINGS
@given(
    num=st.integers(0, 999),
    letter=st.sampled_from("ABCDE"),
    cat=st.integers(0, 9),
    dest=st.sampled_from(DESTINATIONS),
)
def test_unknown_eccn_fails_closed(num: int, letter: str, cat: int, dest: str) -> None:
    code = f"{cat}{letter}{num:03d}"
    known = any(
        code == c or c.startswith(code + ".") or code.startswith(c + ".") for c in KNOWN_ON_DATE
    )
    d = _decide(_tx(dest, code, [], []))
    if not known:
        assert d.outcome >= Outcome.REVIEW
        assert "us.ccl.unknown_eccn" in {f.rule for f in d.findings}


@SETTINGS
@given(
    low=st.floats(0, 1, allow_nan=False),
    high=st.floats(0, 1, allow_nan=False),
    dest=st.sampled_from(DESTINATIONS),
    code=codes,
)
def test_more_us_content_never_lowers_the_outcome(
    low: float, high: float, dest: str, code: str
) -> None:
    low, high = sorted((low, high))

    def outcome(share: float) -> Outcome:
        tx = _tx(dest, code, [], [], export_from="DE")
        tx["lines"][0].update(origin="DE", us_content=share)
        return _decide(tx).outcome  # type: ignore[no-any-return]

    assert outcome(low) <= outcome(high)


@SETTINGS
@given(dest=st.sampled_from(DESTINATIONS), code=codes, flag=st.sampled_from(
    ["red_flag:kyc.evasive_answers", "red_flag:kyc.vague_delivery", "us_is_informed", "aware_wmd"]
))  # fmt: skip
def test_knowledge_never_lowers_the_outcome(dest: str, code: str, flag: str) -> None:
    before = _decide(_tx(dest, code, [], [])).outcome
    after = _decide(_tx(dest, code, [], [], knowledge=[flag])).outcome
    assert after >= before
    assert after >= Outcome.REVIEW


def test_null_classification_is_read_as_ear99() -> None:
    tx = _tx("DE", "EAR99", [], [])
    tx["lines"][0]["classification"] = {"us": None}
    d = _decide(tx)
    assert d.outcome == Outcome.NO_LICENSE_REQUIRED
    assert "us.ccl.ear99" in {f.rule for f in d.findings}


COLUMNS = ["cb1", "cb2", "cb3", "np1", "np2", "ns1", "ns2", "mt1",
           "rs1", "rs2", "fc1", "cc1", "cc2", "cc3", "at1", "at2"]  # fmt: skip


@pytest.fixture(scope="module")
def synthetic_engine(tmp_path_factory: pytest.TempPathFactory) -> exportrules.Engine:
    """The US regime with one synthetic CCL row per chart column (9E9xx, not real ECCNs)."""
    reg = tmp_path_factory.mktemp("us") / "us"
    shutil.copytree(US, reg)
    path = reg / "tables" / "ccl.csv"
    rows = _csv("ccl")
    header = list(rows[0])
    with path.open("a", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        for i, col in enumerate(COLUMNS):
            row = dict.fromkeys(header, "")
            row.update(eccn=f"9E9{i:02d}", title=f"synthetic {col}", **{col: "X"})
            w.writerow(row)
    return exportrules.Engine.from_paths([str(reg)], screening=False)


@settings(max_examples=100, deadline=None)
@given(i=st.integers(0, len(COLUMNS) - 1), dest=st.sampled_from(DESTINATIONS))
def test_chart_rule_fires_exactly_where_the_chart_has_x(
    synthetic_engine: exportrules.Engine, i: int, dest: str
) -> None:
    col = COLUMNS[i]
    tx = _tx(dest, f"9E9{i:02d}", [{"role": "end_user", "name": "P", "country": dest,
                                   "type": "police"}], [])  # fmt: skip
    fired = {f.rule for f in synthetic_engine.evaluate(tx).findings}
    rule = f"us.chart.{col}"
    assert (rule in fired) == (CHART[dest][col] == "X"), (col, dest)


# --- Russia and Belarus: HTS-coded supplements to part 746 ----------------------------------

HS_SAMPLES = ["880730", "88033000", "730424", "843149", "220830", "71131900", "090111", "85171300"]
RU_BY_START = datetime.date(2022, 2, 24)


@SETTINGS
@given(
    dest=st.sampled_from(["RU", "BY"]),
    day=st.integers(0, (datetime.date.fromisoformat(DATE) - RU_BY_START).days),
    hs=st.sampled_from(HS_SAMPLES),
    code=st.sampled_from(["EAR99", None]),
    activity=st.sampled_from(["export", "reexport", "transfer", "transit"]),
    tagged=st.booleans(),
)
def test_ru_by_ear99_lines_are_never_cleared_with_or_without_hts_code(
    dest: str, day: int, hs: str, code: str | None, activity: str, tagged: bool
) -> None:
    """746.8(a)(4)-(8) (746.5/746.10 before 2024-06-12) list EAR99 items by HTS code, and the
    encoded part of the supplements is partial: neither a missing nor a present hs_code may
    yield no_license_required to Russia or Belarus."""
    date = (RU_BY_START + datetime.timedelta(days=day)).isoformat()
    tx = _tx(dest, "EAR99", [], [], date=date, activity=activity)
    tx["lines"][0]["classification"] = {"us": code}
    if tagged:
        tx["lines"][0]["tags"] = ["not_for_ru_oil_projects"]
    with_code = {**tx, "lines": [{**tx["lines"][0], "hs_code": hs}]}
    for t in (tx, with_code):
        d = _decide(t)
        assert d.outcome >= Outcome.REVIEW, (dest, date, hs, code, d.outcome)


def test_aircraft_parts_to_russia_need_a_licence_under_supp_4() -> None:
    """Chapter 88 is in Supp. No. 4 since 2024-01-23: an EAR99 aircraft part needs a licence."""
    tx = _tx("RU", "EAR99", [], [])
    tx["lines"][0]["hs_code"] = "88073000"
    d = _decide(tx)
    assert d.outcome is Outcome.LICENSE_REQUIRED
    assert "us.embargo.ru_by_supp4" in {f.rule for f in d.findings}
    before = _decide({**tx, "date": "2024-01-10"})
    assert before.outcome is Outcome.REVIEW
    assert "us.embargo.ru_by_supp4_before_2024" not in {f.rule for f in before.findings}


# --- OFAC SDN parties -------------------------------------------------------------------------

SDN_PROGRAMS = ["SDGT", "NPWMD", "HRIT-SY", "HRIT-IR", "IRAN-HR", "GLOMAG", "DPRK", "DPRK2",
                "DPRK3", "DPRK4", "DPRK-NKSPEA", "RUSSIA-EO14024", "UKRAINE-EO13661", "BELARUS",
                "SDNTK", "TCO", "CUBA", "VENEZUELA", "IFSR", "SYRIA-EO13894", "FTO"]  # fmt: skip
SDN_744_8 = {"SDGT", "NPWMD", "RUSSIA-EO14024", "UKRAINE-EO13661", "BELARUS", "SDNTK", "TCO",
             "FTO"}  # fmt: skip


@SETTINGS
@given(
    programs=st.lists(st.sampled_from(SDN_PROGRAMS), min_size=1, max_size=2, unique=True),
    dest=st.sampled_from(["DE", "AE", "CN", "TR", "KE"]),
    code=codes,
    from_us=st.booleans(),
)
def test_sdn_party_is_never_cleared_and_is_prohibited_from_the_us(
    programs: list[str], dest: str, code: str, from_us: bool
) -> None:
    """A blocked person: from the United States OFAC prohibits the export; from abroad the
    order is held (US-person nexus) and 744.8 adds a BIS licence for the programmes it names
    when the item is subject to the EAR."""
    listed = {"role": "end_user", "name": "Blocked Co", "country": dest, "type": "commercial"}
    hits = [{"party": "Blocked Co", "list": "us_sdn", "level": "match", "programs": programs}]
    tx = _tx(dest, code, [listed], [])
    if not from_us:
        tx["export_from"] = "DE"
        tx["lines"][0].update(origin="US")
    d = _decide(tx, hits)
    rules = {f.rule for f in d.findings}
    if from_us:
        assert d.outcome is Outcome.PROHIBITED, (programs, rules)
    else:
        assert d.outcome >= Outcome.REVIEW, (programs, rules)
        assert "us.ofac.blocked_person_abroad" in rules
        if set(programs) & SDN_744_8:
            assert d.outcome >= Outcome.LICENSE_REQUIRED
            assert "us.enduser.sdn_744_8" in rules
    assert not any(a.kind == "exception" for a in d.authorisations if set(programs) & SDN_744_8)


@SETTINGS
@given(dest=st.sampled_from(DESTINATIONS), code=codes)
def test_un_listed_party_alone_is_held_and_never_cites_746_1_b(dest: str, code: str) -> None:
    listed = {"role": "consignee", "name": "UN Listed", "country": dest, "type": "commercial"}
    hits = [{"party": "UN Listed", "list": "un", "level": "match", "programs": ["Al-Qaida"]}]
    d = _decide(_tx(dest, code, [listed], []), hits)
    assert d.outcome >= Outcome.REVIEW
    assert not any("746.1(b)" in f.citation for f in d.findings)
