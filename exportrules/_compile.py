"""The default backend: each regime compiled to a specialised Python decision function.

For every regime and every interval of dates over which its set of rules in force does not
change, Python source is generated from the rule IR (``exportrules/_ir.py``), compiled with
``compile()`` and run once with ``exec`` in a private namespace; the resulting ``fire``
function decides which rules fire for the lines of one evaluation. The source is meant to be
read: ``exportrules regimes compile ID --show`` prints it.

What the generated function does, per line:

- reads the facts its rule index keys on into locals, once;
- finds candidate rules through product indexes built at compile time: dictionaries keyed on
  the values of one or two discriminating facts of a rule's top-level conjunction, e.g.
  ``(line.code, tx.destination) -> rules``, with one key per combination of the values an
  ``eq`` / ``in`` / ``contains`` / ``intersects`` leaf accepts (``matches`` patterns with a
  literal prefix are keyed on that prefix);
- a rule whose whole condition is decided by the index look-up fires without further work;
  any other condition is inlined into a small generated check function (no interpretation of
  a condition tree at run time);
- derive strata in order, per-party rules over the party facts, exactly as the reference
  evaluator ``_ir.eval_cond`` defines them (the differential property tests hold this backend
  to it and to the rete backend).

Safety: code is generated only from a validated IR. Every literal in the source is written
with ``repr`` (strings, integers, booleans, finite floats); every other value (sets of values,
compiled patterns, table look-ups, non-finite floats) is a name bound in the function's
private namespace to the IR's own object. Rule ids, fact paths and patterns appear in comments
only through ``repr``, so no rule text can end a comment or a string. Nothing from a rule file
or a transaction is ever passed to ``eval``.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import math
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from ._ir import FACT_OPS, All, Any_, Cond, Leaf, Not, Regime, Rule, TableView, TrueCond, is_num
from ._pyback import Firing, _literal_prefix, _PartyFrame, compile_cond

__all__ = ["CompiledBackend", "Program", "compile_predicate", "compile_regime", "intervals"]

#: a rule whose product key would have more entries than this is keyed on one fact only
MAX_PRODUCT = 512

FireFn = Callable[
    [Sequence[MutableMapping[str, Any]], Sequence[Mapping[str, Any]], TableView], list[Firing]
]


def intervals(regime: Regime) -> list[_dt.date]:
    """The dates at which the regime's set of rules in force changes, sorted."""
    out: set[_dt.date] = set()
    for r in regime.rules:
        if r.effective_from is not None:
            out.add(r.effective_from)
        if r.effective_until is not None:
            out.add(r.effective_until)
    return sorted(out)


class Program:
    """The compiled decision function of one regime over one interval of dates."""

    __slots__ = ("fire", "regime", "source", "span")

    def __init__(
        self,
        regime: Regime,
        span: tuple[_dt.date | None, _dt.date | None],
        source: str,
        fire: FireFn,
    ) -> None:
        self.regime = regime
        self.span = span
        self.source = source
        self.fire = fire


# --------------------------------------------------------------------------- keys


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, bool)


class _Key:
    """How one rule is found: up to two components, each (kind, path, values)."""

    __slots__ = ("components", "decided")

    def __init__(self, components: list[tuple[str, str, list[Any]]], decided: bool) -> None:
        self.components = components  # kind: "s" scalar, "l" list element, "p" prefix
        self.decided = decided  # the look-up alone decides the whole condition

    @property
    def signature(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, p) for k, p, _ in self.components)

    def entries(self) -> list[Any]:
        if len(self.components) == 1:
            return list(self.components[0][2])
        (_, _, a), (_, _, b) = self.components
        return [(x, y) for x in a for y in b]


def _candidate(lf: Leaf) -> tuple[int, tuple[str, str, list[Any]]] | None:
    """(score, component) for a leaf usable as an index component; lower score is better."""
    op = lf.op
    if op == "eq" and _scalar(lf.value):
        return (0 if lf.path == "line.code" else 2), ("s", lf.path, [lf.value])
    if op == "in" and all(_scalar(v) for v in lf.value):
        vals = sorted(lf.value, key=repr)
        return (0 if lf.path == "line.code" else 3), ("s", lf.path, vals)
    if op == "contains" and _scalar(lf.value):
        return 4, ("l", lf.path, [lf.value])
    if op == "intersects" and all(_scalar(v) for v in lf.value):
        return 5, ("l", lf.path, sorted(lf.value, key=repr))
    if op == "matches" and lf.pattern is not None:
        pre = _literal_prefix(lf.pattern.pattern)
        if pre:
            return 1, ("p", lf.path, [pre])
    if op == "eq" and isinstance(lf.value, bool):
        return 9, ("s", lf.path, [lf.value])  # a flag halves the frames at best
    return None


