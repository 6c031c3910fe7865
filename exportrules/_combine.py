"""Pipeline stage 5: combine — the effects that fired on a line become its outcome.

Per regime and line (docs/rules.md, "Combination"): prohibited if any ``prohibit``; else
licence required if a ``require`` is not discharged by an ``authorise`` (not denied) or a held
licence; else review if any ``review``; else authorised if a requirement was discharged; else
no licence required. Each firing becomes a finding with its rendered message.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ._balance import Balances
from ._ir import TEMPLATE, Regime, Rule
from ._model import Authorisation, Finding, Outcome, Resolution, Transaction
from ._pyback import Firing
from ._resolve import Resolver

__all__ = ["Combiner", "add_rule_use", "render", "resolved_finding"]

_EFFECT_OUTCOME = {
    "prohibit": Outcome.PROHIBITED,
    "require": Outcome.LICENSE_REQUIRED,
    "review": Outcome.REVIEW,
    "authorise": Outcome.AUTHORISED,
}


def _fmt(v: Any) -> str:
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if v is None:
        return "(none)"
    if t is tuple or t is list or t is frozenset:
        return ", ".join(str(x) for x in v) if v else "(none)"
    if t is bool:
        return "yes" if v else "no"
    return str(v)


_PARTS: dict[str, tuple[tuple[str, str | None], ...]] = {}


def _template_parts(template: str) -> tuple[tuple[str, str | None], ...]:
    """Split a message template into (literal, fact path or None) pairs, once per template."""
    parts = _PARTS.get(template)
    if parts is None:
        out: list[tuple[str, str | None]] = []
        pos = 0
        for m in TEMPLATE.finditer(template):
            out.append((template[pos : m.start()], m.group(1)))
            pos = m.end()
        if pos < len(template):
            out.append((template[pos:], None))
        parts = _PARTS[template] = tuple(out)  # templates come from loaded rules: bounded
    return parts


def render(template: str, frame: Mapping[str, Any]) -> str:
    parts = _template_parts(template)
    if len(parts) == 1 and parts[0][1] is None:
        return template
    return "".join(
        [lit + _fmt(frame.get(path)) if path is not None else lit for lit, path in parts]
    )


def resolved_finding(f: Finding, res: Resolution) -> Finding:
    """A review finding a person resolved: it stays in the decision, holding nothing."""
    return attrs.evolve(f, outcome=Outcome.NOT_APPLICABLE, resolved_by=res.by)


def _party_name(parties: Sequence[Mapping[str, Any]], pj: int | None) -> str | None:
    return None if pj is None else str(parties[pj]["party.name"])


def _limit_note(rid: str, line_id: str, a: Authorisation, why: str, regime: Regime) -> Finding:
    return Finding(
        rule=f"{rid}.licence_limit",
        regime=rid,
        line=line_id,
        party=None,
        effect="note",
        outcome=Outcome.NOT_APPLICABLE,
        citation=regime.held_licence_citation,
        message=f"Held {a.type} licence {a.id} does not cover line {line_id}: {why}.",
        authorisation=a.id,
    )


def _hashable(v: Any) -> Any:
    """A cache key for a fact value that tells apart every value a finding renders
    differently: ``1``, ``1.0`` and ``True`` are equal in Python, and so are ``0.0`` and
    ``-0.0``, but their texts differ, and a decision must not depend on what was decided
    before it. Strings (the common case) are their own key."""
    t = type(v)
    if t is str or v is None:
        return v
    if t is list or t is tuple:
        types = tuple(map(type, v))
        if all(x is str or x is int or x is bool for x in set(types)):
            return (t, tuple(v), types)
        return (t, tuple(map(repr, v)), types)
    if t is int or t is bool:
        return (t, v)
    return (t, repr(v))  # floats (-0.0 and 0.0 are equal), and anything a plug-in returns


class Combiner:
    """Combines one regime's firings line by line. Thread-safe: its finding cache only ever
    maps a key to an equal, immutable finding."""

    def __init__(self, regime: Regime) -> None:
        self.regime = regime
        # the facts each rule's finding reads (message, policy, report fields)
        report_paths = (
            "line.code",
            "derived.cyber_surveillance",
            "line.tags",
            "line.value",
            "line.currency",
        )
        self.finding_paths: dict[int, tuple[str, ...]] = {
            r.index: tuple(
                sorted(
                    {p for _, p in _template_parts(r.message) if p is not None}
                    | {p for _, p in _template_parts(r.policy or "") if p is not None}
                    | (set(report_paths) if r.report else set())
                )
            )
            for r in regime.rules
        }
        self.findings: dict[tuple[Any, ...], Finding] = {}

    def combine(
        self,
        t: Transaction,
        date: _dt.date,
        line_id: str,
        frame: Mapping[str, Any],
        parties: Sequence[Mapping[str, Any]],
        firings: Sequence[Firing],
        held: Sequence[Authorisation],
        findings: list[Finding],
        auth_uses: dict[tuple[str, str], dict[str, Any]],
        used_tables: set[str],
        strict_data: bool = False,
        resolver: Resolver | None = None,
        balances: Balances | None = None,
        uses: list[tuple[Rule, frozenset[str | None]]] | None = None,
    ) -> Outcome:
        """The outcome of one line under this regime; its findings go into ``findings``, the
        authorisations used into ``auth_uses``.

        Args:
            frame: the line's facts; ``parties`` the party frames (``for_each`` firings).
            firings: (rule, line index, party index) for every rule that held on the line.
            held: the transaction's licences of this regime.
            used_tables: the tables the line's result rests on.
            strict_data: a result below ``review`` resting on a table not generated from the
                official text becomes ``review``.
            resolver: the transaction's resolutions of review findings.
            balances: what limited licences have left (a licence that would be overdrawn
                covers nothing on the line).
            uses: when given, receives each rule authorisation used on the line and the
                reasons it covered (for the line-result cache to replay).
        """
        regime = self.regime
        rid = regime.id
        by_kind: dict[str, list[tuple[Rule, int | None]]] = {}
        for r, _li, pj in firings:
            by_kind.setdefault(r.effect.kind, []).append((r, pj))
        denies = by_kind.get("deny_authorisation", [])

        def denied(aid: str, kind: str) -> bool:
            for r, _ in denies:
                e = r.effect
                if (e.authorisation in (None, "*", aid)) and (e.auth_kind in (None, kind)):
                    return True
            return False

        requires = by_kind.get("require", [])
        reasons = {r.effect.reason for r, _ in requires}
        discharged: set[str | None] = set()
        used_auth: list[tuple[Rule | None, Any, set[str | None]]] = []
        for r, _pj in by_kind.get("authorise", []):
            e = r.effect
            assert e.authorisation is not None
            assert e.auth_kind is not None
            if denied(e.authorisation, e.auth_kind):
                continue
            cov = reasons if "*" in e.covers else reasons & set(e.covers)
            if cov:
                discharged |= cov
                used_auth.append((r, None, cov))
        if held and reasons:
            named_only = {r.effect.reason for r, _ in requires if r.effect.held == "named"}
            for a in held:
                if not a.covers(line_id, t.destination, date) or denied(a.id, a.type):
                    continue
                if a.reasons:
                    cov = reasons & set(a.reasons)
                else:
                    cov = reasons - named_only
                if not cov:
                    continue
                short = balances.draw(a, frame) if balances is not None else None
                if short is not None:
                    findings.append(_limit_note(rid, line_id, a, short, regime))
                    continue
                discharged |= cov
                used_auth.append((None, a, cov))

        # review findings a person has resolved no longer hold the line
        resolved: dict[tuple[int, int | None], Resolution] = {}
        if resolver:
            for r, pj in by_kind.get("review", ()):
                res = resolver.resolve(r.id, line_id, _party_name(parties, pj))
                if res is not None:
                    resolved[(r.index, pj)] = res
        pending = reasons - discharged
        if by_kind.get("prohibit"):
            outcome = Outcome.PROHIBITED
        elif pending:
            outcome = Outcome.LICENSE_REQUIRED
        elif len(by_kind.get("review", ())) > len(resolved):
            outcome = Outcome.REVIEW
        elif requires:
            outcome = Outcome.AUTHORISED
        else:
            outcome = Outcome.NO_LICENSE_REQUIRED

        if (
            strict_data
            and outcome < Outcome.REVIEW
            and any(not regime.tables[n].verified for n in used_tables)
        ):
            curated = sorted(n for n in used_tables if not regime.tables[n].verified)
            f = Finding(
                rule=f"{rid}.unverified_data",
                regime=rid,
                line=line_id,
                party=None,
                effect="review",
                outcome=Outcome.REVIEW,
                citation="exportrules, strict_data option (docs/api.md)",
                message="strict_data: this result rests on curated tables not generated from "
                f"the official text ({', '.join(curated)}); hold for review.",
            )
            res = resolver.resolve(f.rule, line_id, None) if resolver else None
            if res is None:
                outcome = Outcome.REVIEW
            findings.append(f if res is None else resolved_finding(f, res))

        def frame_for(pj: int | None) -> Mapping[str, Any]:
            if pj is None:
                return frame
            return {**frame, **parties[pj]}

        for kind, items in by_kind.items():
            for r, pj in items:
                if kind == "require":
                    fo = (
                        Outcome.LICENSE_REQUIRED
                        if r.effect.reason in pending
                        else Outcome.AUTHORISED
                    )
                elif kind == "authorise":
                    if not any(u[0] is r for u in used_auth):
                        continue
                    fo = Outcome.AUTHORISED
                elif kind in _EFFECT_OUTCOME:
                    fo = _EFFECT_OUTCOME[kind]
                elif kind == "no_license":
                    fo = Outcome.NO_LICENSE_REQUIRED
                elif kind == "note":
                    fo = Outcome.NOT_APPLICABLE  # informational: bears on no outcome
                else:  # deny_authorisation: it shapes the line's outcome, so it carries it
                    fo = outcome
                fr = frame_for(pj)
                pname = _party_name(parties, pj)
                # Findings are immutable and depend only on the rule, the line, the party, the
                # outcome and the facts their texts read: reuse them across evaluations.
                key = (
                    r.index,  # this cache belongs to this regime alone
                    line_id,
                    pname,
                    fo,
                    t.destination if r.report else None,
                    *[_hashable(fr.get(p)) for p in self.finding_paths[r.index]],
                )
                finding = self.findings.get(key)
                if finding is None:
                    finding = _make_finding(r, kind, rid, line_id, pname, fo, fr, t)
                    if len(self.findings) > 50_000:
                        self.findings.clear()
                    self.findings[key] = finding
                if resolver:
                    if kind == "review":
                        res = resolved.get((r.index, pj))
                        if res is not None:
                            finding = resolved_finding(finding, res)
                    elif kind in ("prohibit", "require"):
                        resolver.saw(r.id, line_id, pname, kind)
                findings.append(finding)
        for r_or_none, a, cov in used_auth:
            if r_or_none is not None:
                if uses is not None:
                    uses.append((r_or_none, frozenset(cov)))
                add_rule_use(auth_uses, rid, r_or_none, cov, line_id)
                continue
            key = (rid, a.id)
            u = auth_uses.setdefault(
                key,
                {
                    "regime": rid,
                    "id": a.id,
                    "kind": {a.type},
                    "lines": set(),
                    "covers": set(),
                    "citation": {regime.held_licence_citation},
                    "conditions": [
                        "Comply with the terms and conditions stated in the licence."
                    ],
                },
            )
            findings.append(
                Finding(
                    rule=f"{rid}.held_licence",
                    regime=rid,
                    line=line_id,
                    party=None,
                    effect="authorise",
                    outcome=Outcome.AUTHORISED,
                    citation=regime.held_licence_citation,
                    message=f"Held {a.type} licence {a.id} covers line {line_id} to "
                    f"{t.destination} on {date}.",
                    authorisation=a.id,
                )
            )
            u["lines"].add(line_id)
            u["covers"].update(str(c) for c in cov)
        return outcome


def add_rule_use(
    auth_uses: dict[tuple[str, str], dict[str, Any]],
    rid: str,
    rule: Rule,
    cov: Iterable[str | None],
    line_id: str,
) -> None:
    """Merge a rule's authorisation, used on line ``line_id`` for reasons ``cov``."""
    e = rule.effect
    u = auth_uses.setdefault(
        (rid, str(e.authorisation)),
        {
            "regime": rid,
            "id": e.authorisation,
            "kind": set(),
            "lines": set(),
            "covers": set(),
            "citation": set(),
            "conditions": [],
        },
    )
    # several rules may grant the same authorisation: merge, independent of order
    u["kind"].add(e.auth_kind)
    u["citation"].add(rule.citation)
    u["conditions"].extend(c for c in e.conditions if c not in u["conditions"])
    u["lines"].add(line_id)
    u["covers"].update(str(c) for c in cov)


def _make_finding(
    r: Rule,
    kind: str,
    rid: str,
    line_id: str,
    pname: str | None,
    fo: Outcome,
    fr: Mapping[str, Any],
    t: Transaction,
) -> Finding:
    report = None
    if r.report:
        report = {
            "item": fr.get("line.code"),
            "cyber_surveillance": bool(
                fr.get("derived.cyber_surveillance")
                or "cyber_surveillance" in (fr.get("line.tags") or ())
            ),
            "destination": t.destination,
            "value": fr.get("line.value"),
            "currency": fr.get("line.currency"),
            "authorisation_type": r.effect.auth_kind if kind == "authorise" else None,
        }
    return Finding(
        rule=r.id,
        regime=rid,
        line=line_id,
        party=pname,
        effect=kind,
        outcome=fo,
        citation=r.citation,
        message=render(r.message, fr),
        policy=render(r.policy, fr) if r.policy else None,
        reason=r.effect.reason,
        authorisation=r.effect.authorisation
        if kind in ("authorise", "deny_authorisation")
        else None,
        report=report,
    )
