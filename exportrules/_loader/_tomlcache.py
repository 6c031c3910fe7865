"""Parsed regime TOML files, remembered across processes (a faster ``Engine.default()``).

``tomllib`` is pure Python: parsing the bundled regimes' TOML files is about half the time of
loading them. The document parsed from a file's text is stored in the cache folder (see
``exportrules._cachedir``; ``EXPORTRULES_CACHE_DIR=off`` switches it off) under the SHA-256 of
the cache format, the Python version and that exact text, so an edited file is parsed again and
its old entry is never used.

* Each entry holds the SHA-256 of its payload; one that does not verify or cannot be read is
  ignored and parsed again. The payload is unpickled with only the date and time types of a
  TOML document allowed, so a file planted in the folder cannot run code.
* Every hit unpickles a new document: nothing is shared between loads.
* Writes are atomic (a temporary file, then a rename); a folder that cannot be written just
  means no cache. Entries unused for 30 days are removed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from .. import _cachedir

__all__ = ["get", "put"]

_MAGIC = b"exportrules-toml/1\n"
_SUB = "toml"
_KEEP_DAYS = 30
_ALLOWED = {
    ("datetime", "date"): _dt.date,
    ("datetime", "datetime"): _dt.datetime,
    ("datetime", "time"): _dt.time,
    ("datetime", "timezone"): _dt.timezone,
    ("datetime", "timedelta"): _dt.timedelta,
}
_cleaned = False


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        got = _ALLOWED.get((module, name))
        if got is None:
            raise pickle.UnpicklingError(f"class {module}.{name} is not allowed in the cache")
        return got


def _path(text: str) -> Path | None:
    folder = _cachedir.cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256(_MAGIC)
    h.update(f"{sys.version_info[0]}.{sys.version_info[1]}\n".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return folder / _SUB / f"{h.hexdigest()}.bin"


def get(text: str) -> dict[str, Any] | None:
    """The document parsed from ``text`` before, or None."""
    path = _path(text)
    if path is None:
        return None
    payload = _cachedir.read_blob(path, _MAGIC)
    if payload is None:
        return None
    try:
        data = _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - unreadable: parse instead
        return None
    if not isinstance(data, dict):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # in use: keep it from the clean-up
    return data


def put(text: str, data: dict[str, Any]) -> None:
    """Remember the document parsed from ``text`` (best effort)."""
    global _cleaned
    path = _path(text)
    if path is None:
        return
    payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        _cachedir.write_blob(path, _MAGIC, payload, sync=False)
        if not _cleaned:
            _cleaned = True
            _cachedir.prune(path.parent, "*.bin", _KEEP_DAYS * 86_400)
    except OSError:
        pass
