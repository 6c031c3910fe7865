"""The ``rete`` backend: the rule IR compiled to durable_rules 2.0.28 rulesets.

What runs where (see docs/backends.md):

- durable_rules (the Rete network) matches every rule: its boolean structure (all / any / not,
  pushed down to the leaves), the comparisons ``eq``, ``ne``, ``in`` (on scalars), ``exists``,
  ``lt`` / ``le`` / ``gt`` / ``ge``, the rule's effective-date interval (a condition on the
  transaction date as an integer ordinal), and which kind of fact a rule reads (line or
  line-and-party, derive stratum or effect rules).
- Python computes, per line and per party, only the values of the posted fact: scalar facts
  split by type (so that durable never compares across types), and boolean "atoms" for the
  leaves durable cannot express reliably (``matches``, ``in_table``, ``contains``,
  ``intersects``, leaves on list values, and any ``any`` group that would make durable's
  disjunctive expansion of a rule too large). An atom is the leaf's value computed with the
  Python backend's own closure, so both backends read a fact the same way.

durable_rules has sharp edges (docs/backends.md); every one is handled here:
a private ``Host`` without timer threads; one process-wide lock around every call into it;
one session per evaluation, deleted in ``finally`` (only if durable saw it); a sentinel rule and
fact so every session exists; no empty batches; no joins; facts (not events); numbers written
without exponents; actions that only record hits, dispatched here so that an exception is raised
instead of being swallowed into the session state; at most 255 properties per message; a guard
on live sessions; no import on Python 3.13 and later.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from decimal import Decimal
from typing import Any

if sys.version_info >= (3, 13):  # pragma: no cover - depends on the interpreter
    raise ImportError(
        "the rete backend needs durable_rules 2.0.28, which does not import on Python 3.13 "
        "or later; use backend='python' (the default) on this interpreter"
    )

from durable import engine as _durable

from ._errors import EvaluationError
from ._ir import (
    All,
    Any_,
    Cond,
    Leaf,
    Not,
    Regime,
    Rule,
    TableView,
    TrueCond,
    is_num,
    paths_of,
)
from ._pyback import Firing, Pred, compile_cond

__all__ = ["MAX_PROPERTIES", "ReteBackend"]

log = logging.getLogger("exportrules")

_dre: Any = _durable.durable_rules_engine  # the C core (untyped)

#: durable_rules refuses a message with more properties than this.
MAX_PROPERTIES = 255
#: durable_rules keeps at most 1,024 live sessions per ruleset; rebuild well before that.
MAX_LIVE_SESSIONS = 1000
#: durable_rules expands ``$or`` into one alpha path per disjunct; cap that expansion per rule.
MAX_DISJUNCTS = 64

# One process-wide lock: durable's C core keeps a global handle table and is not thread-safe.
_LOCK = threading.RLock()
_NAMES = itertools.count(1)

_SENTINEL = "S"
_HEADER = ("sid", "k", "i", "j", "d")  # properties every posted fact carries (j only for parties)

# --------------------------------------------------------------------------- JSON without exponents

_SAFE_INT = 2**53


def _num(x: int | float) -> str:
    """A JSON number durable parses exactly: never an exponent, always in double range."""
    if isinstance(x, int) and -_SAFE_INT <= x <= _SAFE_INT:
        return str(x)
    r = repr(float(x))
    if "e" in r or "E" in r:
        r = format(Decimal(r), "f")
    if "." not in r:
        r += ".0"
    return r


def _plain_number(x: Any) -> bool:
    """True when ``json.dumps`` already writes ``x`` in a form durable parses exactly."""
    if isinstance(x, int):
        return -_SAFE_INT <= x <= _SAFE_INT
    r = repr(x)
    return "e" not in r and "n" not in r  # exponents, nan, inf


# A number right after a key in json.dumps output of flat facts. A quote inside a string value
# is always escaped (preceded by a backslash), so an unescaped quote followed by ": " closes a
# key (ours, plain names): digits inside strings are never touched.
_NUMBER_VALUE = re.compile(r'(?<!\\)": (-?\d+(?:\.\d+)?[eE][-+]?\d+|-?\d{16,})(?=[,}])')


def _fix_number(m: re.Match[str]) -> str:
    tok = m.group(1)
    if "e" in tok or "E" in tok:
        return '": ' + _num(float(tok))
    return '": ' + _num(int(tok))


def _dumps_facts(facts: list[dict[str, Any]]) -> str:
    """JSON for a batch of flat facts: C-speed ``json.dumps``, then exponents rewritten."""
    return _NUMBER_VALUE.sub(_fix_number, json.dumps(facts, ensure_ascii=False))


def _dumps(o: Any) -> str:
    """JSON for durable_rules: like ``json.dumps`` but numbers never use exponents."""
    if o is None:
        return "null"
    if isinstance(o, bool):
        return "true" if o else "false"
    if isinstance(o, int | float):
        return _num(o)
    if isinstance(o, str):
        return json.dumps(o, ensure_ascii=False)
    if isinstance(o, Mapping):
        return "{" + ",".join(f"{_dumps(str(k))}:{_dumps(v)}" for k, v in o.items()) + "}"
    if isinstance(o, list | tuple):
        return "[" + ",".join(_dumps(v) for v in o) + "]"
    raise TypeError(f"cannot encode {type(o).__name__} for durable_rules")


# --------------------------------------------------------------------------- durable wrappers


class _Host(_durable.Host):  # type: ignore[misc]
    """A durable Host that starts no background timer threads (we use no timers)."""

    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Any:
        raise EvaluationError(f"durable_rules asked for unknown action {action_name!r}")


class _Ruleset(_durable.Ruleset):  # type: ignore[misc]
    """A durable Ruleset whose definition is encoded without exponent floats, and whose actions
    are dispatched here rather than through durable's ``Promise`` / ``Closure`` machinery.

    durable's ``Promise.run`` catches every exception of an action and stores it in the session
    state (``c.s.exception``), where nobody looks. Our actions only record a hit and never touch
    the session state, so we run them directly: an exception abandons the action in durable and
    is handed to ``complete`` (and raised by the backend); nothing is swallowed.
    """

    def __init__(
        self,
        name: str,
        host: _Host,
        definition: Mapping[str, Any],
        actions: Mapping[str, Callable[[Mapping[str, Any]], None]],
    ) -> None:
        self._actions = dict(actions)
        self._name = name
        self._host = host
        self._definition = definition
        self._handle = _dre.create_ruleset(name, _dumps(definition))

    def _flush_actions(
        self,
        state: Any,
        result_container: dict[str, Any],
        state_offset: Any,
        complete: Callable[[Any, Any], None],
    ) -> None:
        handle = self._handle
        message = result_container.pop("message", None)
        while message is not None:
            action_name, m = next(iter(message.items()))
            try:
                self._actions[action_name](m)
            except BaseException as e:  # noqa: BLE001 - handed on: the backend raises it
                _dre.abandon_action(handle, state_offset)
                complete(e, None)
                return
            new = _dre.complete_and_start_action(handle, state_offset)
            message = json.loads(new) if new else None
        complete(None, state)


# --------------------------------------------------------------------------- compilation

Expr = dict[str, Any] | bool  # a durable expression, or a constant


def _and(parts: Sequence[Expr]) -> Expr:
    out: list[dict[str, Any]] = []
    for p in parts:
        if p is False:
            return False
        if p is True:
            continue
        assert isinstance(p, dict)
        out.extend(p.get("$and", [p]))
    if not out:
        return True
    return out[0] if len(out) == 1 else {"$and": out}


def _or(parts: Sequence[Expr]) -> Expr:
    out: list[dict[str, Any]] = []
    for p in parts:
        if p is True:
            return True
        if p is False:
            continue
        assert isinstance(p, dict)
        out.extend(p.get("$or", [p]))
    if not out:
        return False
    return out[0] if len(out) == 1 else {"$or": out}


def _size(e: Expr) -> int:
    """How many alpha paths durable's disjunctive expansion of an expression has."""
    if not isinstance(e, dict):
        return 1
    if "$and" in e:
        n = 1
        for x in e["$and"]:
            n *= _size(x)
        return n
    if "$or" in e:
        return sum(_size(x) for x in e["$or"])
    return 1