def _key(c: Cond) -> tuple[_Key | None, list[Cond]]:
    """The index key of a rule condition and the conjuncts the key does not decide."""
    parts: list[Cond] = (
        [c] if isinstance(c, Leaf) else list(c.children) if isinstance(c, All) else []
    )
    if not parts:
        return None, [c]
    cands = []
    for pos, p in enumerate(parts):
        if isinstance(p, Leaf):
            got = _candidate(p)
            if got is not None:
                cands.append((got[0], pos, got[1]))
    if not cands:
        return None, [c]
    cands.sort(key=lambda x: (x[0], x[1]))
    score0, pos0, comp0 = cands[0]
    chosen = [(pos0, comp0)]
    if comp0[0] != "p" and score0 < 9:
        for score, pos, comp in cands[1:]:
            if score >= 9 or comp[0] == "p" or comp[1] == comp0[1]:
                continue
            if len(comp0[2]) * len(comp[2]) <= MAX_PRODUCT:
                chosen.append((pos, comp))
            break
    used = {pos for pos, _ in chosen}
    rest = [p for i, p in enumerate(parts) if i not in used]
    # a prefix key only narrows the candidates: the pattern itself must still be tested
    if comp0[0] == "p":
        rest = [parts[pos0], *rest]
    components = [comp for _, comp in chosen]
    return _Key(components, decided=not rest), rest


# --------------------------------------------------------------------------- code generation


class _Gen:
    """Source text and the private namespace it runs in."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {"_is_num": is_num, "_PartyFrame": _PartyFrame, "_E": ()}
        self.lines: list[str] = []
        self._consts: dict[int, str] = {}
        self._n = 0
        self._later: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
        self.notes: list[str] = []  # what the value names stand for, for the reader

    def later(self, prefix: str, build: Callable[[dict[str, Any]], Any]) -> str:
        """A name bound after the source ran, to ``build(namespace)``."""
        self._n += 1
        name = f"{prefix}{self._n}"
        self._later.append((name, build))
        return name

    def finish(self) -> None:
        for name, build in self._later:
            self.ns[name] = build(self.ns)

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def const(self, value: Any, prefix: str = "_K") -> str:
        """A name bound to ``value`` in the namespace (same object, bound once)."""
        name = self._consts.get(id(value))
        if name is None:
            self._n += 1
            name = f"{prefix}{self._n}"
            self._consts[id(value)] = name
            self.ns[name] = value
            if prefix in ("_K", "_P"):
                shown = getattr(getattr(value, "__self__", None), "pattern", value)
                self.notes.append(f"#   {name} = {_note(shown)}")
        return name

    def lit(self, v: Any) -> str:
        """A literal: repr for str, int, bool and finite float; a namespace name otherwise."""
        if isinstance(v, bool) or v is None:
            return repr(v)
        if type(v) is str or type(v) is int:
            return repr(v)
        if type(v) is float and math.isfinite(v):
            return repr(v)
        return self.const(v)


def _note(v: Any, limit: int = 70) -> str:
    """A comment-safe description of a value (repr escapes newlines and quotes)."""
    if isinstance(v, frozenset | set):
        s = "{" + ", ".join(repr(x) for x in sorted(v, key=repr)) + "}"
    else:
        s = repr(v)
    s = s.replace("\n", "\\n").replace("\r", "\\r")
    return s if len(s) <= limit else s[: limit - 3] + "..."


class _Reads:
    """Fact paths read by one generated function, as locals ``x0``, ``x1``, ..."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        n = self.names.get(path)
        if n is None:
            n = self.names[path] = f"x{len(self.names)}"
        return n


