"""Loading and validating declarative regimes (docs/rules.md).

A regime folder is read through the ``Traversable`` interface, so the same code reads a folder
on disk, a folder inside the installed wheel (``importlib.resources``) and one provided by a
third-party package through the ``exportrules.regimes`` entry point group.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import os
import re
import sys
import tomllib
import types
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from ._errors import RuleSetError
from ._ir import (
    AUTH_KINDS,
    EFFECTS,
    FACT_OPS,
    MATCH_MODES,
    TEMPLATE,
    All,
    Any_,
    Cond,
    Effect,
    Leaf,
    Lookup,
    Not,
    Regime,
    Rule,
    Table,
    TrueCond,
    leaves,
    paths_of,
    strata,
    tables_of,
)

__all__ = ["BASE_FACTS", "load_regime", "regime_dir"]

# Fact path -> type. See docs/rules.md section 2.
BASE_FACTS: dict[str, str] = {
    "tx.id": "str",
    "tx.date": "str",
    "tx.export_from": "str",
    "tx.destination": "str",
    "tx.destination_region": "str",
    "tx.transit": "list",
    "tx.activity": "str",
    "tx.end_use": "list",
    "tx.knowledge": "list",
    "tx.red_flags": "list",
    "tx.party_types": "list",
    "tx.party_countries": "list",
    "tx.party_roles": "list",
    "tx.end_user_types": "list",
    "tx.end_user_countries": "list",
    "tx.consignee_countries": "list",
    "tx.broker_countries": "list",
    "tx.authorisation_ids": "list",
    "line.id": "str",
    "line.description": "str",
    "line.code": "str",
    "line.classified": "bool",
    "line.origin": "str",
    "line.us_content": "number",
    "line.value": "number",
    "line.quantity": "number",
    "line.currency": "str",
    "line.hs_code": "str",
    "line.tags": "list",
    "screening.match_lists": "list",
    "screening.review_lists": "list",
    "screening.policies": "list",
}
PARTY_FACTS: dict[str, str] = {
    "party.role": "str",
    "party.type": "str",
    "party.name": "str",
    "party.country": "str",
    "party.match_lists": "list",
    "party.review_lists": "list",
    "party.policies": "list",
}

_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CITATION = re.compile(
    r"^(.+, (Art\.|Arts\.|s\.|ss\.|item|items|Annex|Supp\.|Sch\.|para\.|[0-9§]).*"
    r"|\S.* (Art\.|Arts\.|s\.|ss\.) ?[0-9].*"
    r"|[0-9]+ CFR [0-9].*)$"
)
_COLUMN_TYPES = ("str", "list", "number", "bool")
_LOOKUP_HDR = r"^[ \t]*\[\[lookup\]\]"
_RULE_HDR = r"^[ \t]*\[\[rule\]\]"

_REGIME_KEYS = {
    "id",
    "name",
    "authority",
    "version",
    "references",
    "effective",
    "code_pattern",
    "code_examples",
    "applicability",
    "tables",
    "lookup",
    "held_licence_citation",
    "description",
    "tags",
}
_TABLE_KEYS = {"source", "as_of", "verified", "coverage", "key", "columns", "file", "stale_after"}
_META_KEYS = {"source", "as_of", "verified", "coverage", "stale_after"}
_LOOKUP_KEYS = {"name", "table", "key", "match"}
_RULE_KEYS = {
    "id",
    "citation",
    "effective",
    "for_each",
    "when",
    "then",
    "message",
    "policy",
    "report",
    "description",
}
_THEN_KEYS: dict[str, set[str]] = {
    "prohibit": set(),
    "require": {"reason", "held_licences"},
    "review": set(),
    "authorise": {"authorisation", "kind", "covers", "conditions"},
    "deny_authorisation": {"authorisation", "kind"},
    "no_license": set(),
    "note": set(),
    "derive": {"fact"},
}
_OPS = (
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


class _Ctx:
    """Collects problems with file:line while loading one regime."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[str] = []

    def err(self, where: str, msg: str) -> None:
        self.problems.append(f"{where}: {msg}")


def regime_dir(source: Any) -> Traversable:
    """Turn a path, Traversable or entry-point object into a regime folder."""
    if callable(source) and not isinstance(source, Path | str):
        source = source()
    if isinstance(source, str | os.PathLike):
        return Path(source)
    if isinstance(source, Traversable):
        return source
    raise RuleSetError(f"cannot load a regime from {source!r}: expected a folder")


