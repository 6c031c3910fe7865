"""Where exportrules keeps caches it can rebuild (the screening index, parsed regime files)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path | None:
    """``$EXPORTRULES_CACHE_DIR`` if set (``off``, ``0``, ``no``, ``none``, ``false`` or empty:
    no cache), else ``$XDG_CACHE_HOME/exportrules``, else ``~/.cache/exportrules``."""
    v = os.environ.get("EXPORTRULES_CACHE_DIR")
    if v is not None:
        v = v.strip()
        if v.casefold() in ("", "0", "off", "no", "none", "false"):
            return None
        return Path(v)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "exportrules"
