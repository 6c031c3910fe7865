"""The screening CLI actions (argparse-free) and list updates from newer files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from exportrules._screening import ListEntry, RestrictedList, Screener, load_bundled, load_list
from exportrules._screening.cli import cli_lists, cli_screen, cli_update_list

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "screening"


@pytest.fixture(scope="module")
def scr() -> Screener:
    return Screener(
        [
            RestrictedList(
                id="us_entity_list",
                name="Entity List",
                source="unit test",
                as_of="2026-07-09",
                verified=False,
                entries=(
                    ListEntry(
                        list_id="us_entity_list",
                        entry_id="EL-1",
                        names=("Hengda Trading Co., Ltd.",),
                        alias_quality=("primary",),
                        countries=("CN",),
                        license_requirement="For all items subject to the EAR.",
                        citation="89 FR 1",
                    ),
                ),
            )
        ]
    )


def run(fn, *args, **kw) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    code = fn(*args, out=out, **kw)
    return code, out.getvalue()


def test_screen_text(scr: Screener) -> None:
    code, text = run(cli_screen, "Hengda Trading", country="CN", screener=scr)
    assert code == 0
    assert "MATCH  1.00  us_entity_list  EL-1  Hengda Trading Co., Ltd." in text
    assert "country CN agrees" in text
    assert "licence review policy: unknown" in text  # missing policy is never approval
    assert "citation: 89 FR 1" in text


def test_screen_no_hits_and_threshold(scr: Screener) -> None:
    code, text = run(cli_screen, "Completely Different", screener=scr)
    assert code == 0 and "No hits at or above 0.75" in text
    code, text = run(cli_screen, "Hengda Tradinq", screener=scr, threshold=0.99)
    assert code == 0 and "No hits at or above 0.99" in text


def test_screen_json(scr: Screener) -> None:
    code, text = run(cli_screen, "Hengda Trading", screener=scr, as_json=True)
    doc = json.loads(text)
    assert code == 0
    assert doc["thresholds"] == {"match": 0.88, "review": 0.75}
    assert doc["lists"][0]["id"] == "us_entity_list"
    assert doc["hits"][0]["entry_id"] == "EL-1" and doc["hits"][0]["features"]["token_set"] == 1.0


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"lists": ["nope"]}, "unknown list id"),
        ({"threshold": 1.5}, "--threshold"),
        ({"country": "cn"}, "--country"),
    ],
)
def test_screen_usage_errors(scr: Screener, kw: dict, msg: str) -> None:  # type: ignore[type-arg]
    code, text = run(cli_screen, "x", screener=scr, **kw)
    assert code == 2 and msg in text


def test_lists_text_and_json() -> None:
    scr = Screener(load_bundled())
    day = dt.date(2026, 3, 1)
    code, text = run(cli_lists, screener=scr, today=day)
    assert code == 0
    assert "un                  1003 entries  as of 2026-02-27 (2 days old)  verified\n" in text
    assert (
        "us_sdn              9044 entries  as of 2022-01-31 (1490 days old)  unverified  STALE"
        in text
    )
    assert "warning: STALE: OFAC Specially Designated Nationals" in text
    assert "1 of 5 lists are stale" in text  # the UN list is 2 days old on that day
    code, text = run(cli_lists, screener=scr, as_json=True, today=day)
    versions = {v["id"]: v for v in json.loads(text)}
    assert set(versions) == {"un", "us_entity_list", "us_meu", "us_dpl", "us_sdn"}
    sdn = versions["us_sdn"]
    assert sdn["stale"] is True and sdn["age_days"] == 1490 and sdn["stale_after"] == 30
    assert "2022-01-31" in sdn["warning"] and "1490 days old" in sdn["warning"]
    assert versions["un"]["stale"] is False and versions["un"]["warning"] is None


def test_update_list_replaces_the_bundled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = run(
        cli_update_list,
        str(FIX / "ecfr_entity_list_fixture.xml"),
        fmt="ecfr-xml",
        dest=str(tmp_path),
    )
    assert code == 0 and "us_entity_list: 4 entries as of 2026-07-01" in text
    assert load_list(tmp_path / "us_entity_list.json.gz").as_of == "2026-07-01"
    monkeypatch.setenv("EXPORTRULES_LISTS_DIR", str(tmp_path))
    lists = {rl.id: rl for rl in load_bundled()}
    assert len(lists["us_entity_list"].entries) == 4  # the newer file wins
    assert len(lists["un"].entries) == 1003  # the others stay bundled


def test_update_list_splits_a_consolidated_file(tmp_path: Path) -> None:
    code, _ = run(
        cli_update_list,
        str(FIX / "csl_fixture.json"),
        fmt="csl-json",
        as_of="2026-11-01",
        dest=str(tmp_path),
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "us_dpl.json.gz",
        "us_entity_list.json.gz",
        "us_fse.json.gz",
        "us_meu.json.gz",
    ]
    only = tmp_path / "only"
    code, _ = run(
        cli_update_list,
        str(FIX / "csl_fixture.json"),
        fmt="csl-json",
        list_id="us_meu",
        as_of="2026-11-01",
        dest=str(only),
    )
    assert code == 0 and [p.name for p in only.iterdir()] == ["us_meu.json.gz"]


def test_update_list_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPORTRULES_LISTS_DIR", raising=False)
    code, text = run(cli_update_list, "x", fmt="un-xml")
    assert code == 2 and "EXPORTRULES_LISTS_DIR" in text
    code, text = run(cli_update_list, "x", fmt="pdf", dest=str(tmp_path))
    assert code == 2 and "unknown format" in text
    code, text = run(cli_update_list, "x", fmt="bis-json", dest=str(tmp_path))
    assert code == 2 and "--list" in text
    code, text = run(
        cli_update_list, str(tmp_path / "missing.xml"), fmt="un-xml", dest=str(tmp_path)
    )
    assert code == 2 and "error:" in text
