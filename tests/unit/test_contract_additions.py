"""Transaction and decision contract additions: tariff codes, limits, resolutions, the decision
record fields, the `note` effect, prefix look-ups and `stale_after`."""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from exportrules import Engine, InvalidTransaction, RuleSetError, Transaction
from exportrules._loader import load_regime
from tests.conftest import TL

BASE: dict[str, Any] = {
    "id": "A-1",
    "date": "2026-06-01",
    "export_from": "DE",
    "destination": "RU",
    "lines": [{"id": "1", "classification": {"tl": "T100"}}],
}

BACKENDS = ["python"] + (["rete"] if importlib.util.find_spec("durable") else [])


def _tx(**line: Any) -> dict[str, Any]:
    return {**BASE, "lines": [{**BASE["lines"][0], **line}]}


def _paths(e: InvalidTransaction) -> dict[str, str]:
    return {p.path: p.message for p in e.problems}


# --------------------------------------------------------------------------- hs_code


@pytest.mark.parametrize("code", ["847130", "8471300", "84713000", "847130000", "8471300000"])
def test_hs_code_of_6_to_10_digits_is_kept(code: str) -> None:
    t = Transaction.from_dict(_tx(hs_code=code))
    assert t.lines[0].hs_code == code
    assert Transaction.from_dict(t.to_dict()) == t


@pytest.mark.parametrize(
    "code", ["84713", "84713000000", "8471.30", "8471 30", "84713O", "", " 847130", "847130\n", 847130]
)
def test_malformed_hs_code_is_refused_with_its_path(code: Any) -> None:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_dict(_tx(hs_code=code))
    assert "lines[0].hs_code" in _paths(ei.value)


def test_transaction_without_new_fields_serialises_as_before() -> None:
    d = Transaction.from_dict(BASE).to_dict()
    assert "resolutions" not in d and "hs_code" not in d["lines"][0]


# --------------------------------------------------------------------------- limits


def _auth(**extra: Any) -> dict[str, Any]:
    return {"regime": "tl", "id": "L-1", "lines": ["1"], "destinations": ["RU"], **extra}


def test_limits_round_trip() -> None:
    t = Transaction.from_dict(
        {**BASE, "authorisations": [_auth(limits={"quantity": 5, "value": 100.5, "currency": "EUR"})]}
    )
    lim = t.authorisations[0].limits
    assert lim is not None and (lim.quantity, lim.value, lim.currency) == (5, 100.5, "EUR")
    assert Transaction.from_dict(t.to_dict()) == t


@pytest.mark.parametrize(
    ("limits", "path"),
    [
        ({}, "authorisations[0].limits"),
        ({"value": 10}, "authorisations[0].limits.currency"),
        ({"currency": "EUR", "quantity": 1}, "authorisations[0].limits.value"),
        ({"quantity": -1}, "authorisations[0].limits.quantity"),
        ({"value": 1, "currency": "XXY"}, "authorisations[0].limits.currency"),
        ({"quantity": 1, "per": "year"}, "authorisations[0].limits.per"),
        ([1], "authorisations[0].limits"),
    ],
)
def test_bad_limits_are_refused(limits: Any, path: str) -> None:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_dict({**BASE, "authorisations": [_auth(limits=limits)]})
    assert path in _paths(ei.value)


# --------------------------------------------------------------------------- resolutions

RES = {"rule": "tl.review", "by": "j.doe", "at": "2026-05-30T12:00:00+02:00", "basis": "DD-17"}


