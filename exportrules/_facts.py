"""Pipeline stage 3: facts — what the rules read, built once per evaluation.

``TxFacts`` holds the transaction-level facts every regime shares (``tx.*``, ``screening.*``)
and one frame of ``party.*`` facts per party; ``RegimeFacts`` builds a regime's line frames:
the line's own facts, the regime's table look-ups and plug-in facts, and whether the regime
applies to the line. docs/rules.md section 2 lists every fact.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any

from ._compile import compile_predicate
from ._errors import EvaluationError
from ._ir import Regime, TableView, paths_of, tables_of
from ._model import ScreeningHit, Transaction

__all__ = ["SHADOWED", "UNKNOWN_POLICY", "RegimeFacts", "TxFacts", "uniq"]

#: set in a line frame when a plug-in returned a fact that is not one of its own
#: (``plugin.*``): rules cannot read it; the line-result cache never keeps such a line
SHADOWED = "\x00plugin-shadowed"


class TxFacts:
    """Transaction-level facts shared by every regime, computed once per evaluation."""

    __slots__ = ("_lines", "_party_key", "base", "parties")

    def __init__(self, tx: Transaction, date: _dt.date, hits: Sequence[ScreeningHit]) -> None:
        parties = tx.parties
        knowledge = tx.knowledge
        base: dict[str, Any] = {
            "tx.id": tx.id,
            "tx.date": date.isoformat(),
            "tx.export_from": tx.export_from,
            "tx.destination": tx.destination,
            "tx.destination_region": tx.destination_region,
            "tx.transit": uniq(tx.transit) if tx.transit else (),
            "tx.activity": tx.activity,
            "tx.end_use": uniq(tx.end_use) if tx.end_use else (),
            "tx.knowledge": uniq(knowledge) if knowledge else (),
            "tx.red_flags": uniq(k[9:] for k in knowledge if k.startswith("red_flag:"))
            if knowledge
            else (),
        }
        if parties:
            types: set[str] = set()
            countries: set[str] = set()
            roles: set[str] = set()
            eu_types: set[str] = set()
            eu_countries: set[str] = set()
            cons: set[str] = set()
            brokers: set[str] = set()
            for p in parties:  # one pass: this runs on every evaluation
                role, country = p.role, p.country
                types.add(p.type)
                roles.add(role)
                if country:
                    countries.add(country)
                if role == "end_user":
                    eu_types.add(p.type)
                    if country:
                        eu_countries.add(country)
                elif country and role in ("consignee", "intermediate_consignee"):
                    cons.add(country)
                elif country and role == "broker":
                    brokers.add(country)
            base["tx.party_types"] = _sorted(types)
            base["tx.party_countries"] = _sorted(countries)
            base["tx.party_roles"] = _sorted(roles)
            base["tx.end_user_types"] = _sorted(eu_types)
            base["tx.end_user_countries"] = _sorted(eu_countries)
            base["tx.consignee_countries"] = _sorted(cons)
            base["tx.broker_countries"] = _sorted(brokers)
        else:
            base.update(_NO_PARTIES)
        if hits:
            base["screening.match_lists"] = uniq(h.list for h in hits if h.level == "match")
            base["screening.review_lists"] = uniq(h.list for h in hits if h.level != "match")
            base["screening.policies"] = _policies(hits)
            base["screening.match_programs"] = _programs(hits)
        else:
            base.update(_NO_HITS)
        self.base = base
        self._lines: dict[int, dict[str, Any]] = {}
        self._party_key: tuple[tuple[Any, ...], ...] | None = None
        self.parties: list[dict[str, Any]] = []
        for p in parties:
            if hits:
                ph = [h for h in hits if h.party == p.name and h.role == p.role]
                ml = uniq(h.list for h in ph if h.level == "match")
                rl = uniq(h.list for h in ph if h.level != "match")
                pol = _policies(ph)
                prog = _programs(ph)
            else:
                ml = rl = pol = prog = ()
            self.parties.append(
                {
                    "party.role": p.role,
                    "party.type": p.type,
                    "party.name": p.name,
                    "party.country": p.country,
                    "party.match_lists": ml,
                    "party.review_lists": rl,
                    "party.policies": pol,
                    "party.match_programs": prog,
                }
            )

    def party_key(self) -> tuple[tuple[Any, ...], ...]:
        """Every party's facts, as a hashable value (text, tuples of text and None only)."""
        k = self._party_key
        if k is None:
            k = self._party_key = tuple(tuple(p.values()) for p in self.parties)
        return k

    def line_frame(self, i: int, ln: Any) -> dict[str, Any]:
        """The base facts and line ``i``'s own facts (no regime's code), built once for every
        regime; callers copy it before adding to it."""
        f = self._lines.get(i)
        if f is None:
            f = dict(self.base)
            f["line.id"] = ln.id
            f["line.description"] = ln.description
            f["line.origin"] = ln.origin
            f["line.us_content"] = ln.us_content
            f["line.value"] = ln.value
            f["line.quantity"] = ln.quantity
            f["line.currency"] = ln.currency
            f["line.hs_code"] = ln.hs_code
            f["line.tags"] = uniq(ln.tags) if ln.tags else ()
            self._lines[i] = f
        return f


