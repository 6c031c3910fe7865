"""The engine: facts, backends, combination (DESIGN.md sections 5 and 7)."""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from typing import Any, Literal, Protocol

from ._errors import EvaluationError, InvalidTransaction, Problem, RuleSetError
from ._ir import TEMPLATE, Regime, Rule, TableView, paths_of, tables_of
from ._loader import bundled_regimes, load_regime
from ._model import (
    AuthorisationUse,
    DataRef,
    Decision,
    Finding,
    LineResult,
    Outcome,
    RegimeResult,
    ScreeningHit,
    Transaction,
)
from ._pyback import Firing, PythonBackend, compile_cond
from ._validate import loads_strict, parse_transaction

__all__ = ["Engine", "ScreenerLike", "evaluate"]

log = logging.getLogger("exportrules")

ENTRY_POINT_GROUP = "exportrules.regimes"

_EFFECT_OUTCOME = {
    "prohibit": Outcome.PROHIBITED,
    "require": Outcome.LICENSE_REQUIRED,
    "review": Outcome.REVIEW,
    "authorise": Outcome.AUTHORISED,
}


@functools.cache
def _version() -> str:
    try:
        return metadata.version("exportrules")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        from . import _version as v

        return v.__version__


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


def _hit_from(party_name: str, role: str, m: Any) -> ScreeningHit:
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
    )


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


def _render(template: str, frame: Mapping[str, Any]) -> str:
    parts = _template_parts(template)
    if len(parts) == 1 and parts[0][1] is None:
        return template
    return "".join(
        [lit + _fmt(frame.get(path)) if path is not None else lit for lit, path in parts]
    )


class _Facts:
    """Transaction-level facts shared by every regime, computed once per evaluation."""

    __slots__ = ("base", "parties")

    def __init__(self, tx: Transaction, date: _dt.date, hits: Sequence[ScreeningHit]) -> None:
        parties = tx.parties
        knowledge = tx.knowledge
        base: dict[str, Any] = {
            "tx.id": tx.id,
            "tx.date": date.isoformat(),
            "tx.export_from": tx.export_from,
            "tx.destination": tx.destination,
            "tx.destination_region": tx.destination_region,
            "tx.transit": _uniq(tx.transit) if tx.transit else (),
            "tx.activity": tx.activity,
            "tx.end_use": _uniq(tx.end_use) if tx.end_use else (),
            "tx.knowledge": _uniq(knowledge) if knowledge else (),
            "tx.red_flags": _uniq(k[9:] for k in knowledge if k.startswith("red_flag:"))
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
            base["screening.match_lists"] = _uniq(h.list for h in hits if h.level == "match")
            base["screening.review_lists"] = _uniq(h.list for h in hits if h.level != "match")
            base["screening.policies"] = _policies(hits)
        else:
            base.update(_NO_HITS)
        self.base = base
        self.parties: list[dict[str, Any]] = []
        for p in parties:
            if hits:
                ph = [h for h in hits if h.party == p.name and h.role == p.role]
                ml = _uniq(h.list for h in ph if h.level == "match")
                rl = _uniq(h.list for h in ph if h.level != "match")
                pol = _policies(ph)
            else:
                ml = rl = pol = ()
            self.parties.append(
                {
                    "party.role": p.role,
                    "party.type": p.type,
                    "party.name": p.name,
                    "party.country": p.country,
                    "party.match_lists": ml,
                    "party.review_lists": rl,
                    "party.policies": pol,
                }
            )


_UNKNOWN_POLICY = "unknown (the list data does not state the licence review policy)"


def _policies(hits: Sequence[ScreeningHit]) -> tuple[str, ...]:
    """Licence review policies of confirmed matches; a missing one is said to be unknown."""
    return _uniq(h.license_policy or _UNKNOWN_POLICY for h in hits if h.level == "match")


def _hashable(v: Any) -> Any:
    """A fact value usable in a cache key (list-typed table columns are lists)."""
    return tuple(v) if type(v) is list else v


def _sorted(xs: set[str]) -> tuple[str, ...]:
    if not xs:
        return ()
    if len(xs) == 1:
        return tuple(xs)
    return tuple(sorted(xs))


def _uniq(xs: Iterable[Any]) -> tuple[Any, ...]:
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
    ("screening.match_lists", "screening.review_lists", "screening.policies"), ()
)


