"""The engine: orchestrates the pipeline for one transaction.

    validate (_validate) -> screen (_screen) -> facts (_facts) -> match (_match: _pyback / _rete)
    -> combine (_combine) -> assemble (_assemble)

Each stage is a module of its own; this one only wires them together, per regime, and keeps
the engine's configuration. A fault inside a regime turns that regime into ``review`` for the
transaction (fail closed) without stopping the others.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal, overload

import attrs

from ._assemble import Assembly, data_refs, stale_warning
from ._balance import Balances, LedgerLike
from ._combine import Combiner, add_rule_use, resolved_finding
from ._errors import RuleSetError
from ._facts import RegimeFacts, TxFacts
from ._ir import Regime
from ._linecache import LineCache, default_size
from ._loader import bundled_regimes, load_regime
from ._match import Firing, make_backend
from ._model import DataRef, Decision, Finding, Outcome, Transaction
from ._plugins import ENTRY_POINT_GROUP, discover, discover_entry_points
from ._resolve import Resolver
from ._screen import FixedScreener, ScreenerLike, ScreeningPolicy, ScreeningStage
from ._screening import ClearedMatch
from ._validate import check_against_regimes, parse_transaction

if TYPE_CHECKING:
    from ._batch import ErrorRecord

__all__ = [
    "ENTRY_POINT_GROUP",
    "Engine",
    "FixedScreener",
    "ScreenerLike",
    "discover_entry_points",
    "evaluate",
]

log = logging.getLogger("exportrules")


@functools.cache
def _version() -> str:
    try:
        return metadata.version("exportrules")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        from . import _version as v

        return v.__version__


# A transaction dated more than this many days (three years) after the newest as-of date of a
# regime's tables gets a note (review under strict_data): the data cannot know the law of that
# date (docs/index.md, Fail closed).
DATA_HORIZON_DAYS = 1095


def _newest_as_of(regime: Regime) -> _dt.date | None:
    days = []
    for t in regime.tables.values():
        try:
            days.append(_dt.date.fromisoformat(t.as_of))
        except ValueError:
            continue
    return max(days, default=None)


class _RegimeStages:
    """A regime and the per-regime state of each stage, built once per engine."""

    __slots__ = ("_dated_refs", "combiner", "data_as_of", "facts", "lines", "refs", "regime")

    def __init__(self, regime: Regime, line_cache: int = 0) -> None:
        self.regime = regime
        self.facts = RegimeFacts(regime)
        self.combiner = Combiner(regime)
        self.refs = data_refs(regime)
        self._dated_refs: dict[tuple[str, _dt.date], DataRef] = {}
        self.data_as_of = _newest_as_of(regime)
        # the regime's result per line, for lines seen before (docs/backends.md)
        self.lines = (
            LineCache(regime, self.combiner.finding_paths, line_cache) if line_cache > 0 else None
        )

    def ref(self, table: str, date: _dt.date) -> DataRef:
        """The table's provenance as a decision dated ``date`` cites it (with a warning when
        the table is older than its ``stale_after`` then)."""
        ref = self.refs[table]
        t = self.regime.tables[table]
        if not t.stale_after:
            return ref
        got = self._dated_refs.get((table, date))
        if got is None:
            w = stale_warning(f"table {self.regime.id}/{table}", t.as_of, t.stale_after, date)
            got = ref if w is None else attrs.evolve(ref, warning=w)
            if len(self._dated_refs) > 4096:
                self._dated_refs.clear()
            self._dated_refs[(table, date)] = got
        return got


class Engine:
    """Evaluates transactions against a set of regimes.

    Args:
        regimes: loaded regimes, regime folders (paths), or both.
        backend: ``"python"`` (default: each regime compiled to a Python decision function;
            ``"compiled"`` is another name for it) or ``"rete"`` (needs ``exportrules[rete]``).
        as_of: the date used for transactions that give no ``date`` (default: today).
        screening: ``"default"`` for the bundled lists, a screener, or None to switch it off.
        strict_data: if true, a result less severe than ``review`` that rests on a table not
            generated from the official text (``verified = false``) becomes ``review``.
        strict_plugins: if true, a stand-in for a plug-in regime that failed to load (see
            ``Engine.default``) raises ``RuleSetError`` instead of answering ``review``.
        screening_policy: what a match does beyond the rules of the regimes implementing its
            list (default ``ScreeningPolicy()``: a confirmed match on a list of a jurisdiction
            whose regime does not apply holds the order for review).
        cleared: screening matches cleared as false positives (``ClearedMatch``).
        ledger: a ledger (``exportrules.Ledger``) whose records of earlier shipments limited
            licences draw on; without one only the transaction's own lines count.

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
        strict_plugins: bool = False,
        screening_policy: ScreeningPolicy | None = None,
        cleared: Iterable[ClearedMatch] = (),
        ledger: LedgerLike | None = None,
    ) -> None:
        loaded: list[Regime] = []
        for r in regimes:
            loaded.append(r if isinstance(r, Regime) else load_regime(r))
        broken = [r for r in loaded if r.broken]
        if strict_plugins and broken:
            raise RuleSetError([p for r in broken for p in (f"regime {r.id!r}:", *r.problems)])
        ids: dict[str, str] = {}
        for r in loaded:
            if r.id in ids:
                raise RuleSetError(
                    f"duplicate regime id {r.id!r}: loaded from {ids[r.id]} and {r.origin}"
                )
            ids[r.id] = r.origin
        self._regimes: tuple[Regime, ...] = tuple(sorted(loaded, key=lambda r: r.id))
        self._by_id = {r.id: r for r in self._regimes}
        # EXPORTRULES_LINE_CACHE: line results kept per regime (0: off)
        self._stages = [_RegimeStages(r, default_size()) for r in self._regimes]
        # Unknown item tags are refused: a misspelt tag must not silently drop a control.
        self._tags = frozenset(t for r in self._regimes for t in r.tags)
        if isinstance(as_of, str):
            as_of = _dt.date.fromisoformat(as_of)
        self.as_of = as_of
        self.strict_data = strict_data
        self.backend_name = backend
        self._backend = make_backend(backend)
        # line results are cached for this backend only (a backend swapped in later, as the
        # differential tests do, decides every line itself)
        self._cached_backend = self._backend
        cleared = tuple(cleared)
        self._screening = ScreeningStage(screening, cleared, screening_policy)
        self.ledger = ledger
        # what a worker process needs to build the same engine (see _from_spec)
        self._spec: dict[str, Any] = {
            "paths": [str(r.folder) for r in self._regimes],
            "backend": backend,
            "as_of": as_of.isoformat() if as_of else None,
            "strict_data": strict_data,
            "default": None,
            "screening_policy": screening_policy,
            "cleared": cleared,
            "ledger": ledger,
        }
        # the installed plug-ins behind the regimes, shown in every decision's engine block
        self._plugins = [
            {**r.provider, "regime": r.id, "status": "broken" if r.broken else "loaded"}
            for r in self._regimes
            if r.provider
        ]
        self._known_ids: frozenset[str] | None = None

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
        strict_plugins: bool = False,
        screening_policy: ScreeningPolicy | None = None,
        cleared: Iterable[ClearedMatch] = (),
        ledger: LedgerLike | None = None,
    ) -> Engine:
        """The bundled regimes plus the regimes of installed plug-ins (docs/plugins.md).

        Installing a package that registers a regime under the ``exportrules.regimes`` entry
        point changes what this engine decides, everywhere in the process: each decision names
        the plug-ins in ``engine.plugins``. ``plugins=False`` loads the bundled regimes only.

        A plug-in that fails to import or load does not stop the others: its regime answers
        ``review`` on every line, with the finding ``<id>.ruleset_error`` naming the problem
        (the entry-point name stands for the id when the regime cannot be read).
        ``strict_plugins=True`` raises ``RuleSetError`` instead.
        """
        regimes: list[Regime] = [load_regime(d, label=f"regimes/{n}") for n, d in bundled_regimes()]
        if plugins:
            taken = {r.id: r.origin for r in regimes}
            regimes.extend(discover(strict=strict_plugins, taken=taken))
        engine = cls(
            regimes,
            backend=backend,
            as_of=as_of,
            screening=screening,
            strict_data=strict_data,
            strict_plugins=strict_plugins,
            screening_policy=screening_policy,
            cleared=cleared,
            ledger=ledger,
        )
        engine._spec["default"] = {"plugins": plugins, "strict_plugins": strict_plugins}
        return engine

    @classmethod
    def _from_spec(cls, spec: Mapping[str, Any]) -> Engine:
        """The engine a worker process builds from ``engine._spec`` (plus ``screening``)."""
        kw: dict[str, Any] = {
            "backend": spec["backend"],
            "as_of": spec["as_of"],
            "screening": spec.get("screening"),
            "strict_data": spec["strict_data"],
            "screening_policy": spec.get("screening_policy"),
            "cleared": spec.get("cleared", ()),
            "ledger": spec.get("ledger"),
        }
        if spec.get("default") is not None:
            return cls.default(**kw, **spec["default"])
        return cls.from_paths(spec["paths"], **kw)

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | os.PathLike[str]],
        *,
        backend: Literal["python", "rete"] | str = "python",
        as_of: _dt.date | str | None = None,
        screening: Literal["default"] | ScreenerLike | bool | None = None,
        strict_data: bool = False,
        screening_policy: ScreeningPolicy | None = None,
        cleared: Iterable[ClearedMatch] = (),
        ledger: LedgerLike | None = None,
    ) -> Engine:
        """An engine over regime folders on disk."""
        return cls(
            paths,
            backend=backend,
            as_of=as_of,
            screening=screening,
            strict_data=strict_data,
            screening_policy=screening_policy,
            cleared=cleared,
            ledger=ledger,
        )

    @property
    def regimes(self) -> tuple[Regime, ...]:
        return self._regimes

    def list_versions(self) -> list[dict[str, Any]]:
        """The restricted-party lists this engine screens against: id, name, source, as-of
        date, ``verified`` and, where the screener says, age and staleness (empty when
        screening is off). Builds the default screener if it is not built yet."""
        return [dict(v) for v in self._screening.list_versions()]

    def with_screener(self, screener: ScreenerLike | None) -> Engine:
        """The same regimes and backend with another screener (shares compiled rules)."""
        e = object.__new__(Engine)
        e.__dict__.update(self.__dict__)
        e._screening = ScreeningStage(
            screener, self._screening.cleared, self._screening.policy
        )
        return e

    def _known_regime_ids(self) -> frozenset[str]:
        """Ids a classification may name: the loaded regimes, and the bundled and installed ones
        this engine was built without (a transaction may carry codes for several regimes)."""
        known = self._known_ids
        if known is None:
            eps = metadata.entry_points(group=ENTRY_POINT_GROUP)
            known = frozenset(
                [*self._by_id, *(n for n, _ in bundled_regimes()), *(ep.name for ep in eps)]
            )
            self._known_ids = known
        return known

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, tx: Transaction | Mapping[str, Any]) -> Decision:
        """Decide one transaction.

        Raises:
            InvalidTransaction: the input breaks the contract (every problem, with its path).
        """
        evaluated_at = _dt.datetime.now(_dt.UTC)
        t = parse_transaction(tx)
        check_against_regimes(t, self._by_id, self._tags, self._known_regime_ids)
        date = t.date or self.as_of or _dt.date.today()
        screened = self._screening.screen(t, date)
        live = screened.live
        facts = TxFacts(t, date, live)
        acc = Assembly(t)
        resolver = Resolver(t.resolutions, date)
        balances = Balances(self.ledger) if any(a.limits for a in t.authorisations) else None
        review_findings = [
            Finding(
                rule="screening.unscreenable",
                regime="screening",
                line=None,
                party=p.name,
                effect="review",
                outcome=Outcome.REVIEW,
                citation="exportrules, restricted-party screening (docs/screening.md)",
                message=f"The name of the {p.role.replace('_', ' ')} {p.name!r} has nothing to "
                "compare after normalisation, so it could not be screened: no hit here does not "
                "mean clear; hold for review.",
            )
            for p in screened.unscreenable
        ]
        acc.findings.extend(screened.notes)
        for st in self._stages:
            regime = st.regime
            outs: list[Outcome] = []
            n0 = len(acc.findings)
            try:
                applies = self._eval_regime(st, t, date, facts, acc, resolver, balances, outs)
            except Exception as e:
                log.exception("fault while evaluating regime %s", regime.id)
                applies = True
                at = f" at line {t.lines[len(outs)].id}" if len(outs) < len(t.lines) else ""
                outs = _fault_outcomes(regime, t, outs, acc.findings[n0:])
                resolver.saw(f"{regime.id}.engine_fault", None, None, "not evaluated")
                acc.findings.append(
                    _fault_finding(
                        regime.id,
                        f"The engine failed while evaluating this regime{at} "
                        f"({type(e).__name__}: {e}); every line it could not finish is held "
                        "for review, and nothing it had already found is lowered.",
                    )
                )
            else:
                # only a date the transaction (or the engine) states: an undated transaction is
                # decided as of today, which data status watches instead
                stated = t.date or self.as_of
                if applies and stated is not None and st.data_as_of is not None:
                    outs = self._data_horizon(st, stated, outs, acc)
            acc.regime_done(regime, applies, outs)
        applying = frozenset(rid for rid, rr in acc.regime_results.items() if rr.applies)
        review_findings += self._screening.policy.findings(live, self._regimes, applying)
        for f in review_findings:
            res = resolver.resolve(f.rule, None, f.party) if f.effect == "review" else None
            acc.findings.append(f if res is None else resolved_finding(f, res))
        if screened.hits:
            acc.add_lists(self._screening.list_versions(), date)
        return acc.decision(
            date=date,
            evaluated_at=evaluated_at,
            hits=screened.hits,
            engine={
                "version": _version(),
                "backend": self._backend.name,
                "rulesets": {r.id: r.sha256 for r in self._regimes},
                "plugins": self._plugins,
            },
            resolutions=resolver.results(),
            cleared=screened.cleared,
        )

    def _data_horizon(
        self, st: _RegimeStages, date: _dt.date, outs: list[Outcome], acc: Assembly
    ) -> list[Outcome]:
        """A note (review under strict_data) when ``date`` lies far beyond the regime's data."""
        newest = st.data_as_of
        assert newest is not None
        days = (date - newest).days
        if days <= DATA_HORIZON_DAYS:
            return outs
        regime = st.regime
        strict = self.strict_data
        acc.findings.append(
            Finding(
                rule=f"{regime.id}.data_horizon",
                regime=regime.id,
                line=None,
                party=None,
                effect="review" if strict else "note",
                outcome=Outcome.REVIEW if strict else Outcome.NOT_APPLICABLE,
                citation="exportrules, data horizon (docs/index.md, Fail closed)",
                message=f"The transaction is dated {date}, {days} days after the newest data of "
                f"this regime (as of {newest}; the margin is {DATA_HORIZON_DAYS} days): it was "
                f"decided with that data, which cannot reflect changes in the law since; check "
                f"the result against the law in force on {date}."
                + (" strict_data: hold for review." if strict else ""),
            )
        )
        if not strict:
            return outs
        return [o if o is Outcome.NOT_APPLICABLE else max(o, Outcome.REVIEW) for o in outs]

    def _eval_regime(
        self,
        st: _RegimeStages,
        t: Transaction,
        date: _dt.date,
        facts: TxFacts,
        acc: Assembly,
        resolver: Resolver,
        balances: Balances | None,
        outs: list[Outcome],
    ) -> bool:
        """One regime over every line: facts, match, combine. Returns whether it applies; each
        line's outcome under it goes into ``outs`` as soon as it is known (so that after a
        fault the lines already decided are known)."""
        regime = st.regime
        rid = regime.id
        n = len(t.lines)
        view = st.facts.view(date)
        held = [a for a in t.authorisations if a.regime == rid]
        # Lines decided before with the very same facts (see _linecache): only where nothing
        # but the facts decides (no licence held, no resolution, no strict_data).
        cache = st.lines if self._backend is self._cached_backend else None
        if cache is not None and (held or resolver or self.strict_data):
            cache = None
        # with the cache, look-ups and derived facts wait until a line is matched
        defer = cache is not None and st.facts.can_defer
        frames, applicable = st.facts.frames(t, facts, view, defer=defer)
        if not any(applicable):
            outs += [Outcome.NOT_APPLICABLE] * n
            return False
        used_tables: set[str] = set(st.facts.base_tables)

        in_force = (regime.effective_from is None or date >= regime.effective_from) and (
            regime.effective_until is None or date < regime.effective_until
        )
        if not in_force:
            span = (f"from {regime.effective_from}" if regime.effective_from else "") + (
                f" until {regime.effective_until}" if regime.effective_until else ""
            )
            for i, ln in enumerate(t.lines):
                if not applicable[i]:
                    outs.append(Outcome.NOT_APPLICABLE)
                    continue
                f = Finding(
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
                resolver.saw(f.rule, ln.id, None, "not evaluated")
                outs.append(Outcome.REVIEW)
                acc.findings.append(f)
            return True

        live_index = [i for i in range(n) if applicable[i]]
        keys: dict[int, Any] = {}
        hits: dict[int, Any] = {}
        if cache is not None:
            pk = facts.party_key()
            dest = t.destination
            lines = t.lines
            full_key, get = cache.full_key, cache.get
            for i in live_index:
                k = full_key(frames[i], date, lines[i].id, dest, pk)
                if k is not None:
                    got = get(k)
                    if got is None:
                        keys[i] = k
                    else:
                        hits[i] = got
        fire_index = [i for i in live_index if i not in hits] if hits else live_index
        if defer:
            for i in fire_index:
                st.facts.complete(frames[i], view)
        fallback: Exception | None = None
        try:
            firings = self._backend.fire(
                regime, view, [frames[i] for i in fire_index], facts.parties
            )
        except Exception as e:
            # Nothing is decided yet: match again with the reference evaluator (the plain
            # closures both backends are tested against), on fresh frames (the failed run may
            # have written derived facts into them), and keep nothing in the cache.
            log.exception("the %s backend failed on regime %s", self._backend.name, rid)
            fallback = e
            keys.clear()
            hits.clear()
            frames, applicable = st.facts.frames(t, facts, view)
            fire_index = [i for i in range(n) if applicable[i]]
            firings = self._reference_backend().fire(
                regime, view, [frames[i] for i in fire_index], facts.parties
            )
        per_line: list[list[Firing]] = [[] for _ in range(n)]
        for r, li, pj in firings:
            per_line[fire_index[li]].append((r, li, pj))
            used_tables.update(r.tables)
        auth_uses = acc.auth_uses
        for i, ln in enumerate(t.lines):
            if not applicable[i]:
                outs.append(Outcome.NOT_APPLICABLE)
                continue
            hit = hits.get(i) if hits else None
            if hit is not None:
                outcome, found, tables, rule_uses = hit
                acc.findings.extend(found)
                used_tables.update(tables)
                for r, cov in rule_uses:
                    add_rule_use(auth_uses, rid, r, cov, ln.id)
                outs.append(outcome)
                continue
            key = keys.get(i) if keys else None
            n0 = len(acc.findings)
            uses: list[Any] | None = [] if key is not None else None
            outcome = st.combiner.combine(
                t,
                date,
                ln.id,
                frames[i],
                facts.parties,
                per_line[i],
                held,
                acc.findings,
                auth_uses,
                used_tables,
                self.strict_data,
                resolver,
                balances,
                uses,
            )
            outs.append(outcome)
            if key is not None and cache is not None and uses is not None:
                tables = frozenset(tb for r, _li, _pj in per_line[i] for tb in r.tables)
                cache.put(key, (outcome, tuple(acc.findings[n0:]), tables, tuple(uses)))
        for name in used_tables:
            acc.data[(rid, name)] = st.ref(name, date)
        if fallback is not None:
            outs[:] = [o if o is Outcome.NOT_APPLICABLE else max(o, Outcome.REVIEW) for o in outs]
            resolver.saw(f"{rid}.engine_fault", None, None, "not evaluated")
            acc.findings.append(
                _fault_finding(
                    rid,
                    f"The {self._backend.name} backend failed while matching this regime's "
                    f"rules ({type(fallback).__name__}: {fallback}); the reference evaluator "
                    "decided it instead, and the result is held for review.",
                )
            )
        return True

    def _reference_backend(self) -> Any:
        """The reference evaluator, for a regime the configured backend failed on."""
        b = self.__dict__.get("_reference")
        if b is None:
            from ._pyback import PythonBackend

            b = self.__dict__["_reference"] = PythonBackend()
        return b

    # ------------------------------------------------------------------ many transactions

    @overload
    def evaluate_many(
        self,
        transactions: Iterable[Transaction | Mapping[str, Any]],
        workers: int = 0,
        *,
        on_error: Literal["raise"] = "raise",
    ) -> Iterator[Decision]: ...

    @overload
    def evaluate_many(
        self,
        transactions: Iterable[Transaction | Mapping[str, Any]],
        workers: int = 0,
        *,
        on_error: Literal["record"],
    ) -> Iterator[Decision | ErrorRecord]: ...

    def evaluate_many(
        self,
        transactions: Iterable[Transaction | Mapping[str, Any]],
        workers: int = 0,
        *,
        on_error: Literal["raise", "record"] = "raise",
    ) -> Iterator[Decision] | Iterator[Decision | ErrorRecord]:
        """Decide many transactions, in input order, streaming.

        ``workers > 0`` decides in that many processes, each with an engine built like this
        one, with a bounded window of work in flight (constant memory for any input length).

        ``on_error="raise"`` (default) stops at the first transaction that cannot be decided;
        ``on_error="record"`` yields an ``ErrorRecord`` in its place (with its index, id,
        error code and problems) and goes on.

        Raises:
            InvalidTransaction: (``on_error="raise"``) a transaction is invalid; ``.index`` and
                ``.transaction`` name it.
            EvaluationError: (``on_error="raise"``) the engine failed on a transaction (the
                message names its index and id), or a custom screener cannot be sent to
                worker processes.
        """
        from ._batch import evaluate_many

        return evaluate_many(self, transactions, workers, on_error)


def _fault_finding(rid: str, message: str) -> Finding:
    return Finding(
        rule=f"{rid}.engine_fault",
        regime=rid,
        line=None,
        party=None,
        effect="review",
        outcome=Outcome.REVIEW,
        citation="exportrules, fail-closed policy (docs/index.md)",
        message=message,
    )


def _fault_outcomes(
    regime: Regime, t: Transaction, decided: Sequence[Outcome], found: Sequence[Finding]
) -> list[Outcome]:
    """Each line's outcome under a regime that failed part-way: at least ``review``, at least
    what it had decided for the line before the fault, and at least every finding it had
    reported for the line. A fault never lowers a result."""
    outs = [max(Outcome.REVIEW, decided[i]) if i < len(decided) else Outcome.REVIEW
            for i in range(len(t.lines))]  # fmt: skip
    index = {ln.id: i for i, ln in enumerate(t.lines)}
    for f in found:
        i = index.get(f.line) if f.regime == regime.id and f.line is not None else None
        if i is not None and f.outcome > outs[i]:
            outs[i] = f.outcome
    return outs


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
