"""Third-party regimes: discovery through the ``exportrules.regimes`` entry-point group."""

from __future__ import annotations

from importlib import metadata

from ._errors import RuleSetError
from ._ir import Regime
from ._loader import load_regime

__all__ = ["ENTRY_POINT_GROUP", "discover_entry_points"]

ENTRY_POINT_GROUP = "exportrules.regimes"


def discover_entry_points() -> list[Regime]:
    """Regimes registered by installed packages under the ``exportrules.regimes`` group."""
    out = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as e:
            raise RuleSetError(f"entry point {ep.name!r} ({ep.value}) failed to load: {e}") from e
        r = obj if isinstance(obj, Regime) else load_regime(obj, label=f"entry point {ep.name}")
        out.append(r)
    return out
