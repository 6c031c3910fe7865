"""Pipeline stage 2: screen the transaction's parties against restricted-party lists.

The engine asks a screener (the bundled ``exportrules._screening.Screener`` by default) for the
matches of every party and adapts them into ``ScreeningHit`` facts for the regimes. Here too:
clearances (false positives cleared by a person), listing dates (a listing that starts after
the transaction date is no hit), and the screening policy, which makes sure a confirmed match is
never silent, even on a list of a jurisdiction whose regime does not apply.
"""

from __future__ import annotations

import datetime as _dt
import functools
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs

from ._ir import Regime, leaves
from ._model import AppliedClearance, Finding, Outcome, Party, ScreeningHit, Transaction

__all__ = [
    "FixedScreener",
    "ScreenResult",
    "ScreenerLike",
    "ScreeningPolicy",
    "ScreeningStage",
    "hit_from",
    "lists_read",
]

_CITATION = "exportrules, screening policy (docs/screening.md)"


class ScreenerLike(Protocol):
    """What the engine needs from a screener (see ``exportrules._screening.Screener``)."""

    def screen(
        self, name: str, country: str | None = None, *, as_of: _dt.date | None = None
    ) -> Sequence[Any]: ...

    def list_versions(self) -> Sequence[Mapping[str, Any]]: ...


class FixedScreener:
    """A screener that returns stated hits by party name (golden cases, tests)."""

    def __init__(self, hits: Sequence[Mapping[str, Any]]) -> None:
        self._hits: dict[str, list[Mapping[str, Any]]] = {}
        for h in hits:
            self._hits.setdefault(str(h["party"]), []).append(h)

    def screen(
        self, name: str, country: str | None = None, *, as_of: _dt.date | None = None
    ) -> list[Mapping[str, Any]]:
        return list(self._hits.get(name, []))

    def list_versions(self) -> list[Mapping[str, Any]]:
        lists = sorted({str(h["list"]) for hs in self._hits.values() for h in hs})
        return [
            {"id": x, "name": x, "source": "stated in the case", "as_of": "", "verified": False}
            for x in lists
        ]


def hit_from(party_name: str, role: str, m: Any) -> ScreeningHit:
    """Adapt a screener match (object or mapping) into a ScreeningHit."""

    def g(k: str, default: Any = None) -> Any:
        if isinstance(m, Mapping):
            return m.get(k, default)
        return getattr(m, k, default)

    return ScreeningHit(
        party=party_name,
        role=role,
        list=str(g("list_id", g("list", ""))),
        list_as_of=str(g("list_as_of", "") or ""),
        entry_id=str(g("entry_id", g("entry", "")) or ""),
        entry_name=str(g("entry_name", party_name) or ""),
        matched_name=str(g("matched_name", party_name) or ""),
        score=float(g("score", 1.0)),
        level=str(g("level", "match")),
        explanation=str(g("explanation", "") or ""),
        features=dict(g("features", {}) or {}),
        programs=tuple(g("programs", ()) or ()),
        license_requirement=g("license_requirement"),
        license_policy=g("license_policy", g("policy")),
        citation=g("citation"),
        listed_on=_iso(g("listed_on")),
        delisted_on=_iso(g("delisted_on")),
    )


def _iso(v: Any) -> str | None:
    """A listing date as ISO text (a date, or text already in that form)."""
    if v is None or v == "":
        return None
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(_dt.date.fromisoformat(str(v)))


def in_force(hit: ScreeningHit, date: _dt.date) -> bool:
    """Whether a listing applies on ``date``: listed on or before it, not removed by then.
    A listing without a date is treated as in force (a note says so)."""
    iso = date.isoformat()
    if hit.listed_on is not None and hit.listed_on > iso:
        return False
    return not (hit.delisted_on is not None and hit.delisted_on <= iso)


# --------------------------------------------------------------------------- policy

Action = Literal["review", "note", "off"]
_CONFIRMED_PATHS = ("screening.match_lists", "party.match_lists")
_POTENTIAL_PATHS = ("screening.review_lists", "party.review_lists")
_PROGRAM_PATHS = ("screening.match_programs", "party.match_programs")
_LIST_FACTS = (".match_lists", ".review_lists", ".match_programs")


@functools.lru_cache(maxsize=256)  # regimes are immutable once loaded (hashed by identity)
def lists_read(regime: Regime) -> tuple[frozenset[str], frozenset[str]]:
    """The list ids a regime's rules react to: (confirmed matches, potential matches)."""
    confirmed: set[str] = set()
    potential: set[str] = set()
    conds = [regime.applicability, *(r.condition for r in regime.rules)]
    for c in conds:
        for lf in leaves(c):
            if lf.op not in ("contains", "intersects") or not lf.path.endswith(_LIST_FACTS):
                continue
            vals = [lf.value] if lf.op == "contains" else list(lf.value)
            if lf.path in _CONFIRMED_PATHS:
                confirmed.update(str(v) for v in vals)
            elif lf.path in _POTENTIAL_PATHS:
                potential.update(str(v) for v in vals)
            elif lf.path in _PROGRAM_PATHS:
                confirmed.update(str(v).split(":", 1)[0] for v in vals)
    return frozenset(confirmed), frozenset(potential)


