"""A bounded cache of one regime's result for one line (between the facts and assemble stages).

What a regime decides for a line (which rules fire, then how they combine: the outcome, the
findings, the authorisations used, the tables the result rests on) is a function of:

- the values of the facts its rules read (conditions, both sides of fact-to-fact comparisons,
  the keys of table look-ups, the facts message, policy and report templates render) -- the
  IR knows them, so the key reads exactly those from the line's frame;
- the date (the rules and table rows in force), the line id and destination (findings name
  them), and every party's facts (per-party rules, and the texts of their findings).

The cache is used only where nothing else enters: no licence of the regime held by the
transaction (held licences, their limits and a ledger), no resolutions, no ``strict_data``
(which reads the tables every line of the regime rests on), and no plug-in fact that shadows a
built-in one. Values are keyed by type where Python's equality would merge them: ``1``,
``1.0`` and ``True`` are equal, and so are ``0.0`` and ``-0.0``, but findings render them
differently (docs/backends.md, "Line-result cache").
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._combine import _hashable as hashable
from ._facts import SHADOWED
from ._ir import Regime, paths_of
from ._loader import BASE_FACTS
from ._model import Finding, Outcome

__all__ = ["SIZE_ENV", "CachedLine", "LineCache", "default_size"]

#: environment variable: entries per regime (0 switches the cache off)
SIZE_ENV = "EXPORTRULES_LINE_CACHE"
DEFAULT_SIZE = 4096


# (outcome, findings, tables, rule authorisations used: (rule, covered reasons))
CachedLine = tuple[
    Outcome, tuple[Finding, ...], frozenset[str], tuple[tuple[Any, frozenset[Any]], ...]
]


def default_size() -> int:
    """The cache size from ``EXPORTRULES_LINE_CACHE`` (default 4096; 0 = off)."""
    raw = os.environ.get(SIZE_ENV, "").strip()
    if not raw:
        return DEFAULT_SIZE
    try:
        return max(0, int(raw))
    except ValueError:
        return DEFAULT_SIZE


def key_paths(regime: Regime, finding_paths: Mapping[int, Iterable[str]]) -> list[str]:
    """Every fact path the regime's result for a line can depend on, sorted.

    A look-up's facts (``ccl.controls``) are a function of the date and its key fact, so the
    key fact stands for them; derived facts are computed by the rules from facts in the key
    (they are all false before the rules run); party facts are keyed with the parties."""
    read: set[str] = set()
    for r in regime.rules:
        read |= paths_of(r.condition)
        read.update(finding_paths.get(r.index, ()))
    read.update(lk.key for lk in regime.lookups)
    by_name = {lk.name: lk for lk in regime.lookups}
    out: set[str] = set()
    todo = sorted(read)
    while todo:
        p = todo.pop()
        head = p.split(".", 1)[0]
        if head in ("derived", "party") or p in out:  # party facts: in the parties' key
            continue
        if head in by_name and head not in _BUILT_IN:
            todo.append(by_name[head].key)
            continue
        out.add(p)
    return sorted(out)


_BUILT_IN = frozenset({"tx", "line", "screening", "party", "derived", "plugin"})


def _raw(path: str, types: Mapping[str, str]) -> bool:
    """Whether the frame value at ``path`` is always text, a tuple of text, None or an engine
    flag (True/False), so that equality never merges values that render differently."""
    if path.startswith("derived.") or path.endswith(".found") or path == "line.classified":
        return path not in types or types[path] == "bool"
    if path in BASE_FACTS:
        # the facts stage builds these: text or None, tuples of text
        return BASE_FACTS[path] in ("str", "list")
    # table columns typed text; anything else (numbers, lists, plug-in facts) is typed
    return not path.startswith("plugin.") and types.get(path) == "str"


def compile_key(paths: list[str], types: Mapping[str, str]) -> Callable[[Mapping[str, Any]], Any]:
    """A generated function ``frame -> tuple`` of the values at ``paths`` (typed where needed)."""
    parts = []
    for p in paths:
        get = f"get({p!r})"
        parts.append(get if _raw(p, types) else f"_h({get})")
    body = "(" + "".join(f"{x}, " for x in parts) + ")"
    src = f"def key(f):\n    get = f.get\n    return {body}\n"
    ns: dict[str, Any] = {"_h": hashable}
    # the source holds only repr()'d fact paths of a validated regime
    exec(compile(src, "<exportrules line-cache key>", "exec"), ns)
    fn: Callable[[Mapping[str, Any]], Any] = ns["key"]
    return fn


class LineCache:
    """One regime's bounded line-result cache. Thread-safe: entries are immutable and a key
    only ever maps to an equal value."""

    __slots__ = ("_data", "key", "size")

    def __init__(self, regime: Regime, finding_paths: Mapping[int, Iterable[str]], size: int):
        self.size = size
        self.key = compile_key(key_paths(regime, finding_paths), regime.fact_types)
        self._data: dict[Any, CachedLine] = {}

    def full_key(
        self, frame: Mapping[str, Any], date: _dt.date, line_id: str, destination: str, parties: Any
    ) -> Any:
        """The key of a line, or None when the line must not be cached."""
        if SHADOWED in frame:
            return None
        return (date, line_id, destination, parties, self.key(frame))

    def get(self, key: Any) -> CachedLine | None:
        """The cached result, or None (also for a key that cannot be hashed)."""
        try:
            return self._data.get(key)
        except TypeError:
            return None

    def put(self, key: Any, value: CachedLine) -> None:
        data = self._data
        if len(data) >= self.size:
            data.clear()
        with contextlib.suppress(TypeError):  # an unhashable key: the line is not kept
            data[key] = value

    def __len__(self) -> int:
        return len(self._data)
