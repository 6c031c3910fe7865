"""Data classes of the screening package: list entries, lists, matches, cleared matches."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = ["ALIAS_QUALITIES", "KINDS", "ClearedMatch", "ListEntry", "Match", "RestrictedList"]

ALIAS_QUALITIES = frozenset({"primary", "good", "low", "weak"})
KINDS = frozenset({"individual", "entity", "vessel", "unknown"})


def _tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


def _entries(v: Iterable[ListEntry]) -> tuple[ListEntry, ...]:
    return tuple(v)


def _check_names(inst: ListEntry, _a: attrs.Attribute[Any], names: tuple[str, ...]) -> None:
    if not names:
        raise ValueError(f"list entry {inst.entry_id!r} has no name")


def _check_quality(inst: ListEntry, _a: attrs.Attribute[Any], q: tuple[str, ...]) -> None:
    if len(q) != len(inst.names):
        raise ValueError(
            f"list entry {inst.entry_id!r}: {len(q)} alias qualities for {len(inst.names)} names"
        )
    bad = [x for x in q if x not in ALIAS_QUALITIES]
    if bad:
        raise ValueError(f"list entry {inst.entry_id!r}: unknown alias quality {bad[0]!r}")


@attrs.frozen
class ListEntry:
    """One entry of a restricted-party list.

    ``names`` holds the primary name first, then the aliases; ``alias_quality`` gives one quality
    per name (``primary``, ``good``, ``low`` or ``weak``). ``license_policy`` is None when the
    source does not carry the licence review policy: that means *unknown*, never approval.
    ``expires`` is the last day of a time-limited listing (a denial order) when the source says.
    """

    list_id: str
    entry_id: str
    names: tuple[str, ...] = attrs.field(converter=_tuple, validator=_check_names)
    alias_quality: tuple[str, ...] = attrs.field(converter=_tuple, validator=_check_quality)
    countries: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    kind: str = attrs.field(default="unknown", validator=attrs.validators.in_(KINDS))
    programs: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    license_requirement: str | None = None
    license_policy: str | None = None
    citation: str | None = None
    listed_on: str | None = None
    expires: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=False, retain_collection_types=False) | {
            "names": list(self.names),
            "alias_quality": list(self.alias_quality),
            "countries": list(self.countries),
            "programs": list(self.programs),
        }


@attrs.frozen
class RestrictedList:
    """A restricted-party list with its provenance: source, as-of date and whether it is verified.

    Entries usually carry the list's own id; a consolidated list (the US CSL) keeps each entry
    under the id of the list it comes from. ``verified`` is true only when the list was produced
    by an importer in this repository from the official publication; ``coverage`` says what the
    list holds and what it leaves out.
    """

    id: str
    name: str
    source: str
    as_of: str
    verified: bool
    entries: tuple[ListEntry, ...] = attrs.field(converter=_entries)
    coverage: str = ""

    def __attrs_post_init__(self) -> None:
        _dt.date.fromisoformat(self.as_of)  # raises ValueError on a malformed date
        # a consolidated list (the CSL) holds entries of several lists, each under its own id
        seen: set[tuple[str, str]] = set()
        for e in self.entries:
            key = (e.list_id, e.entry_id)
            if key in seen:
                raise ValueError(f"list {self.id!r}: duplicate entry id {e.entry_id!r}")
            seen.add(key)

    def version(self) -> dict[str, object]:
        """Identity of this list version, as shown in decisions and by ``exportrules lists``."""
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "as_of": self.as_of,
            "verified": self.verified,
            "entries": len(self.entries),
            "coverage": self.coverage,
        }


@attrs.frozen
class Match:
    """One screening hit: the best-scoring name of one list entry for the screened name."""

    list_id: str
    list_as_of: str
    entry_id: str
    entry_name: str
    matched_name: str
    score: float
    level: str  # "match" | "review"
    features: Mapping[str, float] = attrs.field(eq=False, hash=False)
    explanation: str
    programs: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_policy: str | None = None
    citation: str | None = None
    alias_quality: str = "primary"

    def to_dict(self) -> dict[str, Any]:
        d = attrs.asdict(self, recurse=False)
        d["features"] = dict(self.features)
        d["programs"] = list(self.programs)
        return d


@attrs.frozen
class ClearedMatch:
    """A hit a person has cleared as a false positive: suppressed until ``expires`` (exclusive).

    ``party_name`` is compared after normalisation, so case, punctuation and legal-form words do
    not matter. A clearing is specific to one list entry: a new entry for the same name is not
    suppressed.
    """

    party_name: str
    list_id: str
    entry_id: str
    cleared_by: str
    reason: str
    expires: _dt.date

    def __attrs_post_init__(self) -> None:
        if not self.cleared_by.strip():
            raise ValueError("a cleared match must name the person who cleared it")
        if not self.reason.strip():
            raise ValueError("a cleared match must state the reason")

    def active_on(self, day: _dt.date) -> bool:
        return day < self.expires
