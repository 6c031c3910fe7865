"""Properties every bundled regime must keep, checked over all of them at once (hypothesis).

1. Brokering, transit and technical assistance: a regime never says "no authorisation needed"
   (a finding with outcome ``no_license_required``) for a line that the same regime prohibits or
   requires a licence for.
2. Goods sanctions by tariff code: for every destination a regime restricts by tariff code,
   removing ``hs_code`` from the lines never yields ``no_license_required`` for a line in that
   regime. Each regime contributes its destinations to ``TARIFF_DESTINATIONS`` (one entry per
   regime, destination and period, with the transaction shape the regime needs); add yours there.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from exportrules import Engine
from exportrules._model import Decision, Outcome
from tests.conftest import ROOT

BUNDLED = sorted(p.parent.name for p in (ROOT / "regimes").glob("*/regime.toml"))
# Every bundled regime is checked.
REGIMES = list(BUNDLED)


@cache
def _engine(*regimes: str) -> Engine:
    folders = [ROOT / "regimes" / r for r in (regimes or REGIMES)]
    return Engine.from_paths(folders, screening=False)


# Classification pools per regime: listed entries, "not listed" (None) and, by omission of the
# key, "not stated". Kept small and valid for each regime's code_pattern.
CODES: dict[str, list[str | None]] = {
    "eu": ["3A001.a.1", "5A002.a", "2B001.a", "5A001.j", "1C350.a.1", "9A012", None],
    "us": ["EAR99", "5A002.a", "3A001.a.1", "0A978", "5A980", None],
    "ca": ["1-5.A.2.a", "2-1.a", "5504.2", "6-3.A.1", None],
}
EU_FROM = ["DE", "FR", "NL", "PL", "LT", "IT"]
DESTINATIONS = ["RU", "BY", "IR", "KP", "SY", "MM", "VE", "CN", "PK", "AE", "BR", "US", "SD", "LY"]
KNOWLEDGE = ["informed_wmd", "aware_wmd", "informed_military_end_use"]
PARTY_TYPES = ["military", "police", "commercial", "government", "unknown"]


@st.composite
def _lines(draw: st.DrawFn, n_max: int = 3) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, n_max))):
        classification = {
            r: draw(st.sampled_from(CODES[r]))
            for r in REGIMES
            if r in CODES and draw(st.booleans())
        }
        out.append(
            {
                "id": str(i + 1),
                "classification": classification,
                "origin": draw(st.sampled_from(["DE", "US", "CA", "CN"])),
                "us_content": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
                "value": 1000,
                "currency": "EUR",
            }
        )
    return out


@st.composite
def services(draw: st.DrawFn) -> dict[str, Any]:
    """Brokering, technical assistance or transit, from anywhere, through anywhere."""
    activity = draw(st.sampled_from(["brokering", "technical_assistance", "transit"]))
    dest = draw(st.sampled_from(DESTINATIONS))
    origin = draw(st.sampled_from([*EU_FROM, "US", "CA", "CN", "KZ", "CH"]))
    transit = draw(st.lists(st.sampled_from([*EU_FROM, "AE", "TR", "US", "CA"]), max_size=2))
    parties = [
        {
            "role": role,
            "name": f"{role} {j}",
            "country": draw(st.sampled_from([dest, "AE", "KZ", origin])),
            "type": draw(st.sampled_from(PARTY_TYPES)),
        }
        for j, role in enumerate(
            draw(st.lists(st.sampled_from(["end_user", "consignee", "broker"]), max_size=3))
        )
    ]
    return {
        "date": draw(st.sampled_from(["2022-01-10", "2024-05-01", "2026-11-27"])),
        "export_from": origin,
        "destination": dest,
        "transit": sorted(set(transit) - {origin, dest}),
        "activity": activity,
        "parties": parties,
        "end_use": draw(
            st.lists(st.sampled_from(["civil", "military_end_use", "wmd"]), max_size=2)
        ),
        "knowledge": draw(st.lists(st.sampled_from(KNOWLEDGE), max_size=2, unique=True)),
        "lines": draw(_lines()),
    }


def _contradictions(d: Decision) -> list[tuple[str, str, str]]:
    bad = []
    for lr in d.lines:
        for regime, outcome in lr.regimes.items():
            if outcome not in (Outcome.PROHIBITED, Outcome.LICENSE_REQUIRED):
                continue
            bad += [
                (regime, lr.line, f.rule)
                for f in d.findings
                if f.regime == regime
                and f.line == lr.line
                and f.outcome is Outcome.NO_LICENSE_REQUIRED
            ]
    return bad


def test_every_bundled_regime_is_checked() -> None:
    assert set(BUNDLED) == set(REGIMES)


# Counterexamples found by this property once; kept so that they stay fixed.
KNOWN_COUNTEREXAMPLES = [
    {
        "date": "2022-01-10",
        "export_from": "DE",
        "destination": "RU",
        "activity": "brokering",
        "lines": [{"id": "1", "classification": {"us": "5A980"}, "origin": "US"}],
    },
    {
        "date": "2022-01-10",
        "export_from": "CA",
        "destination": "BY",
        "activity": "technical_assistance",
        "knowledge": ["informed_wmd"],
        "lines": [{"id": "1", "classification": {"ca": None}, "origin": "DE"}],
    },
]


@example(tx=KNOWN_COUNTEREXAMPLES[0])
@example(tx=KNOWN_COUNTEREXAMPLES[1])
@given(tx=services())
def test_no_regime_says_nothing_is_needed_for_a_service_it_restricts(tx: dict[str, Any]) -> None:
    d = _engine().evaluate(tx)
    assert not _contradictions(d), _contradictions(d)


# --------------------------------------------------------------------------- tariff codes


@dataclass(frozen=True)
class TariffDestination:
    """A destination that a regime's sanctions restrict by tariff code, over a period."""

    regime: str
    destination: str
    start: datetime.date
    end: datetime.date  # last day covered by this entry
    export_from: Sequence[str]
    destination_region: str | None = None
    # an hs_code that is on an encoded annex row (the line must then be prohibited/held)
    hs_codes: Sequence[str] = field(default_factory=lambda: ["880730", "71131900", "851762"])
    # turns a drawn transaction into the regime's shape (e.g. add origin / US content)
    adapt: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda tx: tx)

    def __str__(self) -> str:
        region = f"/{self.destination_region}" if self.destination_region else ""
        return f"{self.regime}:{self.destination}{region}:{self.start}..{self.end}"


