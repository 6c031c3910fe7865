"""Importers on the real source files (EXPORTRULES_SOURCES) and on format fixtures (marked as
such)."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from exportrules._screening import (
    ListEntry,
    RestrictedList,
    dump_list,
    first_citation_date,
    load_bis_json,
    load_bundled,
    load_csl_csv,
    load_csl_json,
    load_ecfr_entity_list,
    load_ftm_jsonl,
    load_list,
    load_un_xml,
    strip_footnotes,
)
from exportrules._screening._countries import country_code
from exportrules._screening.cli import split_by_list

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "screening"


def _sources() -> Path:
    """The folder of real source files: EXPORTRULES_SOURCES, else a ``sources`` folder one level
    below the repository's parent or grandparent that holds them (how CI and the developers lay
    them out)."""
    env = os.environ.get("EXPORTRULES_SOURCES")
    cands = (
        [Path(env)] if env else [c for b in ROOT.parents[:2] for c in sorted(b.glob("*/sources"))]
    )
    for cand in cands:
        if (cand / "un-consolidated-list").is_dir():
            return cand
    raise AssertionError(
        "the real source files were not found: set EXPORTRULES_SOURCES to their folder "
        "(see exportrules/data/lists/PROVENANCE.md)"
    )


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
    assert e.listed_on == dt.date(2005, 11, 1)
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
    assert dpl.expires == dt.date(2056, 6, 29)
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
    assert by_list["us_dpl"].expires == dt.date(2056, 6, 29)


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
    assert sum(e.expires == dt.date(2026, 10, 27) for e in dpl.entries) == 54
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


def test_bundled_lists_are_the_sources_regenerated(tmp_path: Path) -> None:
    """The committed data is byte for byte what tools/build_lists.py makes from the sources."""
    spec = importlib.util.spec_from_file_location("build_lists", ROOT / "tools" / "build_lists.py")
    assert spec is not None and spec.loader is not None
    build_lists = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_lists)
    written = build_lists.build(SRC, tmp_path)
    committed = ROOT / "exportrules" / "data" / "lists"
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.glob("*.json.gz"))
    for p in written:
        assert p.read_bytes() == (committed / p.name).read_bytes(), f"{p.name} differs"
    bundled = {rl.id: rl for rl in load_bundled()}
    assert set(bundled) == {"un", "us_entity_list", "us_meu", "us_dpl", "us_sdn"}
    assert bundled["un"] == load_un_xml(UN)
    assert bundled["us_meu"] == load_bis_json(BIS / "bis_meu.json", "us_meu")


def test_provenance_names_the_public_upstream_of_every_bundled_list() -> None:
    text = (ROOT / "exportrules" / "data" / "lists" / "PROVENANCE.md").read_text()
    for needle in (
        "moov-io/watchman",
        "612b2174c7753aaf7166f59bbefcdfecbb1681de",
        "phagehunter/nsfreg",
        "f77a4b987820c683fdba8b3d2137dd0e8cf1e88f",
        "edu777art/ListLookup",
        "6903d86aeafd59dc3f556d337caa348667fc1c30",
        "EXPORTRULES_SOURCES",
    ):
        assert needle in text, needle
    for p in (ROOT / "exportrules" / "data" / "lists").glob("*.json.gz"):
        assert f"`{p.name}`" in text, p.name


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


# ------------------------------------------------------------------ listing dates and footnotes


@pytest.mark.parametrize(
    ("citation", "day"),
    [
        ("84 FR 22963, 5/21/19", dt.date(2019, 5, 21)),
        ("76 FR 71869, 11/21/11", dt.date(2011, 11, 21)),
        ("63 FR 64322, 11/19/98", dt.date(1998, 11, 19)),  # two-digit years: nearest century
        ("81 FR 14958, 3/21/16.\n83 FR 6949, 2/16/18.", dt.date(2016, 3, 21)),
        ("83 FR 6949, 2/16/18. 81 FR 14958, 3/21/16.", dt.date(2016, 3, 21)),  # earliest wins
        ("61 F.R. 12734 3/28/1996, 66 F.R. 1 1/2/2001", dt.date(1996, 3, 28)),
        ("89 FR 12345, 02/29/2024", dt.date(2024, 2, 29)),
        ("86 FR 67319", None),
        ("87 FR 1, 13/45/22", None),  # not a date
        (None, None),
    ],
)
def test_listing_date_from_federal_register_citations(
    citation: str | None, day: dt.date | None
) -> None:
    assert first_citation_date(citation) == day


def test_entity_list_and_meu_entries_carry_listing_dates() -> None:
    el = load_bis_json(BIS / "bis_entity_list.json", "us_entity_list")
    dated = [e for e in el.entries if e.listed_on is not None]
    assert len(dated) == 3407  # two entries' citations carry no date
    emal = next(e for e in el.entries if e.names[0] == "Emal Bilal Construction Company (EBCC)")
    assert emal.listed_on == dt.date(2014, 8, 1)  # "79 FR 44683, 8/1/14"
    assert min(e.listed_on for e in dated) >= dt.date(1997, 1, 1)  # the list began in 1997
    assert max(e.listed_on for e in dated) <= dt.date(2026, 7, 9)  # not after the as-of date
    meu = load_bis_json(BIS / "bis_meu.json", "us_meu")
    assert all(e.listed_on is not None for e in meu.entries)
    dpl = load_bis_json(BIS / "bis_dpl.json", "us_dpl")
    assert all(e.listed_on is not None for e in dpl.entries)  # the order's effective date


def test_un_entries_carry_their_list_type_and_listing_date(un: RestrictedList) -> None:
    types = {p for e in un.entries for p in e.programs}
    assert {"Al-Qaida", "DPRK", "DRC", "Iraq", "Libya", "Taliban"} <= types
    assert all(len(e.programs) == 1 and e.listed_on is not None for e in un.entries)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2",
            "For all items subject to the EAR, see §§ 734.9(e) and 744.11 of the EAR",
        ),
        (
            "For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)",
            "For all items subject to the EAR. (See §§ 734.9(g), 746.8(a)(3), and 744.21(b) of the EAR)",
        ),
        (
            "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4",
            "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)",
        ),
        (
            "For all items subject to the EAR (See §§ 734.9(g)3, 746.8(a)(3), and 744.2l(b) of the EAR)",
            "For all items subject to the EAR (See §§ 734.9(g), 746.8(a)(3), and 744.21(b) of the EAR)",
        ),
        # text without markers is untouched, digits that belong to it included
        (
            "For items on the CCL and EAR 99 items listed in supplement no. 7 to part 746 of the EAR",
            "For items on the CCL and EAR 99 items listed in supplement no. 7 to part 746 of the EAR",
        ),
        (
            "License Exception GOV under § 740.11(b)(2) and (e)",
            "License Exception GOV under § 740.11(b)(2) and (e)",
        ),
    ],
)
def test_footnote_markers_are_stripped(raw: str, clean: str) -> None:
    assert strip_footnotes(raw) == clean


def test_no_footnote_marker_is_left_in_the_bundled_entity_list() -> None:
    el = {rl.id: rl for rl in load_bundled()}["us_entity_list"]
    texts = {e.license_requirement for e in el.entries if e.license_requirement}
    for t in texts:
        assert not re.search(r"\)\s*,?\s*[1-9](?=[\s,;)]|$)|EAR\)?\s*[1-9]$|\d\.\d+l\(", t), t


def test_store_reads_the_earlier_format(tmp_path: Path) -> None:
    doc = {
        "format": "exportrules-list/1",
        "note": "old",
        "list": {"id": "x", "name": "x", "source": "s", "as_of": "2026-01-01", "verified": False},
        "fields": [
            "list_id",
            "entry_id",
            "names",
            "alias_quality",
            "countries",
            "kind",
            "programs",
            "license_requirement",
            "license_policy",
            "citation",
            "listed_on",
            "expires",
        ],
        "entries": [
            ["x", "1", ["A B"], ["primary"], [], "entity", [], None, None, None, "2020-02-03", None]
        ],
    }
    p = tmp_path / "x.json.gz"
    p.write_bytes(gzip.compress(json.dumps(doc).encode()))
    rl = load_list(p)
    assert rl.entries[0].listed_on == dt.date(2020, 2, 3) and rl.entries[0].delisted_on is None
