"""The optional ``plugin.py`` of a regime: facts that cannot be said declaratively.

A plug-in defines ``FACTS: dict[str, str]`` (path -> type; paths start with ``plugin.``) and
``def facts(tx, line) -> dict[str, object]`` (docs/plugins.md).
"""

from __future__ import annotations

import sys
import traceback
import types
from collections.abc import Callable, Mapping
from importlib.abc import Traversable
from typing import Any

from ._problems import Problems
from ._tables import COLUMN_TYPES

__all__ = ["PluginFacts", "load_plugin"]

PluginFacts = Callable[[Any, Any], Mapping[str, Any]]


def _line_in(e: BaseException, filename: str) -> int | None:
    """The line of ``filename`` where the exception was raised (or a syntax error sits)."""
    if isinstance(e, SyntaxError) and e.filename == filename and e.lineno:
        return e.lineno
    line = None
    for fs in traceback.extract_tb(e.__traceback__):
        if fs.filename == filename:
            line = fs.lineno
    return line


def load_plugin(
    folder: Traversable, label: str, problems: Problems, regime_id: str
) -> tuple[dict[str, str], PluginFacts | None]:
    """Run ``plugin.py`` (if any): its declared fact types and its ``facts`` function."""
    f = folder.joinpath("plugin.py")
    if not f.is_file():
        return {}, None
    where = f"{label}/plugin.py"
    mod = types.ModuleType(f"exportrules_regime_plugin_{regime_id}")
    filename = str(f)
    mod.__file__ = filename
    try:
        code = compile(f.read_text("utf-8"), filename, "exec")
        exec(code, mod.__dict__)  # the plug-in is code by design; rule files never are
    except Exception as e:  # noqa: BLE001 - any failure in a plug-in is a rule-set error
        line = _line_in(e, filename)
        problems.add(
            f"{where}:{line}" if line else where,
            f"plug-in failed to load: {type(e).__name__}: {e}",
        )
        return {}, None
    sys.modules.setdefault(mod.__name__, mod)
    facts = getattr(mod, "FACTS", None)
    fn = getattr(mod, "facts", None)
    if not isinstance(facts, dict) or not callable(fn):
        problems.add(where, "a plug-in must define FACTS (dict path -> type) and facts(tx, line)")
        return {}, None
    out: dict[str, str] = {}
    for p, t in facts.items():
        if (
            not isinstance(p, str)
            or not p.startswith("plugin.")
            or len(p) <= len("plugin.")
            or t not in COLUMN_TYPES
        ):
            problems.add(
                where, f"FACTS entry {p!r}: {t!r} must be plugin.<name> -> str|list|number|bool"
            )
        else:
            out[p] = t
    return out, fn
