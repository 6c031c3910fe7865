"""The report as one tidy CSV: one row per table, key, outcome and currency."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["COLUMNS", "to_csv"]

COLUMNS = [
    "table",
    "regime",
    "member_state",
    "destination",
    "item",
    "category",
    "end_user_type",
    "rule",
    "reason",
    "citation",
    "period",
    "licence",
    "outcome",
    "authorisation_type",
    "transactions",
    "lines",
    "shipments",
    "quantity",
    "value",
    "currency",
    "limit_quantity",
    "remaining_quantity",
    "limit_value",
    "remaining_value",
]

_RENAME = {
    "by_outcome": {},
    "by_regime": {},
    "by_destination": {},
    "by_item_category": {"label": None},
    "cyber_surveillance": {},
    "by_end_user_type": {},
    "by_reason": {},
    "timeline": {},
}


def _with_values(base: dict[str, Any], values: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    if not values:
        yield base
        return
    for cur, v in values.items():
        yield {**base, "value": v, "currency": cur}


def _rows(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    t = report["totals"]
    yield from _with_values(
        {
            "table": "totals",
            "transactions": t["transactions"],
            "lines": t["lines"],
            "shipments": t["shipments"],
        },
        t["values"],
    )
    for name, rename in _RENAME.items():
        for r in report[name]:
            base = {"table": name}
            for k, v in r.items():
                if k in ("values",):
                    continue
                if k in rename:
                    if rename[k] is None:
                        continue
                    k = rename[k]
                base[k] = v
            yield from _with_values(base, r.get("values") or {})
    for r in report["art26_cyber_surveillance"]:
        base = {
            "table": "art26_cyber_surveillance",
            "regime": "eu",
            "member_state": r["member_state"],
            "item": r["item"],
            "destination": r["destination"],
        }
        kinds = dict(r["authorisation_types"])
        for o, n in r["outcomes"].items():
            if o == "authorised" and kinds:
                for kind, m in kinds.items():
                    yield {**base, "outcome": o, "authorisation_type": kind, "lines": m}
            else:
                yield {**base, "outcome": o, "lines": n}
        yield from (
            {**base, "outcome": "", "lines": r["lines"], "transactions": r["transactions"], **x}
            for x in _with_values({}, r["values"])
        )
    for r in report["licences"]:
        b = r["balance"] or {}
        lim = b.get("limits") or {}
        rem = b.get("remaining") or {}
        used = b.get("used") or {}
        p = r["period"]
        base = {
            "table": "licences",
            "regime": r["regime"],
            "licence": r["authorisation"],
            "shipments": p["shipments"],
            "quantity": p["quantity"],
            "limit_quantity": lim.get("quantity", ""),
            "remaining_quantity": rem.get("quantity") or "",
            "limit_value": lim.get("value", ""),
            "remaining_value": rem.get("value") or "",
            "currency": lim.get("currency") or used.get("currency") or "",
        }
        vals = p["values"]
        cur = base["currency"]
        if cur and cur in vals:
            yield {**base, "value": vals[cur]}
        elif vals:
            yield from _with_values(base, vals)
        else:
            yield base


def to_csv(report: Mapping[str, Any]) -> str:
    """The report's tables as CSV text (header row, then one row per table cell)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="raise", lineterminator="\n")
    w.writeheader()
    for row in _rows(report):
        w.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()