def _finite(v: Any) -> bool:
    return is_num(v) and v == v and v not in (float("inf"), float("-inf"))


class _Props:
    """Short property names for the values of a regime's facts, and the atoms.

    For a path ``p`` the posted fact may carry ``x`` (1 when p is present), ``s`` (p's value
    when it is a string), ``q`` (when it is a number or a bool: durable compares those like
    Python's ``==``) and ``n`` (when it is a number, not a bool: for ``lt``..``ge``). Absent
    values are never posted. An atom is posted as 1 when its leaf holds and is absent
    otherwise.
    """

    def __init__(self) -> None:
        self.by_path: dict[str, dict[str, str]] = {}  # path -> class -> property name
        self.atoms: dict[str, tuple[str, str, Pred]] = {}  # key -> (name, path, predicate)
        self._n = itertools.count()

    def _new(self) -> str:
        n = next(self._n)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        out = ""
        while True:
            n, r = divmod(n, 36)
            out = digits[r] + out
            if n == 0:
                return "p" + out

    def scalar(self, path: str, cls: str) -> str:
        slots = self.by_path.setdefault(path, {})
        name = slots.get(cls)
        if name is None:
            name = slots[cls] = self._new()
        return name

    def atom(self, c: Cond, path: str) -> str:
        key = repr(c)
        hit = self.atoms.get(key)
        if hit is None:
            hit = self.atoms[key] = (self._new(), path, compile_cond(c))
        return hit[0]