def test_resolution_round_trip_normalises_time_to_utc() -> None:
    t = Transaction.from_dict({**BASE, "resolutions": [{**RES, "line": "1", "valid_until": "2027-01-01"}]})
    r = t.resolutions[0]
    assert r.at == _dt.datetime(2026, 5, 30, 10, tzinfo=_dt.UTC)
    assert t.to_dict()["resolutions"][0]["at"] == "2026-05-30T10:00:00Z"
    assert Transaction.from_dict(t.to_dict()) == t


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"rule": "review"}, "resolutions[0].rule"),
        ({"rule": None}, "resolutions[0].rule"),
        ({"by": ""}, "resolutions[0].by"),
        ({"basis": None}, "resolutions[0].basis"),
        ({"at": "2026-05-30"}, "resolutions[0].at"),
        ({"at": "2026-05-30T12:00:00"}, "resolutions[0].at"),  # no time zone
        ({"at": "2026-02-30T12:00:00Z"}, "resolutions[0].at"),
        ({"valid_until": "tomorrow"}, "resolutions[0].valid_until"),
        ({"note": "x"}, "resolutions[0].note"),
    ],
)
def test_bad_resolutions_are_refused(change: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_dict({**BASE, "resolutions": [{**RES, **change}]})
    assert path in _paths(ei.value)


# --------------------------------------------------------------------------- decision record


def test_decision_records_input_hash_time_and_regime_version() -> None:
    e = Engine.from_paths([TL])
    before = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    d = e.evaluate(BASE)
    after = _dt.datetime.now(_dt.UTC)
    t = Transaction.from_dict(BASE)
    canonical = json.dumps(
        t.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert d.input_sha256 == hashlib.sha256(canonical).hexdigest() == t.sha256()
    assert d.evaluated_at is not None and before <= d.evaluated_at <= after
    out = d.to_dict()
    assert out["evaluated_at"].endswith("Z") and len(out["evaluated_at"]) == 20
    assert out["regimes"]["tl"]["version"] == "test"
    assert out["resolutions"] == [] and out["cleared"] == []


def test_input_hash_changes_with_the_input_and_not_with_key_order() -> None:
    e = Engine.from_paths([TL])
    a = e.evaluate(BASE).input_sha256
    reordered = dict(reversed(list(BASE.items())))
    assert e.evaluate(reordered).input_sha256 == a
    assert e.evaluate({**BASE, "id": "A-2"}).input_sha256 != a


def test_unicode_is_hashed_as_utf8_not_escaped() -> None:
    t = Transaction.from_dict({**BASE, "parties": [{"role": "end_user", "name": "Ünïcode 华为"}]})
    assert "华为".encode() in t.canonical_json()


# --------------------------------------------------------------------------- language additions

REGIME = """id = "gx"
name = "Goods test regime (fixture, not law)"
authority = "Fictional"
version = "1"
references = ["Goods Act (fictional)"]
applicability = {{ fact = "tx.export_from", eq = "DE" }}

[tables.goods]
source = "Fictional goods annex"
as_of = "2026-01-01"
verified = false
coverage = "Chapter 84 and heading 8517 (fixture)."
stale_after = 30
columns = {{ annex = "str" }}

[[lookup]]
name = "goods"
table = "goods"
key = "line.hs_code"
match = "{match}"
"""

RULES = """[[rule]]
id = "gx.goods"
citation = "Goods Act, s. 2"
when = {{ fact = "line.hs_code", in_table = "goods", match = "{match}" }}
then = {{ effect = "prohibit" }}
message = "{{line.hs_code}} is listed in annex {{goods.annex}}."

[[rule]]
id = "gx.info"
citation = "Goods Act, s. 3"
when = {{ fact = "tx.destination", eq = "RU" }}
then = {{ effect = "note" }}
message = "For information only."
"""

GOODS = "code,annex\n84,II\n8517,III\n851762,IV\n"


def _goods_regime(tmp_path: Path, match: str = "prefix") -> Path:
    d = tmp_path / "gx"
    (d / "rules").mkdir(parents=True)
    (d / "tables").mkdir()
    (d / "regime.toml").write_text(REGIME.format(match=match))
    (d / "rules" / "r.toml").write_text(RULES.format(match=match))
    (d / "tables" / "goods.csv").write_text(GOODS)
    return d


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("hs", "outcome", "annex"),
    [
        ("84713000", "prohibited", "II"),  # chapter 84
        ("85176200", "prohibited", "IV"),  # the longest matching key wins
        ("85171300", "prohibited", "III"),
        ("85011000", "no_license_required", None),
        (None, "no_license_required", None),
    ],
)
def test_prefix_match_on_tariff_codes(
    tmp_path: Path, backend: str, hs: str | None, outcome: str, annex: str | None
) -> None:
    e = Engine.from_paths([_goods_regime(tmp_path)], backend=backend)
    line: dict[str, Any] = {"id": "1"} if hs is None else {"id": "1", "hs_code": hs}
    d = e.evaluate({**BASE, "lines": [line]})
    assert d.outcome.value == outcome
    msgs = [f.message for f in d.findings if f.rule == "gx.goods"]
    assert msgs == ([] if annex is None else [f"{hs} is listed in annex {annex}."])


def test_exact_match_does_not_match_prefixes(tmp_path: Path) -> None:
    e = Engine.from_paths([_goods_regime(tmp_path, match="exact")])
    assert e.evaluate({**BASE, "lines": [{"id": "1", "hs_code": "84713000"}]}).outcome.value == (
        "no_license_required"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_note_is_shown_and_changes_no_outcome(tmp_path: Path, backend: str) -> None:
    e = Engine.from_paths([_goods_regime(tmp_path)], backend=backend)
    d = e.evaluate({**BASE, "lines": [{"id": "1", "hs_code": "85011000"}]})
    notes = [f for f in d.findings if f.effect == "note"]
    assert [(f.rule, f.outcome.value, f.message) for f in notes] == [
        ("gx.info", "not_applicable", "For information only.")
    ]
    assert d.outcome.value == "no_license_required"
    d2 = e.evaluate({**BASE, "destination": "CN", "lines": [{"id": "1", "hs_code": "85011000"}]})
    assert d2.outcome == d.outcome and not [f for f in d2.findings if f.effect == "note"]


def test_stale_after_is_loaded(tmp_path: Path) -> None:
    r = load_regime(_goods_regime(tmp_path))
    assert r.tables["goods"].stale_after == 30


@pytest.mark.parametrize("bad", ["0", "-3", '"30"', "true", "1.5"])
def test_bad_stale_after_is_refused(tmp_path: Path, bad: str) -> None:
    d = _goods_regime(tmp_path)
    p = d / "regime.toml"
    p.write_text(p.read_text().replace("stale_after = 30", f"stale_after = {bad}"))
    with pytest.raises(RuleSetError, match="stale_after"):
        load_regime(d)


def test_unknown_match_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="match must be one of exact, hierarchical, prefix"):
        load_regime(_goods_regime(tmp_path, match="fuzzy"))


def test_tl_fixture_still_loads_unchanged(tmp_path: Path) -> None:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    assert load_regime(d).sha256 == load_regime(TL).sha256


@pytest.mark.parametrize(("date", "warned"), [("2026-01-31", False), ("2026-02-01", True)])
def test_data_older_than_stale_after_is_flagged_in_the_decision(
    tmp_path: Path, date: str, warned: bool
) -> None:
    e = Engine.from_paths([_goods_regime(tmp_path)])
    d = e.evaluate({**BASE, "date": date, "lines": [{"id": "1", "hs_code": "84713000"}]})
    [ref] = [x for x in d.data if x.table == "goods"]
    if warned:
        assert ref.warning is not None and "31 days before" in ref.warning
        assert d.to_dict()["data"][0]["warning"] == ref.warning
    else:
        assert ref.warning is None and "warning" not in d.to_dict()["data"][0]


def test_stale_screening_list_is_flagged_in_the_decision() -> None:
    class Screener:
        def screen(self, name: str, country: str | None = None, *, as_of: Any = None) -> Any:
            return [{"list": "xl", "entry_id": "1", "level": "review", "score": 0.8}]

        def list_versions(self) -> Any:
            return [{"id": "xl", "source": "x", "as_of": "2022-01-31", "verified": False,
                     "stale_after": 30}]  # fmt: skip

    e = Engine.from_paths([TL], screening=Screener())
    d = e.evaluate({**BASE, "parties": [{"role": "end_user", "name": "Somebody"}]})
    [ref] = [x for x in d.data if x.table == "xl"]
    assert ref.warning is not None and ref.warning.startswith("list xl is dated 2022-01-31")
