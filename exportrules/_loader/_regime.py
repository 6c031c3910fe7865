"""Assembling one regime folder into a validated IR ``Regime`` (docs/rules.md)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from .._errors import RuleSetError
from .._ir import MATCH_MODES, Cond, Lookup, Regime, Rule, Table, leaves, strata
from .._regex import LinearPattern, PatternError
from ._conditions import CondParser
from ._facts import BASE_FACTS
from ._plugin import load_plugin
from ._problems import Problems, did_you_mean
from ._rules import CITATION, NAME, interval, parse_rule
from ._tables import LoadedTable, check_uses, load_table
from ._toml import Doc, read_toml

__all__ = ["load_regime", "origin_of", "regime_dir"]

_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
REGIME_KEYS = (
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
)
LOOKUP_KEYS = ("name", "table", "key", "match")
_RESERVED = ("tx", "line", "screening", "derived", "party", "plugin")


def regime_dir(source: Any) -> Traversable:
    """Turn a path, a Traversable, or a callable returning one, into a regime folder."""
    if callable(source) and not isinstance(source, Path | str):
        source = source()
    if isinstance(source, str | os.PathLike):
        return Path(source)
    if isinstance(source, Traversable):
        return source
    raise RuleSetError(
        f"cannot load a regime from {source!r}: expected a folder (a path or a Traversable, "
        "or a callable returning one)"
    )


def origin_of(folder: Any) -> str:
    """The real file-system path of a regime folder (or the best description of it)."""
    if isinstance(folder, Path):
        return str(folder.resolve())
    paths = getattr(folder, "_paths", None)  # importlib's MultiplexedPath (namespace package)
    if isinstance(paths, list | tuple) and paths:
        return str(Path(str(paths[0])).resolve())
    return str(folder)


def _files(folder: Traversable, sub: str, suffix: str) -> Iterator[tuple[str, Traversable]]:
    d = folder.joinpath(sub)
    if not d.is_dir():
        return
    for f in sorted(d.iterdir(), key=lambda x: x.name):
        if f.is_file() and f.name.endswith(suffix):
            yield f"{sub}/{f.name}", f


def _tags_read(c: Cond) -> set[str]:
    """The item tags a condition tests for."""
    out: set[str] = set()
    for lf in leaves(c):
        if lf.path == "line.tags" and lf.op == "contains":
            out.add(str(lf.value))
        elif lf.path == "line.tags" and lf.op == "intersects":
            out.update(str(x) for x in lf.value)
    return out


def _str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def load_regime(source: Any, *, label: str | None = None) -> Regime:
    """Load and validate one regime folder.

    ``source`` is a path, a Traversable, or a callable returning one (an entry point's value).

    Raises:
        RuleSetError: listing every problem found, each as ``file:line: message``.
    """
    folder = regime_dir(source)
    label = label or (str(source) if isinstance(source, str | os.PathLike) else origin_of(folder))
    problems = Problems()
    hasher = hashlib.sha256()
    rt = folder.joinpath("regime.toml")
    if not rt.is_file():
        raise RuleSetError(f"{label}: no regime.toml (is this a regime folder?)")
    doc, err = read_toml(rt, f"{label}/regime.toml")
    if doc is None:
        raise RuleSetError(err or f"{label}/regime.toml: cannot read")
    meta, src = doc.data, doc.src
    hasher.update(doc.text.encode())
    top = f"{src.path}:1"
    for k in meta:
        if k not in REGIME_KEYS:
            problems.add(src.at(k), f"unknown key {k!r}{did_you_mean(k, REGIME_KEYS)}")
    rid = meta.get("id")
    if not isinstance(rid, str) or not _ID.fullmatch(rid):
        problems.add(
            src.at("id") if "id" in meta else top,
            f"'id' must match {_ID.pattern} (a lower-case name), not {rid!r}",
        )
        raise RuleSetError(problems.items)
    for k in ("name", "authority"):
        if not _str(meta.get(k)):
            problems.add(src.at(k) if k in meta else top, f"'{k}' is required (a string)")
    version = meta.get("version", "")
    if not isinstance(version, str):
        problems.add(src.at("version"), f"'version' is a string, not {version!r}")
    refs = meta.get("references", [])
    if not isinstance(refs, list) or not refs or not all(_str(x) for x in refs):
        problems.add(
            src.at("references") if "references" in meta else top,
            "'references' must be a non-empty array of sources",
        )
        refs = []
    eff_from, eff_until = interval(meta.get("effective"), src, ("effective",), problems)
    hlc = meta.get("held_licence_citation")
    if hlc is not None and (not isinstance(hlc, str) or not CITATION.fullmatch(hlc)):
        problems.add(
            src.at("held_licence_citation"),
            f"held_licence_citation {hlc!r} is not in the form 'Instrument, Art. 12'",
        )
    code_pattern: LinearPattern | None = None
    if "code_pattern" in meta:
        try:
            code_pattern = LinearPattern(meta["code_pattern"])
        except PatternError as e:
            problems.add(src.at("code_pattern"), f"bad code_pattern: {e}")
    examples = meta.get("code_examples", [])
    if not isinstance(examples, list) or not all(_str(x) for x in examples):
        problems.add(src.at("code_examples"), "'code_examples' must be an array of codes")
        examples = []
    for i, ex in enumerate(examples):
        if code_pattern is not None and not code_pattern.fullmatch(ex):
            problems.add(
                src.at("code_examples", i), f"code example {ex!r} does not match code_pattern"
            )

    # ---------------------------------------------------------------- tables
    tables: dict[str, Table] = {}
    loaded: dict[str, LoadedTable] = {}
    tmeta = meta.get("tables", {})
    if not isinstance(tmeta, dict):
        problems.add(src.at("tables"), "'tables' must be a table of [tables.<name>] entries")
        tmeta = {}
    for name, tm in tmeta.items():
        if not NAME.fullmatch(name):
            problems.add(src.at("tables", name), f"table name {name!r} must match {NAME.pattern}")
            continue
        lt = load_table(rid, name, tm, folder, label, src, problems, code_pattern, examples)
        if lt is not None:
            tables[name] = lt.table
            loaded[name] = lt
            hasher.update(
                folder.joinpath("tables").joinpath(tm.get("file", f"{name}.csv")).read_bytes()
            )
    declared = {tm.get("file", f"{n}.csv") for n, tm in tmeta.items() if isinstance(tm, dict)}
    for fname, _f in _files(folder, "tables", ".csv"):
        if fname.split("/", 1)[1] not in declared:
            problems.add(
                f"{label}/{fname}:1", "table file has no [tables.<name>] entry in regime.toml"
            )

    # ---------------------------------------------------------------- lookups
    facts = dict(BASE_FACTS)
    lookups: list[Lookup] = []
    raw_lookups = meta.get("lookup", [])
    if not isinstance(raw_lookups, list):
        problems.add(src.at("lookup"), "'lookup' must be an array of tables ([[lookup]])")
        raw_lookups = []
    for i, lk in enumerate(raw_lookups):
        lw = src.at("lookup", i)
        if not isinstance(lk, dict):
            problems.add(lw, "[[lookup]] must be a table")
            continue
        for k in lk:
            if k not in LOOKUP_KEYS:
                problems.add(
                    src.at("lookup", i, k),
                    f"unknown key {k!r} in [[lookup]]{did_you_mean(k, LOOKUP_KEYS)}",
                )
        name, table, key = lk.get("name"), lk.get("table"), lk.get("key")
        if not isinstance(name, str) or not NAME.fullmatch(name) or name in _RESERVED:
            problems.add(
                src.at("lookup", i, "name") if "name" in lk else lw,
                f"lookup name {name!r} must be a free lower-case name (not {', '.join(_RESERVED)})",
            )
            continue
        if any(x.name == name for x in lookups):
            problems.add(src.at("lookup", i, "name"), f"duplicate lookup name {name!r}")
            continue
        if table not in tables:
            problems.add(
                src.at("lookup", i, "table") if "table" in lk else lw,
                f"lookup {name!r}: unknown table {table!r}{did_you_mean(table, tmeta)}",
            )
            continue
        if key not in facts or facts[key] != "str":
            strs = [p for p, t in facts.items() if t == "str"]
            problems.add(
                src.at("lookup", i, "key") if "key" in lk else lw,
                f"lookup {name!r}: key {key!r} must be a string fact{did_you_mean(key, strs)}",
            )
            continue
        match = lk.get("match", "exact")
        if match not in MATCH_MODES:
            problems.add(
                src.at("lookup", i, "match"),
                f"lookup {name!r}: match must be one of {', '.join(MATCH_MODES)}"
                + did_you_mean(match, MATCH_MODES),
            )
            match = "exact"
        t = tables[table]
        colt = tmeta[table].get("columns", {}) if isinstance(tmeta[table], dict) else {}
        colt = colt if isinstance(colt, dict) else {}
        facts[f"{name}.found"] = "bool"
        for c in t.columns:
            if c != "valid_from" and c != "valid_until":
                facts[f"{name}.{c}"] = colt.get(c, "str")
        lookups.append(Lookup(name=name, table=table, key=key, match=match))

    # ---------------------------------------------------------------- plug-in
    plugin_types, plugin_fn = load_plugin(folder, label, problems, rid)
    facts.update(plugin_types)
    if folder.joinpath("plugin.py").is_file():
        hasher.update(folder.joinpath("plugin.py").read_bytes())

    # ---------------------------------------------------------------- rules
    # First pass over rule files: collect derived fact names so conditions can refer to them.
    rule_docs: list[tuple[Doc, list[Any]]] = []
    derived: set[str] = set()
    for fname, f in _files(folder, "rules", ".toml"):
        rdoc, err = read_toml(f, f"{label}/{fname}")
        if rdoc is None:
            problems.raw(err or f"{label}/{fname}: cannot read")
            continue
        hasher.update(rdoc.text.encode())
        for k in rdoc.data:
            if k != "rule":
                problems.add(
                    rdoc.src.at(k), f"unknown top-level key {k!r}; rule files hold [[rule]] tables"
                )
        rules_raw = rdoc.data.get("rule", [])
        if not isinstance(rules_raw, list):
            problems.add(rdoc.src.at("rule"), "'rule' must be an array of tables ([[rule]])")
            continue
        rule_docs.append((rdoc, rules_raw))
        for r in rules_raw:
            th = r.get("then") if isinstance(r, dict) else None
            if (
                isinstance(th, dict)
                and th.get("effect") == "derive"
                and isinstance(th.get("fact"), str)
            ):
                derived.add(th["fact"])
    if not rule_docs and not any(True for _ in _files(folder, "rules", ".toml")):
        problems.add(f"{label}/rules", "a regime needs at least one rule file (rules/*.toml)")

    parser = CondParser(problems, facts, tables, derived)
    applicability = parser.parse(meta.get("applicability"), src, ("applicability",), False)
    if "applicability" not in meta:
        problems.add(top, "'applicability' is required (when does this regime apply?)")

    rules: list[Rule] = []
    seen: dict[str, str] = {}
    lookup_tables = {lk.name: lk.table for lk in lookups}
    for rdoc, rules_raw in rule_docs:
        for i, r in enumerate(rules_raw):
            rule = parse_rule(
                r,
                rdoc.src,
                ("rule", i),
                rid,
                len(rules),
                problems,
                parser,
                facts,
                tables,
                lookup_tables,
                derived,
            )
            if rule is None:
                continue
            if rule.id in seen:
                problems.add(
                    rdoc.src.at("rule", i, "id"),
                    f"duplicate rule id {rule.id!r} (first at {seen[rule.id]})",
                )
                continue
            seen[rule.id] = rule.source
            rules.append(rule)

    # ---------------------------------------------------------------- tags
    tags_meta = meta.get("tags", {})
    if not isinstance(tags_meta, dict):
        problems.add(src.at("tags"), "[tags] maps each item tag (lower-case name) to its meaning")
        tags_meta = {}
    for k, v in list(tags_meta.items()):
        if not NAME.fullmatch(k) or not _str(v):
            problems.add(
                src.at("tags", k),
                f"tag {k!r}: [tags] maps each item tag (lower-case name) to what it means",
            )
            del tags_meta[k]
    for rule in rules:
        for tag in sorted(_tags_read(rule.condition)):
            if tag not in tags_meta:
                problems.add(
                    rule.source,
                    f"rule {rule.id!r} reads tag {tag!r}, not declared in [tags]"
                    + did_you_mean(tag, tags_meta),
                )
    for tag in sorted(_tags_read(applicability)):
        if tag not in tags_meta:
            problems.add(
                src.at("applicability"),
                f"applicability reads tag {tag!r}, not declared in [tags]"
                + did_you_mean(tag, tags_meta),
            )

    # ---------------------------------------------------------------- keys of tables
    # a table is a relation (several rows per key) when every rule reading it names a column
    plain: set[str] = {lk.table for lk in lookups}
    for cond in [applicability, *(r.condition for r in rules)]:
        for lf in leaves(cond):
            if lf.op == "in_table" and lf.column is None:
                plain.add(lf.value)
    for name, lt in loaded.items():
        check_uses(lt, name not in plain, problems)

    strat, cyc = strata(rules)
    for c in cyc:
        problems.raw(c)
    if problems.items:
        raise RuleSetError(problems.items)
    return Regime(
        id=rid,
        name=meta["name"],
        authority=meta["authority"],
        version=str(meta.get("version", "")),
        references=tuple(refs),
        effective_from=eff_from,
        effective_until=eff_until,
        code_pattern=code_pattern,
        code_examples=tuple(examples),
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