def _expr(g: _Gen, c: Cond, rd: _Reads) -> str:
    """A Python expression with the semantics of ``_ir.eval_cond`` for ``c``."""
    if isinstance(c, TrueCond):
        return "True"
    if isinstance(c, Not):
        return f"(not {_expr(g, c.child, rd)})"
    if isinstance(c, All):
        if not c.children:
            return "True"
        return "(" + " and ".join(_expr(g, ch, rd) for ch in c.children) + ")"
    if isinstance(c, Any_):
        if not c.children:
            return "False"
        return "(" + " or ".join(_expr(g, ch, rd) for ch in c.children) + ")"
    assert isinstance(c, Leaf)
    op, v = c.op, c.value
    if op == "in_table":
        # table look-ups keep the closure both backends share (dated rows, hierarchy)
        return f"{g.const(compile_cond(c), '_T')}(f, view)"
    x = rd(c.path)
    if op == "eq":
        return f"({x} == {g.lit(v)})"
    if op == "ne":
        return f"({x} != {g.lit(v)})"
    if op == "in":
        return f"({x} in {g.const(v)})"
    if op == "exists":
        return f"({x} is not None)" if v else f"({x} is None)"
    if op == "contains":
        return f"({g.lit(v)} in ({x} or _E))"
    if op == "intersects":
        return f"(not {g.const(v)}.isdisjoint({x} or _E))"
    if op in ("lt", "le", "gt", "ge"):
        sym = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
        return f"(_is_num({x}) and {x} {sym} {g.lit(v)})"
    if op == "matches":
        assert c.pattern is not None
        fm = g.const(c.pattern.fullmatch, "_P")
        return f"(isinstance({x}, str) and {fm}({x}) is not None)"
    if op in FACT_OPS:
        y = rd(v)
        if op == "eq_fact":
            return f"({x} is not None and {x} == {y})"
        sym = {"lt_fact": "<", "le_fact": "<=", "gt_fact": ">", "ge_fact": ">="}[op]
        return f"(_is_num({x}) and _is_num({y}) and {x} {sym} {y})"
    raise AssertionError(f"unknown operator {op!r}")


def _check_fn(g: _Gen, rule: Rule, conds: Sequence[Cond]) -> str:
    """Emit ``def _cN(f, view)`` testing the conjunction ``conds``; return its name."""
    rd = _Reads()
    body = " and ".join(_expr(g, c, rd) for c in conds) if conds else "True"
    name = f"_c{rule.index}"
    g.emit(0, f"def {name}(f, view):  # {_note(rule.id)}")
    if rd.names:
        g.emit(1, "get = f.get")
        for path, x in rd.names.items():
            g.emit(1, f"{x} = get({path!r})")
    g.emit(1, f"return {body}")
    g.emit(0, "")
    return name


