"""Properties every bundled regime must keep, checked over all of them at once (hypothesis).

1. Brokering, transit and technical assistance: a regime never says "no authorisation needed"
   (a finding with outcome ``no_license_required``) for a line that the same regime prohibits or
   requires a licence for.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from exportrules import Engine
from exportrules._model import Decision, Outcome
from tests.conftest import ROOT

REGIMES = sorted(p.parent.name for p in (ROOT / "regimes").glob("*/regime.toml"))


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


@given(tx=services())
def test_no_regime_says_nothing_is_needed_for_a_service_it_restricts(tx: dict[str, Any]) -> None:
    d = _engine().evaluate(tx)
    assert not _contradictions(d), _contradictions(d)
