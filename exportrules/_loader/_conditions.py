"""The condition language (docs/rules.md section 3): TOML tables -> IR condition trees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._ir import FACT_OPS, MATCH_MODES, All, Any_, Cond, Leaf, Not, Table, TrueCond
from .._regex import LinearPattern, PatternError
from ._facts import PARTY_FACTS, fact_type, known_paths
from ._problems import Problems, did_you_mean
from ._toml import At, Key, Src

__all__ = ["OPS", "CondParser"]

OPS = (
    "eq_fact",
    "lt_fact",
    "le_fact",
    "gt_fact",
    "ge_fact",
    "eq",
    "ne",
    "in",
    "contains",
    "intersects",
    "exists",
    "lt",
    "le",
    "gt",
    "ge",
    "matches",
    "in_table",
)
_MODIFIERS = ("column", "eq_value", "match")


def _finite(x: float) -> bool:
    return x == x and x not in (float("inf"), float("-inf"))


class CondParser:
    """Parses conditions of one regime; problems are reported at the offending key's line."""

    def __init__(
        self,
        problems: Problems,
        facts: Mapping[str, str],
        tables: Mapping[str, Table],
        derived: set[str],
    ) -> None:
        self.problems = problems
        self.facts = facts
        self.tables = tables
        self.derived = derived

    def parse(self, v: Any, src: Src, key: Key, for_each: bool, label: str = "") -> Cond:
        """``v`` is the condition found at ``key`` in ``src``; ``label`` prefixes messages."""
        self._src, self._label = src, label
        return self._parse(v, key, for_each)

    def _err(self, at: At, msg: str) -> None:
        self.problems.add(at, f"{self._label}: {msg}" if self._label else msg)

    def _parse(self, v: Any, key: Key, for_each: bool) -> Cond:
        src = self._src
        if v is None:
            return TrueCond()
        if not isinstance(v, dict):
            self._err(src.at(*key), f"a condition must be a table, not {v!r}")
            return TrueCond()
        combos = [k for k in ("all", "any", "not") if k in v]
        if combos:
            if len(v) != 1:
                self._err(
                    src.at(*key), f"'{combos[0]}' must be alone in its table, found {sorted(v)}"
                )
                return TrueCond()
            k = combos[0]
            if k == "not":
                return Not(self._parse(v["not"], (*key, "not"), for_each))
            items = v[k]
            if not isinstance(items, list) or not items:
                self._err(src.at(*key, k), f"'{k}' takes a non-empty array of conditions")
                return TrueCond()
            children = tuple(self._parse(x, (*key, k, i), for_each) for i, x in enumerate(items))
            return All(children) if k == "all" else Any_(children)
        return self._leaf(v, key, for_each)

    def _type_of(self, path: str, at: At, for_each: bool, what: str = "") -> str | None:
        """The type of a fact path, reporting an unknown one with a suggestion."""
        if path.startswith("derived."):
            name = path[len("derived.") :]
            if name not in self.derived:
                hint = did_you_mean(path, (f"derived.{d}" for d in self.derived))
                self._err(at, f"{what}'{path}': no rule derives {name!r}{hint}")
            return "bool"
        typ = fact_type(path, self.facts, for_each)
        if typ is None:
            if path.startswith("party.") and not for_each and path in PARTY_FACTS:
                hint = ' (party.* facts need for_each = "party")'
            else:
                hint = did_you_mean(path, known_paths(self.facts, self.derived, for_each))
            self._err(at, f"{what}unknown fact path {path!r}{hint}")
        return typ

    def _leaf(self, v: dict[str, Any], key: Key, for_each: bool) -> Cond:
        src, err = self._src, self._err
        path = v.get("fact")
        for k in v:
            if k != "fact" and k not in OPS and k not in _MODIFIERS:
                err(
                    src.at(*key, k),
                    f"unknown key {k!r} in a condition{did_you_mean(k, (*OPS, *_MODIFIERS))}",
                )
        if not isinstance(path, str):
            where = src.at(*key, "fact") if "fact" in v else src.at(*key)
            err(where, f"condition {v!r} needs 'fact' (a fact path; or all/any/not)")
            return TrueCond()
        ops = [k for k in v if k in OPS]
        if len(ops) != 1:
            err(
                src.at(*key),
                f"condition on {path!r} needs exactly one operator of {', '.join(OPS)}"
                + (f"; found {', '.join(ops)}" if ops else ""),
            )
            return TrueCond()
        op = ops[0]
        val = v[op]
        at = src.at(*key, op)
        typ = self._type_of(path, src.at(*key, "fact"), for_each)
        if typ is None:
            return TrueCond()
        if op != "in_table":
            for m in _MODIFIERS:
                if m in v:
                    err(src.at(*key, m), "'column', 'eq_value' and 'match' go only with in_table")
        kw: dict[str, Any] = {}
        if op in FACT_OPS:
            if not isinstance(val, str):
                err(at, f"'{op}' names another fact path, not {val!r}")
                return TrueCond()
            otyp = self._type_of(val, at, for_each, what=f"'{op}' names ")
            if otyp is None:
                return TrueCond()
            if op == "eq_fact":
                if typ == "list" or otyp == "list" or typ != otyp:
                    err(
                        at,
                        f"'{op}' compares {path!r} ({typ}) with {val!r} ({otyp}): "
                        "both must be the same scalar type",
                    )
            elif typ != "number" or otyp != "number":
                err(at, f"'{op}' needs two number facts; {path!r} is {typ}, {val!r} is {otyp}")
        elif op in ("eq", "ne"):
            self._check_value(val, typ, path, at)
        elif op == "in":
            if not isinstance(val, list) or not val:
                err(at, f"'in' on {path!r} takes a non-empty array")
            else:
                for i, x in enumerate(val):
                    self._check_value(x, typ, path, src.at(*key, op, i))
                val = frozenset(val) if all(not isinstance(x, dict | list) for x in val) else val
        elif op in ("contains", "intersects"):
            if typ != "list":
                err(at, f"'{op}' needs a list fact; {path!r} is {typ}")
            if op == "contains" and not isinstance(val, str | int | float | bool):
                err(at, f"'contains' takes a single value, not {val!r}")
            if op == "intersects":
                if not isinstance(val, list) or not val:
                    err(at, "'intersects' takes a non-empty array")
                elif any(isinstance(x, dict | list) for x in val):
                    err(at, "'intersects' takes an array of values")
                else:
                    val = frozenset(val)
        elif op == "exists":
            if not isinstance(val, bool):
                err(at, "'exists' takes true or false")
        elif op in ("lt", "le", "gt", "ge"):
            if typ != "number":
                err(at, f"'{op}' needs a number fact; {path!r} is {typ}")
            if isinstance(val, bool) or not isinstance(val, int | float) or not _finite(val):
                err(at, f"'{op}' takes a number, not {val!r}")
        elif op == "matches":
            if typ != "str":
                err(at, f"'matches' needs a string fact; {path!r} is {typ}")
            try:
                kw["pattern"] = LinearPattern(val)
            except PatternError as e:
                err(at, f"bad pattern {val!r}: {e}")
        elif op == "in_table":
            if typ not in ("str", "list"):
                err(at, f"'in_table' needs a string or list fact; {path!r} is {typ}")
            t = self.tables.get(val) if isinstance(val, str) else None
            if t is None:
                err(at, f"unknown table {val!r}{did_you_mean(val, self.tables)}")
            col = v.get("column")
            if col is not None:
                if t is not None and col not in t.columns:
                    err(
                        src.at(*key, "column"),
                        f"table {val!r} has no column {col!r}{did_you_mean(col, t.columns)}",
                    )
                if "eq_value" not in v:
                    err(src.at(*key, "column"), "'column' needs 'eq_value'")
                kw["column"] = col
                kw["eq_value"] = v.get("eq_value")
            elif "eq_value" in v:
                err(src.at(*key, "eq_value"), "'eq_value' needs 'column'")
            m = v.get("match", "exact")
            if m not in MATCH_MODES:
                err(
                    src.at(*key, "match"),
                    f"match must be one of {', '.join(MATCH_MODES)}, not {m!r}"
                    + did_you_mean(m, MATCH_MODES),
                )
                m = "exact"
            kw["match"] = m
        return Leaf(path=path, op=op, value=val, **kw)

    def _check_value(self, val: Any, typ: str, path: str, at: At) -> None:
        ok = {
            "str": isinstance(val, str),
            "bool": isinstance(val, bool),
            "number": isinstance(val, int | float) and not isinstance(val, bool) and _finite(val),
            "list": False,
        }[typ]
        if not ok:
            hint = " (use contains/intersects on lists)" if typ == "list" else ""
            self._err(at, f"{path!r} is {typ}; cannot compare it with {val!r}{hint}")
