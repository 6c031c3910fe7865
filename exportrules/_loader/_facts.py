"""The fact paths rules may read (docs/rules.md section 2)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["BASE_FACTS", "PARTY_FACTS", "fact_type", "known_paths"]

# Fact path -> type.
BASE_FACTS: dict[str, str] = {
    "tx.id": "str",
    "tx.date": "str",
    "tx.export_from": "str",
    "tx.destination": "str",
    "tx.destination_region": "str",
    "tx.transit": "list",
    "tx.activity": "str",
    "tx.end_use": "list",
    "tx.knowledge": "list",
    "tx.red_flags": "list",
    "tx.party_types": "list",
    "tx.party_countries": "list",
    "tx.party_roles": "list",
    "tx.end_user_types": "list",
    "tx.end_user_countries": "list",
    "tx.consignee_countries": "list",
    "tx.broker_countries": "list",
    "tx.authorisation_ids": "list",
    "line.id": "str",
    "line.description": "str",
    "line.code": "str",
    "line.classified": "bool",
    "line.origin": "str",
    "line.us_content": "number",
    "line.value": "number",
    "line.quantity": "number",
    "line.currency": "str",
    "line.hs_code": "str",
    "line.tags": "list",
    "screening.match_lists": "list",
    "screening.review_lists": "list",
    "screening.policies": "list",
    "screening.match_programs": "list",
}
# Facts of one party, in rules with for_each = "party".
PARTY_FACTS: dict[str, str] = {
    "party.role": "str",
    "party.type": "str",
    "party.name": "str",
    "party.country": "str",
    "party.match_lists": "list",
    "party.review_lists": "list",
    "party.policies": "list",
    "party.match_programs": "list",
}


def fact_type(path: str, facts: Mapping[str, str], for_each: bool) -> str | None:
    """The type of a (non-derived) fact path, or None when no such fact exists here."""
    if path in facts:
        return facts[path]
    if for_each and path in PARTY_FACTS:
        return PARTY_FACTS[path]
    return None


def known_paths(facts: Mapping[str, str], derived: set[str], for_each: bool) -> list[str]:
    """Every path a rule could name here (for "did you mean")."""
    out = [*facts, *(f"derived.{d}" for d in derived)]
    if for_each:
        out.extend(PARTY_FACTS)
    return out
