"""The closure evaluator: rules compiled once into closures, indexed by discriminating facts.

It was the default backend before the generated decision functions of ``_compile.py``; it stays
as an oracle in the differential tests, and its leaf closures serve the rete backend's atoms
and the compiled backend's table tests.
"""

from __future__ import annotations

import datetime as _dt
import re
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

from ._ir import (
    FACT_OPS,
    All,
    Any_,
    Cond,
    Leaf,
    Not,
    Regime,
    Rule,
    TableView,
    TrueCond,
    eval_leaf,
    is_num,
)

__all__ = ["Firing", "PythonBackend", "compile_cond"]

Pred = Callable[[Mapping[str, Any], TableView], bool]
Firing = tuple[Rule, int, int | None]  # rule, line index, party index (for_each rules)


def compile_cond(c: Cond) -> Pred:
    """Compile a condition tree into a closure with the semantics of ``_ir.eval_cond``."""
    if isinstance(c, TrueCond):
        return lambda f, t: True
    if isinstance(c, Not):
        inner = compile_cond(c.child)
        return lambda f, t: not inner(f, t)
    if isinstance(c, All):
        parts = tuple(compile_cond(ch) for ch in c.children)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda f, t: a(f, t) and b(f, t)
        if len(parts) == 3:
            a, b, c3 = parts
            return lambda f, t: a(f, t) and b(f, t) and c3(f, t)
        if len(parts) == 4:
            a, b, c3, d = parts
            return lambda f, t: a(f, t) and b(f, t) and c3(f, t) and d(f, t)

        def all_(f: Mapping[str, Any], t: TableView) -> bool:
            return all(p(f, t) for p in parts)

        return all_
    if isinstance(c, Any_):
        parts = tuple(compile_cond(ch) for ch in c.children)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda f, t: a(f, t) or b(f, t)

        def any_(f: Mapping[str, Any], t: TableView) -> bool:
            return any(p(f, t) for p in parts)

        return any_
    assert isinstance(c, Leaf)
    p, op, v = c.path, c.op, c.value
    if op == "eq":
        return lambda f, t: f.get(p) == v
    if op == "ne":
        return lambda f, t: f.get(p) != v
    if op == "in":
        return lambda f, t: f.get(p) in v
    if op == "exists":
        if v:
            return lambda f, t: f.get(p) is not None
        return lambda f, t: f.get(p) is None
    if op == "contains":
        return lambda f, t: v in (f.get(p) or ())
    if op == "intersects":
        return lambda f, t: not v.isdisjoint(f.get(p) or ())
    if op in ("lt", "le", "gt", "ge"):
        cmp: Callable[[Any], bool] = {
            "lt": lambda x: x < v,
            "le": lambda x: x <= v,
            "gt": lambda x: x > v,
            "ge": lambda x: x >= v,
        }[op]

        def num(f: Mapping[str, Any], t: TableView) -> bool:
            x = f.get(p)
            return is_num(x) and cmp(x)

        return num
    if op == "matches":
        fm = c.pattern.fullmatch if c.pattern is not None else re.compile("").fullmatch

        def match(f: Mapping[str, Any], t: TableView) -> bool:
            x = f.get(p)
            return isinstance(x, str) and fm(x) is not None

        return match
    if op in FACT_OPS:
        q = v
        if op == "eq_fact":

            def eq_fact(f: Mapping[str, Any], t: TableView) -> bool:
                a = f.get(p)
                return a is not None and a == f.get(q)

            return eq_fact
        cmpf: Callable[[Any, Any], bool] = {
            "lt_fact": lambda a, b: a < b,
            "le_fact": lambda a, b: a <= b,
            "gt_fact": lambda a, b: a > b,
            "ge_fact": lambda a, b: a >= b,
        }[op]

        def cmp_fact(f: Mapping[str, Any], t: TableView) -> bool:
            a, b = f.get(p), f.get(q)
            return is_num(a) and is_num(b) and cmpf(a, b)

        return cmp_fact
    if op == "in_table" and c.column is None:
        name, mode = v, c.match

        def in_table(f: Mapping[str, Any], t: TableView) -> bool:
            x = f.get(p)
            if x is None:
                return False
            if isinstance(x, str):
                if mode == "exact":
                    return x in t.index(name)
                return bool(t.rows(name, x, mode))
            return any(bool(t.rows(name, k, mode)) for k in x)

        return in_table
    if op == "in_table":
        name, mode, want = v, c.match, c.eq_value
        col: str = c.column or ""

        def in_table_col(f: Mapping[str, Any], t: TableView) -> bool:
            x = f.get(p)
            if x is None:
                return False
            for k in (x,) if isinstance(x, str) else x:
                for row in t.rows(name, k, mode):
                    if row.get(col) == want:
                        return True
            return False

        return in_table_col
    leaf = c
    return lambda f, t: eval_leaf(leaf, f.get(p), t)