def _line_of(text: str, pattern: str, nth: int = 0) -> int:
    """1-based line of the nth match of a regex in text (1 when not found)."""
    rx = re.compile(pattern, re.M)
    for i, m in enumerate(rx.finditer(text)):
        if i == nth:
            return text.count("\n", 0, m.start()) + 1
    return 1


def _read_toml(f: Traversable, where: str, ctx: _Ctx) -> tuple[dict[str, Any], str] | None:
    try:
        text = f.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        ctx.err(where, f"cannot read: {e}")
        return None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        ctx.err(f"{where}:{m.group(1) if m else 1}", f"TOML syntax error: {e}")
        return None


def _date(v: Any, where: str, ctx: _Ctx) -> _dt.date | None:
    if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
        return v
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            pass
    ctx.err(where, f"{v!r} is not a date (YYYY-MM-DD)")
    return None


def _interval(v: Any, where: str, ctx: _Ctx) -> tuple[_dt.date | None, _dt.date | None]:
    if v is None:
        return None, None
    if not isinstance(v, dict) or set(v) - {"from", "until"}:
        ctx.err(where, "effective must be a table with 'from' and/or 'until'")
        return None, None
    f = _date(v["from"], where, ctx) if "from" in v else None
    u = _date(v["until"], where, ctx) if "until" in v else None
    if f and u and u <= f:
        ctx.err(where, f"effective interval is empty: until {u} is not after from {f}")
    return f, u


def _files(folder: Traversable, sub: str, suffix: str) -> Iterator[tuple[str, Traversable]]:
    d = folder.joinpath(sub)
    if not d.is_dir():
        return
    for f in sorted(d.iterdir(), key=lambda x: x.name):
        if f.is_file() and f.name.endswith(suffix):
            yield f"{sub}/{f.name}", f


