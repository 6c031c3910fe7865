"""Aggregate a ledger period into the transparency report's tables (a JSON-able dict).

Counting rules (docs/records.md):

- A transaction recorded several times in the period (evaluated, reviewed, resolved, shipped)
  counts once, as its last record in the period; records without a transaction id each count
  alone. ``records`` and ``shipments`` count every record.
- ``by_outcome`` counts transactions by their overall outcome. The other tables count order
  lines: a line's outcome under the regime in question (``by_regime``, ``by_item_category``,
  the Art. 26(2)-style table) or over all regimes (the rest). ``transactions`` is how many
  transactions have at least one line in the row.
- Values are summed per currency and never converted.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from .._ledger._depletion import fmt, to_decimal
from .._model import Outcome
from .._version import __version__

if TYPE_CHECKING:
    from .._ledger import Ledger

__all__ = ["CATEGORY_LABELS", "OUTCOMES", "build_report", "category_of"]

OUTCOMES = [o.value for o in sorted(Outcome, reverse=True)]  # most severe first
RESOLVED = "resolved"  # a review finding a named person resolved (by_reason only)

CATEGORY_LABELS = {
    "0": "Nuclear materials, facilities and equipment",
    "1": "Special materials and related equipment",
    "2": "Materials processing",
    "3": "Electronics",
    "4": "Computers",
    "5": "Telecommunications and information security",
    "6": "Sensors and lasers",
    "7": "Navigation and avionics",
    "8": "Marine",
    "9": "Aerospace and propulsion",
}
_CA_GROUPS = {
    "2": "ECL Group 2: munitions",
    "3": "ECL Group 3: nuclear non-proliferation",
    "4": "ECL Group 4: nuclear-related dual-use",
    "5": "ECL Group 5: miscellaneous goods and technology",
    "6": "ECL Group 6: missile technology control regime",
    "7": "ECL Group 7: chemical and biological weapons non-proliferation",
}
_CAT = re.compile(r"^([0-9])[A-EY][0-9]")  # Annex I / CCL: category, product group
_CA = re.compile(r"^([1-7])-([0-9])?")


def category_of(regime: str, code: Any) -> tuple[str, str]:
    """(category key, label) for a line's classification under a regime."""
    if code is None:
        return "unlisted", "Not listed (no code under this regime)"
    c = str(code)
    if c.upper() == "EAR99":
        return "EAR99", "EAR99 (subject to the EAR, not on the CCL)"
    m = _CAT.match(c)
    if m:
        return m.group(1), f"Category {m.group(1)}: {CATEGORY_LABELS[m.group(1)]}"
    m = _CA.match(c)
    if m:
        group, cat = m.group(1), m.group(2)
        if group == "1" and cat is not None:
            return f"1-{cat}", f"ECL 1-{cat}: {CATEGORY_LABELS[cat]}"
        if group in _CA_GROUPS:
            return group, _CA_GROUPS[group]
    return "other", "Other codes"


_ZERO = Decimal(0)


class _Cell:
    __slots__ = ("lines", "tx", "values")

    def __init__(self) -> None:
        self.tx: set[str] = set()
        self.lines = 0
        self.values: dict[str, Decimal] = {}

    def add(self, tx: str, value: Decimal | None, currency: Any, line: bool = True) -> None:
        self.tx.add(tx)
        if line:
            self.lines += 1
            if value is not None and currency:
                self.values[currency] = self.values.get(currency, _ZERO) + value

    def out(self) -> dict[str, Any]:
        return {
            "transactions": len(self.tx),
            "lines": self.lines,
            "values": {k: fmt(v) for k, v in sorted(self.values.items())},
        }


class _Table:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.cells: dict[tuple[Any, ...], _Cell] = {}

    def add(
        self, key: tuple[Any, ...], tx: str, value: Decimal | None, currency: Any, line: bool = True
    ) -> None:
        c = self.cells.get(key)
        if c is None:
            c = self.cells[key] = _Cell()
        c.add(tx, value, currency, line)

    def rows(self, sort: str = "key") -> list[dict[str, Any]]:
        items = list(self.cells.items())
        if sort == "size":
            totals: dict[tuple[Any, ...], int] = {}
            for k, c in items:
                totals[k[:-1]] = totals.get(k[:-1], 0) + c.lines + len(c.tx)
            items.sort(key=lambda kc: (-totals[kc[0][:-1]], kc[0][:-1], _oi(kc[0][-1])))
        else:
            items.sort(key=lambda kc: (*kc[0][:-1], _oi(kc[0][-1])))
        return [{**dict(zip(self.names, k)), **c.out()} for k, c in items]


