"""A synthetic order book for the ledger and report benchmarks (not law, not real orders).

``transactions(n, seed)`` yields varied transactions for the bundled EU, US and Canadian
regimes: EU exporters, a spread of destinations, listed and unlisted items (some of them
cyber-surveillance items), end users of every type, and held licences on some orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

DESTINATIONS = [
    "CN",
    "US",
    "IN",
    "BR",
    "AE",
    "TR",
    "SA",
    "JP",
    "KR",
    "SG",
    "MX",
    "ZA",
    "EG",
    "VN",
    "TH",
    "ID",
    "NG",
    "KZ",
    "RU",
    "BY",
    "IR",
    "CH",
    "NO",
    "GB",
]
WEIGHTS = [12, 10, 8, 6, 6, 5, 4, 6, 5, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 4, 3, 5]
ITEMS: list[tuple[dict[str, Any], list[str], str]] = [
    ({"eu": "5A001.j", "us": "5A001.j"}, ["cyber_surveillance"], "IP network monitoring appliance"),
    ({"eu": "5A002.a", "us": "5A002.a"}, [], "Encryption module"),
    ({"eu": "5D001.a", "us": "5D001.a"}, [], "Telecom software"),
    ({"eu": "4A005", "us": "4A005"}, ["cyber_surveillance"], "Intrusion software delivery system"),
    ({"eu": "3A001.a.1", "us": "3A001.a.1"}, [], "Radiation-hardened integrated circuit"),
    ({"eu": "6A003.b.4", "us": "6A003.b.4"}, [], "Thermal imaging camera"),
    ({"eu": "2B001.a", "us": "2B001.a"}, [], "Machine tool"),
    ({"eu": "1C010.a", "us": "1C010.a"}, [], "Fibrous material"),
    ({"eu": "9A012.a", "us": "9A012.a"}, [], "Unmanned aerial vehicle"),
    ({"eu": None, "us": "EAR99"}, [], "Office printer"),
    ({"eu": None, "us": "EAR99"}, ["cyber_surveillance"], "Video analytics software"),
    ({"eu": None, "us": "5A992.c"}, [], "Consumer router"),
]
ITEM_WEIGHTS = [6, 8, 5, 2, 4, 4, 4, 3, 2, 20, 3, 10]
END_USERS = [
    "commercial",
    "government",
    "police",
    "academic",
    "telecom_operator",
    "military",
    "internet_service_provider",
    "security_service",
    "individual",
    "unknown",
]
EU_WEIGHTS = [40, 8, 6, 8, 8, 3, 6, 3, 4, 6]
EXPORTERS = ["DE", "FR", "NL", "IT", "SE"]


def transactions(n: int, seed: int = 1, *, limits: bool = False) -> Iterator[dict[str, Any]]:
    """``n`` transactions; with ``limits`` held licences state quantity/value limits."""
    rnd = random.Random(seed)
    for i in range(n):
        dest = rnd.choices(DESTINATIONS, WEIGHTS)[0]
        exporter = rnd.choice(EXPORTERS)
        nlines = rnd.choices([1, 2, 3], [70, 20, 10])[0]
        lines = []
        for j in range(nlines):
            cls, tags, desc = rnd.choices(ITEMS, ITEM_WEIGHTS)[0]
            lines.append(
                {
                    "id": str(10 * (j + 1)),
                    "description": desc,
                    "quantity": rnd.randint(1, 20),
                    "value": rnd.randint(5, 400) * 250,
                    "currency": "EUR",
                    "origin": exporter,
                    "us_content": 0.0,
                    "classification": dict(cls),  # None: not listed under that regime
                    "tags": list(tags),
                }
            )
        tx: dict[str, Any] = {
            "id": f"SO-{seed}-{i:07d}",
            "date": f"2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d}",
            "export_from": exporter,
            "destination": dest,
            "parties": [
                {"role": "exporter", "name": "Acme Sensors GmbH", "country": exporter},
                {
                    "role": "end_user",
                    "name": f"Customer {rnd.randint(1, 5000)}",
                    "country": dest,
                    "type": rnd.choices(END_USERS, EU_WEIGHTS)[0],
                },
            ],
            "end_use": [rnd.choice(["civil", "civil", "research", "law_enforcement"])],
            "lines": lines,
        }
        if rnd.random() < 0.35:
            lic: dict[str, Any] = {
                "regime": "eu",
                "id": f"DE-2026-{rnd.randint(1, 40):03d}",
                "type": rnd.choice(["individual", "individual", "global"]),
                "lines": [ln["id"] for ln in lines],
                "destinations": [dest],
                "valid_from": "2026-01-01",
                "valid_until": "2027-12-31",
            }
            if limits:
                lic["limits"] = {"quantity": 100_000, "value": 10**9, "currency": "EUR"}
            tx["authorisations"] = [lic]
        yield tx