@attrs.frozen
class ScreeningPolicy:
    """What a screening match does beyond the rules of the regimes that implement its list.

    A regime implements a list when its rules react to matches on it (they read the list's id
    in ``screening.match_lists`` / ``party.match_lists`` / ``*.match_programs`` for confirmed
    matches, ``*.review_lists`` for potential ones); ``implementers`` can state it instead.
    Those rules decide what a match means under that regime's law (e.g. the US regime's Entity
    List and blocked-person rules). A match on a list that no *applying* regime implements is
    not the law of this transaction, but a person must still see it; what it does:

    Args:
        other_jurisdiction: for a confirmed match: ``"review"`` (default: hold the order with a
            finding ``screening.other_jurisdiction``), ``"note"`` (show it, decide nothing) or
            ``"off"``.
        potential_other_jurisdiction: the same for a potential match (default ``"note"``).
        implementers: list id -> the ids of the regimes that implement it, instead of what
            their rules read.
    """

    other_jurisdiction: Action = attrs.field(default="review")
    potential_other_jurisdiction: Action = attrs.field(default="note")
    implementers: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    @other_jurisdiction.validator
    @potential_other_jurisdiction.validator
    def _check(self, a: attrs.Attribute[Any], v: str) -> None:
        if v not in ("review", "note", "off"):
            raise ValueError(f"{a.name} must be 'review', 'note' or 'off', not {v!r}")

    def findings(
        self,
        hits: Iterable[ScreeningHit],
        regimes: Sequence[Regime],
        applying: frozenset[str],
    ) -> list[Finding]:
        """Findings for in-force hits on lists that no applying regime implements."""
        hits = [h for h in hits if h.in_force]
        if not hits:
            return []
        read = {r.id: lists_read(r) for r in regimes}
        out: dict[tuple[str, str, str, str], Finding] = {}
        for h in hits:
            if not h.in_force:
                continue
            confirmed = h.level == "match"
            action = self.other_jurisdiction if confirmed else self.potential_other_jurisdiction
            if action == "off":
                continue
            if h.list in self.implementers:
                impl = tuple(self.implementers[h.list])
            else:
                impl = tuple(rid for rid, cp in read.items() if h.list in cp[0 if confirmed else 1])
            if applying.intersection(impl):
                continue
            where = (
                f"implemented here by {', '.join(impl)}, which does not apply to this transaction"
                if impl
                else "implemented by none of the loaded regimes"
            )
            what = "confirmed match" if confirmed else "potential match"
            then = (
                "hold for review: a person must decide whether it bears on this order"
                if action == "review"
                else "shown for information"
            )
            key = (h.party, h.role, h.list, h.entry_id)
            out[key] = Finding(
                rule="screening.other_jurisdiction",
                regime="screening",
                line=None,
                party=h.party,
                effect=action,
                outcome=Outcome.REVIEW if action == "review" else Outcome.NOT_APPLICABLE,
                citation=_CITATION,
                message=f"The {h.role.replace('_', ' ')} {h.party!r} is a {what} for entry "
                f"{h.entry_id or h.entry_name!r} ({h.entry_name}) on list {h.list!r}, a list "
                f"{where}; {then}.",
            )
        return [out[k] for k in sorted(out)]


def _date_notes(hits: Iterable[ScreeningHit], date: _dt.date) -> list[Finding]:
    """Notes on listings that are not in force on ``date``, or whose date is unknown."""
    out = []
    for h in hits:
        if h.level != "match" and h.in_force:
            continue
        if not h.in_force:
            if h.listed_on is not None and h.listed_on > date.isoformat():
                why = (
                    f"was listed on {h.listed_on}, after this transaction's date {date}, so the "
                    "listing is not applied to this decision (it will be to later ones)"
                )
            else:
                why = (
                    f"was removed from the list on {h.delisted_on}, on or before this "
                    f"transaction's date {date}, so the listing is not applied"
                )
            rule = "screening.not_listed_on_date"
        else:
            if h.listed_on is not None:
                continue
            why = (
                "carries no listing date in the list data, so the listing is treated as in "
                f"force on {date}"
            )
            rule = "screening.listing_date_unknown"
        out.append(
            Finding(
                rule=rule,
                regime="screening",
                line=None,
                party=h.party,
                effect="note",
                outcome=Outcome.NOT_APPLICABLE,
                citation=_CITATION,
                message=f"Entry {h.entry_id or h.entry_name!r} on list {h.list!r}, matched by "
                f"the {h.role.replace('_', ' ')} {h.party!r}, {why}.",
            )
        )
    return out


