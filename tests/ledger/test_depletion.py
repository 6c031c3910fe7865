"""Licence depletion: shipments debit the held licences that discharged their lines; a debit
that would overdraw a limit is refused and nothing is written; processes racing on one licence
never overdraw it. On both databases."""

from __future__ import annotations

import multiprocessing as mp
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportrules import Engine, Ledger, LedgerError, LimitExceeded, Outcome, Transaction
from tests.conftest import TL
from tests.ledger.conftest import tx

_ENGINE = Engine.from_paths([TL], screening=None)


def _ship(led: Ledger, engine: Engine, t: dict[str, Any]) -> Any:
    d = engine.evaluate(t)
    assert d.outcome is Outcome.AUTHORISED, d.outcome
    return led.record(d, t, by="dock", shipped=True)


def _ship_unchecked(led: Ledger, engine: Engine, t: dict[str, Any]) -> Any:
    """Ship with a decision the engine would no longer make for ``t``: one made before the
    licence's limits were known (or by another system), so it still says ``authorised``. The
    engine refuses such a line itself; the ledger is the second line of defence."""
    bare = {
        **t,
        "authorisations": [
            {k: v for k, v in a.items() if k != "limits"} for a in t["authorisations"]
        ],
    }
    d = engine.evaluate(bare).to_dict()
    assert d["outcome"] == "authorised"
    d["input_sha256"] = Transaction.from_dict(t).sha256()
    return led.record(d, t, by="dock", shipped=True)


def test_shipment_debits_quantity_and_value(ledger_url: str, engine: Engine) -> None:
    lim = {"quantity": 10, "value": 1000, "currency": "EUR"}
    with Ledger.open(ledger_url) as led:
        rec = _ship(led, engine, tx("S-1", quantity=4, value=300, limits=lim))
        assert [(d.authorisation, d.line, d.quantity, d.value, d.currency) for d in rec.debits] == [
            ("L1", "1", Decimal(4), Decimal(300), "EUR")
        ]
        _ship(led, engine, tx("S-2", quantity=2, value=150, limits=lim))
        u = led.used("tl", "L1")
        (b,) = led.balances()
        assert led.verify().ok
    assert (u.quantity, u.value, u.currency, u.shipments) == (6, 450, "EUR", 2)
    assert u.values == {"EUR": Decimal(450)}
    assert (b.remaining_quantity, b.remaining_value, b.exhausted) == (4, 550, False)
    assert b.last_record == 2


def test_limit_reached_exactly_then_refused(ledger_url: str, engine: Engine) -> None:
    lim = {"quantity": 10}
    with Ledger.open(ledger_url) as led:
        _ship(led, engine, tx("E-1", quantity=5, limits=lim))
        _ship(led, engine, tx("E-2", quantity=5, limits=lim))
        assert led.balances()[0].exhausted
        with pytest.raises(LimitExceeded) as e:
            _ship(led, engine, tx("E-3", quantity=1, limits=lim))
        assert (e.value.kind, e.value.limit, e.value.used, e.value.requested) == (
            "quantity",
            10,
            10,
            1,
        )
        assert e.value.remaining == 0
        assert "0 remaining" in str(e.value) and "nothing was recorded" in str(e.value)
        assert isinstance(e.value, LedgerError)
        assert len(led) == 2 and led.used("tl", "L1").quantity == 10
        assert led.verify().ok


def test_decimal_amounts_are_exact(ledger_url: str, engine: Engine) -> None:
    lim = {"quantity": 0.3, "value": 0.3, "currency": "EUR"}
    with Ledger.open(ledger_url) as led:
        _ship(led, engine, tx("D-1", quantity=0.1, value=0.1, limits=lim))
        _ship(led, engine, tx("D-2", quantity=0.2, value=0.2, limits=lim))  # 0.1 + 0.2 == 0.3
        u = led.used("tl", "L1")
        with pytest.raises(LimitExceeded):
            _ship(led, engine, tx("D-3", quantity=0.01, value=0.01, limits=lim))
    assert u.quantity == Decimal("0.3") and u.value == Decimal("0.3")


