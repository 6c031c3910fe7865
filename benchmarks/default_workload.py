"""Transactions for the default engine (bundled EU, US and Canadian regimes, screening on).

Each transaction has three parties (exporter, consignee, end user: all screened), 1-4 lines
with classification codes drawn from the bundled regimes' own tables (plus some EAR99 /
unclassified lines), destinations across the country tables, some end uses, tags and
knowledge flags. The codes are read from the regime folders of the exportrules found on the
import path, once, and written to a JSON file, so two installations are fed the very same
transactions.
"""

from __future__ import annotations

import random
from typing import Any

EXPORTERS = [
    ("DE", "Acme Sensors GmbH"),
    ("FR", "Optique Lyon SA"),
    ("NL", "Delta Photonics BV"),
    ("US", "Keystone Instruments Inc."),
    ("CA", "Maple Avionics Ltd."),
]
DESTINATIONS = [
    "CN",
    "RU",
    "IN",
    "BR",
    "AE",
    "TR",
    "SA",
    "IL",
    "ZA",
    "MX",
    "KR",
    "SG",
    "VN",
    "PK",
    "EG",
    "NG",
    "AR",
    "US",
    "JP",
    "GB",
    "CH",
    "NO",
    "AU",
    "CA",
    "FR",
    "DE",
    "IR",
    "SY",
    "BY",
    "KP",
    "CU",
    "VE",
    "MM",
    "UA",
    "KZ",
    "TH",
    "MY",
    "ID",
]
NAMES = [
    "Hengda Trading Co.",
    "Orion Logistics LLC",
    "Nordic Components AS",
    "Sao Paulo Industrial Ltda",
    "Gulf Technical Supplies FZE",
    "Anatolia Makina AS",
    "Municipal Public Security Bureau",
    "National Research Institute of Physics",
    "Pacific Rim Electronics Pte Ltd",
    "Cairo Water Utility",
    "Sunrise Textiles",
    "Huawei Technologies Co., Ltd.",
    "Rosoboronexport",
    "Islamic Revolutionary Guard Corps",
    "Korea Mining Development Trading Corporation",
    "Bank Melli Iran",
]
TYPES = [
    "commercial",
    "government",
    "military",
    "police",
    "academic",
    "telecom_operator",
    "security_service",
    "unknown",
]
END_USES = [
    "civil",
    "military",
    "law_enforcement",
    "research",
    "critical_infrastructure",
    "mass_surveillance",
]


def regime_codes() -> dict[str, list[str]]:
    """Classification codes of each bundled regime, taken from its tables."""
    from exportrules import Engine

    eng = Engine.default(screening=None, plugins=False)
    out: dict[str, list[str]] = {}
    for r in eng.regimes:
        codes: set[str] = set()
        for t in r.tables.values():
            for row in t.rows:
                k = row.get(t.key)
                if (
                    isinstance(k, str)
                    and len(k) > 2
                    and r.code_pattern is not None
                    and r.code_pattern.fullmatch(k)
                ):
                    codes.add(k)
        out[r.id] = sorted(codes)
    return out


def transactions(codes: dict[str, list[str]], n: int, seed: int = 23) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        efrom, ename = rng.choice(EXPORTERS)
        dest = rng.choice([d for d in DESTINATIONS if d != efrom])
        lines = []
        for i in range(rng.randint(1, 4)):
            cls: dict[str, Any] = {}
            for rid, cs in codes.items():
                r = rng.random()
                if r < 0.75 and cs:
                    cls[rid] = rng.choice(cs)
                elif r < 0.85 and rid == "us":
                    cls[rid] = "EAR99"
            line: dict[str, Any] = {
                "id": str(10 * (i + 1)),
                "description": "Item",
                "quantity": rng.randint(1, 50),
                "value": round(rng.uniform(100, 90000), 2),
                "currency": "EUR",
                "origin": efrom,
                "us_content": rng.choice([0.0, 0.05, 0.2, 0.5]),
                "classification": cls,
            }
            if rng.random() < 0.1:
                line["tags"] = ["cyber_surveillance"]
            lines.append(line)
        tx: dict[str, Any] = {
            "id": f"D-{k}",
            "date": rng.choice(["2024-03-01", "2025-06-01", "2026-06-01"]),
            "export_from": efrom,
            "destination": dest,
            "parties": [
                {"role": "exporter", "name": ename, "country": efrom, "type": "commercial"},
                {
                    "role": "consignee",
                    "name": rng.choice(NAMES),
                    "country": dest,
                    "type": "commercial",
                },
                {
                    "role": "end_user",
                    "name": rng.choice(NAMES),
                    "country": dest,
                    "type": rng.choice(TYPES),
                },
            ],
            "end_use": sorted(set(rng.sample(END_USES, rng.randint(0, 2)))),
            "lines": lines,
        }
        if rng.random() < 0.05:
            tx["knowledge"] = [rng.choice(["informed_wmd", "aware_wmd"])]
        out.append(tx)
    return out
