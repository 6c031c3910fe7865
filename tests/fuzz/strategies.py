"""Near-valid inputs: valid transactions from the golden cases with one or two hostile
mutations, and edge-valued valid transactions for the backend differential."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import strategies as st

from exportrules._cases import load_cases
from exportrules._ir import All, Any_, Cond, Leaf, Not, Regime
from exportrules._loader import bundled_regimes, load_regime

# --------------------------------------------------------------------------- the corpus


@cache
def regimes() -> tuple[Regime, ...]:
    return tuple(load_regime(d, label=f"regimes/{n}") for n, d in bundled_regimes())


@cache
def corpus() -> tuple[dict[str, Any], ...]:
    """Every golden-case transaction of the bundled regimes that the contract accepts."""
    out = []
    for name, d in bundled_regimes():
        for case in load_cases(d, label=f"regimes/{name}"):
            if not case.expect.get("invalid"):
                out.append(json.loads(json.dumps(case.transaction)))
    return tuple(out)


valid_tx = st.integers(0, 10**9).map(lambda i: copy.deepcopy(corpus()[i % len(corpus())]))

# --------------------------------------------------------------------------- hostile values

_deep: Any = "x"
for _ in range(100):
    _deep = [_deep]
DEEP = _deep

HOSTILE_TEXT = [
    "",
    " ",
    "\n",
    "\x00",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",  # RTL / LTR marks
    "\ufeff",
    "\ud800",  # lone surrogates
    "x\udfffy",
    "\U0001f600",
    "Ω" * 10_000,
    "x" * 10_001,
    "2026-02-30",
    "2026-01-01\n",
    "0000-01-01",
    "9999-12-31",
    "cn",
    "5a001.j",
    "5A001.J",
    "5A001.j ",
    "EU",
    "XX",
    "null",
    "{}",
]
HOSTILE_NUMBERS = [
    0,
    -0.0,
    -1,
    1,
    1.0,
    True,
    False,
    5e-324,
    1e-300,
    0.1,
    0.30000000000000004,
    1e15,
    1e15 + 0.125,
    10**15,
    10**15 + 1,
    2**53,
    2**53 + 1,
    1e16,
    1e300,
    10**400,
    -(10**400),
    math.inf,
    -math.inf,
    math.nan,
]
HOSTILE_OTHER: list[Any] = [None, [], {}, [None], {"": None}, ["a"] * 1001, DEEP]

# Each draw gets its own copy: a mutation may later edit the value it placed (e.g. add a key
# to a hostile ``{}``), and a shared constant would then leak into other examples (and could
# even come to contain itself).
hostile = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_OTHER).map(copy.deepcopy),
    st.text(max_size=20),
    st.integers(),
    st.floats(),
)


def _paths(v: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value (keys and indexes) in a JSON-like value."""
    out = [path]
    if len(path) > 8:  # a value already wrapped deep: do not descend further
        return out
    if isinstance(v, dict):
        for k, x in v.items():
            out += _paths(x, (*path, k))
    elif isinstance(v, list):
        for i, x in enumerate(v[:5]):
            out += _paths(x, (*path, i))
    return out