class _Runtime:
    """Per-regime constants the engine needs on every evaluation, computed once."""

    def __init__(self, regime: Regime) -> None:
        self.applies = compile_cond(regime.applicability)
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
        self.refs = {
            name: DataRef(
                regime=regime.id, table=name, source=t.source, as_of=t.as_of, verified=t.verified
            )
            for name, t in regime.tables.items()
        }


class Engine:
    """Evaluates transactions against a set of regimes.

    Args:
        regimes: loaded regimes, regime folders (paths), or both.
        backend: ``"python"`` (default) or ``"rete"`` (needs ``exportrules[rete]``).
        as_of: the date used for transactions that give no ``date`` (default: today).
        screening: ``"default"`` for the bundled lists, a screener, or None to switch it off.
        strict_data: if true, a result less severe than ``review`` that rests on a table not
            generated from the official text (``verified = false``) becomes ``review``.

    Raises:
        RuleSetError: a regime fails to load, or two regimes share an id.
    """

    def __init__(
        self,
        regimes: Iterable[Regime | str | os.PathLike[str]] = (),
        *,
        backend: Literal["python", "rete"] | str = "python",
        as_of: _dt.date | str | None = None,
        screening: Literal["default"] | ScreenerLike | bool | None = None,
        strict_data: bool = False,
    ) -> None:
        loaded: list[Regime] = []
        for r in regimes:
            loaded.append(r if isinstance(r, Regime) else load_regime(r))
        ids: dict[str, str] = {}
        for r in loaded:
            if r.id in ids:
                raise RuleSetError(
                    f"duplicate regime id {r.id!r}: loaded from {ids[r.id]} and {r.origin}"
                )
            ids[r.id] = r.origin
        self._regimes: tuple[Regime, ...] = tuple(sorted(loaded, key=lambda r: r.id))
        self._by_id = {r.id: r for r in self._regimes}
        self._runtime = {r.id: _Runtime(r) for r in self._regimes}
        # Unknown item tags are refused: a misspelt tag must not silently drop a control.
        self._tags = frozenset(t for r in self._regimes for t in r.tags)
        if isinstance(as_of, str):
            as_of = _dt.date.fromisoformat(as_of)
        self.as_of = as_of
        self.strict_data = strict_data
        self.backend_name = backend
        self._backend = _make_backend(backend)
        self._screening_arg: Any = screening
        self._screener: ScreenerLike | None = None
        self._screener_lock = threading.Lock()
        # (party name, role, id(match)) -> (match, hit); the match is kept so its id stays valid
        self._hit_cache: dict[tuple[str, str, int], tuple[Any, ScreeningHit]] = {}
        self._spec: dict[str, Any] = {
            "paths": [str(r.folder) for r in self._regimes],
            "backend": backend,
            "as_of": as_of.isoformat() if as_of else None,
            "strict_data": strict_data,
        }

    # ------------------------------------------------------------------ construction

    @classmethod
    def default(
        cls,
        *,
        backend: Literal["python", "rete"] | str = "python",
        as_of: _dt.date | str | None = None,
        screening: Literal["default"] | ScreenerLike | bool | None = "default",
        strict_data: bool = False,
        plugins: bool = True,
    ) -> Engine:
        """The bundled regimes plus third-party regimes from installed entry points."""
        regimes: list[Regime] = [load_regime(d, label=f"regimes/{n}") for n, d in bundled_regimes()]
        if plugins:
            regimes.extend(discover_entry_points())
        return cls(
            regimes, backend=backend, as_of=as_of, screening=screening, strict_data=strict_data
        )

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | os.PathLike[str]],
        *,
        backend: Literal["python", "rete"] | str = "python",
        as_of: _dt.date | str | None = None,
        screening: Literal["default"] | ScreenerLike | bool | None = None,
        strict_data: bool = False,
    ) -> Engine:
        """An engine over regime folders on disk."""
        return cls(
            paths,
            backend=backend,
            as_of=as_of,
            screening=screening,
            strict_data=strict_data,
        )

    @property
    def regimes(self) -> tuple[Regime, ...]:
        return self._regimes

    def with_screener(self, screener: ScreenerLike | None) -> Engine:
        """The same regimes and backend with another screener (shares compiled rules)."""
        e = object.__new__(Engine)
        e.__dict__.update(self.__dict__)
        e._screening_arg = screener
        e._screener = None
        e._screener_lock = threading.Lock()
        e._hit_cache = {}
        return e

    def _get_screener(self) -> ScreenerLike | None:
        arg = self._screening_arg
        if arg is None or arg is False:
            return None
        if arg == "default" or arg is True:
            if self._screener is None:
                with self._screener_lock:
                    if self._screener is None:
                        from ._screening import Screener

                        self._screener = Screener.default()
            return self._screener
        return arg  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, tx: Transaction | Mapping[str, Any]) -> Decision:
        """Decide one transaction.

        Raises:
            InvalidTransaction: the input breaks the contract (every problem, with its path).
        """
        evaluated_at = _dt.datetime.now(_dt.UTC)
        t = parse_transaction(tx)
        self._check_codes(t)
        date = t.date or self.as_of or _dt.date.today()
        hits, unscreenable = self._screen(t, date)
        facts = _Facts(t, date, hits)
        findings: list[Finding] = [
            Finding(
                rule="screening.unscreenable",
                regime="screening",
                line=None,
                party=p.name,
                effect="review",
                outcome=Outcome.REVIEW,
                citation="exportrules, restricted-party screening (DESIGN.md s. 8)",
                message=f"The name of the {p.role.replace('_', ' ')} {p.name!r} has nothing to "
                "compare after normalisation, so it could not be screened: no hit here does not "
                "mean clear; hold for review.",
            )
            for p in unscreenable
        ]
        auth_uses: dict[tuple[str, str], dict[str, Any]] = {}
        regime_results: dict[str, RegimeResult] = {}
        line_outcomes: list[dict[str, Outcome]] = [{} for _ in t.lines]
        data: dict[tuple[str, str], DataRef] = {}
        for regime in self._regimes:
            try:
                applies, outs = self._eval_regime(regime, t, date, facts, findings, auth_uses, data)
            except Exception as e:
                log.exception("fault while evaluating regime %s", regime.id)
                applies = True
                outs = [Outcome.REVIEW] * len(t.lines)
                findings.append(
                    Finding(
                        rule=f"{regime.id}.engine_fault",
                        regime=regime.id,
                        line=None,
                        party=None,
                        effect="review",
                        outcome=Outcome.REVIEW,
                        citation="exportrules, fail-closed policy (DESIGN.md s. 5)",
                        message=f"The engine failed while evaluating this regime "
                        f"({type(e).__name__}: {e}); hold for review.",
                    )
                )
            for i, o in enumerate(outs):
                line_outcomes[i][regime.id] = o
            regime_results[regime.id] = RegimeResult(
                applies=applies,
                outcome=max(outs, default=Outcome.NOT_APPLICABLE),
                version=regime.version,
            )
        lines = [
            LineResult(
                line=ln.id,
                outcome=max(line_outcomes[i].values(), default=Outcome.NOT_APPLICABLE),
                regimes=line_outcomes[i],
            )
            for i, ln in enumerate(t.lines)
        ]
        overall = max((lr.outcome for lr in lines), default=Outcome.NOT_APPLICABLE)
        for f in findings:
            if f.line is None and f.outcome > overall:
                overall = f.outcome
        if hits:
            for v in self._list_versions():
                data.setdefault(
                    ("screening", str(v.get("id"))),
                    DataRef(
                        regime="screening",
                        table=str(v.get("id")),
                        source=str(v.get("source", "")),
                        as_of=str(v.get("as_of", "")),
                        verified=bool(v.get("verified", False)),
                    ),
                )
        findings.sort(key=_finding_key)
        return Decision(
            transaction=t.id,
            as_of=date,
            evaluated_at=evaluated_at,
            input_sha256=t.sha256(),
            outcome=overall,
            regimes=regime_results,
            lines=lines,
            findings=findings,
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
                    for u in auth_uses.values()
                ),
                key=lambda a: (a.regime, a.id),
            ),
            screening=sorted(hits, key=lambda h: (h.party, h.role, h.list, h.entry_id)),
            data=sorted(data.values(), key=lambda d: (d.regime, d.table)),
            engine={
                "version": _version(),
                "backend": self._backend.name,
                "rulesets": {r.id: r.sha256 for r in self._regimes},
            },
        )

    def _list_versions(self) -> Sequence[Mapping[str, Any]]:
        s = self._get_screener()
        return s.list_versions() if s is not None else []

    def _screen(self, t: Transaction, date: _dt.date) -> tuple[list[ScreeningHit], list[Any]]:
        """Screen every party; also return the parties whose names cannot be screened."""
        s = self._get_screener()
        if s is None or not t.parties:
            return [], []
        out = []
        unscreenable = []
        can_screen = getattr(s, "can_screen", None)
        for p in t.parties:
            if can_screen is not None and not can_screen(p.name):
                unscreenable.append(p)
                continue
            for m in s.screen(p.name, p.country, as_of=date):
                # a warm screener returns the same match objects: adapt each one only once
                key = (p.name, p.role, id(m))
                got = self._hit_cache.get(key)
                if got is None or got[0] is not m:
                    if len(self._hit_cache) > 10_000:
                        self._hit_cache.clear()
                    got = self._hit_cache[key] = (m, _hit_from(p.name, p.role, m))
                out.append(got[1])
        return out, unscreenable

    def _check_codes(self, t: Transaction) -> None:
        problems = []
        known_tags = self._tags
        for i, ln in enumerate(t.lines):
            for j, tag in enumerate(ln.tags):
                if tag not in known_tags:
                    problems.append(
                        Problem(
                            f"lines[{i}].tags[{j}]",
                            f"{tag!r} is not an item tag any loaded regime knows "
                            f"(known: {', '.join(sorted(known_tags)) or 'none'})",
                        )
                    )
            for rid, code in ln.classification.items():
                r = self._by_id.get(rid)
                if r is None or code is None or r.code_pattern is None:
                    continue
                if not r.code_pattern.fullmatch(code):
                    problems.append(
                        Problem(
                            f"lines[{i}].classification.{rid}",
                            f"{code!r} is not a well-formed {r.name} classification code",
                        )
                    )
        if problems:
            raise InvalidTransaction(problems)

    def _eval_regime(
        self,
        regime: Regime,
        t: Transaction,
        date: _dt.date,
        facts: _Facts,
        findings: list[Finding],
        auth_uses: dict[tuple[str, str], dict[str, Any]],
        data: dict[tuple[str, str], DataRef],
    ) -> tuple[bool, list[Outcome]]:
        view = TableView(regime.tables, date)
        rid = regime.id
        rt = self._runtime[rid]
        held = [a for a in t.authorisations if a.regime == rid]
        base = facts.base
        frames: list[dict[str, Any]] = []
        applicable: list[bool] = []
        used_tables: set[str] = set()
        auth_ids = tuple(sorted(a.id for a in held))
        applies = rt.applies
        for ln in t.lines:
            f = dict(base)
            f["tx.authorisation_ids"] = auth_ids
            cls = ln.classification
            f["line.id"] = ln.id
            f["line.description"] = ln.description
            f["line.code"] = cls.get(rid)
            f["line.classified"] = rid in cls
            f["line.origin"] = ln.origin
            f["line.us_content"] = ln.us_content
            f["line.value"] = ln.value
            f["line.quantity"] = ln.quantity
            f["line.currency"] = ln.currency
            f["line.hs_code"] = ln.hs_code
            f["line.tags"] = _uniq(ln.tags) if ln.tags else ()
            if rt.early_applicability and not applies(f, view):
                # the regime does not apply to this line: no look-ups, no plug-in facts
                frames.append(f)
                applicable.append(False)
                continue
            for lk, found_key, cols in rt.lookups:
                rows = view.rows(lk.table, f.get(lk.key), lk.match)
                if rows:
                    row = rows[0]
                    pre = rt.prefixed.get((found_key, id(row)))
                    if pre is None:
                        pre = {key: row[col] for col, key in cols}
                        pre[found_key] = True
                        rt.prefixed[(found_key, id(row))] = pre
                    f.update(pre)
                else:
                    f[found_key] = False
            if regime.plugin_facts is not None:
                extra = regime.plugin_facts(t, ln)
                for k, v in extra.items():
                    if k not in regime.fact_types:
                        raise EvaluationError(f"plug-in of {rid} returned undeclared fact {k!r}")
                    f[k] = v
            if rt.derived:
                f.update(rt.derived)
            frames.append(f)
            applicable.append(True if rt.early_applicability else applies(f, view))
        n = len(t.lines)
        if not any(applicable):
            return False, [Outcome.NOT_APPLICABLE] * n
        used_tables.update(rt.base_tables)

        in_force = (regime.effective_from is None or date >= regime.effective_from) and (
            regime.effective_until is None or date < regime.effective_until
        )
        outs: list[Outcome] = []
        if not in_force:
            for i, ln in enumerate(t.lines):
                if not applicable[i]:
                    outs.append(Outcome.NOT_APPLICABLE)
                    continue
                outs.append(Outcome.REVIEW)
                span = (f"from {regime.effective_from}" if regime.effective_from else "") + (
                    f" until {regime.effective_until}" if regime.effective_until else ""
                )
                findings.append(
                    Finding(
                        rule=f"{rid}.not_in_force",
                        regime=rid,
                        line=ln.id,
                        party=None,
                        effect="review",
                        outcome=Outcome.REVIEW,
                        citation=regime.references[0] if regime.references else regime.name,
                        message=f"{regime.name} is encoded for the law in force {span.strip()}; "
                        f"{date} is outside it, so the engine cannot decide: hold for review.",
                    )
                )
            return True, outs

        live_frames = [f for i, f in enumerate(frames) if applicable[i]]
        live_index = [i for i in range(n) if applicable[i]]
        firings = self._backend.fire(regime, view, live_frames, facts.parties)
        per_line: list[list[Firing]] = [[] for _ in range(n)]
        for r, li, pj in firings:
            per_line[live_index[li]].append((r, li, pj))
            used_tables.update(r.tables)
        for i, ln in enumerate(t.lines):
            if not applicable[i]:
                outs.append(Outcome.NOT_APPLICABLE)
                continue
            outs.append(
                self._combine(
                    regime,
                    t,
                    date,
                    ln.id,
                    frames[i],
                    facts,
                    per_line[i],
                    held,
                    findings,
                    auth_uses,
                    used_tables,
                )
            )
        for name in used_tables:
            data[(rid, name)] = rt.refs[name]
        return True, outs

    def _combine(
        self,
        regime: Regime,
        t: Transaction,
        date: _dt.date,
        line_id: str,
        frame: Mapping[str, Any],
        facts: _Facts,
        firings: Sequence[Firing],
        held: Sequence[Any],
        findings: list[Finding],
        auth_uses: dict[tuple[str, str], dict[str, Any]],
        used_tables: set[str],
    ) -> Outcome:
        rid = regime.id
        rt = self._runtime[rid]
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
                if cov:
                    discharged |= cov
                    used_auth.append((None, a, cov))

        pending = reasons - discharged
        if by_kind.get("prohibit"):
            outcome = Outcome.PROHIBITED
        elif pending:
            outcome = Outcome.LICENSE_REQUIRED
        elif by_kind.get("review"):
            outcome = Outcome.REVIEW
        elif requires:
            outcome = Outcome.AUTHORISED
        else:
            outcome = Outcome.NO_LICENSE_REQUIRED

        if (
            self.strict_data
            and outcome < Outcome.REVIEW
            and any(not regime.tables[n].verified for n in used_tables)
        ):
            curated = sorted(n for n in used_tables if not regime.tables[n].verified)
            findings.append(
                Finding(
                    rule=f"{rid}.unverified_data",
                    regime=rid,
                    line=line_id,
                    party=None,
                    effect="review",
                    outcome=Outcome.REVIEW,
                    citation="exportrules, strict_data option (DESIGN.md s. 6)",
                    message="strict_data: this result rests on curated tables not generated from "
                    f"the official text ({', '.join(curated)}); hold for review.",
                )
            )
            outcome = Outcome.REVIEW

        def party_name(pj: int | None) -> str | None:
            return None if pj is None else str(facts.parties[pj]["party.name"])

        def frame_for(pj: int | None) -> Mapping[str, Any]:
            if pj is None:
                return frame
            return {**frame, **facts.parties[pj]}

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
                pname = party_name(pj)
                # Findings are immutable and depend only on the rule, the line, the party, the
                # outcome and the facts their texts read: reuse them across evaluations.
                key = (
                    r.index,  # rt (and its cache) belongs to this regime alone
                    line_id,
                    pname,
                    fo,
                    t.destination if r.report else None,
                    *[_hashable(fr.get(p)) for p in rt.finding_paths[r.index]],
                )
                finding = rt.findings.get(key)
                if finding is None:
                    finding = self._make_finding(r, kind, rid, line_id, pname, fo, fr, t)
                    if len(rt.findings) > 50_000:
                        rt.findings.clear()
                    rt.findings[key] = finding
                findings.append(finding)
        for r_or_none, a, cov in used_auth:
            if r_or_none is not None:
                e = r_or_none.effect
                key = (rid, str(e.authorisation))
                u = auth_uses.setdefault(
                    key,
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
                u["citation"].add(r_or_none.citation)
                u["conditions"].extend(c for c in e.conditions if c not in u["conditions"])
            else:
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

    @staticmethod
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
            message=_render(r.message, fr),
            policy=_render(r.policy, fr) if r.policy else None,
            reason=r.effect.reason,
            authorisation=r.effect.authorisation
            if kind in ("authorise", "deny_authorisation")
            else None,
            report=report,
        )

    def evaluate_many(
        self, transactions: Iterable[Transaction | Mapping[str, Any]], workers: int = 0
    ) -> Iterator[Decision]:
        """Decide many transactions, in order. ``workers > 0`` uses that many processes.

        Raises:
            InvalidTransaction: at the first invalid transaction (use the CLI's batch mode to
                collect errors per record instead).
        """
        for res in self._evaluate_results(transactions, workers):
            if isinstance(res, InvalidTransaction):
                raise res
            yield res

    def _evaluate_results(
        self,
        transactions: Iterable[Transaction | Mapping[str, Any] | str],
        workers: int = 0,
        replace_date: str | None = None,
    ) -> Iterator[Decision | InvalidTransaction]:
        """Decisions (or the InvalidTransaction) in input order; JSON text is accepted too.

        With workers, at most a bounded window of work is in flight, so a batch of any size
        streams in constant memory.
        """
        if workers <= 0:
            for tx in transactions:
                yield _safe(self, tx, replace_date)
            return
        import multiprocessing
        import pickle
        from collections import deque
        from concurrent.futures import Future, ProcessPoolExecutor
        from itertools import islice

        spec = dict(self._spec)
        spec["replace_date"] = replace_date
        # a custom screener goes to the workers as it is: it must pickle, or we say so
        spec["screening"] = self._screening_arg
        try:
            pickle.dumps(spec)
        except Exception as e:
            raise EvaluationError(
                f"evaluate_many(workers={workers}) sends the engine's settings to worker "
                f"processes, but the screener {self._screening_arg!r} cannot be pickled ({e}); "
                "use workers=0 or a picklable screener"
            ) from e
        # durable_rules keeps process-global state and a lock: never fork a process that may
        # hold it; the python backend forks safely and starts faster.
        ctx = multiprocessing.get_context("spawn" if self.backend_name == "rete" else None)
        items = (tx.to_dict() if isinstance(tx, Transaction) else tx for tx in transactions)
        window: deque[Future[list[dict[str, Any]]]] = deque()
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(spec,), mp_context=ctx
        ) as ex:
            while True:
                while len(window) < workers * 4:
                    chunk = list(islice(items, 64))
                    if not chunk:
                        break
                    window.append(ex.submit(_worker_chunk, chunk))
                if not window:
                    return
                for d in window.popleft().result():
                    if d.get("error") == "invalid_transaction":
                        yield InvalidTransaction(
                            [Problem(p["path"], p["message"]) for p in d["problems"]]
                        )
                    else:
                        yield Decision.from_dict(d)