def test_only_covered_lines_of_held_licences_are_debited(ledger_url: str, engine: Engine) -> None:
    t = tx("M-1", quantity=2, value=10, lines=3, limits={"quantity": 100})
    t["authorisations"][0]["lines"] = ["1", "2"]
    t["lines"][2]["classification"] = {}  # not listed: nothing to cover
    with Ledger.open(ledger_url) as led:
        rec = _ship(led, engine, t)
        assert sorted(d.line for d in rec.debits) == ["1", "2"]
        assert led.used("tl", "L1").quantity == 4
        # a general authorisation (TG1 to JP) has no balance: nothing debited
        g = tx("G-1", licence=None, destination="JP")
        rec = _ship(led, engine, g)
        assert rec.debits == ()
        assert [b.authorisation for b in led.balances()] == ["L1"]


def test_unlimited_licence_is_tracked_not_refused(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        for i in range(3):
            _ship(led, engine, tx(f"U-{i}", quantity=1000, value=10**7, currency="USD"))
        (b,) = led.balances()
    assert b.limits is None and b.remaining_quantity is None and not b.exhausted
    assert b.used.quantity == 3000 and b.used.values == {"USD": Decimal(3 * 10**7)}
    assert b.used.currency == "USD"


def test_unshipped_records_debit_nothing(ledger_url: str, engine: Engine) -> None:
    t = tx("R-1", limits={"quantity": 1}, quantity=5)
    with Ledger.open(ledger_url) as led:
        led.record(engine.evaluate(t), t)  # over the limit, but it did not ship
        assert led.used("tl", "L1").quantity == 0 and led.balances() == []


def test_currency_is_never_converted(ledger_url: str, engine: Engine) -> None:
    lim = {"value": 1000, "currency": "EUR"}
    with Ledger.open(ledger_url) as led:
        t = tx("C-1", value=10, currency="USD", limits=lim)
        assert engine.evaluate(t).outcome is Outcome.LICENSE_REQUIRED  # the engine refuses too
        with pytest.raises(LimitExceeded, match="never converted") as e:
            _ship_unchecked(led, engine, t)
        assert e.value.kind == "currency" and e.value.currency == "EUR"
        assert len(led) == 0


def test_currency_change_of_a_limit_is_refused(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        _ship(led, engine, tx("C-1", value=10, currency="USD"))  # no limit: tracked in USD
        with pytest.raises(LimitExceeded, match="earlier shipments under it were debited in USD"):
            _ship(led, engine, tx("C-2", value=10, limits={"value": 1000, "currency": "EUR"}))


def test_unmeasurable_shipment_is_refused(ledger_url: str, engine: Engine) -> None:
    with Ledger.open(ledger_url) as led:
        with pytest.raises(LimitExceeded, match="states no quantity"):
            _ship_unchecked(led, engine, tx("Q-1", quantity=None, limits={"quantity": 10}))
        with pytest.raises(LimitExceeded, match="states no value"):
            _ship_unchecked(
                led, engine, tx("Q-2", value=None, limits={"value": 10, "currency": "EUR"})
            )
        assert len(led) == 0


def test_one_overdrawn_licence_stops_the_whole_shipment(ledger_url: str, engine: Engine) -> None:
    t = tx("A-1", lines=2, quantity=3, limits={"quantity": 100})
    t["authorisations"][0]["lines"] = ["1"]
    t["authorisations"].append(
        {
            "regime": "tl",
            "id": "L2",
            "type": "individual",
            "lines": ["2"],
            "destinations": ["CN"],
            "limits": {"quantity": 2},
        }
    )
    with Ledger.open(ledger_url) as led:
        assert engine.evaluate(t).outcome is Outcome.LICENSE_REQUIRED
        with pytest.raises(LimitExceeded, match="L2"):
            _ship_unchecked(led, engine, t)
        assert len(led) == 0
        assert led.used("tl", "L1").quantity == 0 and led.used("tl", "L2").quantity == 0
        assert led.verify().ok


def test_forged_balance_is_found_by_verify(ledger_url: str, engine: Engine) -> None:
    from tests.ledger.conftest import tamper

    with Ledger.open(ledger_url) as led:
        _ship(led, engine, tx("F-1", limits={"quantity": 10}))
    # someone resets the licence's running total to make room
    tamper(ledger_url, ["UPDATE ledger_usage SET quantity = '0'"])
    with Ledger.open(ledger_url) as led:
        v = led.verify()
    assert not v.ok and "running balance differs" in (v.reason or "")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=12))
