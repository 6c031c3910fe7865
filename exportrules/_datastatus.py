"""``exportrules data status``: how old is the data every decision rests on?

One row per table of every loaded regime and per screening list: its source, as-of date,
``verified``, age in days and, past the table's ``stale_after`` (declared with its provenance
in regime.toml, docs/rules.md), a warning. Lists are stale after ``LIST_STALE_AFTER`` days
unless their metadata says otherwise: restricted-party lists change every week.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._ir import Regime

__all__ = ["LIST_STALE_AFTER", "data_status", "render_text"]

LIST_STALE_AFTER = 30


def _row(
    kind: str,
    regime: str,
    name: str,
    source: str,
    as_of: str,
    verified: bool,
    stale_after: int | None,
    today: _dt.date,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    try:
        day: _dt.date | None = _dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        day = None
    age = (today - day).days if day is not None else None
    warnings: list[str] = []
    stale = stale_after is not None and age is not None and age > stale_after
    if day is None:
        warnings.append("no valid as-of date: its age is unknown")
    elif age is not None and age < 0:
        warnings.append(f"as-of date {as_of} is after {today.isoformat()}")
    elif stale and stale_after is not None and age is not None:
        warnings.append(
            f"stale: {age} days old, {age - stale_after} days past its stale_after of "
            f"{stale_after} days; refresh it from the source"
        )
    return {
        "kind": kind,
        "regime": regime,
        "name": name,
        "source": source,
        "as_of": as_of or None,
        "verified": verified,
        "age_days": age,
        "stale_after": stale_after,
        "stale": stale,
        "warnings": warnings,
        **(extra or {}),
    }


def data_status(
    regimes: Iterable[Regime],
    lists: Sequence[Mapping[str, Any]],
    today: _dt.date,
) -> dict[str, Any]:
    """The status of every table of ``regimes`` and of every screening list in ``lists``."""
    rows: list[dict[str, Any]] = []
    for r in sorted(regimes, key=lambda x: x.id):
        if r.broken:
            rows.append(
                {
                    "kind": "regime",
                    "regime": r.id,
                    "name": r.id,
                    "source": r.origin,
                    "as_of": None,
                    "verified": False,
                    "age_days": None,
                    "stale_after": None,
                    "stale": False,
                    "warnings": [f"the plug-in regime failed to load: {p}" for p in r.problems],
                }
            )
            continue
        for name, t in sorted(r.tables.items()):
            rows.append(
                _row(
                    "table",
                    r.id,
                    name,
                    t.source,
                    t.as_of,
                    t.verified,
                    t.stale_after,
                    today,
                    {"coverage": t.coverage, "rows": len(t.rows)},
                )
            )
    for v in sorted(lists, key=lambda x: str(x.get("id"))):
        sa = v.get("stale_after")
        rows.append(
            _row(
                "list",
                "screening",
                str(v.get("id", "")),
                str(v.get("source", "")),
                str(v.get("as_of", "") or ""),
                bool(v.get("verified", False)),
                int(sa) if isinstance(sa, int) and not isinstance(sa, bool) else LIST_STALE_AFTER,
                today,
                {"title": v.get("name"), "entries": v.get("entries")},
            )
        )
    return {
        "as_of": today.isoformat(),
        "items": rows,
        "attention": sum(1 for x in rows if x["warnings"]),
    }


def render_text(status: Mapping[str, Any]) -> str:
    items: list[Mapping[str, Any]] = status["items"]
    head = ("where", "as of", "age", "verified", "stale after", "status")
    table: list[tuple[str, ...]] = [head]
    for x in items:
        where = f"{x['regime']}/{x['name']}" if x["kind"] != "regime" else f"{x['regime']} (regime)"
        table.append(
            (
                where,
                x["as_of"] or "-",
                "-" if x["age_days"] is None else f"{x['age_days']}d",
                "yes" if x["verified"] else "no",
                "-" if x["stale_after"] is None else f"{x['stale_after']}d",
                "STALE" if x["stale"] else "WARNING" if x["warnings"] else "ok",
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    out = [f"Data status on {status['as_of']}:"]
    for i, r in enumerate(table):
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            continue
        x = items[i - 1]
        out.append(f"      source: {x['source']}")
        for w in x["warnings"]:
            out.append(f"      warning: {w}")
    n = status["attention"]
    out.append(f"{n} item{'s' if n != 1 else ''} need attention." if n else "Nothing is stale.")
    return "\n".join(out)
