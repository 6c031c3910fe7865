"""Resolutions of review findings, and licence limits (with and without a ledger)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from exportrules import Engine, Outcome
from exportrules._engine import FixedScreener
from tests.conftest import TL

# T999 is not in Testland's control table: tl.unknown_code holds the line for review
TX: dict[str, Any] = {
    "id": "R-1",
    "date": "2026-06-01",
    "export_from": "DE",
    "destination": "US",
    "lines": [
        {"id": "1", "classification": {"tl": "T999"}},
        {"id": "2", "classification": {"tl": "T999"}},
    ],
}
AT = "2026-05-30T10:00:00Z"


def res(**kw: Any) -> dict[str, Any]:
    return {"rule": "tl.unknown_code", "by": "j.doe", "at": AT, "basis": "DD-17", **kw}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_paths([TL])


def test_without_resolution_both_lines_are_held(engine: Engine) -> None:
    d = engine.evaluate(TX)
    assert [lr.outcome for lr in d.lines] == [Outcome.REVIEW, Outcome.REVIEW]


def test_resolution_for_one_line_discharges_that_review_only(engine: Engine) -> None:
    d = engine.evaluate({**TX, "resolutions": [res(line="1")]})
    assert [lr.outcome for lr in d.lines] == [Outcome.NO_LICENSE_REQUIRED, Outcome.REVIEW]
    [f1] = [f for f in d.findings if f.rule == "tl.unknown_code" and f.line == "1"]
    assert f1.resolved_by == "j.doe" and f1.outcome == Outcome.NOT_APPLICABLE
    assert f1.effect == "review"  # still shown for what it was
    [r] = d.resolutions
    assert r.applied and r.why is None
    assert d.to_dict()["resolutions"] == [{**res(line="1"), "applied": True}]


def test_resolution_without_line_covers_every_line(engine: Engine) -> None:
    d = engine.evaluate({**TX, "resolutions": [res()]})
    assert d.outcome == Outcome.NO_LICENSE_REQUIRED


def test_expired_resolution_is_listed_as_not_applied(engine: Engine) -> None:
    d = engine.evaluate({**TX, "resolutions": [res(valid_until="2026-05-31")]})
    assert d.outcome == Outcome.REVIEW
    [r] = d.resolutions
    assert not r.applied and r.why is not None and r.why.startswith("expired: valid until 2026-05-31")
    # valid_until is inclusive
    assert engine.evaluate({**TX, "resolutions": [res(valid_until="2026-06-01")]}).outcome == (
        Outcome.NO_LICENSE_REQUIRED
    )


def test_resolution_never_discharges_a_requirement(engine: Engine) -> None:
    # CN: no general authorisation covers T100 there
    tx = {**TX, "destination": "CN", "lines": [{"id": "1", "classification": {"tl": "T100"}}]}
    d = engine.evaluate({**tx, "resolutions": [res(rule="tl.listed")]})
    assert d.outcome == Outcome.LICENSE_REQUIRED
    [r] = d.resolutions
    assert not r.applied and r.why is not None
    assert "'require' finding" in r.why and "review findings only" in r.why


def test_resolution_never_discharges_a_prohibition(engine: Engine) -> None:
    d = engine.evaluate({**TX, "destination": "KP", "resolutions": [res(rule="tl.embargo")]})
    assert d.outcome == Outcome.PROHIBITED
    assert "'prohibit' finding" in (d.resolutions[0].why or "")


def test_resolution_of_a_party_finding_names_the_party() -> None:
    e = Engine.from_paths([TL], screening=FixedScreener([{"party": "Maybe Co", "list": "un",
                                                          "level": "review", "score": 0.8}]))  # fmt: skip
    tx = {**TX, "lines": [{"id": "1"}], "parties": [{"role": "end_user", "name": "Maybe Co"}]}
    assert e.evaluate(tx).outcome == Outcome.REVIEW
    ok = e.evaluate({**tx, "resolutions": [res(rule="tl.potential_party")]})
    assert ok.outcome == Outcome.NO_LICENSE_REQUIRED
    wrong = e.evaluate({**tx, "resolutions": [res(rule="tl.potential_party", party="Other")]})
    assert wrong.outcome == Outcome.REVIEW
    assert wrong.resolutions[0].why == (
        "no review finding of tl.potential_party for party 'Other' in this decision"
    )


def test_engine_faults_cannot_be_resolved() -> None:
    e = Engine.from_paths([TL])
    st = e._stages[0]

    class Boom:
        def frames(self, *a: Any) -> Any:
            raise RuntimeError("boom")

    object.__setattr__(st, "facts", Boom())
    d = e.evaluate({**TX, "resolutions": [res(rule="tl.engine_fault")]})
    assert d.outcome == Outcome.REVIEW
    assert "not evaluated" in (d.resolutions[0].why or "")


def test_strict_data_review_can_be_resolved() -> None:
    e = Engine.from_paths([TL], strict_data=True)
    tx = {**TX, "lines": [{"id": "1", "classification": {"tl": "T100"}}],
          "authorisations": [{"regime": "tl", "id": "L", "lines": ["1"], "destinations": ["US"]}]}  # fmt: skip
    assert e.evaluate(tx).outcome == Outcome.REVIEW
    d = e.evaluate({**tx, "resolutions": [res(rule="tl.unverified_data")]})
    assert d.outcome == Outcome.AUTHORISED


# --------------------------------------------------------------------------- limits

LIM_TX: dict[str, Any] = {
    "id": "L-1",
    "date": "2026-06-01",
    "export_from": "DE",
    "destination": "CN",  # no general authorisation there: only the licence can cover
    "lines": [
        {"id": "1", "classification": {"tl": "T100"}, "quantity": 4, "value": 400, "currency": "EUR"},
        {"id": "2", "classification": {"tl": "T100"}, "quantity": 4, "value": 400, "currency": "EUR"},
    ],
}


def lic(limits: dict[str, Any] | None) -> dict[str, Any]:
    a: dict[str, Any] = {"regime": "tl", "id": "LIC-7", "lines": ["1", "2"], "destinations": ["CN"]}
    if limits is not None:
        a["limits"] = limits
    return {**LIM_TX, "authorisations": [a]}


def _outcomes(d: Any) -> list[Outcome]:
    return [lr.outcome for lr in d.lines]


def test_limits_that_suffice_cover_every_line(engine: Engine) -> None:
    d = engine.evaluate(lic({"quantity": 8, "value": 800, "currency": "EUR"}))
    assert _outcomes(d) == [Outcome.AUTHORISED, Outcome.AUTHORISED]


def test_lines_draw_in_order_and_the_one_that_overdraws_is_not_covered(engine: Engine) -> None:
    d = engine.evaluate(lic({"quantity": 6}))
    assert _outcomes(d) == [Outcome.AUTHORISED, Outcome.LICENSE_REQUIRED]
    [n] = [f for f in d.findings if f.rule == "tl.licence_limit"]
    assert (n.line, n.effect, n.outcome) == ("2", "note", Outcome.NOT_APPLICABLE)
    assert "quantity left 2 of 6, this line needs 4" in n.message


@pytest.mark.parametrize(
    ("limits", "needle"),
    [
        ({"value": 500, "currency": "USD"}, "in USD and this line's value is in EUR"),
        ({"value": 700, "currency": "EUR"}, "value left 300 EUR of 700, this line needs 400"),
    ],
)
def test_value_limits(engine: Engine, limits: dict[str, Any], needle: str) -> None:
    d = engine.evaluate(lic(limits))
    assert Outcome.LICENSE_REQUIRED in _outcomes(d)
    assert any(needle in f.message for f in d.findings if f.rule == "tl.licence_limit")


def test_a_line_without_the_quantity_a_limit_is_in_is_not_covered(engine: Engine) -> None:
    tx = lic({"quantity": 100})
    tx["lines"] = [{"id": "1", "classification": {"tl": "T100"}}]
    d = engine.evaluate(tx)
    assert _outcomes(d) == [Outcome.LICENSE_REQUIRED]
    assert any("states none" in f.message for f in d.findings)


@attrs.frozen
class _Usage:
    quantity: Decimal
    values: dict[str, Decimal]


class _Ledger:
    def __init__(self, q: str, v: dict[str, str], fail: bool = False) -> None:
        self.usage = _Usage(Decimal(q), {k: Decimal(x) for k, x in v.items()})
        self.fail = fail
        self.asked: list[tuple[str, str]] = []

    def used(self, regime: str, authorisation_id: str) -> _Usage:
        self.asked.append((regime, authorisation_id))
        if self.fail:
            raise ConnectionError("database unreachable")
        return self.usage


def test_a_ledger_s_earlier_shipments_count() -> None:
    led = _Ledger("5", {"EUR": "500"})
    e = Engine.from_paths([TL], ledger=led)
    d = e.evaluate(lic({"quantity": 10, "value": 1000, "currency": "EUR"}))
    assert _outcomes(d) == [Outcome.AUTHORISED, Outcome.LICENSE_REQUIRED]
    assert led.asked == [("tl", "LIC-7")]  # once per licence and evaluation
    used_up = Engine.from_paths([TL], ledger=_Ledger("10", {})).evaluate(lic({"quantity": 10}))
    assert _outcomes(used_up) == [Outcome.LICENSE_REQUIRED, Outcome.LICENSE_REQUIRED]


def test_an_unreadable_ledger_covers_nothing() -> None:
    e = Engine.from_paths([TL], ledger=_Ledger("0", {}, fail=True))
    d = e.evaluate(lic({"quantity": 10}))
    assert _outcomes(d) == [Outcome.LICENSE_REQUIRED, Outcome.LICENSE_REQUIRED]
    assert any("ledger could not be read" in f.message for f in d.findings)


def test_usage_in_another_currency_is_never_converted() -> None:
    e = Engine.from_paths([TL], ledger=_Ledger("0", {"USD": "1"}))
    d = e.evaluate(lic({"value": 5000, "currency": "EUR"}))
    assert _outcomes(d) == [Outcome.LICENSE_REQUIRED, Outcome.LICENSE_REQUIRED]


def test_unlimited_licences_never_ask_the_ledger() -> None:
    led = _Ledger("1000", {})
    d = Engine.from_paths([TL], ledger=led).evaluate(lic(None))
    assert _outcomes(d) == [Outcome.AUTHORISED, Outcome.AUTHORISED] and led.asked == []