def _oi(outcome: Any) -> int:
    order = [*OUTCOMES[:3], RESOLVED, *OUTCOMES[3:]]
    return order.index(outcome) if outcome in order else len(order)


_REASON_EFFECTS = frozenset({"prohibit", "require", "review", "authorise", "deny_authorisation"})


class _TxFacts(NamedTuple):
    """What the report needs of one record: a few hundred bytes instead of the whole body."""

    at: str
    overall: str
    destination: str
    export_from: str
    end_user_types: tuple[str, ...]
    resolutions: int
    values: tuple[tuple[str, Decimal | None, str | None], ...]  # (line, value, currency)
    # (line, line outcome, ((regime, outcome, code), ...) where the regime applied, cyber?)
    results: tuple[tuple[str, str, tuple[tuple[str, str, Any], ...], bool], ...]
    kinds: tuple[tuple[str, str, str], ...]  # (regime, line, authorisation kind)
    reasons: tuple[tuple[str, str, Any, Any, str, Any], ...]  # (regime, rule, reason, ...)


def _facts(body: Mapping[str, Any], intern: dict[Any, Any]) -> _TxFacts:
    def i(x: Any) -> Any:  # one copy of each repeated string (rule ids, citations, codes)
        return intern.setdefault(x, x)

    tx, dec = body["transaction"], body["decision"]
    lines = tx.get("lines") or []
    by_id = {ln["id"]: ln for ln in lines}
    cyber_ids = {
        f["line"]
        for f in dec.get("findings") or ()
        if f.get("line") and (f.get("report") or {}).get("cyber_surveillance")
    } | {ln["id"] for ln in lines if "cyber_surveillance" in (ln.get("tags") or ())}
    results = []
    for lr in dec.get("lines") or ():
        lid = lr["line"]
        cls = (by_id.get(lid) or {}).get("classification") or {}
        regs = tuple(
            (i(rid), i(ro), i(cls.get(rid)))
            for rid, ro in sorted((lr.get("regimes") or {}).items())
            if ro != "not_applicable"
        )
        results.append((i(lid), i(lr["outcome"]), regs, lid in cyber_ids))
    return _TxFacts(
        at=body["recorded_at"],
        overall=i(dec["outcome"]),
        destination=i(tx.get("destination", "?")),
        export_from=i(tx.get("export_from", "?")),
        end_user_types=tuple(
            sorted(
                {
                    i(p.get("type") or "unknown")
                    for p in tx.get("parties") or ()
                    if p.get("role") == "end_user"
                }
            )
        )
        or ("not stated",),
        resolutions=sum(1 for r in dec.get("resolutions") or () if r.get("applied")),
        values=tuple(
            (
                i(ln["id"]),
                None if ln.get("value") is None else to_decimal(ln["value"]),
                i(ln.get("currency")),
            )
            for ln in lines
        ),
        results=tuple(results),
        kinds=tuple(
            (i(a["regime"]), i(lid), i(a.get("kind") or "individual"))
            for a in dec.get("authorisations") or ()
            for lid in a.get("lines") or ()
        ),
        reasons=tuple(
            (
                i(f["regime"]),
                i(f["rule"]),
                i(f.get("reason")),
                i(f.get("citation")),
                RESOLVED if f.get("resolved_by") else i(f["outcome"]),
                i(f.get("line")),
            )
            for f in dec.get("findings") or ()
            if f.get("effect") in _REASON_EFFECTS
        ),
    )


