"""Transaction validation: every problem reported at once, each with its JSON path."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from exportrules import InvalidTransaction, Transaction


def _tx(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "T-1",
        "date": "2026-11-27",
        "export_from": "DE",
        "destination": "CN",
        "lines": [{"id": "1", "classification": {"eu": "5A001.j"}}],
    }
    base.update(over)
    return base


def _paths(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_dict(data)
    return {p.path: p.message for p in ei.value.problems}


def test_minimal_transaction_is_valid() -> None:
    t = Transaction.from_dict(_tx())
    assert t.export_from == "DE" and t.activity == "export" and t.lines[0].id == "1"


def test_all_problems_are_reported_at_once_with_paths() -> None:
    bad = _tx(
        export_from="de",
        destination="ZZ",
        activity="smuggling",
        lines=[
            {"id": "1", "quantity": -1},
            {"id": "1"},
            {"id": "2", "value": 10},
            {"id": "3", "us_content": 1.5},
        ],
        parties=[{"role": "end_user", "name": "X", "type": "spy"}],
        extra=True,
    )
    p = _paths(bad)
    assert "must be upper case" in p["export_from"]
    assert "not an ISO 3166-1" in p["destination"]
    assert "activity" in p
    assert p["lines[0].quantity"] == "must be >= 0"
    assert "duplicate line id" in p["lines[1].id"]
    assert "lines[3].us_content" in p
    assert "lines[2].currency" in p
    assert "parties[0].type" in p
    assert p["extra"] == "unknown field"


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("date", "2026-02-30", "date"),
        ("date", "27.11.2026", "date"),
        ("date", 20261127, "date"),
        ("transit", ["AE", "XX"], "transit[1]"),
        ("end_use", ["peaceful"], "end_use[0]"),
        ("knowledge", ["red_flag:made_up"], "knowledge[0]"),
        ("knowledge", ["knows_everything"], "knowledge[0]"),
        ("destination_region", "RU-MOW", "destination_region"),
        ("lines", [], "lines"),
        ("lines", "1", "lines"),
        ("parties", [{"role": "end_user"}], "parties[0].name"),
        (
            "authorisations",
            [{"regime": "eu", "id": "L", "valid_from": "2026-01-01", "valid_until": "2025-01-01"}],
            "authorisations[0].valid_until",
        ),
        ("authorisations", [{"regime": "EU", "id": "L"}], "authorisations[0].regime"),
    ],
)
def test_single_problem_has_its_path(field: str, value: Any, path: str) -> None:
    assert path in _paths(_tx(**{field: value}))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_rejected(bad: float) -> None:
    p = _paths(_tx(lines=[{"id": "1", "value": bad, "currency": "EUR"}]))
    assert "finite" in p["lines[0].value"]


def test_nan_in_json_text_rejected() -> None:
    text = json.dumps(_tx()).replace('"id": "1"', '"id": "1", "quantity": NaN')
    with pytest.raises(InvalidTransaction):
        Transaction.from_json(text)


def test_duplicate_json_keys_rejected() -> None:
    with pytest.raises(InvalidTransaction, match="duplicate key"):
        Transaction.from_json('{"export_from": "DE", "export_from": "FR"}')


def test_booleans_are_not_numbers() -> None:
    assert "lines[0].quantity" in _paths(_tx(lines=[{"id": "1", "quantity": True}]))


def test_unknown_currency_and_lowercase_classification_key() -> None:
    p = _paths(
        _tx(lines=[{"id": "1", "value": 5, "currency": "EURO", "classification": {"EU": "x"}}])
    )
    assert "lines[0].currency" in p and "lines[0].classification.EU" in p


def test_size_limits_have_clear_messages() -> None:
    p = _paths(_tx(lines=[{"id": str(i)} for i in range(10_001)]))
    assert "at most 10000" in p["lines"]
    p = _paths(_tx(lines=[{"id": "1", "description": "x" * 10_001}]))
    assert "at most 10000" in p["lines[0].description"]


def test_not_an_object() -> None:
    assert "" in _paths([1, 2])


def test_region_must_belong_to_destination() -> None:
    t = Transaction.from_dict(_tx(destination="UA", destination_region="UA-43"))
    assert t.destination_region == "UA-43"
    assert "destination_region" in _paths(_tx(destination="RU", destination_region="UA-43"))


def test_error_message_lists_problems() -> None:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_dict(_tx(export_from=None, destination=None))
    s = str(ei.value)
    assert "2 problems" in s and "export_from: is required" in s
    assert ei.value.to_dict()["error"] == "invalid_transaction"


# The fast paths must accept only what the full checker accepts, and build the same objects.
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from exportrules._validate import _Checker, _fast_line, _fast_party, _parse_line  # noqa: E402

_odd = st.sampled_from(
    [
        *[None, "", " ", "x" * 10_001, -1, 1.5, math.nan, math.inf, True, [], {}, "de"],
        # limits: lone surrogates, trailing newlines, numbers beyond MAX_NUMBER
        *["Ω\ud800", "\udfff", "1\n", "DE\n", 10**16, 2**53 + 1, 1e15 + 2, 10**400],
    ]
)
_party = st.fixed_dictionaries(
    {
        "role": st.one_of(st.sampled_from(["end_user", "consignee", "spy"]), _odd),
        "name": st.one_of(st.sampled_from(["Acme", " Acme ", "Ω Corp"]), _odd),
    },
    optional={
        "country": st.one_of(st.sampled_from(["CN", "XK", "ZZ", "cn"]), _odd),
        "type": st.one_of(st.sampled_from(["police", "unknown", "alien"]), _odd),
        "address": st.one_of(st.just("1 Main St"), _odd),
    },
)
_line = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["1", "L-2", "bad id"]), _odd)},
    optional={
        "description": st.one_of(st.just("thing"), _odd),
        "quantity": st.one_of(st.integers(-2, 5), st.floats(allow_nan=True), _odd),
        "value": st.one_of(st.integers(-2, 5), st.floats(allow_nan=True), _odd),
        "currency": st.one_of(st.sampled_from(["EUR", "XYZ", "eur"]), _odd),
        "origin": st.one_of(st.sampled_from(["DE", "ZZ"]), _odd),
        "us_content": st.one_of(st.floats(-1, 2), _odd),
        "classification": st.one_of(
            st.dictionaries(
                st.sampled_from(["eu", "us", "EU", "1x"]),
                st.one_of(st.sampled_from(["5A001.j", " 5A001", ""]), st.none(), st.integers()),
                max_size=2,
            ),
            _odd,
        ),
        "tags": st.one_of(
            st.lists(st.sampled_from(["cyber_surveillance", "Bad Tag", ""]), max_size=2), _odd
        ),
    },
)


@given(st.one_of(_party, _party.map(lambda p: {**p, "extra": 1})))
def test_fast_party_agrees_with_full_checker(p: dict[str, Any]) -> None:
    fast = _fast_party(p, _Checker()._countries)
    if fast is not None:
        t = Transaction.from_dict(_tx(parties=[p]))  # the full checker would accept it too
        assert t.parties == (fast,)


@given(st.one_of(_line, _line.map(lambda ln: {**ln, "colour": "red"})))
def test_fast_line_agrees_with_full_checker(ln: dict[str, Any]) -> None:
    c = _Checker()
    fast = _fast_line(ln, c._countries)
    if fast is not None:
        slow = _parse_line(c, ln, "lines[0]")
        assert c.problems == [] and slow == fast