def _get(v: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        v = v[k]
    return v


Mutation = Callable[[st.DrawFn, Any], Any]


def _replace(draw: st.DrawFn, tx: Any) -> Any:
    path = draw(st.sampled_from(_paths(tx)))
    new = draw(hostile)
    if not path:
        return new
    _get(tx, path[:-1])[path[-1]] = new
    return tx


def _delete(draw: st.DrawFn, tx: Any) -> Any:
    paths = [p for p in _paths(tx) if p]
    if not paths:
        return tx
    path = draw(st.sampled_from(paths))
    parent = _get(tx, path[:-1])
    del parent[path[-1]]
    return tx


def _add_key(draw: st.DrawFn, tx: Any) -> Any:
    paths = [p for p in _paths(tx) if isinstance(_get(tx, p), dict)]
    if not paths:
        return tx
    obj = _get(tx, draw(st.sampled_from(paths)))
    obj[draw(st.sampled_from(["extra", "ID", "\ud800", "", "id ", "lines"]))] = draw(hostile)
    return tx


def _wrap(draw: st.DrawFn, tx: Any) -> Any:
    """Nest a value a little or very deep."""
    paths = [p for p in _paths(tx) if p]
    if not paths:
        return tx
    path = draw(st.sampled_from(paths))
    v = _get(tx, path)
    for _ in range(draw(st.sampled_from([1, 2, 65, 150]))):
        v = [v] if draw(st.booleans()) else {"k": v}
    _get(tx, path[:-1])[path[-1]] = v
    return tx


def _big_list(draw: st.DrawFn, tx: Any) -> Any:
    if not isinstance(tx, dict):
        return tx
    key = draw(st.sampled_from(["lines", "parties", "transit", "end_use", "knowledge"]))
    items = tx.get(key)
    if not isinstance(items, list) or not items:
        items = [{"id": "1"}] if key == "lines" else ["DE"]
    n = draw(st.sampled_from([200, 1001, 2000]))
    big = [copy.deepcopy(items[i % len(items)]) for i in range(n)]
    if key == "lines":
        for i, ln in enumerate(big):
            if isinstance(ln, dict):
                ln["id"] = f"L{i}"
    tx[key] = big
    return tx


def _case(draw: st.DrawFn, tx: Any) -> Any:
    """Lower-case a code, country or vocabulary word."""
    strs = [p for p in _paths(tx) if p and isinstance(_get(tx, p), str)]
    if not strs:
        return tx
    path = draw(st.sampled_from(strs))
    v = _get(tx, path)
    _get(tx, path[:-1])[path[-1]] = draw(st.sampled_from([v.lower(), v.upper(), v.title()]))
    return tx


def _odd_date(draw: st.DrawFn, tx: Any) -> Any:
    if isinstance(tx, dict):
        tx["date"] = draw(
            st.one_of(
                st.dates().map(lambda d: d.isoformat()),
                st.sampled_from(["1900-01-01", "2100-01-01", "2026-13-01", "26-01-01", ""]),
            )
        )
    return tx


MUTATIONS: list[Mutation] = [_replace, _replace, _delete, _add_key, _wrap, _big_list, _case,
                             _odd_date]  # fmt: skip


@st.composite
def near_valid(draw: st.DrawFn) -> Any:
    """A valid transaction with one or two mutations."""
    tx = draw(valid_tx)
    for _ in range(draw(st.integers(1, 2))):
        tx = draw(st.sampled_from(MUTATIONS))(draw, tx)
    return tx


# --------------------------------------------------------------------------- as JSON text


def dumps(v: Any) -> str:
    """JSON text for any hostile value: non-finite numbers as the words JSON lacks."""
    return json.dumps(v, allow_nan=True)


@st.composite
def near_valid_text(draw: st.DrawFn) -> bytes:
    """A near-valid transaction as bytes, sometimes with text-level damage too."""
    tx = draw(near_valid())
    try:
        text = dumps(tx)
    except RecursionError:
        text = "[" * 5000 + "]" * 5000
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate as (invalid) UTF-8 bytes
    kind = draw(
        st.sampled_from(["none"] * 6 + ["truncate", "byte", "dupkey", "bom", "crlf", "deep"])
    )
    if kind == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif kind == "byte":
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80", b"\xed\xa0\x80"])) + raw[i:]
    elif kind == "dupkey" and raw.startswith(b"{") and len(raw) > 2:
        raw = b'{"lines": [], ' + raw[1:]
    elif kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "crlf":
        raw = raw + b"\r"
    elif kind == "deep":  # deeper than any parser stack
        n = draw(st.sampled_from([65, 1000, 100_000]))
        raw = b'{"lines": ' * n + raw + b"}" * n
    return raw


# --------------------------------------------------------------------------- edge values


def _leaves(c: Cond) -> list[Leaf]:
    if isinstance(c, Leaf):
        return [c]
    if isinstance(c, Not):
        return _leaves(c.child)
    if isinstance(c, All | Any_):
        return [x for ch in c.children for x in _leaves(ch)]
    return []


@cache
def thresholds() -> dict[str, tuple[float, ...]]:
    """Numbers the bundled rules and tables compare line facts with, by fact path."""
    out: dict[str, set[float]] = {}
    for r in regimes():
        conds = [r.applicability, *(x.condition for x in r.rules)]
        for c in conds:
            for lf in _leaves(c):
                if lf.op in ("lt", "le", "gt", "ge", "eq", "ne") and isinstance(
                    lf.value, int | float
                ) and not isinstance(lf.value, bool):
                    out.setdefault(lf.path, set()).add(lf.value)
        for t in r.tables.values():
            for row in getattr(t, "rows", ()) or ():
                for v in row.values():
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        out.setdefault("line.value", set()).add(v)
                        out.setdefault("line.quantity", set()).add(v)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _near(v: float) -> list[float]:
    f = float(v)
    out = [f, math.nextafter(f, math.inf), math.nextafter(f, -math.inf)]
    if f.is_integer():
        out += [int(f), int(f) + 1, max(int(f) - 1, 0)]
    return [x for x in out if 0 <= x <= 1e15]


def edge_numbers(path: str, hi: float = 1e15) -> st.SearchStrategy[float]:
    base = [0, 0.0, -0.0, 5e-324, 1e-7, 0.1, 0.5, 1, 1.0, 1e15, 10**15, 2**52, 999_999.99]
    vals = [x for t in thresholds().get(path, ()) for x in _near(t)]
    return st.sampled_from(sorted({*base, *vals}, key=repr)).filter(lambda x: x <= hi)


def edge_us_content() -> st.SearchStrategy[float]:
    vals = [0, 0.0, 1, 1.0, 5e-324, 0.1, 0.25, 0.5]
    vals += [x for t in thresholds().get("line.us_content", ()) for x in _near(t)]
    return st.sampled_from(sorted({x for x in vals if 0 <= x <= 1}, key=repr))


@st.composite
def edge_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid transaction from the corpus with its numbers (and sometimes dates) moved to
    the edges the rules and tables test."""
    tx = draw(valid_tx)
    for ln in tx.get("lines", []):
        if draw(st.booleans()):
            ln["value"] = draw(edge_numbers("line.value"))
            ln.setdefault("currency", draw(st.sampled_from(["EUR", "USD", "CAD"])))
        if draw(st.booleans()):
            ln["quantity"] = draw(edge_numbers("line.quantity"))
        if draw(st.booleans()):
            ln["us_content"] = draw(edge_us_content())
    if draw(st.integers(0, 3)) == 0:
        tx["date"] = draw(st.sampled_from(boundary_dates()))
    return tx


@cache
def boundary_dates() -> tuple[str, ...]:
    """Days around the effective dates of the bundled rules."""
    import datetime as dt

    days: set[dt.date] = set()
    for r in regimes():
        for x in r.rules:
            for d in (x.effective_from, x.effective_until):
                if d is not None:
                    days.update({d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)})
    return tuple(sorted(d.isoformat() for d in days)) or ("2026-01-01",)
