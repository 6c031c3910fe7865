"""OFAC SDN legacy CSV importer, on the real files (EXPORTRULES_SOURCES) and on variants of them
written the way OFAC's own files are (every text field quoted, DOS end-of-file byte)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
from pathlib import Path

import pytest

from exportrules._screening import RestrictedList, Screener, load_bundled, load_ofac_sdn_csv
from exportrules._screening.cli import cli_lists, cli_update_list

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> Path:
    env = os.environ.get("EXPORTRULES_SOURCES")
    cands = (
        [Path(env)] if env else [c for b in ROOT.parents[:2] for c in sorted(b.glob("*/sources"))]
    )
    for cand in cands:
        if (cand / "ofac-sdn-2022" / "sdn.csv").is_file():
            return cand / "ofac-sdn-2022"
    raise AssertionError("the OFAC SDN source files were not found: set EXPORTRULES_SOURCES")


SDN = _sources()
CORRUPT = (("34111", "234234"),)


@pytest.fixture(scope="module")
def sdn() -> RestrictedList:
    return load_ofac_sdn_csv(SDN, as_of="2022-01-31", drop_aliases=CORRUPT)


def by_id(rl: RestrictedList) -> dict[str, object]:
    return {e.entry_id: e for e in rl.entries}


def test_real_files_counts_kinds_and_date(sdn: RestrictedList) -> None:
    assert sdn.id == "us_sdn" and sdn.as_of == "2022-01-31"
    assert len(sdn.entries) == 9044
    kinds = [e.kind for e in sdn.entries]
    assert kinds.count("individual") == 4643
    assert kinds.count("vessel") == 420 and kinds.count("aircraft") == 280
    assert kinds.count("entity") == 9044 - 4643 - 420 - 280
    # alt.csv has 12,409 rows, one of them dropped as corrupt; a few repeat the primary name
    good = sum(q == "good" for e in sdn.entries for q in e.alias_quality)
    assert 12_300 <= good <= 12_408
    assert all(e.listed_on is None for e in sdn.entries)  # not in the legacy files
    assert all(e.list_id == "us_sdn" for e in sdn.entries)


def test_programs_are_kept_exactly_as_ofac_writes_them(sdn: RestrictedList) -> None:
    progs = {p for e in sdn.entries for p in e.programs}
    assert len(progs) == 71
    assert {"SDGT", "HRIT-SY", "HRIT-IR", "NPWMD", "IRAN-HR", "GLOMAG", "DPRK3"} <= progs
    assert "CAATSA - RUSSIA" in progs  # a tag with spaces stays whole
    e = by_id(sdn)["27484"]
    assert e.programs == ("NICARAGUA", "NICARAGUA-NHRAA")  # "NICARAGUA] [NICARAGUA-NHRAA"
    assert sum("HRIT-SY" in e.programs for e in sdn.entries) == 3
    assert sum("IRAN-HR" in e.programs for e in sdn.entries) == 106
    assert sum("GLOMAG" in e.programs for e in sdn.entries) == 414


def test_names_aliases_and_weak_aliases_from_remarks(sdn: RestrictedList) -> None:
    e = by_id(sdn)["10471"]
    assert e.names[0] == "MEJIA MUNERA, Miguel Angel Melchor"
    q = dict(zip(e.names, e.alias_quality))
    assert q["MEJIA MUNERA, Miguel Angel"] == "good"  # alt.csv
    assert q["LOS MELLIZOS"] == q["PABLO MEJIA"] == "weak"  # "a.k.a. '...'" in the remarks
    bnc = by_id(sdn)["306"]
    assert bnc.names == ("BANCO NACIONAL DE CUBA", "NATIONAL BANK OF CUBA", "BNC")
    assert "Another name" not in by_id(sdn)["34111"].names  # the corrupt row is left out


def test_countries_remarks_and_linked_to(sdn: RestrictedList) -> None:
    oladi = by_id(sdn)["30227"]
    assert oladi.countries == ("IR",)
    assert oladi.linked_to == ("KAVIAN PETROCHEMICAL COMPANY",)
    assert oladi.remarks is not None and oladi.remarks.startswith("DOB 29 May 1963")
    ntaganda = by_id(sdn)["11973"]
    assert "CD" in ntaganda.countries  # "Congo, Democratic Republic of the"
    assert by_id(sdn)["36"].countries == ("CU",)  # from add.csv
    assert by_id(sdn)["306"].countries == ("CH", "ES", "JP", "PA")
    assert sum(bool(e.countries) for e in sdn.entries) > 7000


def test_anomalies_are_kept_and_stated(sdn: RestrictedList) -> None:
    ids = by_id(sdn)
    assert ids["2677"].names[0] == "AL-ZOMOR, Abboud Abdul Latif Hassan"
    assert "ZUMAR, Abbud" in ids["2677"].names
    hamer = ids["2677-2"]  # the repeated entity number is not lost
    assert hamer.names == ("HAMER AND NAIL CONSTRUCTION LIMITED",)
    assert hamer.linked_to == ("DIAB, Adel", "AYAD, Adnan")
    assert "2677 appear more than once" in sdn.coverage
    assert "1 row(s) of add.csv" in sdn.coverage
    assert "34111/234234" in sdn.coverage


def _write(path: Path, rows: list[list[str]], quote_all: bool, eof: bool) -> None:
    buf = io.StringIO()
    w = csv.writer(
        buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    w.writerows(rows)
    path.write_text(buf.getvalue() + ("\x1a" if eof else ""), encoding="utf-8")


def _rows(name: str) -> list[list[str]]:
    with open(SDN / name, encoding="utf-8", newline="") as f:
        return [r for r in csv.reader(f) if r and r != ["\x1a"]]


def test_quoted_shuffled_upper_case_copy_gives_the_same_list(
    tmp_path: Path, sdn: RestrictedList
) -> None:
    """OFAC's own files quote every field and end with 0x1A; this copy does neither and has rows
    out of order: all three forms give the same entries."""
    rng = random.Random(7)
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        rows = _rows(name)
        rng.shuffle(rows)
        _write(tmp_path / name.upper(), rows, quote_all=True, eof=True)
    again = load_ofac_sdn_csv(tmp_path / "SDN.CSV", as_of="2022-01-31", drop_aliases=CORRUPT)
    key = lambda rl: sorted((e.entry_id, e.names, e.countries, e.programs) for e in rl.entries)  # noqa: E731
    mine = {e.entry_id: e for e in again.entries}
    # the shuffle may put the second record of 2677 first: every other entry is identical
    assert {k: v for k, v in mine.items() if not k.startswith("2677")} == {
        e.entry_id: e for e in sdn.entries if not e.entry_id.startswith("2677")
    }
    assert len(key(again)) == len(key(sdn))


def test_sdn_comments_overflow_is_appended(tmp_path: Path) -> None:
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        (tmp_path / name).write_bytes((SDN / name).read_bytes())
    _write(tmp_path / "sdn_comments.csv", [["36", "Linked To: SOME HOLDING CO."]], True, False)
    rl = load_ofac_sdn_csv(tmp_path, as_of="2022-01-31", drop_aliases=CORRUPT)
    assert by_id(rl)["36"].linked_to == ("SOME HOLDING CO",)


def test_windows_1252_files_are_read(tmp_path: Path) -> None:
    _write(
        tmp_path / "sdn.csv",
        [["1", "MÜLLER, Jürgen", "individual", "SDGT"] + ["-0- "] * 8],
        True,
        False,
    )
    (tmp_path / "sdn.csv").write_bytes((tmp_path / "sdn.csv").read_text().encode("cp1252"))
    _write(tmp_path / "alt.csv", [], False, False)
    _write(tmp_path / "add.csv", [], False, False)
    rl = load_ofac_sdn_csv(tmp_path, as_of="2026-01-01")
    assert rl.entries[0].names == ("MÜLLER, Jürgen",)


def test_bad_inputs_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no sdn.csv"):
        load_ofac_sdn_csv(tmp_path, as_of="2022-01-31")
    (tmp_path / "sdn.csv").write_bytes((SDN / "sdn.csv").read_bytes())
    with pytest.raises(ValueError, match=r"alt.csv and add.csv not found"):
        load_ofac_sdn_csv(tmp_path, as_of="2022-01-31")
    _write(tmp_path / "alt.csv", [["1", "2", "aka"]], False, False)
    (tmp_path / "add.csv").write_text("")
    with pytest.raises(ValueError, match="3 fields where an OFAC alt.csv row has 5"):
        load_ofac_sdn_csv(tmp_path, as_of="2022-01-31")
    with pytest.raises(ValueError):
        load_ofac_sdn_csv(SDN, as_of="31/01/2022")
    with pytest.raises(ValueError, match="not found"):
        load_ofac_sdn_csv(SDN, as_of="2022-01-31", drop_aliases=[("1", "2")])


def test_lists_update_accepts_a_current_sdn_file_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    dest = tmp_path / "lists"
    code = cli_update_list(str(SDN / "sdn.csv"), fmt="ofac-sdn-csv", dest=str(dest), out=out)
    assert code == 2 and "--as-of" in out.getvalue()
    out = io.StringIO()
    code = cli_update_list(
        str(SDN), fmt="ofac-sdn-csv", as_of="2026-11-30", dest=str(dest), out=out
    )
    assert code == 0, out.getvalue()
    assert "us_sdn: 9044 entries as of 2026-11-30" in out.getvalue()
    monkeypatch.setenv("EXPORTRULES_LISTS_DIR", str(dest))
    lists = {rl.id: rl for rl in load_bundled()}
    assert lists["us_sdn"].as_of == "2026-11-30"  # the user's file replaces the bundled one
    text = io.StringIO()
    cli_lists(screener=Screener(list(lists.values())), out=text, today=dt.date(2026, 12, 1))
    assert "us_sdn" in text.getvalue() and "(1 days old)" in text.getvalue()
    assert "OFAC Specially Designated Nationals and Blocked Persons List is as of" not in (
        text.getvalue()
    )


def test_bundled_sdn_is_marked_stale_in_every_list_version() -> None:
    bundled = {rl.id: rl for rl in load_bundled()}
    sdn = bundled["us_sdn"]
    assert sdn.as_of == "2022-01-31" and sdn.verified is False
    v = sdn.version(dt.date(2026, 12, 1))
    assert v["stale"] is True and v["age_days"] == 1765 and v["stale_after"] == 30
    assert isinstance(v["warning"], str) and "1765 days old" in v["warning"]
    fresh = sdn.version(dt.date(2022, 2, 15))
    assert fresh["stale"] is False and fresh["warning"] is None


def test_sdn_names_are_screened_with_their_programs() -> None:
    scr = Screener.default()
    hits = [m for m in scr.screen("Ramezan Oladi", "IR") if m.list_id == "us_sdn"]
    assert hits and hits[0].entry_id == "30227" and hits[0].level == "match"
    assert hits[0].programs == ("IRAN-EO13846",)
    assert hits[0].listed_on is None and hits[0].in_force_on(dt.date(2020, 1, 1)) is None
    assert "listing date not in the source" in hits[0].explanation
    # a weak alias alone is at most a potential match
    weak = [m for m in scr.screen("Los Mellizos") if m.entry_id == "10471"]
    assert weak and weak[0].level == "review"
