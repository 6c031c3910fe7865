"""Public names imported on first use (PEP 562), for the packages that offer them.

A package keeps a table ``name -> relative module`` and sets
``__getattr__ = lazy_names(__name__, TABLE, globals())``: the first look-up of a name imports
its module and stores the value in the package, so later look-ups never come here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``table[name]`` on first use."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # later look-ups skip this function
        return value

    return __getattr__