UNKNOWN_POLICY = "unknown (the list data does not state the licence review policy)"


def _programs(hits: Sequence[ScreeningHit]) -> tuple[str, ...]:
    """Programmes of confirmed matches, qualified by list: ``un:DPRK``, ``us_sdn:SDGT``."""
    return uniq(f"{h.list}:{p}" for h in hits if h.level == "match" for p in h.programs)


def _policies(hits: Sequence[ScreeningHit]) -> tuple[str, ...]:
    """Licence review policies of confirmed matches; a missing one is said to be unknown."""
    return uniq(h.license_policy or UNKNOWN_POLICY for h in hits if h.level == "match")


def _sorted(xs: set[str]) -> tuple[str, ...]:
    if not xs:
        return ()
    if len(xs) == 1:
        return tuple(xs)
    return tuple(sorted(xs))


def uniq(xs: Iterable[Any]) -> tuple[Any, ...]:
    """Sorted distinct values: list facts are canonical, so results never depend on order."""
    return tuple(sorted(set(xs)))


_NO_PARTIES: dict[str, tuple[()]] = dict.fromkeys(
    (
        "tx.party_types",
        "tx.party_countries",
        "tx.party_roles",
        "tx.end_user_types",
        "tx.end_user_countries",
        "tx.consignee_countries",
        "tx.broker_countries",
    ),
    (),
)
_NO_HITS: dict[str, tuple[()]] = dict.fromkeys(
    (
        "screening.match_lists",
        "screening.review_lists",
        "screening.policies",
        "screening.match_programs",
    ),
    (),
)


