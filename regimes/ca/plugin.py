"""Canada regime plug-in: the facts the condition language cannot state.

- ``plugin.canadian_broker``: EIPA s. 14.2 reaches brokering by a person in Canada and by
  Canadians abroad, so the regime applies to a brokering transaction when one of its brokers is
  Canadian. Applicability is a condition over the line's facts and has no quantifier over
  parties, hence this fact.
- ``plugin.permit_held``: the exporter holds a Canadian permit (individual or global) that names
  this line and the destination and is valid on the transaction date. The Minister assessed the
  EIPA s. 7.3 criteria when issuing it (s. 7.4 required refusal otherwise), so the rules do not
  hold the line again for that assessment. A brokering transaction needs a brokering permit
  (reason ``bcl`` or no reasons listed); an export needs an export permit (reasons ``ecl``,
  ``arms_permit`` or ``acl``, or no reasons listed). Without a transaction date the validity
  cannot be checked and the fact is false (fail closed).
"""

from __future__ import annotations

from typing import Any

FACTS: dict[str, str] = {"plugin.canadian_broker": "bool", "plugin.permit_held": "bool"}

_EXPORT_REASONS = frozenset({"ecl", "arms_permit", "acl"})
_BROKERING_REASONS = frozenset({"bcl"})


def _permit_held(tx: Any, line: Any) -> bool:
    date = getattr(tx, "date", None)
    if date is None:
        return False
    wanted = _BROKERING_REASONS if getattr(tx, "activity", None) == "brokering" else _EXPORT_REASONS
    for a in getattr(tx, "authorisations", ()) or ():
        if getattr(a, "regime", None) != "ca" or getattr(a, "type", None) not in (
            "individual",
            "global",
        ):
            continue
        if not a.covers(line.id, tx.destination, date):
            continue
        reasons = set(getattr(a, "reasons", ()) or ())
        if not reasons or reasons & wanted:
            return True
    return False


def facts(tx: Any, line: Any) -> dict[str, object]:
    """Return ``plugin.canadian_broker`` and ``plugin.permit_held`` for the line."""
    parties = getattr(tx, "parties", ()) or ()
    broker = any(
        getattr(p, "role", None) == "broker" and getattr(p, "country", None) == "CA"
        for p in parties
    )
    return {"plugin.canadian_broker": broker, "plugin.permit_held": _permit_held(tx, line)}
