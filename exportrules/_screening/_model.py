"""Data classes of the screening package: list entries, lists, matches, cleared matches."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = [
    "ALIAS_QUALITIES",
    "DEFAULT_STALE_AFTER",
    "KINDS",
    "STALE_AFTER",
    "ClearedMatch",
    "ListEntry",
    "Match",
    "RestrictedList",
    "ScreenResult",
    "to_date",
]

ALIAS_QUALITIES = frozenset({"primary", "good", "low", "weak"})
KINDS = frozenset({"individual", "entity", "vessel", "aircraft", "unknown"})

# Days after its as-of date from which a list counts as stale (``exportrules lists`` and every
# decision that used it say so). The publishers amend these lists several times a month (OFAC
# often several times a week), so a month-old snapshot may already miss designations.
STALE_AFTER: dict[str, int] = {
    "us_sdn": 30,
    "un": 30,
    "us_entity_list": 30,
    "us_meu": 60,
    "us_dpl": 30,
}
DEFAULT_STALE_AFTER = 60


def to_date(v: object) -> _dt.date | None:
    """A date from a date, a datetime or an ISO ``YYYY-MM-DD`` string (a longer ISO timestamp is
    cut to its date); None for None or an empty string. Anything else is an error."""
    if v is None or v == "":
        return None
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        return _dt.date.fromisoformat(v.strip()[:10])
    raise TypeError(f"not a date: {v!r}")


def _iso(d: _dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


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

    ``listed_on`` is the date the listing took effect and ``delisted_on`` the date it ended, as
    far as the source says (None: unknown; the engine then treats the listing as in force).
    ``linked_to`` names parties the source links the entry to (OFAC "Linked To:"); ``remarks`` is
    the source's free-text identifying information (dates of birth, documents), for the person
    reviewing a hit.
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
    listed_on: _dt.date | None = attrs.field(default=None, converter=to_date)
    expires: _dt.date | None = attrs.field(default=None, converter=to_date)
    delisted_on: _dt.date | None = attrs.field(default=None, converter=to_date)
    linked_to: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    remarks: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=False, retain_collection_types=False) | {
            "names": list(self.names),
            "alias_quality": list(self.alias_quality),
            "countries": list(self.countries),
            "programs": list(self.programs),
            "linked_to": list(self.linked_to),
            "listed_on": _iso(self.listed_on),
            "delisted_on": _iso(self.delisted_on),
            "expires": _iso(self.expires),
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
    stale_after: int | None = None  # days; None: the default for the list id (STALE_AFTER)

    def __attrs_post_init__(self) -> None:
        _dt.date.fromisoformat(self.as_of)  # raises ValueError on a malformed date
        # a consolidated list (the CSL) holds entries of several lists, each under its own id
        seen: set[tuple[str, str]] = set()
        for e in self.entries:
            key = (e.list_id, e.entry_id)
            if key in seen:
                raise ValueError(f"list {self.id!r}: duplicate entry id {e.entry_id!r}")
            seen.add(key)

    @property
    def stale_after_days(self) -> int:
        if self.stale_after is not None:
            return self.stale_after
        return STALE_AFTER.get(self.id, DEFAULT_STALE_AFTER)

    def age_days(self, today: _dt.date | None = None) -> int:
        """Days from the list's as-of date to ``today`` (default: the current date)."""
        return ((today or _dt.date.today()) - _dt.date.fromisoformat(self.as_of)).days

    def version(self, today: _dt.date | None = None) -> dict[str, object]:
        """Identity of this list version, as shown in decisions and by ``exportrules lists``.

        Besides id, name, source, as_of, verified, entries and coverage: ``age_days`` (from the
        as-of date to ``today``), ``stale_after`` (days), ``stale`` (age beyond it) and
        ``warning`` (a sentence for people when stale, else None).
        """
        age = self.age_days(today)
        limit = self.stale_after_days
        stale = age > limit
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "as_of": self.as_of,
            "verified": self.verified,
            "entries": len(self.entries),
            "coverage": self.coverage,
            "age_days": age,
            "stale_after": limit,
            "stale": stale,
            "warning": (
                f"STALE: {self.name} is as of {self.as_of}, {age} days old (stale after "
                f"{limit} days); it lacks every listing since then. Update it "
                "(exportrules lists update) before relying on a clear result."
                if stale
                else None
            ),
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
    listed_on: _dt.date | None = None
    delisted_on: _dt.date | None = None
    linked_to: tuple[str, ...] = ()

    def in_force_on(self, day: _dt.date) -> bool | None:
        """Whether the listing is in force on ``day``: False when it starts later or has ended,
        True when both dates are known to allow it, None when the listing date is unknown (the
        engine then treats it as in force and says so)."""
        if self.delisted_on is not None and self.delisted_on <= day:
            return False
        if self.listed_on is None:
            return None
        return self.listed_on <= day

    def to_dict(self) -> dict[str, Any]:
        d = attrs.asdict(self, recurse=False)
        d["features"] = dict(self.features)
        d["programs"] = list(self.programs)
        d["linked_to"] = list(self.linked_to)
        d["listed_on"] = _iso(self.listed_on)
        d["delisted_on"] = _iso(self.delisted_on)
        return d


