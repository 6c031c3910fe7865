"""The compiled rule IR shared by both backends, and the data tables rules read."""

from __future__ import annotations

import datetime as _dt
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._regex import LinearPattern

__all__ = [
    "EFFECTS",
    "MATCH_MODES",
    "TEMPLATE",
    "All",
    "Any_",
    "Cond",
    "Effect",
    "Leaf",
    "Lookup",
    "Not",
    "Regime",
    "Rule",
    "Table",
    "TableView",
    "TrueCond",
    "ancestors",
    "is_num",
]

# a `{fact.path}` placeholder in a message or policy template
TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")

OUTCOME_EFFECTS = ("prohibit", "require", "review", "authorise", "deny_authorisation", "no_license")
# note: an informational finding; it never changes an outcome
EFFECTS = (*OUTCOME_EFFECTS, "note", "derive")
# how a fact value meets a table key: equal; the most specific dotted ancestor (5A001.j.1 ->
# 5A001.j -> 5A001); or the longest key that is a prefix of it (tariff codes: 847130 -> 8471)
MATCH_MODES = ("exact", "hierarchical", "prefix")
AUTH_KINDS = ("general", "exception", "individual", "global")


def ancestors(code: str) -> list[str]:
    """The code and its ancestors, most specific first: 5A001.j.1, 5A001.j, 5A001."""
    out = [code]
    while True:
        i = code.rfind(".")
        if i <= 0:
            return out
        code = code[:i]
        out.append(code)


# --------------------------------------------------------------------------- tables


@attrs.define(eq=False)
class Table:
    """A CSV data table with provenance. Rows may carry valid_from / valid_until."""

    regime: str
    name: str
    source: str
    as_of: str
    verified: bool
    coverage: str
    key: str
    columns: tuple[str, ...]
    rows: tuple[Mapping[str, Any], ...]
    dated: bool
    stale_after: int | None = None  # days after as_of when the data should be refreshed
    _cache: dict[_dt.date, dict[str, list[Mapping[str, Any]]]] = attrs.field(factory=dict)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def index_on(self, date: _dt.date) -> dict[str, list[Mapping[str, Any]]]:
        """Rows visible on ``date``, by key. Cached; safe to call from many threads."""
        if not self.dated:
            date = _dt.date.min
        idx = self._cache.get(date)
        if idx is not None:
            return idx
        built: dict[str, list[Mapping[str, Any]]] = {}
        for r in self.rows:
            if self.dated:
                vf, vu = r.get("valid_from"), r.get("valid_until")
                if vf is not None and date < vf:
                    continue
                if vu is not None and date >= vu:
                    continue
            built.setdefault(r[self.key], []).append(r)
        with self._lock:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[date] = built
        return built


_NO_ROWS: list[Mapping[str, Any]] = []  # shared, never mutated: callers only read rows


class TableView:
    """All tables of a regime as seen on one date."""

    __slots__ = ("_idx", "_memo", "_tables", "date")

    def __init__(self, tables: Mapping[str, Table], date: _dt.date) -> None:
        self._tables = tables
        self.date = date
        self._idx: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
        # (table, key, match) -> rows: a view lives as long as its date is in use (engines
        # keep one per regime and date), so hierarchical and prefix look-ups are done once
        self._memo: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}

    def index(self, name: str) -> dict[str, list[Mapping[str, Any]]]:
        idx = self._idx.get(name)
        if idx is None:
            idx = self._idx[name] = self._tables[name].index_on(self.date)
        return idx

    def rows(self, name: str, key: Any, match: str = "exact") -> list[Mapping[str, Any]]:
        """Rows for ``key``: exact, the most specific ancestor key (``hierarchical``), or the
        longest key that is a prefix of it (``prefix``)."""
        if not isinstance(key, str):
            return []
        idx = self._idx.get(name)
        if idx is None:
            idx = self.index(name)
        if match == "exact":
            return idx.get(key, _NO_ROWS)
        mk = (name, key, match)
        got = self._memo.get(mk)
        if got is not None:
            return got
        got = _NO_ROWS
        if match == "prefix":
            for n in range(len(key), 0, -1):
                r = idx.get(key[:n])
                if r:
                    got = r
                    break
        else:
            for k in ancestors(key):
                r = idx.get(k)
                if r:
                    got = r
                    break
        if len(self._memo) < 4096:
            self._memo[mk] = got
        return got