def test_property_accepted_shipments_never_exceed_the_limit(quantities: list[int]) -> None:
    eng = _ENGINE
    limit = 15
    accepted = 0
    with Ledger.open("sqlite:///:memory:") as led:
        for i, q in enumerate(quantities):
            t = tx(f"P-{i}", quantity=q, limits={"quantity": limit})
            try:
                led.record(eng.evaluate(t), t, shipped=True)
            except LimitExceeded as e:
                refused: LimitExceeded = e
            else:
                accepted += q
                continue
            # refused exactly when it would not have fitted, and says what is left
            assert accepted + q > limit
            assert refused.remaining == limit - accepted
        assert led.used("tl", "L1").quantity == accepted <= limit
        assert led.verify().ok


# --------------------------------------------------------------------------- races


def _race_worker(
    url: str, jobs: list[tuple[dict[str, Any], dict[str, Any]]], barrier: Any, results: Any
) -> None:
    led = Ledger.open(url)
    barrier.wait()
    ok = refused = 0
    for decision, t in jobs:
        try:
            led.record(decision, t, shipped=True)
            ok += 1
        except LimitExceeded:
            refused += 1
    led.close()
    results.put((ok, refused))


@pytest.mark.slow
def test_processes_racing_on_one_licence_never_overdraw_it(ledger_url: str, engine: Engine) -> None:
    limit, procs, per = 10, 4, 6
    lim = {"quantity": limit, "value": 10 * limit, "currency": "EUR"}
    jobs = []
    for p in range(procs):
        js = []
        for i in range(per):
            t = tx(f"R-{p}-{i}", quantity=1, value=10, limits=lim)
            js.append((engine.evaluate(t).to_dict(), t))
        jobs.append(js)
    Ledger.open(ledger_url).close()  # create the schema before the race
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    results = ctx.Queue()
    ps = [
        ctx.Process(target=_race_worker, args=(ledger_url, jobs[p], barrier, results))
        for p in range(procs)
    ]
    for p in ps:
        p.start()
    got = [results.get(timeout=180) for _ in ps]
    for p in ps:
        p.join(timeout=60)
        assert p.exitcode == 0
    ok = sum(g[0] for g in got)
    assert ok == limit and sum(g[1] for g in got) == procs * per - limit
    assert sum(1 for g in got if g[0]) >= 2, "the race had a single winner: no contention"
    with Ledger.open(ledger_url) as led:
        u = led.used("tl", "L1")
        assert (u.quantity, u.value, u.shipments) == (limit, 10 * limit, limit)
        assert len(led) == limit
        assert led.verify().ok


def test_record_many_is_all_or_nothing(ledger_url: str, engine: Engine) -> None:
    lim = {"quantity": 10}
    ts = [tx(f"B-{i}", quantity=3, limits=lim) for i in range(4)]  # 12 > 10
    pairs = [(engine.evaluate(t), t) for t in ts]
    with Ledger.open(ledger_url) as led:
        with pytest.raises(LimitExceeded, match="B-3|overdraw"):
            led.record_many(pairs, by="dock", shipped=True)
        assert len(led) == 0 and led.used("tl", "L1").quantity == 0
        recs = led.record_many(pairs[:3], by="dock", shipped=True)
        assert [r.id for r in recs] == [1, 2, 3] and led.used("tl", "L1").quantity == 9
        assert [r.prev for r in recs[1:]] == [r.hash for r in recs[:2]]
        # the same transaction twice in one shipped batch would debit twice
        again = tx("B-9", quantity=1, limits=lim)
        d = engine.evaluate(again)
        with pytest.raises(LedgerError, match="already recorded as shipped"):
            led.record_many([(d, again), (d, again)], shipped=True)
        assert len(led) == 3 and led.record_many([]) == []
        assert led.verify().ok
