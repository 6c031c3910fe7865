"""Importers on the real files in shared/sources and on format fixtures (marked as such)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from exportrules._screening import (
    ListEntry,
    RestrictedList,
    dump_list,
    load_bis_json,
    load_bundled,
    load_csl_csv,
    load_csl_json,
    load_ecfr_entity_list,
    load_ftm_jsonl,
    load_list,
    load_un_xml,
)
from exportrules._screening._countries import country_code
from exportrules._screening.cli import split_by_list

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "screening"


def _sources() -> Path:
    for cand in (ROOT.parent / "shared" / "sources", Path("/work/shared/sources")):
        if cand.is_dir():
            return cand
    raise AssertionError("shared/sources not found next to the repository")


SRC = _sources()
UN = SRC / "un-consolidated-list" / "UN_consolidated.xml"
BIS = SRC / "bis-entity-meu-derived"
CSL = SRC / "us-csl-samples"


@pytest.fixture(scope="module")
def un() -> RestrictedList:
    return load_un_xml(UN)


# ------------------------------------------------------------------ UN XML (real file)


def test_un_counts_date_and_provenance(un: RestrictedList) -> None:
    assert un.id == "un"
    assert un.as_of == "2026-02-27"  # dateGenerated of the file
    assert len(un.entries) == 730 + 273
    assert sum(e.kind == "individual" for e in un.entries) == 730
    assert un.verified is True
    assert "dateGenerated 2026-02-27" in un.source


def test_un_entry_names_aliases_and_quality(un: RestrictedList) -> None:
    e = {x.entry_id: x for x in un.entries}["CDi.002"]
    assert e.names[0] == "FRANK KAKOLELE BWAMBALE"
    assert "FRANK KAKORERE BWAMBALE" in e.names
    assert e.alias_quality[0] == "primary"
    assert e.countries == ("CD",)
    assert e.programs == ("DRC",)
    assert e.listed_on == "2005-11-01"
    assert e.citation == "UN Security Council Consolidated List, CDi.002"
    assert e.license_policy is None


def test_un_low_quality_aliases_and_original_script_kept(un: RestrictedList) -> None:
    by_id = {x.entry_id: x for x in un.entries}
    gaston = by_id["CDi.003"]
    assert dict(zip(gaston.names, gaston.alias_quality))["Rumuli"] == "low"
    assert sum("low" in e.alias_quality for e in un.entries) > 100
    arabic = [e for e in un.entries if any("\u0600" <= c <= "\u06ff" for n in e.names for c in n)]
    assert len(arabic) >= 300  # NAME_ORIGINAL_SCRIPT is on 378 records, most in Arabic script


def test_un_entity_aliases(un: RestrictedList) -> None:
    adf = {x.entry_id: x for x in un.entries}["CDe.001"]
    assert adf.kind == "entity"
    assert adf.names[0] == "ADF"
    assert "Allied Democratic Forces" in adf.names
    assert "CD" in adf.countries


def test_un_rejects_other_xml(tmp_path: Path) -> None:
    p = tmp_path / "x.xml"
    p.write_text("<OTHER/>")
    with pytest.raises(ValueError, match="not a UN consolidated list"):
        load_un_xml(p)
    p.write_text("<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>")
    with pytest.raises(ValueError, match="as-of date is unknown"):
        load_un_xml(p)


# ------------------------------------------------------------------ CSL CSV (real samples)


def test_csl_csv_current_layout() -> None:
    rl = load_csl_csv(CSL / "consolidated.csv", as_of="2025-06-25")
    assert rl.as_of == "2025-06-25"
    assert len(rl.entries) == 13
    by_list = {e.list_id for e in rl.entries}
    assert {"us_entity_list", "us_meu", "us_dpl", "us_uvl", "us_sdn", "us_ssi"} <= by_list
    el = next(e for e in rl.entries if e.list_id == "us_entity_list")
    assert el.license_policy is not None and el.license_policy.startswith("Policy of denial")
    assert el.license_requirement is not None
    assert el.citation == "83 FR 37423; 87 FR 77505"
    assert "Hebei Semiconductor Research Institute" in el.names
    assert "CETC Research Institute 13" in el.names  # "; and" prefix removed from alt_names
    isn = next(e for e in rl.entries if e.list_id == "us_isn")
    assert isn.names == ("Sinobright Import and Export Company",)  # "; and any successor" cut
    dpl = next(e for e in rl.entries if e.list_id == "us_dpl")
    assert dpl.expires == "2056-06-29"
    sdn = next(e for e in rl.entries if e.list_id == "us_sdn")
    assert sdn.kind == "individual" and "KP" in sdn.countries


def test_csl_csv_infers_as_of_and_says_so() -> None:
    rl = load_csl_csv(CSL / "consolidated.csv")
    assert rl.as_of == "2023-07-19"
    assert "inferred" in rl.coverage


def test_csl_csv_old_layout_without_id() -> None:
    rl = load_csl_csv(CSL / "csl.csv")
    assert len(rl.entries) == 115
    ids = [(e.list_id, e.entry_id) for e in rl.entries]
    assert len(set(ids)) == len(ids)
    again = load_csl_csv(CSL / "csl.csv")
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in rl.entries]
    assert any(e.list_id == "us_capta" for e in rl.entries)


def test_split_by_list_gives_one_list_per_source() -> None:
    parts = split_by_list(load_csl_csv(CSL / "consolidated.csv", as_of="2025-06-25"))
    assert {p.id for p in parts} >= {"us_entity_list", "us_meu", "us_dpl"}
    assert all(all(e.list_id == p.id for e in p.entries) for p in parts)


# ------------------------------------------------------------------ CSL JSON (fixture)


def test_csl_json_fixture() -> None:
    rl = load_csl_json(FIX / "csl_fixture.json", as_of="2026-11-01")
    assert rl.as_of == "2026-11-01"
    by_list = {e.list_id: e for e in rl.entries}
    assert set(by_list) == {"us_entity_list", "us_meu", "us_dpl", "us_fse"}
    el = by_list["us_entity_list"]
    assert el.names == (
        "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)",
        "Hebei Semiconductor Research Institute",
        "HSRI",
    )
    assert el.countries == ("CN",)
    assert el.license_policy is not None and "Policy of denial" in el.license_policy
    assert by_list["us_fse"].kind == "individual"
    assert by_list["us_fse"].programs == ("FSE-IR",)
    assert by_list["us_dpl"].expires == "2056-06-29"


def test_csl_json_rejects_non_csl(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"items": []}))
    with pytest.raises(ValueError, match="no results array"):
        load_csl_json(p)


# ------------------------------------------------------------------ BIS JSON parse (real file)


def test_bis_entity_list_real_parse() -> None:
    rl = load_bis_json(BIS / "bis_entity_list.json", "us_entity_list")
    assert len(rl.entries) == 3409
    assert rl.as_of == "2026-07-09"
    assert rl.verified is False
    # the review policy column was lost in that parse: unknown, never approval
    assert all(e.license_policy is None for e in rl.entries)
    assert all(e.license_requirement for e in rl.entries)
    assert sum(e.countries == ("CN",) for e in rl.entries) == 1106
    assert sum(not e.countries for e in rl.entries) == 0
    crimea = [e for e in rl.entries if e.countries == ("UA",)]
    assert len(crimea) == 28 + 11  # "Crimea Region of Ukraine" and "Ukraine"
    ids = [e.entry_id for e in rl.entries]
    assert len(set(ids)) == len(ids)
    again = load_bis_json(BIS / "bis_entity_list.json", "us_entity_list")
    assert [e.entry_id for e in again.entries] == ids  # stable ids


def test_bis_meu_and_dpl_real_parse() -> None:
    meu = load_bis_json(BIS / "bis_meu.json", "us_meu")
    assert len(meu.entries) == 70 and meu.as_of == "2026-07-09"
    assert all(e.license_requirement is None and e.license_policy is None for e in meu.entries)
    dpl = load_bis_json(BIS / "bis_dpl.json", "us_dpl")
    assert len(dpl.entries) == 564
    assert dpl.as_of == "2026-04-14"  # the BIS export date in the source file name
    assert sum(e.expires == "2026-10-27" for e in dpl.entries) == 54
    assert sum(e.countries == ("US",) for e in dpl.entries) == 380


# ------------------------------------------------------------------ eCFR Entity List XML (fixture)


def test_ecfr_entity_list_fixture() -> None:
    rl = load_ecfr_entity_list(FIX / "ecfr_entity_list_fixture.xml")
    assert rl.as_of == "2026-07-01"  # from AMDDATE
    assert rl.verified is True
    assert [e.names[0] for e in rl.entries] == [
        "Emal Bilal Mangal",
        "Beijing Institute of Technology",
        "Hengda Trading Co., Ltd.",
        "Joint Stock Company Kizlyar Electromechanical Plant",
    ]
    emal, bit, hengda, kizlyar = rl.entries
    assert emal.names[1:] == ("Imal Bilal", "Aimal Balal", "Bellal Mangal")
    assert emal.countries == ("AF",)
    assert emal.license_policy == "Presumption of denial."
    assert bit.names == ("Beijing Institute of Technology", "BIT")
    assert hengda.countries == ("CN",)  # blank country cell continues the previous country
    assert hengda.license_policy == "Case-by-case review."
    assert kizlyar.countries == ("RU",)
    assert kizlyar.citation == "87 FR 13048, 3/8/22."


def test_ecfr_needs_a_date_and_well_formed_rows(tmp_path: Path) -> None:
    text = (FIX / "ecfr_entity_list_fixture.xml").read_text()
    p = tmp_path / "nodate.xml"
    p.write_text(text.replace("<AMDDATE>Jul. 1, 2026</AMDDATE>", ""))
    with pytest.raises(ValueError, match="AMDDATE"):
        load_ecfr_entity_list(p)
    assert load_ecfr_entity_list(p, as_of="2026-08-01").as_of == "2026-08-01"
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace("<TD>79 FR 44683, 8/1/14.</TD>", ""))
    with pytest.raises(ValueError, match="4 cells under a 5-column header"):
        load_ecfr_entity_list(bad)
    none = tmp_path / "none.xml"
    none.write_text(text.replace("Supplement No. 4 to Part 744", "Supplement No. 1 to Part 738"))
    with pytest.raises(ValueError, match="Entity List"):
        load_ecfr_entity_list(none)


# ------------------------------------------------------------------ OpenSanctions FtM (fixture)


def test_ftm_fixture() -> None:
    rl = load_ftm_jsonl(FIX / "opensanctions_fixture.jsonl")
    assert rl.as_of == "2026-05-20"  # latest last_change
    assert [e.entry_id for e in rl.entries] == ["fx-person-1", "fx-company-1", "fx-vessel-1"]
    person, company, vessel = rl.entries
    assert person.kind == "individual" and vessel.kind == "vessel" and company.kind == "entity"
    assert dict(zip(person.names, person.alias_quality))["Vanya"] == "weak"
    assert person.countries == ("RU",)
    assert "export.control" in person.programs
    assert "Zenit Optics" in company.names  # previousName


def test_ftm_bad_line(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A B"]}}\n{oops\n')
    with pytest.raises(ValueError, match=":2: not JSON"):
        load_ftm_jsonl(p, as_of="2026-01-01")


# ------------------------------------------------------------------ countries, store, bundled


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("China", "CN"),
        ("Burma", "MM"),
        ("Russian Federation", "RU"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Türkiye", "TR"),
        ("Crimea Region of Ukraine", "UA"),
        ("CHINA, PEOPLE'S REPUBLIC OF", "CN"),
        ("na", None),
        ("former Soviet Union", None),
    ],
)
def test_country_names(name: str, code: str | None) -> None:
    assert country_code(name) == code


def test_store_round_trip_is_lossless_and_deterministic(tmp_path: Path) -> None:
    rl = load_ftm_jsonl(FIX / "opensanctions_fixture.jsonl")
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    dump_list(rl, a, generated_from="fixture")
    dump_list(rl, b, generated_from="fixture")
    assert a.read_bytes() == b.read_bytes()
    assert load_list(a) == rl
    doc = json.loads(gzip.decompress(a.read_bytes()))
    assert "do not edit" in doc["note"]


def test_bundled_lists_are_the_sources_regenerated() -> None:
    """The committed data equals what tools/build_lists.py makes from shared/sources."""
    bundled = {rl.id: rl for rl in load_bundled()}
    assert set(bundled) == {"un", "us_entity_list", "us_meu", "us_dpl"}
    assert bundled["un"] == load_un_xml(UN)
    assert bundled["us_entity_list"] == load_bis_json(
        BIS / "bis_entity_list.json", "us_entity_list"
    )
    assert bundled["us_meu"] == load_bis_json(BIS / "bis_meu.json", "us_meu")
    assert bundled["us_dpl"] == load_bis_json(BIS / "bis_dpl.json", "us_dpl")


def test_list_entry_validation() -> None:
    with pytest.raises(ValueError, match="no name"):
        ListEntry(list_id="x", entry_id="1", names=(), alias_quality=())
    with pytest.raises(ValueError, match="alias qualities"):
        ListEntry(list_id="x", entry_id="1", names=("A",), alias_quality=("primary", "good"))
    with pytest.raises(ValueError, match="unknown alias quality"):
        ListEntry(list_id="x", entry_id="1", names=("A",), alias_quality=("great",))
    e = ListEntry(list_id="x", entry_id="1", names=("A",), alias_quality=("primary",))
    with pytest.raises(ValueError, match="duplicate entry id"):
        RestrictedList(
            id="x", name="x", source="s", as_of="2026-01-01", verified=False, entries=(e, e)
        )
    with pytest.raises(ValueError):
        RestrictedList(id="x", name="x", source="s", as_of="2026-13-01", verified=False, entries=())