# --------------------------------------------------------------------------- conditions


@attrs.frozen
class TrueCond:
    pass


@attrs.frozen
class All:
    children: tuple[Cond, ...]


@attrs.frozen
class Any_:
    children: tuple[Cond, ...]


@attrs.frozen
class Not:
    child: Cond


@attrs.frozen
class Leaf:
    """``fact`` <op> ``value``. For in_table: ``value`` is the table name."""

    path: str
    op: str
    value: Any
    column: str | None = None
    eq_value: Any = None
    match: str = "exact"  # one of MATCH_MODES (in_table only)
    pattern: LinearPattern | None = attrs.field(default=None, eq=False)  # matches: RE2


Cond = TrueCond | All | Any_ | Not | Leaf


FACT_OPS = ("eq_fact", "lt_fact", "le_fact", "gt_fact", "ge_fact")


def leaves(c: Cond) -> Iterator[Leaf]:
    """Every leaf of a condition tree."""
    if isinstance(c, Leaf):
        yield c
    elif isinstance(c, All | Any_):
        for ch in c.children:
            yield from leaves(ch)
    elif isinstance(c, Not):
        yield from leaves(c.child)


def paths_of(c: Cond) -> set[str]:
    """The fact paths a condition reads (both sides of a fact-to-fact comparison)."""
    out: set[str] = set()
    for lf in leaves(c):
        out.add(lf.path)
        if lf.op in FACT_OPS:
            out.add(lf.value)
    return out


def tables_of(c: Cond) -> set[str]:
    """The tables a condition looks up."""
    return {lf.value for lf in leaves(c) if lf.op == "in_table"}