def build_report(
    ledger: Ledger,
    since: _dt.date | str | None = None,
    until: _dt.date | str | None = None,
    *,
    verify: bool = True,
) -> dict[str, Any]:
    """Aggregate the records of ``ledger`` recorded in [since, until] (whole days, UTC)."""
    verification = ledger.verify() if verify else None
    latest: dict[str, _TxFacts] = {}
    intern: dict[Any, Any] = {}
    records = shipments = 0
    resolutions = 0
    shipped_values: dict[str, Decimal] = {}
    usage: dict[tuple[str, str], dict[str, Any]] = {}
    first_at = last_at = None
    for body in ledger._bodies(since, until):
        records += 1
        at = body["recorded_at"]
        first_at = first_at or at
        last_at = at
        tx = body["transaction"]
        key = f"id:{tx['id']}" if tx.get("id") is not None else f"rec:{body['seq']}"
        latest[key] = _facts(body, intern)
        if body.get("shipped"):
            shipments += 1
            for ln in tx.get("lines") or ():
                if ln.get("value") is not None and ln.get("currency"):
                    c = ln["currency"]
                    shipped_values[c] = shipped_values.get(c, _ZERO) + to_decimal(ln["value"])
            for d in body.get("debits") or ():
                u = usage.setdefault(
                    (d["regime"], d["authorisation"]),
                    {"quantity": _ZERO, "values": {}, "shipments": set()},
                )
                if d.get("quantity") is not None:
                    u["quantity"] += Decimal(d["quantity"])
                if d.get("value") is not None:
                    u["values"][d["currency"]] = u["values"].get(d["currency"], _ZERO) + Decimal(
                        d["value"]
                    )
                u["shipments"].add(body["seq"])

    by_outcome = _Table(("outcome",))
    by_regime = _Table(("regime", "outcome"))
    by_dest = _Table(("destination", "outcome"))
    by_cat = _Table(("regime", "category", "label", "outcome"))
    cyber = _Table(("destination", "outcome"))
    by_eut = _Table(("end_user_type", "outcome"))
    by_reason = _Table(("regime", "rule", "reason", "citation", "outcome"))
    timeline = _Table(("period", "outcome"))
    art26: dict[tuple[str, str, str], dict[str, Any]] = {}
    total = _Cell()
    span_days = _span(since, until, first_at, last_at)
    bucket_len = 10 if span_days <= 62 else 7  # days, else months
    categories: dict[tuple[str, Any], tuple[str, str]] = {}

    for key, fx in latest.items():
        resolutions += fx.resolutions
        vals = {lid: (v, c) for lid, v, c in fx.values}
        overall, dest = fx.overall, fx.destination
        for v, c in vals.values():
            total.add(key, v, c)
            by_outcome.add((overall,), key, v, c)
        if not vals:
            total.add(key, None, None, line=False)
            by_outcome.add((overall,), key, None, None, line=False)
        timeline.add((fx.at[:bucket_len], overall), key, None, None, line=False)
        kinds = {(rid, lid): kind for rid, lid, kind in fx.kinds}
        for lid, lo, regs, is_cyber in fx.results:
            v, c = vals.get(lid, (None, None))
            by_dest.add((dest, lo), key, v, c)
            for t in fx.end_user_types:
                by_eut.add((t, lo), key, v, c)
            if is_cyber:
                cyber.add((dest, lo), key, v, c)
            for rid, ro, code in regs:
                by_regime.add((rid, ro), key, v, c)
                cat = categories.get((rid, code))
                if cat is None:
                    cat = categories[(rid, code)] = category_of(rid, code)
                by_cat.add((rid, cat[0], cat[1], ro), key, v, c)
                if rid == "eu" and is_cyber:
                    item = str(code) if code is not None else "not listed (Art. 5)"
                    row = art26.setdefault(
                        (fx.export_from, item, dest),
                        {
                            "lines": 0,
                            "transactions": set(),
                            "outcomes": {},
                            "authorisation_types": {},
                            "values": {},
                        },
                    )
                    row["lines"] += 1
                    row["transactions"].add(key)
                    row["outcomes"][ro] = row["outcomes"].get(ro, 0) + 1
                    if ro == "authorised":
                        kind = kinds.get((rid, lid), "individual")
                        row["authorisation_types"][kind] = (
                            row["authorisation_types"].get(kind, 0) + 1
                        )
                    if v is not None and c:
                        row["values"][c] = row["values"].get(c, _ZERO) + v
        for regime, rule, reason, citation, outcome, lid in fx.reasons:
            v, c = vals.get(lid, (None, None)) if lid else (None, None)
            by_reason.add(
                (regime, rule, reason, citation, outcome), key, v, c, line=lid is not None
            )

    licences = []
    balances = {(b.regime, b.authorisation): b for b in ledger.balances()}
    for k in sorted(set(usage) | set(balances)):
        b = balances.get(k)
        pu = usage.get(k)
        licences.append(
            {
                "regime": k[0],
                "authorisation": k[1],
                "period": {
                    "shipments": len(pu["shipments"]) if pu else 0,
                    "quantity": fmt(pu["quantity"]) if pu else "0",
                    "values": {c: fmt(x) for c, x in sorted(pu["values"].items())} if pu else {},
                },
                "balance": b.to_dict() if b else None,
            }
        )

    return {
        "report": "exportrules transparency report",
        "generated_at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": f"exportrules {__version__}",
        "period": {
            "from": _day(since),
            "to": _day(until),
            "first_record": first_at,
            "last_record": last_at,
            "buckets": "days" if bucket_len == 10 else "months",
        },
        "ledger": {
            "records_total": len(ledger),
            "verification": verification.to_dict() if verification is not None else None,
        },
        "totals": {
            "records": records,
            "transactions": len(latest),
            "lines": total.lines,
            "values": {k: fmt(v) for k, v in sorted(total.values.items())},
            "shipments": shipments,
            "resolutions_applied": resolutions,
            "shipped_values": {k: fmt(v) for k, v in sorted(shipped_values.items())},
        },
        "by_outcome": by_outcome.rows(),
        "by_regime": by_regime.rows(),
        "by_destination": by_dest.rows("size"),
        "by_item_category": by_cat.rows(),
        "cyber_surveillance": cyber.rows("size"),
        "by_end_user_type": by_eut.rows("size"),
        "by_reason": by_reason.rows("size"),
        "timeline": timeline.rows(),
        "art26_cyber_surveillance": [
            {
                "member_state": ms,
                "item": item,
                "destination": dest,
                "lines": r["lines"],
                "transactions": len(r["transactions"]),
                "outcomes": {o: r["outcomes"][o] for o in OUTCOMES if o in r["outcomes"]},
                "authorisation_types": dict(sorted(r["authorisation_types"].items())),
                "values": {c: fmt(x) for c, x in sorted(r["values"].items())},
            }
            for (ms, item, dest), r in sorted(art26.items())
        ],
        "licences": licences,
        "notes": NOTES,
    }