class _Compiler:
    def __init__(self, props: _Props) -> None:
        self.p = props

    def cond(self, c: Cond, neg: bool = False) -> Expr:
        if isinstance(c, TrueCond):
            return not neg
        if isinstance(c, Not):
            return self.cond(c.child, not neg)
        if isinstance(c, All | Any_):
            parts = [self.cond(ch, neg) for ch in c.children]
            conj = isinstance(c, All) != neg
            return _and(parts) if conj else _or(parts)
        assert isinstance(c, Leaf)
        return self.leaf(c, neg)

    def atomise(self, c: Cond, neg: bool) -> Expr:
        """A sub-condition computed in Python and posted as a boolean property."""
        paths = sorted(paths_of(c))
        name = self.p.atom(c, paths[0] if len(paths) == 1 else "")
        return {"$nex": {name: 1}} if neg else {name: 1}

    def cond_capped(self, c: Cond) -> Expr:
        """Compile ``c``; if durable's expansion would be too large, atomise inner groups."""
        e = self.cond(c)
        if _size(e) <= MAX_DISJUNCTS:
            return e
        neg = False
        while isinstance(c, Not):
            c, neg = c.child, not neg
        if not isinstance(c, All | Any_):
            return self.atomise(c, neg)
        parts: list[Expr] = []
        for ch in c.children:
            pe = self.cond(ch, neg)
            parts.append(pe if _size(pe) == 1 else self.atomise(ch, neg))
        conj = isinstance(c, All) != neg
        e = _and(parts) if conj else _or(parts)
        return e if _size(e) <= MAX_DISJUNCTS else self.atomise(c, neg)

    def _eq(self, path: str, v: Any, neg: bool) -> Expr:
        """``path == v`` (Python semantics), or its negation, for a str / number / bool v."""
        if isinstance(v, str):
            name = self.p.scalar(path, "s")
        else:
            name = self.p.scalar(path, "q")
        if neg:
            return {"$or": [{"$nex": {name: 1}}, {"$neq": {name: v}}]}
        return {name: v}

    def leaf(self, c: Leaf, neg: bool) -> Expr:
        op, v, path = c.op, c.value, c.path
        if op == "exists":
            name = self.p.scalar(path, "x")
            present = bool(v) != neg
            return {"$ex": {name: 1}} if present else {"$nex": {name: 1}}
        if op in ("eq", "ne") and (isinstance(v, str | bool) or _finite(v)):
            return self._eq(path, v, neg != (op == "ne"))
        if (
            op == "in"
            and isinstance(v, list | tuple | frozenset | set)
            and all(isinstance(x, str | bool) or _finite(x) for x in v)
        ):
            items = sorted(v, key=repr)
            if not neg:
                return _or([self._eq(path, x, False) for x in items])
            # not in: for each type class, "not of that class, or unequal to all its values"
            groups: list[Expr] = []
            for cls in ("s", "q"):
                vals = [x for x in items if isinstance(x, str) == (cls == "s")]
                if vals:
                    name = self.p.scalar(path, cls)
                    groups.append(
                        _or([{"$nex": {name: 1}}, _and([{"$neq": {name: x}} for x in vals])])
                    )
            return _and(groups)
        if op in ("lt", "le", "gt", "ge") and _finite(v):
            name = self.p.scalar(path, "n")
            if not neg:
                return {f"${_CMP[op]}": {name: v}}
            return {"$or": [{"$nex": {name: 1}}, {f"${_CMP[_FLIP[op]]}": {name: v}}]}
        return self.atomise(c, neg)


_CMP = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}
_FLIP = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}