@attrs.frozen
class ScreenResult:
    """What screening found for one transaction."""

    hits: tuple[ScreeningHit, ...]  # every hit, in force or not
    unscreenable: tuple[Party, ...]
    cleared: tuple[AppliedClearance, ...]
    notes: tuple[Finding, ...]  # listing-date notes

    @property
    def live(self) -> list[ScreeningHit]:
        """The hits in force on the transaction date: these are the regimes' facts."""
        return [h for h in self.hits if h.in_force]


class ScreeningStage:
    """The screener an engine uses, built lazily, with a cache of adapted hits.

    Args:
        screening: ``"default"`` (or True) for the bundled lists, a screener, or None / False
            to switch screening off.
        cleared: clearances of false positives (``ClearedMatch``) the engine applies.
        policy: the screening policy (default: ``ScreeningPolicy()``).
    """

    def __init__(
        self,
        screening: Any,
        cleared: Iterable[Any] = (),
        policy: ScreeningPolicy | None = None,
    ) -> None:
        self.arg = screening
        self.cleared = tuple(cleared)
        self.policy = policy or ScreeningPolicy()
        self._screener: ScreenerLike | None = None
        self._lock = threading.Lock()
        # (party name, role, id(match)) -> (match, hit); the match is kept so its id stays valid
        self._hits: dict[tuple[str, str, int], tuple[Any, ScreeningHit]] = {}
        self._by_entry: dict[tuple[str, str], list[Any]] = {}
        for c in self.cleared:
            self._by_entry.setdefault((c.list_id, c.entry_id), []).append(c)

    def screener(self) -> ScreenerLike | None:
        arg = self.arg
        if arg is None or arg is False:
            return None
        if arg == "default" or arg is True:
            if self._screener is None:
                with self._lock:
                    if self._screener is None:
                        from ._screening import Screener

                        self._screener = Screener.default()
            return self._screener
        return arg  # type: ignore[no-any-return]

    def list_versions(self) -> Sequence[Mapping[str, Any]]:
        s = self.screener()
        return s.list_versions() if s is not None else []

    def screen(self, t: Transaction, date: _dt.date) -> ScreenResult:
        """Screen every party on ``date``."""
        s = self.screener()
        if s is None or not t.parties:
            return ScreenResult((), (), (), ())
        out: list[ScreeningHit] = []
        unscreenable = []
        cleared: list[AppliedClearance] = []
        can_screen = getattr(s, "can_screen", None)
        detailed = getattr(s, "screen_detailed", None)
        for p in t.parties:
            if can_screen is not None and not can_screen(p.name):
                unscreenable.append(p)
                continue
            if detailed is not None:
                res = detailed(p.name, p.country, as_of=date)
                matches = res.matches
                for m, c in res.cleared:
                    cleared.append(_applied(p, hit_from(p.name, p.role, m), c))
            else:
                matches = s.screen(p.name, p.country, as_of=date)
            for m in matches:
                hit = self._hit(p, m)
                c = self._clearance(p.name, hit, date)
                if c is not None:
                    cleared.append(_applied(p, hit, c))
                    continue
                if not in_force(hit, date):
                    hit = attrs.evolve(hit, in_force=False)
                out.append(hit)
        return ScreenResult(
            hits=tuple(out),
            unscreenable=tuple(unscreenable),
            cleared=tuple(sorted(cleared, key=lambda c: (c.party, c.role, c.list, c.entry_id))),
            notes=tuple(_date_notes(out, date)),
        )

    def _hit(self, p: Party, m: Any) -> ScreeningHit:
        # a warm screener returns the same match objects: adapt each one only once
        key = (p.name, p.role, id(m))
        got = self._hits.get(key)
        if got is None or got[0] is not m:
            if len(self._hits) > 10_000:
                self._hits.clear()
            got = self._hits[key] = (m, hit_from(p.name, p.role, m))
        return got[1]

    def _clearance(self, name: str, hit: ScreeningHit, date: _dt.date) -> Any:
        """The engine's clearance of this hit, if one is active on ``date``."""
        cands = self._by_entry.get((hit.list, hit.entry_id))
        if not cands:
            return None
        from ._screening import normalise

        norm = normalise(name)
        for c in cands:
            if normalise(c.party_name) == norm and c.active_on(date):
                return c
        return None


def _applied(p: Party, hit: ScreeningHit, c: Any) -> AppliedClearance:
    at = getattr(c, "cleared_at", None)
    return AppliedClearance(
        party=p.name,
        role=p.role,
        list=hit.list,
        entry_id=hit.entry_id,
        entry_name=hit.entry_name,
        cleared_by=str(c.cleared_by),
        basis=str(getattr(c, "basis", None) or getattr(c, "reason", "")),
        expires=c.expires.isoformat(),
        cleared_at=None if at is None else at.isoformat(),
    )
