"""The screener meets the engine's contract: hits reach the decision with their explanation."""

from __future__ import annotations

import datetime as dt

from exportrules import Engine
from exportrules._screening import ListEntry, RestrictedList, Screener

TX = {
    "id": "T-1",
    "date": "2026-11-27",
    "export_from": "DE",
    "destination": "CN",
    "parties": [
        {"role": "consignee", "name": "HENGDA TRADING CO LTD", "country": "CN"},
        {"role": "end_user", "name": "Acme Research Institute", "country": "CN"},
    ],
    "lines": [{"id": "1", "classification": {"eu": "5A001.j"}}],
}

LIST = RestrictedList(
    id="us_entity_list",
    name="Entity List (test)",
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


class CountingScreener(Screener):
    calls: list[tuple[str, str | None, dt.date | None]] = []

    def screen(self, name, country=None, *, lists=None, as_of=None):  # type: ignore[no-untyped-def]
        CountingScreener.calls.append((name, country, as_of))
        return super().screen(name, country, lists=lists, as_of=as_of)

    # the engine asks for the detailed result (hits and the clearances applied)
    def screen_detailed(self, name, country=None, *, lists=None, as_of=None):  # type: ignore[no-untyped-def]
        CountingScreener.calls.append((name, country, as_of))
        return super().screen_detailed(name, country, lists=lists, as_of=as_of)


def test_hits_reach_the_decision_with_list_versions() -> None:
    d = Engine.default(screening=Screener([LIST])).evaluate(TX)
    [hit] = d.screening
    assert (hit.party, hit.role, hit.list, hit.entry_id, hit.level) == (
        "HENGDA TRADING CO LTD",
        "consignee",
        "us_entity_list",
        "EL-1",
        "match",
    )
    assert hit.list_as_of == "2026-07-09"
    assert hit.explanation.startswith("Match 1.00 on us_entity_list (as of 2026-07-09)")
    assert hit.features["token_set"] == 1.0
    assert hit.license_policy is None and hit.citation == "89 FR 1"
    refs = [x for x in d.to_dict()["data"] if x["regime"] == "screening"]
    assert refs == [
        {
            "regime": "screening",
            "table": "us_entity_list",
            "source": "unit test",
            "as_of": "2026-07-09",
            "verified": False,
            # the list's stale_after (30 days) is long past on the transaction date
            "warning": "list us_entity_list is dated 2026-07-09, 141 days before this "
            "transaction's date 2026-11-27 (refresh expected within 30 days): the decision may "
            "miss later changes",
        }
    ]


def test_each_party_is_screened_once_per_transaction_with_the_transaction_date() -> None:
    s = CountingScreener([LIST])
    CountingScreener.calls = []
    Engine.default(screening=s).evaluate(TX)
    # the date passed is the transaction's, so cleared matches and listing ends follow it
    day = dt.date(2026, 11, 27)
    assert sorted(CountingScreener.calls) == [
        ("Acme Research Institute", "CN", day),
        ("HENGDA TRADING CO LTD", "CN", day),
    ]
