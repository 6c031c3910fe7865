"""Pipeline stage 6: assemble — collect what the regimes found into one ``Decision``.

The line outcome is the most severe over regimes, the transaction outcome the most severe over
lines and party-level findings (docs/api.md, "The decision").
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from ._ir import Regime
from ._model import (
    AppliedClearance,
    AuthorisationUse,
    DataRef,
    Decision,
    Finding,
    LineResult,
    Outcome,
    RegimeResult,
    ResolutionResult,
    ScreeningHit,
    Transaction,
)

__all__ = ["Assembly", "data_refs", "stale_warning"]


def stale_warning(
    what: str, as_of: str, stale_after: int | None, date: _dt.date
) -> str | None:
    """A warning when data dated ``as_of`` is more than ``stale_after`` days older than the
    transaction date ``date`` (None when fresh, undated or without a limit)."""
    if not stale_after or not as_of:
        return None
    try:
        age = (date - _dt.date.fromisoformat(as_of[:10])).days
    except ValueError:
        return None
    if age <= stale_after:
        return None
    return (
        f"{what} is dated {as_of[:10]}, {age} days before this transaction's date {date} "
        f"(refresh expected within {stale_after} days): the decision may miss later changes"
    )


def data_refs(regime: Regime) -> dict[str, DataRef]:
    """The provenance of each of a regime's tables, as decisions cite it (built once)."""
    return {
        name: DataRef(
            regime=regime.id, table=name, source=t.source, as_of=t.as_of, verified=t.verified
        )
        for name, t in regime.tables.items()
    }


# an outcome's severity, as a C-level call (Outcome's comparisons are Python methods)
_SEV = {o: o.severity for o in Outcome}.__getitem__
_RESULTS: dict[tuple[bool, Outcome, str], RegimeResult] = {}
_LIST_REFS: dict[tuple[Any, ...], DataRef] = {}


def _finding_key(f: Finding) -> tuple[str, str, str, str, str]:
    return (f.regime, f.line or "", f.rule, f.party or "", f.message)


class Assembly:
    """What one evaluation has found so far; :meth:`decision` builds the Decision."""

    __slots__ = ("auth_uses", "data", "findings", "line_outcomes", "regime_results", "t")

    def __init__(self, t: Transaction) -> None:
        self.t = t
        self.findings: list[Finding] = []
        # (regime, authorisation id) -> the parts of an AuthorisationUse, merged over lines
        self.auth_uses: dict[tuple[str, str], dict[str, Any]] = {}
        self.data: dict[tuple[str, str], DataRef] = {}
        self.line_outcomes: list[dict[str, Outcome]] = [{} for _ in t.lines]
        self.regime_results: dict[str, RegimeResult] = {}

    def regime_done(self, regime: Regime, applies: bool, outcomes: Sequence[Outcome]) -> None:
        """Record a regime's outcome for each line."""
        rid = regime.id
        for i, o in enumerate(outcomes):
            self.line_outcomes[i][rid] = o
        outcome = max(outcomes, key=_SEV, default=Outcome.NOT_APPLICABLE)
        # results are immutable and few: one per (applies, outcome, version), shared
        key = (applies, outcome, regime.version)
        rr = _RESULTS.get(key)
        if rr is None:
            rr = RegimeResult(applies=applies, outcome=outcome, version=regime.version)
            if len(_RESULTS) > 1024:
                _RESULTS.clear()
            _RESULTS[key] = rr
        self.regime_results[rid] = rr

    def add_lists(self, versions: Sequence[Mapping[str, Any]], date: _dt.date) -> None:
        """Name the screening lists the decision rested on, with a warning for a list older
        than its ``stale_after`` on the transaction ``date``."""
        for v in versions:
            lid, as_of = str(v.get("id")), str(v.get("as_of", ""))
            sa = v.get("stale_after")
            sa = sa if isinstance(sa, int) else None
            source, verified = str(v.get("source", "")), bool(v.get("verified", False))
            # DataRefs are immutable: one per list version and transaction date, shared
            key = (lid, as_of, type(sa), sa, source, verified, date)
            ref = _LIST_REFS.get(key)
            if ref is None:
                ref = DataRef(
                    regime="screening",
                    table=lid,
                    source=source,
                    as_of=as_of,
                    verified=verified,
                    warning=stale_warning(f"list {lid}", as_of, sa, date),
                )
                if len(_LIST_REFS) > 4096:
                    _LIST_REFS.clear()
                _LIST_REFS[key] = ref
            self.data.setdefault(("screening", lid), ref)

    def decision(
        self,
        *,
        date: _dt.date,
        evaluated_at: _dt.datetime,
        hits: Sequence[ScreeningHit],
        engine: Mapping[str, Any],
        resolutions: Sequence[ResolutionResult] = (),
        cleared: Sequence[AppliedClearance] = (),
    ) -> Decision:
        t = self.t
        lines = [
            LineResult(
                line=ln.id,
                outcome=max(
                    self.line_outcomes[i].values(), key=_SEV, default=Outcome.NOT_APPLICABLE
                ),
                regimes=self.line_outcomes[i],
            )
            for i, ln in enumerate(t.lines)
        ]
        overall = max((lr.outcome for lr in lines), key=_SEV, default=Outcome.NOT_APPLICABLE)
        for f in self.findings:
            if f.line is None and _SEV(f.outcome) > _SEV(overall):
                overall = f.outcome
        self.findings.sort(key=_finding_key)
        return Decision(
            transaction=t.id,
            as_of=date,
            evaluated_at=evaluated_at,
            input_sha256=t.sha256(),
            outcome=overall,
            regimes=self.regime_results,
            lines=lines,
            findings=self.findings,
            authorisations=sorted(
                (
                    AuthorisationUse(
                        regime=u["regime"],
                        id=u["id"],
                        kind=min(u["kind"]),
                        lines=sorted(u["lines"]),
                        covers=sorted(u["covers"]),
                        citation="; ".join(sorted(u["citation"])),
                        conditions=sorted(u["conditions"]),
                    )
                    for u in self.auth_uses.values()
                ),
                key=lambda a: (a.regime, a.id),
            ),
            screening=sorted(hits, key=lambda h: (h.party, h.role, h.list, h.entry_id)),
            data=sorted(self.data.values(), key=lambda d: (d.regime, d.table)),
            engine=engine,
            resolutions=resolutions,
            cleared=cleared,
        )