def _parse_cell(raw: str, typ: str, where: str, ctx: _Ctx) -> Any:
    s = raw.strip()
    if s == "":
        return [] if typ == "list" else None
    if typ == "str":
        return s
    if typ == "list":
        return [x.strip() for x in s.split(";") if x.strip()]
    if typ == "number":
        try:
            n = float(s)
        except ValueError:
            ctx.err(where, f"{s!r} is not a number")
            return None
        return int(n) if n.is_integer() and "." not in s and "e" not in s.lower() else n
    if typ == "bool":
        low = s.lower()
        if low in ("true", "yes", "x", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        ctx.err(where, f"{s!r} is not a boolean (true/false)")
        return None
    raise AssertionError(typ)


def _load_table(
    regime_id: str, name: str, meta: Any, folder: Traversable, label: str, ctx: _Ctx
) -> Table | None:
    where = f"{label}/regime.toml [tables.{name}]"
    if not isinstance(meta, dict):
        ctx.err(where, "must be a table")
        return None
    # An importer writes tables/<name>.meta.toml beside the CSV it generated; its provenance
    # (source, as_of, verified, coverage) overrides the hand-written entry in regime.toml.
    stem = str(meta.get("file", f"{name}.csv")).rsplit(".", 1)[0]
    mf = folder.joinpath("tables").joinpath(f"{stem}.meta.toml")
    if mf.is_file():
        got = _read_toml(mf, f"{label}/tables/{stem}.meta.toml", ctx)
        if got is not None:
            gen, _ = got
            bad = set(gen) - _META_KEYS
            if bad:
                ctx.err(f"{label}/tables/{stem}.meta.toml", f"unknown key(s) {sorted(bad)}")
            meta = {**meta, **{k: v for k, v in gen.items() if k not in bad}}
    for k in meta:
        if k not in _TABLE_KEYS:
            ctx.err(where, f"unknown key {k!r}")
    for k in ("source", "as_of", "coverage"):
        if not isinstance(meta.get(k), str) or not meta[k].strip():
            ctx.err(where, f"'{k}' is required (provenance of every table)")
    if not isinstance(meta.get("verified"), bool):
        ctx.err(where, "'verified' is required: true only if generated from the official text")
    stale_after = meta.get("stale_after")
    if stale_after is not None and (
        isinstance(stale_after, bool) or not isinstance(stale_after, int) or stale_after <= 0
    ):
        ctx.err(where, f"'stale_after' is a positive whole number of days, not {stale_after!r}")
        stale_after = None
    as_of = meta.get("as_of")
    if isinstance(as_of, _dt.date):
        as_of = as_of.isoformat()
    elif isinstance(as_of, str):
        _date(as_of, where, ctx)
    fname = meta.get("file", f"{name}.csv")
    f = folder.joinpath("tables").joinpath(fname)
    fwhere = f"{label}/tables/{fname}"
    if not f.is_file():
        ctx.err(fwhere, "table file is missing")
        return None
    text = f.read_text("utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    skipped = len(text.splitlines()) - len(lines)
    reader = csv.reader(io.StringIO("\n".join(lines)))
    try:
        header = next(reader)
    except StopIteration:
        ctx.err(fwhere, "empty table (a header row is required)")
        return None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        ctx.err(f"{fwhere}:{skipped + 1}", "duplicate column names")
    coltypes = meta.get("columns", {})
    if not isinstance(coltypes, dict):
        ctx.err(where, "'columns' must map column names to types")
        coltypes = {}
    for c, t in coltypes.items():
        if c not in header:
            ctx.err(where, f"'columns' names {c!r}, which is not a column of {fname}")
        if t not in _COLUMN_TYPES:
            ctx.err(where, f"column type {t!r} is not one of {', '.join(_COLUMN_TYPES)}")
    key = meta.get("key", header[0] if header else "")
    if key not in header:
        ctx.err(where, f"key column {key!r} is not in {fname}")
        return None
    dated = "valid_from" in header or "valid_until" in header
    rows = []
    for n, raw in enumerate(reader, start=skipped + 2):
        if not raw or all(not c.strip() for c in raw):
            continue
        rw = f"{fwhere}:{n}"
        if len(raw) != len(header):
            ctx.err(rw, f"has {len(raw)} cells; the header has {len(header)}")
            continue
        row: dict[str, Any] = {}
        for h, cell in zip(header, raw, strict=True):
            if h in ("valid_from", "valid_until"):
                row[h] = _date(cell.strip(), rw, ctx) if cell.strip() else None
            else:
                row[h] = _parse_cell(cell, coltypes.get(h, "str"), rw, ctx)
        if not isinstance(row[key], str) or not row[key]:
            ctx.err(rw, f"empty key in column {key!r}")
            continue
        rows.append(row)
    return Table(
        regime=regime_id,
        name=name,
        source=str(meta.get("source", "")),
        as_of=str(as_of or ""),
        verified=bool(meta.get("verified", False)),
        coverage=str(meta.get("coverage", "")),
        key=key,
        columns=tuple(header),
        rows=tuple(rows),
        dated=dated,
        stale_after=stale_after,
    )


def _fact_type(path: str, facts: Mapping[str, str], for_each: bool) -> str | None:
    if path in facts:
        return facts[path]
    if for_each and path in PARTY_FACTS:
        return PARTY_FACTS[path]
    return None


class _CondParser:
    def __init__(
        self,
        ctx: _Ctx,
        facts: Mapping[str, str],
        tables: Mapping[str, Table],
        derived: set[str],
    ) -> None:
        self.ctx = ctx
        self.facts = facts
        self.tables = tables
        self.derived = derived

    def parse(self, v: Any, where: str, for_each: bool) -> Cond:
        if v is None:
            return TrueCond()
        if not isinstance(v, dict):
            self.ctx.err(where, f"a condition must be a table, not {v!r}")
            return TrueCond()
        combos = [k for k in ("all", "any", "not") if k in v]
        if combos:
            if len(v) != 1:
                self.ctx.err(where, f"'{combos[0]}' must be alone in its table, found {sorted(v)}")
                return TrueCond()
            k = combos[0]
            if k == "not":
                return Not(self.parse(v["not"], where, for_each))
            items = v[k]
            if not isinstance(items, list) or not items:
                self.ctx.err(where, f"'{k}' takes a non-empty array of conditions")
                return TrueCond()
            children = tuple(self.parse(x, where, for_each) for x in items)
            return All(children) if k == "all" else Any_(children)
        return self._leaf(v, where, for_each)

    def _leaf(self, v: dict[str, Any], where: str, for_each: bool) -> Cond:
        err = self.ctx.err
        path = v.get("fact")
        if not isinstance(path, str):
            err(where, f"condition {v!r} needs 'fact' (or all/any/not)")
            return TrueCond()
        ops = [k for k in v if k in _OPS]
        extra = set(v) - set(_OPS) - {"fact", "column", "eq_value", "match"}
        if extra:
            err(where, f"unknown key(s) {sorted(extra)} in condition on {path!r}")
        if len(ops) != 1:
            err(where, f"condition on {path!r} needs exactly one operator of {', '.join(_OPS)}")
            return TrueCond()
        op = ops[0]
        val = v[op]
        typ: str | None
        if path.startswith("derived."):
            name = path[len("derived.") :]
            typ = "bool"
            if name not in self.derived:
                err(where, f"'{path}': no rule derives {name!r}")
        else:
            typ = _fact_type(path, self.facts, for_each)
        if typ is None:
            hint = ' (party.* facts need for_each = "party")' if path.startswith("party.") else ""
            err(where, f"unknown fact path {path!r}{hint}")
            return TrueCond()
        if op != "in_table" and ({"column", "eq_value", "match"} & set(v)):
            err(where, "'column', 'eq_value' and 'match' go only with in_table")
        leaf_kw: dict[str, Any] = {}
        if op in FACT_OPS:
            other = val
            if not isinstance(other, str):
                err(where, f"'{op}' names another fact path, not {other!r}")
                return TrueCond()
            if other.startswith("derived."):
                otyp: str | None = "bool"
                if other[len("derived.") :] not in self.derived:
                    err(where, f"'{other}': no rule derives {other[len('derived.') :]!r}")
            else:
                otyp = _fact_type(other, self.facts, for_each)
            if otyp is None:
                err(where, f"'{op}' names unknown fact path {other!r}")
                return TrueCond()
            if op == "eq_fact":
                if typ == "list" or otyp == "list" or typ != otyp:
                    err(
                        where,
                        f"'{op}' compares {path!r} ({typ}) with {other!r} ({otyp}): "
                        "both must be the same scalar type",
                    )
            elif typ != "number" or otyp != "number":
                err(where, f"'{op}' needs two number facts; {path!r} is {typ}, {other!r} is {otyp}")
        elif op in ("eq", "ne"):
            self._check_value(val, typ, path, where)
        elif op == "in":
            if not isinstance(val, list) or not val:
                err(where, f"'in' on {path!r} takes a non-empty array")
            else:
                for x in val:
                    self._check_value(x, typ, path, where)
                val = frozenset(val)
        elif op in ("contains", "intersects"):
            if typ != "list":
                err(where, f"'{op}' needs a list fact; {path!r} is {typ}")
            if op == "contains" and not isinstance(val, str | int | float | bool):
                err(where, f"'contains' takes a single value, not {val!r}")
            if op == "intersects":
                if not isinstance(val, list) or not val:
                    err(where, "'intersects' takes a non-empty array")
                else:
                    val = frozenset(val)
        elif op == "exists":
            if not isinstance(val, bool):
                err(where, "'exists' takes true or false")
        elif op in ("lt", "le", "gt", "ge"):
            if typ != "number":
                err(where, f"'{op}' needs a number fact; {path!r} is {typ}")
            if isinstance(val, bool) or not isinstance(val, int | float):
                err(where, f"'{op}' takes a number, not {val!r}")
        elif op == "matches":
            if typ != "str":
                err(where, f"'matches' needs a string fact; {path!r} is {typ}")
            try:
                leaf_kw["pattern"] = re.compile(str(val))
            except re.error as e:
                err(where, f"bad pattern {val!r}: {e}")
        elif op == "in_table":
            if typ not in ("str", "list"):
                err(where, f"'in_table' needs a string or list fact; {path!r} is {typ}")
            t = self.tables.get(val) if isinstance(val, str) else None
            if t is None:
                err(where, f"unknown table {val!r}")
            col = v.get("column")
            if col is not None:
                if t is not None and col not in t.columns:
                    err(where, f"table {val!r} has no column {col!r}")
                if "eq_value" not in v:
                    err(where, "'column' needs 'eq_value'")
                leaf_kw["column"] = col
                leaf_kw["eq_value"] = v.get("eq_value")
            elif "eq_value" in v:
                err(where, "'eq_value' needs 'column'")
            m = v.get("match", "exact")
            if m not in MATCH_MODES:
                err(where, f"match must be one of {', '.join(MATCH_MODES)}, not {m!r}")
                m = "exact"
            leaf_kw["match"] = m
        return Leaf(path=path, op=op, value=val, **leaf_kw)

    def _check_value(self, val: Any, typ: str, path: str, where: str) -> None:
        ok = {
            "str": isinstance(val, str),
            "bool": isinstance(val, bool),
            "number": isinstance(val, int | float) and not isinstance(val, bool),
            "list": False,
        }[typ]
        if not ok:
            hint = " (use contains/intersects on lists)" if typ == "list" else ""
            self.ctx.err(where, f"{path!r} is {typ}; cannot compare it with {val!r}{hint}")


def _load_plugin(
    folder: Traversable, label: str, ctx: _Ctx, regime_id: str
) -> tuple[dict[str, str], Callable[[Any, Any], Mapping[str, Any]] | None]:
    f = folder.joinpath("plugin.py")
    if not f.is_file():
        return {}, None
    where = f"{label}/plugin.py"
    mod = types.ModuleType(f"exportrules_regime_plugin_{regime_id}")
    mod.__file__ = str(f)
    try:
        code = compile(f.read_text("utf-8"), str(f), "exec")
        exec(code, mod.__dict__)  # the plug-in is code by design; rule files never are
    except Exception as e:  # noqa: BLE001 - any failure in a plug-in is a rule-set error
        ctx.err(where, f"plug-in failed to load: {type(e).__name__}: {e}")
        return {}, None
    sys.modules.setdefault(mod.__name__, mod)
    facts = getattr(mod, "FACTS", None)
    fn = getattr(mod, "facts", None)
    if not isinstance(facts, dict) or not callable(fn):
        ctx.err(where, "a plug-in must define FACTS (dict path -> type) and facts(tx, line)")
        return {}, None
    out: dict[str, str] = {}
    for p, t in facts.items():
        if not isinstance(p, str) or not p.startswith("plugin.") or t not in _COLUMN_TYPES:
            ctx.err(
                where, f"FACTS entry {p!r}: {t!r} must be plugin.<name> -> str|list|number|bool"
            )
        else:
            out[p] = t
    return out, fn


def load_regime(source: Any, *, label: str | None = None) -> Regime:
    """Load and validate one regime folder.

    Raises:
        RuleSetError: listing every problem found, each with file and line.
    """
    folder = regime_dir(source)
    label = label or str(source if isinstance(source, str | os.PathLike) else folder)
    ctx = _Ctx(label)
    hasher = hashlib.sha256()
    rt = folder.joinpath("regime.toml")
    if not rt.is_file():
        raise RuleSetError(f"{label}: no regime.toml (is this a regime folder?)")
    got = _read_toml(rt, f"{label}/regime.toml", ctx)
    if got is None:
        raise RuleSetError(ctx.problems)
    meta, meta_text = got
    hasher.update(meta_text.encode())
    where = f"{label}/regime.toml"
    for k in meta:
        if k not in _REGIME_KEYS:
            ln = _line_of(meta_text, r"^[ \t]*" + re.escape(k) + r"\b")
            ctx.err(f"{where}:{ln}", f"unknown key {k!r}")
    rid = meta.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        ctx.err(where, f"'id' must match {_ID.pattern}, not {rid!r}")
        raise RuleSetError(ctx.problems)
    for k in ("name", "authority"):
        if not isinstance(meta.get(k), str):
            ctx.err(where, f"'{k}' is required")
    refs = meta.get("references", [])
    if not isinstance(refs, list) or not refs or not all(isinstance(x, str) for x in refs):
        ctx.err(where, "'references' must be a non-empty array of sources")
        refs = []
    eff_from, eff_until = _interval(meta.get("effective"), where, ctx)
    hlc = meta.get("held_licence_citation")
    if hlc is not None and (not isinstance(hlc, str) or not _CITATION.match(hlc)):
        ctx.err(where, f"held_licence_citation {hlc!r} is not in the form 'Instrument, Art. 12'")
    code_pattern = None
    if "code_pattern" in meta:
        try:
            code_pattern = re.compile(meta["code_pattern"])
        except (re.error, TypeError) as e:
            ctx.err(where, f"bad code_pattern: {e}")
    for ex in meta.get("code_examples", []):
        if code_pattern is not None and not code_pattern.fullmatch(str(ex)):
            ctx.err(where, f"code example {ex!r} does not match code_pattern")

    tables: dict[str, Table] = {}
    tmeta = meta.get("tables", {})
    for name, tm in tmeta.items() if isinstance(tmeta, dict) else []:
        if not _NAME.match(name):
            ctx.err(where, f"table name {name!r} must match {_NAME.pattern}")
            continue
        t = _load_table(rid, name, tm, folder, label, ctx)
        if t is not None:
            tables[name] = t
            hasher.update(
                folder.joinpath("tables").joinpath(tm.get("file", f"{name}.csv")).read_bytes()
            )
    declared = {tm.get("file", f"{n}.csv") for n, tm in tmeta.items() if isinstance(tm, dict)}
    for fname, _f in _files(folder, "tables", ".csv"):
        if fname.split("/", 1)[1] not in declared:
            ctx.err(f"{label}/{fname}", "table file has no [tables.<name>] entry in regime.toml")

    facts = dict(BASE_FACTS)
    lookups: list[Lookup] = []
    for i, lk in enumerate(meta.get("lookup", [])):
        lw = f"{where}:{_line_of(meta_text, _LOOKUP_HDR, i)}"
        if not isinstance(lk, dict):
            ctx.err(lw, "[[lookup]] must be a table")
            continue
        for k in lk:
            if k not in _LOOKUP_KEYS:
                ctx.err(lw, f"unknown key {k!r} in [[lookup]]")
        name, table, key = lk.get("name"), lk.get("table"), lk.get("key")
        if (
            not isinstance(name, str)
            or not _NAME.match(name)
            or name in ("tx", "line", "screening", "derived", "party", "plugin")
        ):
            ctx.err(lw, f"lookup name {name!r} must be a free lower-case name")
            continue
        if table not in tables:
            ctx.err(lw, f"lookup {name!r}: unknown table {table!r}")
            continue
        if key not in facts or facts[key] != "str":
            ctx.err(lw, f"lookup {name!r}: key {key!r} must be a string fact")
            continue
        match = lk.get("match", "exact")
        if match not in MATCH_MODES:
            ctx.err(lw, f"lookup {name!r}: match must be one of {', '.join(MATCH_MODES)}")
            match = "exact"
        t = tables[table]
        colt = tmeta[table].get("columns", {})
        facts[f"{name}.found"] = "bool"
        for c in t.columns:
            if c != "valid_from" and c != "valid_until":
                facts[f"{name}.{c}"] = colt.get(c, "str")
        lookups.append(
            Lookup(name=name, table=table, key=key, match=match)
        )

    plugin_types, plugin_fn = _load_plugin(folder, label, ctx, rid)
    facts.update(plugin_types)
    if folder.joinpath("plugin.py").is_file():
        hasher.update(folder.joinpath("plugin.py").read_bytes())

    # First pass over rule files: collect derived fact names so conditions can refer to them.
    rule_docs: list[tuple[str, str, list[Any]]] = []
    derived: set[str] = set()
    for fname, f in _files(folder, "rules", ".toml"):
        got = _read_toml(f, f"{label}/{fname}", ctx)
        if got is None:
            continue
        doc, text = got
        hasher.update(text.encode())
        extra = set(doc) - {"rule"}
        if extra:
            ctx.err(f"{label}/{fname}", f"unknown top-level key(s) {sorted(extra)}; use [[rule]]")
        rules_raw = doc.get("rule", [])
        if not isinstance(rules_raw, list):
            ctx.err(f"{label}/{fname}", "'rule' must be an array of tables ([[rule]])")
            continue
        rule_docs.append((fname, text, rules_raw))
        for r in rules_raw:
            th = r.get("then") if isinstance(r, dict) else None
            if (
                isinstance(th, dict)
                and th.get("effect") == "derive"
                and isinstance(th.get("fact"), str)
            ):
                derived.add(th["fact"])
    if not rule_docs:
        ctx.err(f"{label}/rules", "a regime needs at least one rule file")

    parser = _CondParser(ctx, facts, tables, derived)
    applicability = parser.parse(meta.get("applicability"), f"{where} applicability", False)
    if "applicability" not in meta:
        ctx.err(where, "'applicability' is required (when does this regime apply?)")

    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for fname, text, rules_raw in rule_docs:
        for i, r in enumerate(rules_raw):
            rw = f"{label}/{fname}:{_line_of(text, _RULE_HDR, i)}"
            rule = _parse_rule(
                r,
                rw,
                rid,
                len(rules),
                ctx,
                parser,
                facts,
                tables,
                {lk.name: lk.table for lk in lookups},
            )
            if rule is None:
                continue
            if rule.id in seen:
                ctx.err(rw, f"duplicate rule id {rule.id!r} (first at {seen[rule.id]})")
                continue
            seen[rule.id] = rw
            rules.append(rule)

    tags_meta = meta.get("tags", {})
    if not isinstance(tags_meta, dict) or not all(
        isinstance(k, str) and _NAME.match(k) and isinstance(v, str) and v.strip()
        for k, v in tags_meta.items()
    ):
        ctx.err(where, "[tags] maps each item tag (lower-case name) to what it means")
        tags_meta = {}
    for rule in rules:
        for tag in sorted(_tags_read(rule.condition)):
            if tag not in tags_meta:
                ctx.err(rule.source, f"rule {rule.id!r} reads tag {tag!r}, not declared in [tags]")
    for tag in sorted(_tags_read(applicability)):
        if tag not in tags_meta:
            ctx.err(where, f"applicability reads tag {tag!r}, not declared in [tags]")

    strat, cyc = strata(rules)
    ctx.problems.extend(cyc)
    if ctx.problems:
        raise RuleSetError(ctx.problems)
    return Regime(
        id=rid,
        name=meta["name"],
        authority=meta["authority"],
        version=str(meta.get("version", "")),
        references=tuple(refs),
        effective_from=eff_from,
        effective_until=eff_until,
        code_pattern=code_pattern,
        applicability=applicability,
        tables=tables,
        lookups=tuple(lookups),
        rules=tuple(rules),
        sha256=hasher.hexdigest(),
        held_licence_citation=str(
            meta.get("held_licence_citation", f"{meta['name']}, licence held")
        ),
        origin=label,
        fact_types=facts,
        plugin_facts=plugin_fn,
        folder=folder,
        tags=dict(tags_meta),
        derive_strata=strat,
        effect_rules=tuple(r for r in rules if r.effect.kind != "derive"),
    )


def _tags_read(c: Cond) -> set[str]:
    """The item tags a condition tests for."""
    out: set[str] = set()
    for lf in leaves(c):
        if lf.path == "line.tags" and lf.op == "contains":
            out.add(str(lf.value))
        elif lf.path == "line.tags" and lf.op == "intersects":
            out.update(str(x) for x in lf.value)
    return out


def _parse_rule(
    r: Any,
    rw: str,
    rid: str,
    index: int,
    ctx: _Ctx,
    parser: _CondParser,
    facts: Mapping[str, str],
    tables: Mapping[str, Table],
    lookup_tables: Mapping[str, str],
) -> Rule | None:
    err = ctx.err
    if not isinstance(r, dict):
        err(rw, "[[rule]] must be a table")
        return None
    n0 = len(ctx.problems)
    for k in r:
        if k not in _RULE_KEYS:
            err(rw, f"unknown key {k!r} in rule {r.get('id')!r}")
    rule_id = r.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        err(rw, f"rule id {rule_id!r} must look like '{rid}.name'")
        return None
    if rule_id.split(".", 1)[0] != rid:
        err(rw, f"rule id {rule_id!r} must start with the regime id '{rid}.'")
    label = f"rule {rule_id!r}"
    cit = r.get("citation")
    if not isinstance(cit, str) or not _CITATION.match(cit):
        err(rw, f"{label}: citation {cit!r} is missing or not in the form 'Instrument, Art. 5(1)'")
    ef, eu = _interval(r.get("effective"), rw, ctx)
    fe = r.get("for_each")
    if fe not in (None, "party"):
        err(rw, f"{label}: for_each must be 'party'")
        fe = None
    cond = parser.parse(r.get("when"), f"{rw}: {label}", fe == "party")
    then = r.get("then")
    if not isinstance(then, dict) or then.get("effect") not in EFFECTS:
        err(rw, f"{label}: 'then' needs effect = one of {', '.join(EFFECTS)}")
        return None
    kind = then["effect"]
    allowed = _THEN_KEYS[kind] | {"effect"}
    for k in then:
        if k not in allowed:
            err(rw, f"{label}: effect {kind!r} takes no field {k!r}")
    eff = Effect(kind=kind)
    if kind == "require":
        reason = then.get("reason")
        if not isinstance(reason, str) or not reason:
            err(rw, f"{label}: require needs a 'reason'")
        held = then.get("held_licences", "any")
        if held not in ("any", "named"):
            err(rw, f"{label}: held_licences must be 'any' or 'named'")
        eff = Effect(kind=kind, reason=reason, held=str(held))
    elif kind == "authorise":
        aid, ak = then.get("authorisation"), then.get("kind")
        covers, conds = then.get("covers"), then.get("conditions", [])
        if not isinstance(aid, str) or not aid or aid == "*":
            err(rw, f"{label}: authorise needs an 'authorisation' id")
        if ak not in AUTH_KINDS:
            err(rw, f"{label}: authorise needs kind = one of {', '.join(AUTH_KINDS)}")
        if (
            not isinstance(covers, list)
            or not covers
            or not all(isinstance(x, str) for x in covers)
        ):
            err(rw, f"{label}: authorise needs 'covers', the reasons it discharges (or ['*'])")
            covers = []
        if not isinstance(conds, list) or not all(isinstance(x, str) for x in conds):
            err(rw, f"{label}: 'conditions' must be an array of strings")
            conds = []
        eff = Effect(
            kind=kind,
            authorisation=aid,
            auth_kind=ak,
            covers=tuple(covers),
            conditions=tuple(conds),
        )
    elif kind == "deny_authorisation":
        aid, ak = then.get("authorisation"), then.get("kind")
        if aid is None and ak is None:
            err(rw, f"{label}: deny_authorisation needs 'authorisation' (id or '*') and/or 'kind'")
        if ak is not None and ak not in AUTH_KINDS:
            err(rw, f"{label}: kind must be one of {', '.join(AUTH_KINDS)}")
        eff = Effect(kind=kind, authorisation=aid, auth_kind=ak)
    elif kind == "derive":
        fact = then.get("fact")
        if not isinstance(fact, str) or not _NAME.match(fact):
            err(rw, f"{label}: derive needs 'fact', a lower-case name without dots")
        eff = Effect(kind=kind, fact=fact)
    msg = r.get("message")
    if not isinstance(msg, str) or not msg.strip():
        err(rw, f"{label}: 'message' is required")
        msg = ""
    for p in TEMPLATE.findall(msg):
        if p.startswith("derived."):
            continue
        if _fact_type(p, facts, fe == "party") is None:
            err(rw, f"{label}: message names unknown fact {{{p}}}")
    policy = r.get("policy")
    if policy is not None and not isinstance(policy, str):
        err(rw, f"{label}: 'policy' must be a string")
    for p in TEMPLATE.findall(policy or ""):
        if not p.startswith("derived.") and _fact_type(p, facts, fe == "party") is None:
            err(rw, f"{label}: policy names unknown fact {{{p}}}")
    report = r.get("report", False)
    if not isinstance(report, bool):
        err(rw, f"{label}: 'report' must be true or false")
    if len(ctx.problems) != n0:
        return None
    used_tables = set(tables_of(cond))
    for p in paths_of(cond) | set(TEMPLATE.findall(msg)):
        t = lookup_tables.get(p.split(".", 1)[0])
        if t is not None:
            used_tables.add(t)
    return Rule(
        id=rule_id,
        regime=rid,
        index=index,
        citation=str(cit),
        condition=cond,
        effect=eff,
        message=msg,
        effective_from=ef,
        effective_until=eu,
        for_each=fe,
        policy=policy,
        report=bool(report),
        tables=frozenset(used_tables),
        source=rw,
    )


def bundled_regimes() -> list[tuple[str, Traversable]]:
    """The regimes shipped with the library: in the wheel, or in the source checkout."""
    pkg = resources.files("exportrules")
    candidates = [pkg.joinpath("_regimes")]
    src = Path(__file__).resolve().parent.parent / "regimes"
    candidates.append(src)
    for c in candidates:
        if c.is_dir():
            out = []
            for d in sorted(c.iterdir(), key=lambda x: x.name):
                if d.is_dir() and d.joinpath("regime.toml").is_file():
                    out.append((d.name, d))
            return out
    return []