def _literal_prefix(pattern: str) -> str:
    """The literal text every match of an anchored pattern starts with ('' if unsure)."""
    if "|" in pattern:
        return ""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in ".-":
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch.isalnum() or ch in "-_":
            out.append(ch)
            i += 1
            continue
        break
    if i < len(pattern) and pattern[i] in "?*{" and out:
        out.pop()
    return "".join(out)


def _selectivity(path: str, values: list[Any]) -> int:
    """Lower is better: how few frames a leaf on this path with these values matches."""
    if path == "line.code":
        return 0
    if any(isinstance(v, bool) for v in values):
        return 9  # a flag splits frames in two at best: index on it only as a last resort
    return 2


_MISSING = object()


class _PartyFrame(Mapping[str, Any]):
    """The facts a ``for_each = "party"`` rule sees: the party's facts over the line frame.

    A view, not a copy: building one is cheaper than merging two dicts of facts, and rules
    read only a few paths.
    """

    __slots__ = ("_line", "_party")

    def __init__(self, party: Mapping[str, Any], line: Mapping[str, Any]) -> None:
        self._party = party
        self._line = line

    def get(self, key: str, default: Any = None) -> Any:
        v = self._party.get(key, _MISSING)
        if v is _MISSING:
            return self._line.get(key, default)
        return v

    def __getitem__(self, key: str) -> Any:
        v = self.get(key, _MISSING)
        if v is _MISSING:
            raise KeyError(key)
        return v

    def __iter__(self) -> Iterator[str]:
        yield from self._party
        for k in self._line:
            if k not in self._party:
                yield k

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Index:
    """Rules indexed by one discriminating leaf of their top-level conjunction."""

    def __init__(self, rules: Sequence[Rule], preds: Mapping[int, Pred]) -> None:
        self.eq: dict[str, dict[Any, list[tuple[Rule, Pred]]]] = {}
        self.lst: dict[str, dict[Any, list[tuple[Rule, Pred]]]] = {}
        self.prefix: dict[str, dict[str, list[tuple[Rule, Pred]]]] = {}
        self.always: list[tuple[Rule, Pred]] = []
        for r in rules:
            entry = (r, preds[r.index])
            key = self._key(r.condition)
            if key is None:
                self.always.append(entry)
                continue
            kind, path, values = key
            target = {"eq": self.eq, "list": self.lst, "prefix": self.prefix}[kind]
            bucket = target.setdefault(path, {})
            for val in values:
                bucket.setdefault(val, []).append(entry)
        self.prefix_lengths = {path: sorted({len(k) for k in b}) for path, b in self.prefix.items()}

    @staticmethod
    def _key(c: Cond) -> tuple[str, str, list[Any]] | None:
        leaves = [c] if isinstance(c, Leaf) else list(c.children) if isinstance(c, All) else []
        best: tuple[int, tuple[str, str, list[Any]]] | None = None
        for lf in leaves:
            if not isinstance(lf, Leaf):
                continue
            cand: tuple[int, tuple[str, str, list[Any]]] | None = None
            if lf.op == "eq" and isinstance(lf.value, str | int | float):
                cand = (_selectivity(lf.path, [lf.value]), ("eq", lf.path, [lf.value]))
            elif lf.op == "in":
                vals = sorted(lf.value, key=repr)
                cand = (_selectivity(lf.path, vals) + 1, ("eq", lf.path, vals))
            elif lf.op == "matches" and lf.pattern is not None:
                pre = _literal_prefix(lf.pattern.pattern)
                if pre:
                    cand = (1, ("prefix", lf.path, [pre]))
            elif lf.op == "contains":
                cand = (4, ("list", lf.path, [lf.value]))
            elif lf.op == "intersects":
                cand = (5, ("list", lf.path, sorted(lf.value, key=repr)))
            if cand is not None and (best is None or cand[0] < best[0]):
                best = cand
        return best[1] if best else None

    def candidates(self, f: Mapping[str, Any]) -> list[tuple[Rule, Pred]]:
        out = list(self.always)
        for path, bucket in self.eq.items():
            hit = bucket.get(f.get(path))
            if hit:
                out.extend(hit)
        for path, bucket in self.lst.items():
            vals = f.get(path)
            if vals:
                seen: set[int] = set()
                for v in vals:
                    for e in bucket.get(v, ()):
                        if e[0].index not in seen:
                            seen.add(e[0].index)
                            out.append(e)
        for path, bucket in self.prefix.items():
            s = f.get(path)
            if isinstance(s, str):
                for n in self.prefix_lengths[path]:
                    if n > len(s):
                        break
                    hit = bucket.get(s[:n])
                    if hit:
                        out.extend(hit)
        return out


