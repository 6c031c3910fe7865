"""Validation limits: text that is not Unicode, nesting depth, number range, anchored patterns,
precise paths for duplicate keys (docs/api.md, "Limits")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from exportrules import InvalidTransaction, Transaction
from exportrules._errors import InvalidJSON
from exportrules._validate import MAX_DEPTH, MAX_NUMBER, loads_strict


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


def _problems(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_dict(data)
    return {p.path: p.message for p in ei.value.problems}


# ----------------------------------------------------------------------------- surrogates

S = "A\ud800B"


@pytest.mark.parametrize(
    ("over", "path"),
    [
        ({"parties": [{"role": "end_user", "name": S}]}, "parties[0].name"),
        ({"parties": [{"role": "end_user", "name": "X", "address": S}]}, "parties[0].address"),
        ({"lines": [{"id": "1", "description": S}]}, "lines[0].description"),
        ({"lines": [{"id": "1", "classification": {"eu": S}}]}, "lines[0].classification.eu"),
        ({"authorisations": [{"regime": "eu", "id": S}]}, "authorisations[0].id"),
        (
            {"authorisations": [{"regime": "eu", "id": "L", "lines": ["\udc80"]}]},
            "authorisations[0].lines[0]",
        ),
    ],
)
def test_lone_surrogates_are_refused_with_their_path(over: dict[str, Any], path: str) -> None:
    p = _problems(_tx(**over))
    assert "lone surrogate" in p[path]


def test_a_surrogate_pair_written_as_escapes_is_fine() -> None:
    text = json.dumps(_tx(parties=[{"role": "end_user", "name": "\U0001f600 Ltd"}]))
    assert "\\ud83d\\ude00" in text  # JSON escapes of one astral character
    t = Transaction.from_json(text)
    t.to_json().encode("utf-8")


def test_a_lone_surrogate_escape_in_json_text_is_refused() -> None:
    text = json.dumps(_tx(parties=[{"role": "end_user", "name": "A\ud800"}]))
    assert "\\ud800" in text
    with pytest.raises(InvalidTransaction, match="lone surrogate"):
        Transaction.from_json(text)


# ----------------------------------------------------------------------------- depth


def test_deep_nesting_is_invalid_not_a_recursion_error() -> None:
    for text in ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000]:
        with pytest.raises(InvalidTransaction, match=f"deeper than {MAX_DEPTH}"):
            Transaction.from_json(text)
        with pytest.raises(InvalidTransaction, match=f"deeper than {MAX_DEPTH}"):
            loads_strict(text.encode())


def test_the_depth_limit_is_exact_and_ignores_brackets_in_strings() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads_strict(ok) is not None
    with pytest.raises(InvalidTransaction, match="deeper"):
        loads_strict("[" + ok + "]")
    s = json.dumps("[" * 1000 + '\\"{' * 100)
    assert loads_strict(f'{{"a": {s}}}') == {"a": json.loads(s)}


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "bad",
    [10**400, 10**16, 2**53 + 1, 1e300, MAX_NUMBER * 1.0000001],
    ids=["10**400", "10**16", "2**53+1", "1e300", "just-above"],
)
@pytest.mark.parametrize("field", ["quantity", "value"])
def test_numbers_beyond_the_range_are_refused(bad: float, field: str) -> None:
    line = {"id": "1", field: bad, "currency": "EUR"}
    p = _problems(_tx(lines=[line]))
    assert "at most 1,000,000,000,000,000" in p[f"lines[0].{field}"]


def test_numbers_up_to_the_limit_are_accepted() -> None:
    for good in [0, 0.0, 5e-324, MAX_NUMBER, int(MAX_NUMBER), 123456789.123456789]:
        t = Transaction.from_dict(_tx(lines=[{"id": "1", "value": good, "currency": "EUR"}]))
        assert t.lines[0].value == good


def test_huge_number_text_and_overflowing_floats() -> None:
    text = json.dumps(_tx()).replace('"id": "1"', '"id": "1", "quantity": 1e400')
    assert "lines[0].quantity" in {p.path for p in _raises(text)}
    text = json.dumps(_tx()).replace('"id": "1"', '"id": "1", "quantity": ' + "9" * 5000)
    assert any("too many digits" in p.message for p in _raises(text))


def _raises(text: str) -> tuple[Any, ...]:
    with pytest.raises(InvalidTransaction) as ei:
        Transaction.from_json(text)
    return ei.value.problems


def test_messages_never_convert_a_huge_value() -> None:
    p = _problems(_tx(date=10**5000))  # repr() of this int would raise ValueError
    assert "a very large number" in p["date"]
    p = _problems(_tx(destination="Q" * 9000))
    assert len(p["destination"]) < 200


# ----------------------------------------------------------------------------- anchors


@pytest.mark.parametrize(
    ("over", "path"),
    [
        ({"id": "T-1\n"}, "id"),
        ({"lines": [{"id": "1\n"}]}, "lines[0].id"),
        ({"destination": "UA", "destination_region": "UA-43\n"}, "destination_region"),
        ({"lines": [{"id": "1", "tags": ["cyber_surveillance\n"]}]}, "lines[0].tags[0]"),
        ({"lines": [{"id": "1", "classification": {"eu\n": "5A001"}}]}, 'lines[0].classification["eu\\n"]'),
        ({"authorisations": [{"regime": "eu\n", "id": "L"}]}, "authorisations[0].regime"),
        (
            {"authorisations": [{"regime": "eu", "id": "L", "reasons": ["annex_i\n"]}]},
            "authorisations[0].reasons[0]",
        ),
    ],
)
def test_a_trailing_newline_is_refused(over: dict[str, Any], path: str) -> None:
    assert path in _problems(_tx(**over))


def test_a_date_with_a_newline_gets_a_precise_message() -> None:
    msg = _problems(_tx(date="2026-01-01\n"))["date"]
    assert "YYYY-MM-DD" in msg and "white space" in msg and "calendar" not in msg
    assert "not a calendar date" in _problems(_tx(date="2026-02-30"))["date"]
    assert "YYYY-MM-DD" in _problems(_tx(date="２０２６-01-01"))["date"]  # non-ASCII digits


# ----------------------------------------------------------------------------- duplicate keys


def test_duplicate_keys_are_reported_at_their_real_path() -> None:
    text = (
        '{"id": "T", "id": "U", "export_from": "DE", "destination": "CN", '
        '"lines": [{"id": "1"}, {"id": "2", "value": 1, "value": 2, "currency": "EUR"}], '
        '"parties": [{"role": "x", "name": "a", "name": "b"}]}'
    )
    got = {(p.path, p.message) for p in _raises(text)}
    assert got == {
        ("id", "duplicate key 'id' in JSON object"),
        ("lines[1].value", "duplicate key 'value' in JSON object"),
        ("parties[0].name", "duplicate key 'name' in JSON object"),
    }


def test_not_json_is_its_own_kind_of_invalid_transaction() -> None:
    with pytest.raises(InvalidJSON) as ei:
        loads_strict("{nope")
    assert isinstance(ei.value, InvalidTransaction)
    assert ei.value.to_dict()["error"] == "invalid_json"
    with pytest.raises(InvalidJSON, match="UTF-8"):
        loads_strict(b'{"a": "\xff"}')