class _Group:
    """The line rules of one stratum (or the effect rules), by index signature."""

    def __init__(self, g: _Gen, rules: Sequence[Rule], label: str) -> None:
        self.by_sig: dict[
            tuple[tuple[str, str], ...], dict[Any, list[tuple[Rule, str | None]]]
        ] = {}
        self.always: list[tuple[Rule, str | None]] = []
        self.label = label
        for r in rules:
            key, rest = _key(r.condition)
            check = None
            if key is None:
                if not isinstance(r.condition, TrueCond):
                    check = _check_fn(g, r, rest)
                self.always.append((r, check))
                continue
            if not key.decided:
                check = _check_fn(g, r, rest)
            bucket = self.by_sig.setdefault(key.signature, {})
            for k in key.entries():
                lst = bucket.setdefault(k, [])
                if not any(e[0] is r for e in lst):
                    lst.append((r, check))

    def paths(self) -> list[str]:
        out: list[str] = []
        for sig in self.by_sig:
            for _, p in sig:
                if p not in out:
                    out.append(p)
        return out

    def emit(
        self,
        g: _Gen,
        indent: int,
        rd: dict[str, str],
        hit: Callable[[str], str],
        frame: str = "f",
    ) -> None:
        """Emit the dispatch code; ``hit(rule_expr)`` is the statement for a firing, and
        ``frame`` the name of the facts a check function reads.

        Index entries are ``(rule, check)`` pairs, ``check`` being None when the look-up
        decides the condition. The dictionaries are bound once the check functions exist.
        """

        def fire(ind: int) -> None:
            g.emit(ind, f"if e[1] is None or e[1]({frame}, view):")
            g.emit(ind + 1, hit("e[0]"))

        if self.always:
            name = g.later("_A", functools.partial(_entries, items=self.always))
            g.emit(
                indent,
                f"for e in {name}:  # {self.label}: {len(self.always)} rules without an index key",
            )
            fire(indent + 1)
        for sig, bucket in self.by_sig.items():
            name = g.later("_I", functools.partial(_bucket, bucket=bucket))
            n_rules = len({r.index for v in bucket.values() for r, _ in v})
            g.emit(
                indent,
                f"# {self.label}: {n_rules} rules in {len(bucket)} entries keyed on "
                + " x ".join(_note(p) for _, p in sig),
            )
            kinds = [k for k, _ in sig]
            xs = [rd[p] for _, p in sig]
            if kinds == ["p"]:
                x = xs[0]
                lens = g.const(tuple(sorted({len(k) for k in bucket})), "_L")
                g.emit(indent, f"if isinstance({x}, str):")
                g.emit(indent + 1, f"for n in {lens}:")
                g.emit(indent + 2, f"if n > len({x}):")
                g.emit(indent + 3, "break")
                g.emit(indent + 2, f"for e in {name}.get({x}[:n], _E):")
                fire(indent + 3)
                continue
            ind = indent
            keyparts = []
            lists = [(k, x) for k, x in zip(kinds, xs) if k == "l"]
            if lists:
                # a rule keyed on several elements of a list fires once: remember it
                g.emit(ind, "seen = set()")
            n_loop = 0
            for k, x in zip(kinds, xs):
                if k == "l":
                    var = f"v{n_loop}"
                    n_loop += 1
                    g.emit(ind, f"for {var} in ({x} or _E):")
                    ind += 1
                    keyparts.append(var)
                else:
                    keyparts.append(x)
            key = keyparts[0] if len(keyparts) == 1 else "(" + ", ".join(keyparts) + ")"
            g.emit(ind, f"for e in {name}.get({key}, _E):")
            if lists:
                g.emit(ind + 1, "if e[0].index in seen:")
                g.emit(ind + 2, "continue")
                g.emit(ind + 1, "seen.add(e[0].index)")
            fire(ind + 1)


def _entries(ns: Mapping[str, Any], items: Sequence[tuple[Rule, str | None]]) -> tuple[Any, ...]:
    return tuple((r, ns[c] if c else None) for r, c in items)


def _bucket(
    ns: Mapping[str, Any], bucket: Mapping[Any, Sequence[tuple[Rule, str | None]]]
) -> dict[Any, tuple[Any, ...]]:
    return {k: _entries(ns, v) for k, v in bucket.items()}


def _emit_parties(g: _Gen, ind: int, grp: _Group, hit: Callable[[str], str]) -> None:
    """Dispatch the per-party rules of ``grp`` for every party of the line frame ``f``.

    A per-party rule sees the party's facts over the line's (``_PartyFrame``); its index key is
    read the same way, party first, so that a party on no list reaches none of the rules keyed
    on its lists.
    """
    g.emit(ind, "for j, pd in enumerate(parties):")
    g.emit(ind + 1, "pf = _PartyFrame(pd, f)")
    rd = {p: f"pk{n}" for n, p in enumerate(grp.paths())}
    for p, x in rd.items():
        g.emit(ind + 1, f"{x} = pd[{p!r}] if {p!r} in pd else get({p!r})")
    grp.emit(g, ind + 1, rd, hit, frame="pf")