def _cleared_at(v: object) -> _dt.datetime | _dt.date:
    if isinstance(v, _dt.date):  # a datetime is a date too
        return v
    if isinstance(v, str) and v.strip():
        t = v.strip()
        if len(t) == 10:
            return _dt.date.fromisoformat(t)
        return _dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    raise ValueError(f"cleared_at must be a date or a datetime, got {v!r}")


@attrs.frozen(init=False)
class ClearedMatch:
    """A hit a person has cleared as a false positive: suppressed until ``expires`` (exclusive).

    Records who cleared it (``cleared_by``), when (``cleared_at``: a date or a datetime), on what
    basis (``basis``, e.g. "different registry number 123") and until when (``expires``). The
    earlier keyword ``reason`` is accepted for ``basis``, and ``.reason`` reads it.

    ``party_name`` is compared after normalisation, so case, punctuation and legal-form words do
    not matter. A clearing is specific to one list entry: a new entry for the same name is not
    suppressed.
    """

    party_name: str
    list_id: str
    entry_id: str
    cleared_by: str
    basis: str
    expires: _dt.date
    cleared_at: _dt.datetime | _dt.date

    def __init__(
        self,
        party_name: str,
        list_id: str,
        entry_id: str,
        cleared_by: str,
        basis: str | None = None,
        expires: _dt.date | str | None = None,
        *,
        cleared_at: _dt.datetime | _dt.date | str,
        reason: str | None = None,
    ) -> None:
        if basis is not None and reason is not None and basis != reason:
            raise ValueError("give the clearing's basis once (basis= or its old name reason=)")
        text = basis if basis is not None else reason
        if not isinstance(cleared_by, str) or not cleared_by.strip():
            raise ValueError("a cleared match must name the person who cleared it")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("a cleared match must state its basis")
        exp = to_date(expires)
        if exp is None:
            raise ValueError("a cleared match must have an expiry date (expires)")
        when = _cleared_at(cleared_at)
        day = when.date() if isinstance(when, _dt.datetime) else when
        if day >= exp:
            raise ValueError(f"a cleared match expires ({exp}) on or before it was made ({day})")
        self.__attrs_init__(party_name, list_id, entry_id, cleared_by, text, exp, when)

    @property
    def reason(self) -> str:
        """The basis (its earlier name)."""
        return self.basis

    def active_on(self, day: _dt.date) -> bool:
        return day < self.expires

    def to_dict(self) -> dict[str, Any]:
        return {
            "party_name": self.party_name,
            "list_id": self.list_id,
            "entry_id": self.entry_id,
            "cleared_by": self.cleared_by,
            "cleared_at": self.cleared_at.isoformat(),
            "basis": self.basis,
            "expires": self.expires.isoformat(),
        }


@attrs.frozen
class ScreenResult:
    """What ``Screener.screen_detailed`` found for one name: the hits that stand (``matches``)
    and the hits suppressed by a clearing, each with the clearing applied (``cleared``)."""

    matches: tuple[Match, ...]
    cleared: tuple[tuple[Match, ClearedMatch], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "matches": [m.to_dict() for m in self.matches],
            "cleared": [{"match": m.to_dict(), "clearing": c.to_dict()} for m, c in self.cleared],
        }
