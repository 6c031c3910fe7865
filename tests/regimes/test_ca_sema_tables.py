"""The generator of the Canadian tariff-code sanctions tables (tools/build_ca_sema_tables.py).

It is tested on small consolidations written here in the structure of the Justice Laws XML
(not official data): two point-in-time versions of the Russia regulations in which a section
is renumbered, a code is removed, a code is added, and a not-yet-in-force amendment is printed
among the related provisions. The committed tables are then checked for what the regime needs.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CA = ROOT / "regimes" / "ca"
_spec = importlib.util.spec_from_file_location(
    "build_ca_sema_tables", ROOT / "tools" / "build_ca_sema_tables.py"
)
assert _spec and _spec.loader
tool: Any = importlib.util.module_from_spec(_spec)
sys.modules["build_ca_sema_tables"] = tool
_spec.loader.exec_module(tool)

LIMS = 'xmlns:lims="http://justice.gc.ca/lims"'


def _rows(rows: list[tuple[str, str, str]], date: str | None = None) -> str:
    out = []
    for item, goods, code in rows:
        attr = f' lims:inforce-start-date="{date}"' if date else ""
        out.append(
            f"<row{attr}><entry>{item}</entry><entry>{goods}</entry><entry>{code}</entry></row>"
        )
    return "".join(out)


def _schedule(num: str, rows: str, date: str, part: str | None = None) -> str:
    caption = f"<Caption>PART {part}</Caption>" if part else ""
    head = "<row><entry>Item</entry><entry>Goods</entry><entry>Code</entry></row>"
    return (
        f'<Schedule lims:inforce-start-date="{date}" lims:fid="1">'
        f"<ScheduleFormHeading><Label>SCHEDULE {num} (Subsection 3.9(1))</Label>"
        f'</ScheduleFormHeading><TableGroup lims:inforce-start-date="{date}">{caption}'
        f"<table><tgroup><tbody>{head}{rows}</tbody></tgroup></table></TableGroup></Schedule>"
    )


def _section(label: str, text: str, date: str) -> str:
    return (
        f'<Section lims:inforce-start-date="{date}"><Label>{label}</Label>'
        f"<Subsection><Label>(1)</Label><Text>{text}</Text></Subsection></Section>"
    )


EXPORT = "It is prohibited for any person in Canada to export, sell, supply or ship any good "


def _regulation(pit: str, sections: str, schedules: str, inst: str = "SOR/2014-58") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Regulation {LIMS} lims:pit-date="{pit}">'
        f"<Identification><InstrumentNumber>{inst}</InstrumentNumber></Identification>"
        f"<Body>{sections}</Body>{schedules}</Regulation>"
    )


def _v1() -> str:
    sections = _section(
        "3.9",
        EXPORT + "referred to in column 1 of Schedule 7, wherever situated, to Russia.",
        "2022-05-18",
    ) + _section(
        "3.8",
        EXPORT + "referred to in column 1 of Part 1 to Schedule 6, wherever situated, to Russia.",
        "2022-05-18",
    )
    sch7 = _schedule(
        "7",
        _rows([("1", "Tungsten ores", "2611"), ("2", "Boron", "2804.50")])
        + _rows([("3", "Old item", "9999.11")]),
        "2022-05-18",
    )
    sch6 = _schedule("6", _rows([("1", "Beer", "220300")]), "2022-05-18", part="1")
    return _regulation("2022-06-07", sections, sch7 + sch6)


def _v2() -> str:
    sections = _section(
        "3.09",
        EXPORT + "referred to in column 1 of Schedule 7, wherever situated, to Russia.",
        "2022-12-07",
    ) + _section(
        "3.08",
        EXPORT + "referred to in column 1 of Part 1 to Schedule 6, wherever situated, to Russia.",
        "2022-12-07",
    )
    sch7 = _schedule(
        "7",
        _rows([("1", "Tungsten ores", "2611"), ("2", "Boron", "2804.50")])
        + _rows(
            [("4", "Machining centres", "8457.10.10"), ("5", "Some gases", "Subset of 2853.90")],
            "2023-02-23",
        )
        + _rows([("6", "Iron and steel", "7200")], "2023-02-23"),
        "2022-05-18",
    )
    sch6 = _schedule("6", _rows([("1", "Beer", "220300")]), "2022-05-18", part="1")
    # amending text not yet in force, printed among the related provisions
    pending = (
        "<Schedule><ScheduleFormHeading><Label>RELATED PROVISIONS</Label></ScheduleFormHeading>"
        "<RegulationPiece><RelatedOrNotInForce><Section><AmendedText>"
        + _schedule("7", _rows([("1", "Future item", "0101")]), "2030-01-01").replace(
            ' lims:fid="1"', ""
        )
        + "</AmendedText></Section></RelatedOrNotInForce></RegulationPiece></Schedule>"
    )
    return _regulation("2023-03-10", sections, sch7 + sch6 + pending)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))


@pytest.fixture
def built(tmp_path: Path) -> dict[str, tuple[list[Any], list[Any]]]:
    (tmp_path / "v1.xml").write_text(_v1(), encoding="utf-8")
    (tmp_path / "v2.xml").write_text(_v2(), encoding="utf-8")
    versions = [tool.read_version(tmp_path / "v2.xml"), tool.read_version(tmp_path / "v1.xml")]
    return tool.build(versions)  # type: ignore[no-any-return]


def _by_code(rows: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for r in rows:
        out.setdefault(r.hs, []).append(r)
    return out


def test_renumbered_section_splits_the_period(built: dict[str, Any]) -> None:
    rows = _by_code(built["ru_sch7_industrial"][0])
    tungsten = sorted(rows["2611"], key=lambda r: r.valid_from)
    assert [(r.provision, r.valid_from, r.valid_until) for r in tungsten] == [
        ("s. 3.9(1)", "2022-05-18", "2022-12-07"),
        ("s. 3.09(1)", "2022-12-07", ""),
    ]
    assert rows["280450"][0].kind == "listed"


def test_removed_code_ends_at_the_later_consolidation(built: dict[str, Any]) -> None:
    rows = _by_code(built["ru_sch7_industrial"][0])
    (old,) = rows["999911"]
    assert (old.valid_from, old.valid_until) == ("2022-05-18", "2023-03-10")


def test_added_codes_kinds_and_chapter_reading(built: dict[str, Any]) -> None:
    rows = _by_code(built["ru_sch7_industrial"][0])
    assert rows["84571010"][0].kind == "listed"
    assert rows["84571010"][0].valid_from == "2023-02-23"
    # a six-digit code under which only a longer code is listed needs a look
    assert rows["845710"][0].kind == "narrower"
    assert rows["285390"][0].kind == "subset"
    # "7200" is chapter 72 (no heading ends in 00)
    assert "72" in rows and "7200" not in rows


def test_not_yet_in_force_amendments_are_not_read(built: dict[str, Any]) -> None:
    assert "0101" not in _by_code(built["ru_sch7_industrial"][0])


def test_only_part_1_of_schedule_6_and_only_the_target_regulation(built: dict[str, Any]) -> None:
    rows, present = built["ru_sch6_luxury"]
    assert [r.hs for r in rows] == ["220300", "220300"]
    assert len(present) == 2
    assert built["by_sch4_luxury"] == ([], [])


def test_fails_closed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(_v1().replace("2804.50", "twenty-eight"), encoding="utf-8")
    with pytest.raises(tool.SemaImportError, match="cannot read the code"):
        tool.read_version(bad)
    other = tmp_path / "other.xml"
    other.write_text(_v1().replace("SOR/2014-58", "SOR/2010-165"), encoding="utf-8")
    with pytest.raises(tool.SemaImportError, match="is not"):
        tool.read_version(other)
    good = tmp_path / "v1.xml"
    good.write_text(_v1(), encoding="utf-8")
    out = tmp_path / "out"
    # schedules missing from what was given (Russia Sch. 4, Belarus): nothing is written
    with pytest.raises(tool.SemaImportError, match="no consolidation given contains"):
        tool.run([good], out)
    assert not out.exists()


# --- the committed tables -----------------------------------------------------------------

TABLES = [t.table for t in tool.TARGETS]


@pytest.mark.parametrize("name", TABLES)
def test_committed_tables_are_generated_and_well_formed(name: str) -> None:
    meta = tomllib.loads((CA / "tables" / f"{name}.meta.toml").read_text(encoding="utf-8"))
    assert meta["verified"] is True and meta["as_of"] >= "2025-01-01"
    rows = _csv(CA / "tables" / f"{name}.csv")
    assert rows, name
    for r in rows:
        assert r["hs"].isdigit() and 2 <= len(r["hs"]) <= 10, r
        assert r["kind"] in ("listed", "subset", "narrower"), r
        assert r["provision"].startswith("s. 3."), r
        assert r["valid_from"] and (not r["valid_until"] or r["valid_until"] > r["valid_from"])


def test_committed_tables_know_the_landmark_entries() -> None:
    """Facts read from the official consolidations, checked against the tables."""
    ru7 = _csv(CA / "tables" / "ru_sch7_industrial.csv")
    chapter85 = [r for r in ru7 if r["hs"] == "85"]
    # Chapter 85 is in Schedule 7 since SOR/2022-102 (in force 2022-05-18), s. 3.9(1) then 3.09(1)
    assert min(r["valid_from"] for r in chapter85) == "2022-05-18"
    assert {r["provision"] for r in chapter85} == {"s. 3.9(1)", "s. 3.09(1)"}
    jet = _csv(CA / "tables" / "ru_sch502_jet_fuel.csv")
    assert all(r["valid_from"] >= "2025-08-12" for r in jet)
    by5 = _csv(CA / "tables" / "by_sch5_weapons.csv")
    assert any(r["hs"] == "2611" and r["provision"] == "s. 3.8(1)" for r in by5)