NOTES = [
    "Decision support, not legal advice: the outcomes are the engine's findings at the time of "
    "each record, not the authority's decisions.",
    "A transaction recorded several times in the period counts once, as its last record.",
    "Values are summed per currency and never converted.",
    "The Art. 26(2)-style table follows what Regulation (EU) 2021/821, Art. 26(2) asks the "
    "annual report to give for cyber-surveillance items (applications by item, issuing Member "
    "State and destination, and the decisions on them), from the exporter's side: "
    "license_required lines are applications due, authorised lines are covered by a licence "
    "or general authorisation, review lines are held for a person or the authority.",
]


def _day(x: _dt.date | str | None) -> str | None:
    if x is None:
        return None
    return x.isoformat() if isinstance(x, _dt.date) else str(x)


def _span(
    since: _dt.date | str | None, until: _dt.date | str | None, first: str | None, last: str | None
) -> int:
    def d(x: _dt.date | str | None) -> _dt.date | None:
        if x is None:
            return None
        if isinstance(x, _dt.datetime):
            return x.date()
        if isinstance(x, _dt.date):
            return x
        return _dt.date.fromisoformat(str(x)[:10])

    lo = d(since) or d(first)
    hi = d(until) or d(last)
    if lo is None or hi is None:
        return 0
    return (hi - lo).days


def iter_tables(report: Mapping[str, Any]) -> Iterable[tuple[str, list[dict[str, Any]]]]:
    for name in (
        "by_outcome",
        "by_regime",
        "by_destination",
        "by_item_category",
        "cyber_surveillance",
        "by_end_user_type",
        "by_reason",
        "timeline",
    ):
        yield name, list(report[name])