def _safe(
    engine: Engine, tx: Any, replace_date: str | None = None
) -> Decision | InvalidTransaction:
    try:
        if isinstance(tx, str | bytes):
            tx = loads_strict(tx)
        if replace_date is not None and isinstance(tx, Mapping):
            tx = {**tx, "date": replace_date}
        return engine.evaluate(tx)
    except InvalidTransaction as e:
        return e


_WORKER: Engine | None = None
_REPLACE_DATE: str | None = None


def _worker_init(spec: Mapping[str, Any]) -> None:
    global _WORKER, _REPLACE_DATE
    _REPLACE_DATE = spec.get("replace_date")
    _WORKER = Engine.from_paths(
        spec["paths"],
        backend=spec["backend"],
        as_of=spec["as_of"],
        screening=spec.get("screening"),
        strict_data=spec["strict_data"],
    )


def _worker_chunk(txs: list[Any]) -> list[dict[str, Any]]:
    assert _WORKER is not None
    return [_safe(_WORKER, tx, _REPLACE_DATE).to_dict() for tx in txs]


def _finding_key(f: Finding) -> tuple[str, str, str, str, str]:
    return (f.regime, f.line or "", f.rule, f.party or "", f.message)


def _make_backend(name: str) -> Any:
    if name == "python":
        return PythonBackend()
    if name == "rete":
        try:
            from ._rete import ReteBackend
        except ImportError as e:
            raise RuleSetError(
                f"the rete backend needs durable_rules: pip install 'exportrules[rete]' ({e})"
            ) from None
        return ReteBackend()
    raise RuleSetError(f"unknown backend {name!r}: use 'python' or 'rete'")


def discover_entry_points() -> list[Regime]:
    """Regimes registered by installed packages under the ``exportrules.regimes`` group."""
    out = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as e:
            raise RuleSetError(f"entry point {ep.name!r} ({ep.value}) failed to load: {e}") from e
        r = obj if isinstance(obj, Regime) else load_regime(obj, label=f"entry point {ep.name}")
        out.append(r)
    return out


_DEFAULT: Engine | None = None
_DEFAULT_LOCK = threading.Lock()


def evaluate(tx: Transaction | Mapping[str, Any]) -> Decision:
    """Decide one transaction with the default engine (bundled regimes, bundled lists)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Engine.default()
    return _DEFAULT.evaluate(tx)