def compile_regime(regime: Regime, date: _dt.date) -> Program:
    """Generate, compile and load the decision function of ``regime`` for ``date``'s interval."""
    breaks = intervals(regime)
    k = bisect.bisect_right(breaks, date)
    span = (breaks[k - 1] if k > 0 else None, breaks[k] if k < len(breaks) else None)
    g = _Gen()
    head = [
        f"# exportrules compiled decision function: regime {_note(regime.id)}, "
        f"sha256 {regime.sha256[:16]}",
        f"# rules in force from {span[0] or 'the beginning'} until {span[1] or 'further notice'}",
        "# generated from the rule IR; see docs/backends.md",
        "",
    ]
    strata = []
    for s, layer in enumerate(regime.derive_strata):
        live = [r for r in layer if r.in_force(date)]
        line_rules = [r for r in live if r.for_each is None]
        party_rules = [r for r in live if r.for_each == "party"]
        party = _Group(g, party_rules, f"derive stratum {s}, per party") if party_rules else None
        strata.append((_Group(g, line_rules, f"derive stratum {s}"), party))
    live = [r for r in regime.effect_rules if r.in_force(date)]
    effects = _Group(g, [r for r in live if r.for_each is None], "effect rules")
    party_rules = [r for r in live if r.for_each == "party"]
    party_effects = _Group(g, party_rules, "per-party effect rules") if party_rules else None

    fns = g.lines
    g.lines = []
    g.emit(0, "def fire(frames, parties, view):")
    g.emit(1, "out = []")
    g.emit(1, "append = out.append")
    g.emit(1, "for i, f in enumerate(frames):")
    g.emit(2, "get = f.get")
    ind = 2
    for s, (grp, party) in enumerate(strata):
        if not grp.always and not grp.by_sig and party is None:
            continue
        g.emit(ind, f"# derive stratum {s}")
        g.emit(ind, "new = []")
        rd = {p: f"s{s}_{n}" for n, p in enumerate(grp.paths())}
        for p, x in rd.items():
            g.emit(ind, f"{x} = get({p!r})")
        grp.emit(g, ind, rd, lambda r: f"new.append({r}.derived_key)")
        if party is not None:
            # derived when the rule holds for at least one party
            _emit_parties(g, ind, party, lambda r: f"new.append({r}.derived_key)")
        g.emit(ind, "for name in new:")
        g.emit(ind + 1, "f[name] = True")
    g.emit(ind, "# effect rules")
    rd = {p: f"e{n}" for n, p in enumerate(effects.paths())}
    for p, x in rd.items():
        g.emit(ind, f"{x} = get({p!r})")
    effects.emit(g, ind, rd, lambda r: f"append(({r}, i, None))")
    if party_effects is not None:
        _emit_parties(g, ind, party_effects, lambda r: f"append(({r}, i, j))")
    g.emit(1, "return out")
    if g.notes:
        head = [*head, "# values (sets of values, pattern matchers) the code refers to by name:"]
        head += [*g.notes, ""]
    source = "\n".join([*head, *fns, *g.lines]) + "\n"
    code = compile(source, f"<exportrules compiled regime {regime.id!r}>", "exec")
    ns = g.ns
    exec(code, ns)  # generated from the validated IR only (see the module docstring)
    g.finish()
    return Program(regime, span, source, ns["fire"])


class CompiledBackend:
    """Rules compiled per regime and date interval. Thread-safe: programs are read-only."""

    name = "python"

    def __init__(self) -> None:
        self._programs: dict[tuple[int, int], Program] = {}
        self._by_date: dict[tuple[int, _dt.date], Program] = {}
        self._breaks: dict[int, tuple[Regime, list[_dt.date]]] = {}
        self._lock = threading.Lock()

    def program(self, regime: Regime, date: _dt.date) -> Program:
        key = (id(regime), date)
        p = self._by_date.get(key)
        if p is not None:
            return p
        with self._lock:
            got = self._breaks.get(id(regime))
            if got is None or got[0] is not regime:
                got = self._breaks[id(regime)] = (regime, intervals(regime))
            k = bisect.bisect_right(got[1], date)
            p = self._programs.get((id(regime), k))
            if p is None or p.regime is not regime:
                p = compile_regime(regime, date)
                self._programs[(id(regime), k)] = p
            if len(self._by_date) > 4096:
                self._by_date.clear()
            self._by_date[key] = p
        return p

    def fire(
        self,
        regime: Regime,
        view: TableView,
        frames: Sequence[MutableMapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
    ) -> list[Firing]:
        """Run derive strata then effect rules; derived facts are written into ``frames``."""
        return self.program(regime, view.date).fire(frames, parties, view)


def compile_predicate(c: Cond, label: str) -> Callable[[Mapping[str, Any], TableView], bool]:
    """One condition as a generated function ``(frame, view) -> bool`` (e.g. applicability)."""
    g = _Gen()
    rd = _Reads()
    body = _expr(g, c, rd)
    g.emit(0, f"def pred(f, view):  # {_note(label)}")
    if rd.names:
        g.emit(1, "get = f.get")
        for path, x in rd.names.items():
            g.emit(1, f"{x} = get({path!r})")
    g.emit(1, f"return {body}")
    source = "\n".join(g.lines) + "\n"
    ns = g.ns
    exec(compile(source, f"<exportrules compiled {label!r}>", "exec"), ns)
    g.finish()
    fn: Callable[[Mapping[str, Any], TableView], bool] = ns["pred"]
    return fn