TODAY = datetime.date(2026, 11, 27)
TARIFF_DESTINATIONS: list[TariffDestination] = [
    TariffDestination("eu", "RU", datetime.date(2021, 9, 9), TODAY, EU_FROM),
    TariffDestination("eu", "BY", datetime.date(2021, 9, 9), TODAY, EU_FROM),
    TariffDestination("eu", "IR", datetime.date(2021, 9, 9), TODAY, EU_FROM),
    TariffDestination("eu", "SY", datetime.date(2021, 9, 9), TODAY, EU_FROM),
    TariffDestination("eu", "KP", datetime.date(2021, 9, 9), TODAY, EU_FROM),
    TariffDestination(
        "eu", "UA", datetime.date(2022, 2, 24), TODAY, EU_FROM, destination_region="UA-14"
    ),
    TariffDestination(
        "eu", "UA", datetime.date(2022, 10, 6), TODAY, EU_FROM, destination_region="UA-23"
    ),
    TariffDestination(
        "eu", "UA", datetime.date(2021, 9, 9), TODAY, EU_FROM, destination_region="UA-43"
    ),
    TariffDestination("eu", "UA", datetime.date(2022, 2, 24), TODAY, EU_FROM),
    # US: EAR99 items listed by HTS code in Supps. No. 2, 4 and 5 to part 746 (746.8(a)(4)-(7);
    # 746.5 and 746.10 before 2024-06-12); Iran: every item needs a licence (746.7, ITSR).
    TariffDestination(
        "us",
        "RU",
        datetime.date(2022, 2, 24),
        TODAY,
        ["US"],
        hs_codes=["880730", "730424", "220830"],
    ),
    TariffDestination(
        "us",
        "BY",
        datetime.date(2022, 3, 2),
        TODAY,
        ["US"],
        hs_codes=["880730", "843143", "710231"],
    ),
    TariffDestination("us", "IR", datetime.date(1996, 3, 25), TODAY, ["US"]),
    # Canada: the SEMA Russia schedules (Schedule 4 since before the regime's 2019-09-01 start)
    # and the Belarus export bans (from s. 3.6, 2022-04-05).
    TariffDestination(
        "ca",
        "RU",
        datetime.date(2019, 9, 1),
        TODAY,
        ["CA"],
        hs_codes=["85171300", "220300", "730411", "28539000"],
    ),
    TariffDestination(
        "ca",
        "BY",
        datetime.date(2022, 4, 5),
        TODAY,
        ["CA"],
        hs_codes=["220300", "261100", "811292"],
    ),
]


@st.composite
def tariff_transactions(draw: st.DrawFn, entry: TariffDestination) -> dict[str, Any]:
    days = (entry.end - entry.start).days
    date = entry.start + datetime.timedelta(days=draw(st.integers(0, days)))
    lines = draw(_lines())
    for ln in lines:
        ln["hs_code"] = draw(
            st.sampled_from([*entry.hs_codes, "010121", "30049000", "84145100", "94036010"])
        )
    tx: dict[str, Any] = {
        "date": date.isoformat(),
        "export_from": draw(st.sampled_from(list(entry.export_from))),
        "destination": entry.destination,
        "activity": draw(st.sampled_from(["export", "reexport"])),
        "end_use": draw(st.lists(st.sampled_from(["civil", "research"]), max_size=1)),
        "lines": lines,
    }
    if entry.destination_region:
        tx["destination_region"] = entry.destination_region
    return entry.adapt(tx)


@given(data=st.data())
def test_removing_the_tariff_code_never_clears_a_line(data: st.DataObject) -> None:
    entry = data.draw(st.sampled_from(TARIFF_DESTINATIONS), label="destination")
    tx = data.draw(tariff_transactions(entry), label="transaction")
    without = {
        **tx,
        "lines": [{k: v for k, v in ln.items() if k != "hs_code"} for ln in tx["lines"]],
    }
    d = _engine(entry.regime).evaluate(without)
    for lr in d.lines:
        assert lr.regimes[entry.regime] is not Outcome.NO_LICENSE_REQUIRED, (
            str(entry),
            lr.line,
            [(f.rule, f.outcome.value) for f in d.findings if f.line == lr.line],
        )
