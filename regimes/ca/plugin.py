"""Canada regime plug-in: the one fact the condition language cannot state.

EIPA s. 14.2 reaches brokering by a person in Canada and by Canadians abroad, so the regime
applies to a brokering transaction when one of its brokers is Canadian. Applicability is a
condition over the line's facts and has no quantifier over parties, hence this fact.
"""

from __future__ import annotations

from typing import Any

FACTS: dict[str, str] = {"plugin.canadian_broker": "bool"}


def facts(tx: Any, line: Any) -> dict[str, object]:
    """Return ``plugin.canadian_broker``: some party has role broker and country CA."""
    del line  # the fact does not depend on the line
    parties = getattr(tx, "parties", ()) or ()
    found = any(
        getattr(p, "role", None) == "broker" and getattr(p, "country", None) == "CA"
        for p in parties
    )
    return {"plugin.canadian_broker": found}