class RegimeFacts:
    """Per-regime constants for building line frames, computed once at engine construction."""

    def __init__(self, regime: Regime) -> None:
        self.regime = regime
        self.applies = compile_predicate(regime.applicability, f"{regime.id} applicability")
        self.derived = {
            f"derived.{r.effect.fact}": False for layer in regime.derive_strata for r in layer
        }
        self.lookups = [
            (
                lk,
                f"{lk.name}.found",
                [
                    (c, f"{lk.name}.{c}")
                    for c in regime.tables[lk.table].columns
                    if c not in ("valid_from", "valid_until")
                ],
            )
            for lk in regime.lookups
        ]
        # the tables every applicable line rests on (look-ups and applicability)
        self.base_tables = {lk.table for lk in regime.lookups} | tables_of(regime.applicability)
        # applicability that reads only transaction and line facts is decided before the
        # regime's look-ups and plug-in facts are computed
        late = {lk.name for lk in regime.lookups} | {"derived", "plugin"}
        self.early_applicability = not any(
            p.split(".", 1)[0] in late for p in paths_of(regime.applicability)
        )
        # A looked-up row as frame facts ("item.controls": ...), built once per row. Rows are
        # immutable and live as long as the regime, so their id() is a stable key.
        self.prefixed: dict[tuple[str, int], dict[str, Any]] = {}
        self._views: dict[_dt.date, TableView] = {}
        # The facts of all look-ups together depend only on the date and the values of their
        # key facts: when every key is a fact the frame has before any look-up (not another
        # look-up's result), they are memoised per date on the tuple of those values.
        names = {lk.name for lk in regime.lookups}
        keys = tuple(dict.fromkeys(lk.key for lk in regime.lookups))
        self.lookup_keys: tuple[str, ...] | None = (
            None if any(k.split(".", 1)[0] in names for k in keys) else keys
        )
        self._memo: dict[_dt.date, dict[tuple[Any, ...], dict[str, Any]]] = {}

    def view(self, date: _dt.date) -> TableView:
        """The regime's tables as seen on ``date``: one shared view (and look-up memo) per date."""
        v = self._views.get(date)
        if v is None:
            if len(self._views) > 32:
                self._views.clear()
            v = self._views[date] = TableView(self.regime.tables, date)
        return v

    def _lookups(self, f: dict[str, Any], view: TableView) -> dict[str, Any]:
        """The facts every look-up adds to the frame ``f`` (found flags and row columns)."""
        out: dict[str, Any] = {}
        for lk, found_key, cols in self.lookups:
            rows = view.rows(lk.table, f.get(lk.key), lk.match)
            if rows:
                row = rows[0]
                pre = self.prefixed.get((found_key, id(row)))
                if pre is None:
                    pre = {key: row[col] for col, key in cols}
                    pre[found_key] = True
                    self.prefixed[(found_key, id(row))] = pre
                out.update(pre)
            else:
                out[found_key] = False
        return out

    def _lookups_memo(self, f: dict[str, Any], view: TableView) -> dict[str, Any]:
        keys = self.lookup_keys
        assert keys is not None
        k = tuple([f.get(p) for p in keys])
        # only text keys (or none) are memoised: 1, 1.0 and True would share an entry
        if not all(x is None or type(x) is str for x in k):
            return self._lookups(f, view)
        memo = self._memo.get(view.date)
        if memo is None:
            if len(self._memo) > 32:
                self._memo.clear()
            memo = self._memo[view.date] = {}
        got = memo.get(k)
        if got is None:
            got = self._lookups(f, view)
            if len(memo) > 4096:
                memo.clear()
            memo[k] = got
        return got

    @property
    def can_defer(self) -> bool:
        """Whether look-ups and derived facts may wait until a line is matched: applicability
        reads neither, and no plug-in adds facts (a plug-in's facts come after look-ups)."""
        return self.early_applicability and self.regime.plugin_facts is None

    def complete(self, f: dict[str, Any], view: TableView) -> None:
        """Add the look-ups and derived facts to a frame built with ``defer=True``."""
        if self.lookups:
            lookups = self._lookups if self.lookup_keys is None else self._lookups_memo
            f.update(lookups(f, view))
        if self.derived:
            f.update(self.derived)

    def frames(
        self, t: Transaction, facts: TxFacts, view: TableView, *, defer: bool = False
    ) -> tuple[list[dict[str, Any]], list[bool]]:
        """One frame of facts per line, and whether the regime applies to each line.

        ``defer=True`` (only where :attr:`can_defer`) leaves out the look-ups and derived facts
        of applicable lines: :meth:`complete` adds them to the lines that are matched (the
        line-result cache decides the others from the facts already there).

        Raises:
            EvaluationError: a plug-in returned a fact it did not declare.
        """
        regime = self.regime
        rid = regime.id
        applies = self.applies
        auth_ids = tuple(sorted(a.id for a in t.authorisations if a.regime == rid))
        frames: list[dict[str, Any]] = []
        applicable: list[bool] = []
        lookups = self._lookups if self.lookup_keys is None else self._lookups_memo
        for i, ln in enumerate(t.lines):
            f = facts.line_frame(i, ln).copy()
            f["tx.authorisation_ids"] = auth_ids
            cls = ln.classification
            f["line.code"] = cls.get(rid)
            f["line.classified"] = rid in cls
            if self.early_applicability and not applies(f, view):
                # the regime does not apply to this line: no look-ups, no plug-in facts
                frames.append(f)
                applicable.append(False)
                continue
            if defer:
                frames.append(f)
                applicable.append(True)
                continue
            if self.lookups:
                f.update(lookups(f, view))
            if regime.plugin_facts is not None:
                extra = regime.plugin_facts(t, ln)
                for k, v in extra.items():
                    if k not in regime.fact_types:
                        raise EvaluationError(f"plug-in of {rid} returned undeclared fact {k!r}")
                    if not k.startswith("plugin."):
                        f[SHADOWED] = True  # a built-in fact replaced: never cache this line
                    f[k] = v
            if self.derived:
                f.update(self.derived)
            frames.append(f)
            applicable.append(True if self.early_applicability else applies(f, view))
        return frames, applicable
