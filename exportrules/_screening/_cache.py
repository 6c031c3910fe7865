"""A persisted copy of the default screener's lists and built index, for an instant start.

Building the name index of the bundled lists takes about a second; a process that evaluates one
transaction would spend most of its time on it. The first process that builds it stores the
lists and the index in a cache file; later processes load that file instead.

* Where: ``$EXPORTRULES_CACHE_DIR`` if set (``off`` or an empty value switches the cache off),
  else ``$XDG_CACHE_HOME/exportrules``, else ``~/.cache/exportrules``. The package folder is never
  written (site-packages may be read-only).
* Key: SHA-256 over the cache format, the Python version, the source of this package (the
  normalisation and the index are code) and every list file read (bundled and
  ``EXPORTRULES_LISTS_DIR``). Any change gives another key, so a stale cache is never used.
* Integrity: the file holds its key and the SHA-256 of its payload; a file whose key or hash
  does not match, or that cannot be read, is ignored (and removed) and the index is built.
* Safety: the payload is unpickled with only this package's classes and a few standard types
  allowed, so a planted file cannot run code.
* Loading and building pause the cyclic garbage collector: they create about a million objects
  (none in a reference cycle), and every collection they would trigger scans all of them, which
  took about half of the load time. The collector's previous state is restored.
* Writes are atomic (a temporary file in the same folder, then a rename); a folder that cannot
  be written just means no cache.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import hashlib
import io
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ._index import NameIndex
from ._model import ListEntry, RestrictedList
from ._packed import PackedIds, PackedMap
from ._store import list_sources, read_list_bytes

__all__ = ["cache_dir", "cache_key", "load_lists_and_index"]

_MAGIC = b"exportrules-screening-index/2\n"
_PREFIX = "screening-index-"
_log = logging.getLogger("exportrules.screening")


def cache_dir() -> Path | None:
    """The folder for the cache file, or None when the cache is switched off."""
    v = os.environ.get("EXPORTRULES_CACHE_DIR")
    if v is not None:
        v = v.strip()
        if v.casefold() in ("", "0", "off", "no", "none", "false"):
            return None
        return Path(v)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "exportrules"


def _code_digest() -> bytes:
    h = hashlib.sha256()
    pkg = resources.files("exportrules._screening")
    for item in sorted(pkg.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".py"):
            h.update(item.name.encode())
            h.update(item.read_bytes())
    return h.digest()


def cache_key(sources: list[tuple[str, bytes]]) -> bytes:
    """SHA-256 identifying an index built by this code from exactly these list files."""
    h = hashlib.sha256(_MAGIC)
    h.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    h.update(_code_digest())
    for origin, data in sources:
        h.update(origin.encode())
        h.update(hashlib.sha256(data).digest())
    return h.digest()


_ALLOWED = {
    ("exportrules._screening._model", "ListEntry"): ListEntry,
    ("exportrules._screening._model", "RestrictedList"): RestrictedList,
    ("exportrules._screening._index", "NameIndex"): NameIndex,
    ("exportrules._screening._packed", "PackedIds"): PackedIds,
    ("exportrules._screening._packed", "PackedMap"): PackedMap,
    ("datetime", "date"): _dt.date,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        got = _ALLOWED.get((module, name))
        if got is None:
            raise pickle.UnpicklingError(f"class {module}.{name} is not allowed in the cache")
        return got


def _read(path: Path, key: bytes) -> tuple[list[RestrictedList], NameIndex] | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 64
    if len(raw) < head or not raw.startswith(_MAGIC):
        return None
    stored_key = raw[len(_MAGIC) : len(_MAGIC) + 32]
    digest = raw[len(_MAGIC) + 32 : head]
    payload = memoryview(raw)[head:]
    if stored_key != key or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        lists, index = _Unpickler(io.BytesIO(payload)).load()
    except Exception as exc:  # noqa: BLE001 - any failure to load means: build instead
        _log.debug("screening cache %s unreadable: %s", path, exc)
        return None
    if not isinstance(index, NameIndex) or not all(isinstance(x, RestrictedList) for x in lists):
        return None
    return list(lists), index


def _write(
    folder: Path, path: Path, lists: list[RestrictedList], index: NameIndex, key: bytes
) -> None:
    payload = pickle.dumps((tuple(lists), index), protocol=pickle.HIGHEST_PROTOCOL)
    data = _MAGIC + key + hashlib.sha256(payload).digest() + payload
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-" + _PREFIX, dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # files of other keys (older lists or code) unused for a day go; another installation
        # sharing the folder may still use a recent one
        for old in folder.glob(_PREFIX + "*.bin"):
            if old != path and time.time() - old.stat().st_mtime > 86_400:
                old.unlink(missing_ok=True)
    except OSError as exc:
        _log.debug("screening cache not written to %s: %s", folder, exc)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block, then as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_lists_and_index() -> tuple[list[RestrictedList], NameIndex, str]:
    """The default lists and their index: from the cache when it is valid, else built (and
    stored). Also says which (``"cache"``, ``"built"`` or ``"built, cache off"``)."""
    with _collector_paused():
        return _load_lists_and_index()


def _load_lists_and_index() -> tuple[list[RestrictedList], NameIndex, str]:
    sources = list_sources()
    folder = cache_dir()
    if folder is None:
        lists = _parse(sources)
        return lists, NameIndex(lists), "built, cache off"
    key = cache_key(sources)
    path = folder / f"{_PREFIX}{key.hex()[:32]}.bin"
    got = _read(path, key)
    if got is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # in use: keep it from the clean-up of old files
        return got[0], got[1], "cache"
    if path.exists():  # a corrupt or mismatched file: do not trip over it again
        with contextlib.suppress(OSError):
            path.unlink()
    lists = _parse(sources)
    index = NameIndex(lists)
    _write(folder, path, lists, index, key)
    return lists, index, "built"


def _parse(sources: list[tuple[str, bytes]]) -> list[RestrictedList]:
    by_id: dict[str, RestrictedList] = {}
    for origin, data in sources:  # later files (EXPORTRULES_LISTS_DIR) replace bundled ones
        rl = read_list_bytes(data, origin)
        by_id[rl.id] = rl
    if not by_id:
        raise RuntimeError("no bundled restricted-party lists found in exportrules/data/lists")
    return [by_id[k] for k in sorted(by_id)]