class _Prepared:
    """A regime's in-force rules for one date: strata, per-line index, for_each rules."""

    def __init__(self, regime: Regime, date: _dt.date, preds: Mapping[int, Pred]) -> None:
        self.strata: list[tuple[list[tuple[Rule, Pred]], list[tuple[Rule, Pred]]]] = []
        for layer in regime.derive_strata:
            live = [r for r in layer if r.in_force(date)]
            self.strata.append(
                (
                    [(r, preds[r.index]) for r in live if r.for_each is None],
                    [(r, preds[r.index]) for r in live if r.for_each == "party"],
                )
            )
        live = [r for r in regime.effect_rules if r.in_force(date)]
        self.index = _Index([r for r in live if r.for_each is None], preds)
        self.party_rules = [(r, preds[r.index]) for r in live if r.for_each == "party"]


class PythonBackend:
    """Pure-Python evaluation. Thread-safe: compiled state is read-only after preparation."""

    name = "python"

    def __init__(self) -> None:
        self._preds: dict[int, dict[int, Pred]] = {}
        self._prepared: dict[tuple[int, _dt.date], _Prepared] = {}
        self._lock = threading.Lock()

    def _prepare(self, regime: Regime, date: _dt.date) -> _Prepared:
        key = (id(regime), date)
        p = self._prepared.get(key)
        if p is not None:
            return p
        with self._lock:
            preds = self._preds.get(id(regime))
            if preds is None:
                preds = {r.index: compile_cond(r.condition) for r in regime.rules}
                self._preds[id(regime)] = preds
            p = _Prepared(regime, date, preds)
            if len(self._prepared) > 256:
                self._prepared.clear()
            self._prepared[key] = p
        return p

    def fire(
        self,
        regime: Regime,
        view: TableView,
        frames: Sequence[MutableMapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
    ) -> list[Firing]:
        """Run derive strata then effect rules; derived facts are written into ``frames``."""
        prep = self._prepare(regime, view.date)
        out: list[Firing] = []
        for i, f in enumerate(frames):
            for line_rules, party_rules in prep.strata:
                new: list[str] = []
                for r, pred in line_rules:
                    if pred(f, view):
                        new.append(r.derived_key)
                if party_rules and parties:
                    # a party frame is the line frame (as derived so far) plus party.* facts
                    pframes = [_PartyFrame(p, f) for p in parties]
                    for r, pred in party_rules:
                        for pf in pframes:
                            if pred(pf, view):
                                new.append(r.derived_key)
                                break
                for name in new:
                    f[name] = True
            for r, pred in prep.index.candidates(f):
                if pred(f, view):
                    out.append((r, i, None))
            if prep.party_rules and parties:
                pframes = [_PartyFrame(p, f) for p in parties]
                for r, pred in prep.party_rules:
                    for j, pf in enumerate(pframes):
                        if pred(pf, view):
                            out.append((r, i, j))
        return out
