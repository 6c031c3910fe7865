"""`exportrules data status`: every table and list, its age, and a warning past stale_after."""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from pathlib import Path

import pytest

from exportrules._cli import main
from exportrules._datastatus import LIST_STALE_AFTER, data_status
from exportrules._loader import load_regime

BASE = Path(__file__).resolve().parent.parent / "fixtures" / "broken_regimes" / "_valid"


def _regime(tmp_path: Path, stale_after: int | None) -> Path:
    d = tmp_path / "br"
    shutil.copytree(BASE, d)
    if stale_after is not None:
        t = (d / "regime.toml").read_text()
        t = t.replace('key = "code"\n', f'key = "code"\nstale_after = {stale_after}\n')
        (d / "regime.toml").write_text(t)
    return d


def test_ages_and_stale_warnings(tmp_path: Path) -> None:
    r = load_regime(_regime(tmp_path, 30))
    lists = [
        {"id": "un", "name": "UN", "source": "UN XML", "as_of": "2025-01-20", "verified": True}
    ]
    st = data_status([r], lists, _dt.date(2025, 2, 1))
    by = {(x["regime"], x["name"]): x for x in st["items"]}
    items, origins, un = by[("br", "items")], by[("br", "origins")], by[("screening", "un")]
    assert items["age_days"] == 31 and items["stale_after"] == 30 and items["stale"]
    assert "1 days past its stale_after of 30 days" in items["warnings"][0]
    assert origins["age_days"] == 31 and origins["stale_after"] is None and not origins["stale"]
    assert origins["source"] == "Testland Export Act 2020, Sch. 1" and origins["verified"] is False
    assert un["age_days"] == 12 and un["stale_after"] == LIST_STALE_AFTER and not un["stale"]
    assert st["attention"] == 1
    st = data_status([r], lists, _dt.date(2025, 1, 31))
    assert st["attention"] == 0


def test_cli_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _regime(tmp_path, 30)
    args = ["data", "status", "--regime", str(d), "--no-screening", "--format", "json"]
    assert main([*args, "--as-of", "2025-01-31"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert {x["name"] for x in st["items"]} == {"items", "origins"}
    assert main([*args, "--as-of", "2025-02-01"]) == 1  # a table is past its stale_after
    assert json.loads(capsys.readouterr().out)["attention"] == 1
    assert (
        main(["data", "status", "--regime", str(d), "--no-screening", "--as-of", "2025-02-01"]) == 1
    )
    out = capsys.readouterr().out
    assert (
        "br/items" in out and "STALE" in out and "source: Testland Export Act 2020, Sch. 2" in out
    )


def test_default_engine_lists_every_bundled_table_and_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["data", "status", "--format", "json", "--no-plugins"])
    st = json.loads(capsys.readouterr().out)
    names = {(x["kind"], x["regime"], x["name"]) for x in st["items"]}
    assert ("table", "eu", "member_states") in names and ("table", "us", "ccl") in names
    assert any(k == "list" and n == "un" for k, _, n in names)
    for x in st["items"]:
        assert x["source"] and isinstance(x["verified"], bool)
        assert x["age_days"] is None or isinstance(x["age_days"], int)