def _names(e: Expr) -> set[str]:
    """The fact properties a durable expression reads."""
    out: set[str] = set()
    if isinstance(e, dict):
        for k, v in e.items():
            if k in ("$and", "$or"):
                for x in v:
                    out |= _names(x)
            elif k.startswith("$"):
                out.update(v)
            else:
                out.add(k)
    return out


class _Compiled:
    """One regime compiled to one durable ruleset, plus the encoders for its facts."""

    def __init__(self, regime: Regime) -> None:
        self.regime = regime
        props = _Props()
        comp = _Compiler(props)
        self.rules: dict[str, Rule] = {}
        definition: dict[str, Any] = {}
        kinds: set[str] = set()
        used: dict[str, set[str]] = {}

        def add(r: Rule, kind: str) -> None:
            parts: list[Expr] = [{"k": kind}]
            if r.effective_from is not None:
                parts.append({"$gte": {"d": r.effective_from.toordinal()}})
            if r.effective_until is not None:
                parts.append({"$lt": {"d": r.effective_until.toordinal()}})
            parts.append(comp.cond_capped(r.condition))
            expr = _and(parts)
            if expr is False:
                return  # can never hold: no rule at all
            if expr is True:  # cannot happen: the kind test is always there
                expr = {"k": kind}
            name = f"r{r.index}"
            self.rules[name] = r
            kinds.add(kind)
            used.setdefault(kind, set()).update(_names(expr))
            definition[name] = {"all": [{"m": expr}]}

        for s, layer in enumerate(regime.derive_strata):
            for r in layer:
                add(r, f"Q{s}" if r.for_each == "party" else f"D{s}")
        for r in regime.effect_rules:
            add(r, "P" if r.for_each == "party" else "L")
        definition["sentinel"] = {"all": [{"m": {"k": _SENTINEL}}]}
        self.kinds = frozenset(kinds)
        self.n_strata = len(regime.derive_strata)
        self.definition = definition

        # encoders: which property each value goes to, split by where the value comes from
        def slots(pred: Callable[[str], bool]) -> list[tuple[str, dict[str, str]]]:
            return [(p, d) for p, d in sorted(props.by_path.items()) if pred(p)]

        def atoms(pred: Callable[[str], bool]) -> list[tuple[str, Pred]]:
            return [(n, f) for n, p, f in props.atoms.values() if pred(p)]

        def is_party(p: str) -> bool:
            return p.startswith("party.")

        def is_derived(p: str) -> bool:
            return p.startswith("derived.")

        def is_line(p: str) -> bool:
            return p != "" and not is_party(p) and not is_derived(p)

        self.line_slots = slots(is_line)
        self.derived_slots = slots(is_derived)
        self.party_slots = slots(is_party)
        self.line_atoms = atoms(is_line)
        self.derived_atoms = atoms(is_derived)
        self.party_atoms = atoms(is_party)
        self.mixed_atoms = atoms(lambda p: p == "")  # groups over several paths
        self.props = props
        # per fact kind: the properties its rules read (a fact carries only those)
        self.kind_props = {k: tuple(sorted(v - set(_HEADER))) for k, v in used.items()}

        # what makes two compiled regimes interchangeable: the durable definition, the atoms
        # and the property slots (rule effects and table contents are read per evaluation)
        h = hashlib.sha256(regime.id.encode() + b"\0" + _dumps(definition).encode())
        h.update(repr(sorted((k, n, p) for k, (n, p, _f) in props.atoms.items())).encode())
        h.update(repr(sorted(props.by_path.items())).encode())
        self.fingerprint = h.hexdigest()

        # runtime state, only touched under _LOCK
        self.hits: set[tuple[str, int, int | None]] = set()
        self.live = 0
        self.session_open = False
        self.posting = False
        self._sids = itertools.count(1)
        self.host: _Host | None = None
        self.ruleset: _Ruleset | None = None

    def attach(self, host: _Host) -> None:
        """Create the durable ruleset (durable never frees one: callers share programs)."""
        self.host = host
        self.ruleset = self._build()

    def _record(self, name: str, m: Mapping[str, Any]) -> None:
        """The only thing an action does: note which rule matched which line (and party)."""
        self.hits.add((name, m["i"], m.get("j")))

    def _action(self, name: str) -> Callable[[Mapping[str, Any]], None]:
        if name == "sentinel":

            def sentinel(message: Mapping[str, Any]) -> None:
                return None

            return sentinel

        def record(message: Mapping[str, Any]) -> None:
            self._record(name, message["m"])

        return record

    def _build(self) -> _Ruleset:
        name = f"exportrules_{self.regime.id}_{next(_NAMES)}"
        actions = {n: self._action(n) for n in self.definition}
        try:
            assert self.host is not None
            rs = _Ruleset(name, self.host, self.definition, actions)
        except Exception as e:
            raise EvaluationError(
                f"durable_rules refused the compiled ruleset of regime {self.regime.id!r}: {e}"
            ) from e
        self.live = 0
        return rs

    # -------------------------------------------------------------- encoding

    @staticmethod
    def _put(
        out: dict[str, Any], slots: list[tuple[str, dict[str, str]]], f: Mapping[str, Any]
    ) -> None:
        for path, d in slots:
            v = f.get(path)
            if v is None:
                continue
            x = d.get("x")
            if x is not None:
                out[x] = 1
            if isinstance(v, str):
                s = d.get("s")
                if s is not None:
                    out[s] = v
            elif isinstance(v, bool):
                q = d.get("q")
                if q is not None:
                    out[q] = v
            elif isinstance(v, int | float):
                if v != v or v in (float("inf"), float("-inf")):
                    raise EvaluationError(f"fact {path} is not a finite number ({v!r})")
                q = d.get("q")
                if q is not None:
                    out[q] = v
                n = d.get("n")
                if n is not None:
                    out[n] = v

    @staticmethod
    def _atoms(
        out: dict[str, Any], atoms: list[tuple[str, Pred]], f: Mapping[str, Any], view: TableView
    ) -> None:
        for name, pred in atoms:
            if pred(f, view):
                out[name] = 1

    # -------------------------------------------------------------- evaluation

    def _post(self, facts: list[dict[str, Any]], plain: bool) -> None:
        for fact in facts:
            if len(fact) > MAX_PROPERTIES:
                raise EvaluationError(
                    f"a fact of regime {self.regime.id!r} needs {len(fact)} properties; "
                    f"durable_rules accepts at most {MAX_PROPERTIES} per message "
                    "(use the python backend for this regime)"
                )
        payload = json.dumps(facts, ensure_ascii=False) if plain else _dumps_facts(facts)
        rs = self.ruleset
        assert rs is not None
        self.posting = True  # if durable raises now, the session may exist: see fire()
        code, state = _dre.assert_facts(rs._handle, payload)
        self.session_open = True
        if code not in (0, 1):  # 1: some fact matched no rule, which is fine for facts
            raise EvaluationError(f"durable_rules rejected a fact (code {code})")
        failure: list[Any] = []

        def done(e: Any, _state: Any) -> None:
            if e:
                failure.append(e)

        rs.do_actions(state, done)
        if failure:
            e = failure[0]
            raise EvaluationError(f"a rete action failed ({type(e).__name__}: {e})") from (
                e if isinstance(e, BaseException) else None
            )

    def fire(
        self,
        rules: Mapping[str, Rule],
        view: TableView,
        frames: Sequence[MutableMapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
    ) -> list[Firing]:
        """Run the program over ``frames``; ``rules`` maps rule names to the caller's regime's
        rules. The caller holds ``_LOCK``."""
        assert self.ruleset is not None
        if self.live >= MAX_LIVE_SESSIONS:
            log.warning("rete: %d sessions were not deleted; rebuilding the ruleset", self.live)
            self.ruleset = self._build()
        sid = str(next(self._sids))
        day = view.date.toordinal()
        self.hits.clear()
        line_props: list[dict[str, Any]] = []
        for f in frames:
            lp: dict[str, Any] = {}
            self._put(lp, self.line_slots, f)
            self._atoms(lp, self.line_atoms, f, view)
            line_props.append(lp)
        party_props: list[dict[str, Any]] = []
        for p in parties:
            pp: dict[str, Any] = {}
            self._put(pp, self.party_slots, p)
            self._atoms(pp, self.party_atoms, p, view)
            party_props.append(pp)
        plain = all(_plain(d) for d in line_props) and all(_plain(d) for d in party_props)
        self.live += 1
        try:
            facts: list[dict[str, Any]] = [{"sid": sid, "k": _SENTINEL, "i": -1, "d": day}]
            for s in range(self.n_strata):
                facts += self._facts(sid, day, view, frames, parties, line_props, party_props,
                                     f"D{s}", f"Q{s}")  # fmt: skip
                if facts:  # durable crashes on an empty batch
                    self._post(facts, plain)
                facts = []
                for name, i, _j in sorted(self.hits, key=_hit_key):
                    frames[i][f"derived.{rules[name].effect.fact}"] = True
                self.hits.clear()
            facts += self._facts(sid, day, view, frames, parties, line_props, party_props,
                                 "L", "P")  # fmt: skip
            if facts:
                self._post(facts, plain)
            hits = sorted(self.hits, key=_hit_key)
            self.hits.clear()
        finally:
            if self.session_open:  # durable fails on deleting a session it never saw
                try:
                    assert self.ruleset is not None
                    self.ruleset.delete_state(sid)
                    self.live -= 1
                except Exception:
                    log.exception("rete: could not delete session %s", sid)
            elif self.posting:  # durable raised inside the first post: keep it counted
                log.warning("rete: session %s may be left in durable_rules", sid)
            else:
                self.live -= 1
            self.session_open = self.posting = False
        return [(rules[name], i, j) for name, i, j in hits]

    def _facts(
        self,
        sid: str,
        day: int,
        view: TableView,
        frames: Sequence[Mapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
        line_props: list[dict[str, Any]],
        party_props: list[dict[str, Any]],
        line_kind: str,
        party_kind: str,
    ) -> list[dict[str, Any]]:
        """The facts of one round: a line fact per line, a line-and-party fact per pair."""
        out: list[dict[str, Any]] = []
        ln_names = self.kind_props.get(line_kind)
        pt_names = self.kind_props.get(party_kind) if parties else None
        if ln_names is None and pt_names is None:
            return out
        for i, f in enumerate(frames):
            lp = dict(line_props[i])
            self._put(lp, self.derived_slots, f)
            self._atoms(lp, self.derived_atoms, f, view)
            if ln_names is not None:
                src = lp
                if self.mixed_atoms:  # into a copy: party facts compute their own
                    src = dict(lp)
                    self._atoms(src, self.mixed_atoms, f, view)
                fact = {"sid": sid, "k": line_kind, "i": i, "d": day}
                fact.update((n, src[n]) for n in ln_names if n in src)
                out.append(fact)
            if pt_names is not None:
                for j, p in enumerate(parties):
                    src = {**lp, **party_props[j]}
                    if self.mixed_atoms:
                        self._atoms(src, self.mixed_atoms, {**f, **p}, view)
                    fact = {"sid": sid, "k": party_kind, "i": i, "j": j, "d": day}
                    fact.update((n, src[n]) for n in pt_names if n in src)
                    out.append(fact)
        return out


def _plain(d: Mapping[str, Any]) -> bool:
    """True when ``json.dumps`` writes every number of ``d`` in a form durable parses exactly."""
    return all(_plain_number(v) for v in d.values() if is_num(v))


def _hit_key(h: tuple[str, int, int | None]) -> tuple[int, int, int]:
    return (h[1], int(h[0][1:]), -1 if h[2] is None else h[2])


_HOST: _Host | None = None
# compiled programs by fingerprint, shared by every backend of the process: durable has no call
# to free a ruleset, so an engine created again for the same regimes must not compile again
_PROGRAMS: dict[str, _Compiled] = {}


class ReteBackend:
    """Evaluation through durable_rules' Rete network. Thread-safe (calls are serialised)."""

    name = "rete"

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[Regime, _Compiled, dict[str, Rule]]] = {}

    def _program(self, regime: Regime) -> tuple[_Compiled, dict[str, Rule]]:
        global _HOST
        with _LOCK:
            hit = self._compiled.get(id(regime))
            if hit is not None and hit[0] is regime:
                return hit[1], hit[2]
            c = _Compiled(regime)
            prog = _PROGRAMS.get(c.fingerprint)
            if prog is None:
                if _HOST is None:
                    _HOST = _Host()
                c.attach(_HOST)
                prog = _PROGRAMS[c.fingerprint] = c
            self._compiled[id(regime)] = (regime, prog, c.rules)
            return prog, c.rules

    def compiled(self, regime: Regime) -> _Compiled:
        """The compiled program for the regime (compiled on first use, shared by content)."""
        return self._program(regime)[0]

    def fire(
        self,
        regime: Regime,
        view: TableView,
        frames: Sequence[MutableMapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
    ) -> list[Firing]:
        """Run derive strata then effect rules; derived facts are written into ``frames``."""
        with _LOCK:
            prog, rules = self._program(regime)
            return prog.fire(rules, view, frames, parties)
