"""Loading and validating declarative regimes (docs/rules.md).

A regime folder is read through the ``Traversable`` interface, so the same code reads a folder
on disk, a folder inside the installed wheel (``importlib.resources``) and one provided by a
third-party package through the ``exportrules.regimes`` entry point group (docs/plugins.md).

One concern per module: ``_toml`` (TOML with the line of every key and value), ``_tables``
(CSV tables and their provenance), ``_conditions`` (the condition language), ``_rules`` (rules,
effects and message templates), ``_plugin`` (the optional facts module) and ``_regime`` (one
folder assembled into a validated ``Regime``).
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from ._facts import BASE_FACTS, PARTY_FACTS
from ._regime import load_regime, origin_of, regime_dir

__all__ = [
    "BASE_FACTS",
    "PARTY_FACTS",
    "bundled_regimes",
    "load_regime",
    "origin_of",
    "regime_dir",
]


def bundled_regimes() -> list[tuple[str, Traversable]]:
    """The regimes shipped with the library: in the wheel, or in the source checkout."""
    pkg = resources.files("exportrules")
    candidates: list[Traversable] = [pkg.joinpath("_regimes")]
    candidates.append(Path(__file__).resolve().parent.parent.parent / "regimes")
    for c in candidates:
        if c.is_dir():
            out = []
            for d in sorted(c.iterdir(), key=lambda x: x.name):
                if d.is_dir() and d.joinpath("regime.toml").is_file():
                    out.append((d.name, d))
            return out
    return []