def is_num(v: Any) -> bool:
    """A number, and not a bool (JSON has no bool-as-number)."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def eval_leaf(leaf: Leaf, v: Any, tables: TableView) -> bool:
    """Reference semantics of a leaf (the Python backend compiles the same thing)."""
    op = leaf.op
    if op == "exists":
        return (v is not None) == bool(leaf.value)
    if op == "ne":
        return v is None or v != leaf.value
    if v is None:
        return False
    if op == "eq":
        return bool(v == leaf.value)
    if op == "in":
        return v in leaf.value
    if op == "contains":
        return isinstance(v, list | tuple | frozenset) and leaf.value in v
    if op == "intersects":
        return isinstance(v, list | tuple | frozenset) and any(x in leaf.value for x in v)
    if op in ("lt", "le", "gt", "ge"):
        if not is_num(v):
            return False
        return bool(
            {
                "lt": v < leaf.value,
                "le": v <= leaf.value,
                "gt": v > leaf.value,
                "ge": v >= leaf.value,
            }[op]
        )
    if op == "matches":
        assert leaf.pattern is not None
        return isinstance(v, str) and leaf.pattern.fullmatch(v) is not None
    if op == "in_table":
        keys = v if isinstance(v, list | tuple | frozenset) else (v,)
        for k in keys:
            rows = tables.rows(leaf.value, k, leaf.match)
            if not rows:
                continue
            if leaf.column is None:
                return True
            if any(r.get(leaf.column) == leaf.eq_value for r in rows):
                return True
        return False
    raise AssertionError(op)


def eval_fact_leaf(leaf: Leaf, frame: Mapping[str, Any]) -> bool:
    """``fact`` compared with another fact: both must be present (numbers for lt/le/gt/ge)."""
    a, b = frame.get(leaf.path), frame.get(leaf.value)
    if a is None or b is None:
        return False
    if leaf.op == "eq_fact":
        return bool(a == b)
    if not (is_num(a) and is_num(b)):
        return False
    return bool({"lt_fact": a < b, "le_fact": a <= b, "gt_fact": a > b, "ge_fact": a >= b}[leaf.op])


def eval_cond(c: Cond, frame: Mapping[str, Any], tables: TableView) -> bool:
    """Reference (slow, obviously correct) evaluation of a condition tree."""
    if isinstance(c, Leaf):
        if c.op in FACT_OPS:
            return eval_fact_leaf(c, frame)
        return eval_leaf(c, frame.get(c.path), tables)
    if isinstance(c, All):
        return all(eval_cond(ch, frame, tables) for ch in c.children)
    if isinstance(c, Any_):
        return any(eval_cond(ch, frame, tables) for ch in c.children)
    if isinstance(c, Not):
        return not eval_cond(c.child, frame, tables)
    return True


# --------------------------------------------------------------------------- rules


@attrs.frozen
class Effect:
    kind: str
    reason: str | None = None
    authorisation: str | None = None
    auth_kind: str | None = None
    covers: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    fact: str | None = None
    # require only: "any" - any held licence of the regime covering the line discharges it;
    # "named" - only a held licence that names this reason in its `reasons`.
    held: str = "any"


@attrs.frozen
class Rule:
    id: str
    regime: str
    index: int
    citation: str
    condition: Cond
    effect: Effect
    message: str
    effective_from: _dt.date | None = None
    effective_until: _dt.date | None = None
    for_each: str | None = None
    policy: str | None = None
    report: bool = False
    tables: frozenset[str] = frozenset()
    source: str = ""  # file:line

    @property
    def derived_key(self) -> str:
        return f"derived.{self.effect.fact}"

    def in_force(self, date: _dt.date) -> bool:
        if self.effective_from is not None and date < self.effective_from:
            return False
        return not (self.effective_until is not None and date >= self.effective_until)


@attrs.frozen
class Lookup:
    name: str
    table: str
    key: str
    match: str  # one of MATCH_MODES


@attrs.define(eq=False)
class Regime:
    """A loaded, validated regime: metadata, tables, lookups and rules."""

    id: str
    name: str
    authority: str
    version: str
    references: tuple[str, ...]
    effective_from: _dt.date | None
    effective_until: _dt.date | None
    code_pattern: LinearPattern | None
    applicability: Cond
    tables: dict[str, Table]
    lookups: tuple[Lookup, ...]
    rules: tuple[Rule, ...]
    sha256: str
    held_licence_citation: str
    origin: str  # where it was loaded from (path or entry point)
    fact_types: dict[str, str]
    plugin_facts: Callable[[Any, Any], Mapping[str, Any]] | None = None
    folder: Any = None  # the Traversable it was read from
    tags: dict[str, str] = attrs.field(factory=dict)  # item tags the regime reads -> meaning
    derive_strata: tuple[tuple[Rule, ...], ...] = ()
    effect_rules: tuple[Rule, ...] = ()
    code_examples: tuple[str, ...] = ()  # well-formed classification codes, for messages
    # the installed plug-in that provided it: name, distribution, version, origin
    provider: dict[str, Any] | None = None
    # a plug-in that failed to load stands in as a regime that answers review: its problems
    problems: tuple[str, ...] = ()

    @property
    def broken(self) -> bool:
        return bool(self.problems)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "authority": self.authority,
            "version": self.version,
            "rules": len(self.rules),
            "tables": sorted(self.tables),
            "origin": self.origin,
            "sha256": self.sha256,
            "status": "broken" if self.problems else "loaded",
            "plugin": dict(self.provider) if self.provider else None,
            "problems": list(self.problems),
        }


def strata(rules: Sequence[Rule]) -> tuple[tuple[tuple[Rule, ...], ...], list[str]]:
    """Order derive rules so each runs after every rule deriving a fact it reads.

    Returns the strata and a list of problems (cycles).
    """
    derives = [r for r in rules if r.effect.kind == "derive"]
    producers: dict[str, list[Rule]] = {}
    for r in derives:
        assert r.effect.fact is not None
        producers.setdefault(r.effect.fact, []).append(r)
    level: dict[str, int] = {}
    visiting: set[str] = set()
    problems: list[str] = []

    def depth(r: Rule) -> int:
        if r.id in level:
            return level[r.id]
        if r.id in visiting:
            raise _Cycle(r)
        visiting.add(r.id)
        d = 0
        for p in paths_of(r.condition):
            if p.startswith("derived."):
                for q in producers.get(p[len("derived.") :], []):
                    d = max(d, depth(q) + 1)
        visiting.discard(r.id)
        level[r.id] = d
        return d

    for r in derives:
        try:
            depth(r)
        except _Cycle as e:
            problems.append(
                f"{r.source}: rule {r.id!r}: derive rules form a cycle through {e.rule.id!r}"
            )
            return (), problems
    n = max(level.values(), default=-1) + 1
    out: list[list[Rule]] = [[] for _ in range(n)]
    for r in derives:
        out[level[r.id]].append(r)
    return tuple(tuple(s) for s in out), problems


class _Cycle(Exception):
    def __init__(self, rule: Rule) -> None:
        self.rule = rule
