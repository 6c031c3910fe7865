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
* Safety: the payload is unpickled with only this package's packed maps and a few standard
  types allowed, so a planted file cannot run code.
* Layout: the lists' entries are stored as columns (one tuple of values per field) and the
  ``ListEntry`` objects are made from them by C-level loops on load, without a Python call per
  entry; the index is stored as its state without the lists. The objects loaded are the same
  as those built (equal, same order, same pickling).
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
import itertools
import logging
import os
import pickle
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import attrs

from .. import _cachedir
from ._index import NameIndex
from ._model import ListEntry, RestrictedList
from ._packed import PackedIds, PackedMap
from ._store import list_sources, read_list_bytes

__all__ = ["cache_key", "load_lists_and_index"]

_MAGIC = b"exportrules-screening-index/3\n"
_PREFIX = "screening-index-"
_log = logging.getLogger("exportrules.screening")


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


_T = TypeVar("_T")
_ENTRY_FIELDS = tuple(a.name for a in attrs.fields(ListEntry))
_LIST_FIELDS = tuple(a.name for a in attrs.fields(RestrictedList) if a.name != "entries")


def _columns(items: Sequence[object], names: tuple[str, ...]) -> tuple[tuple[object, ...], ...]:
    return tuple(tuple(getattr(x, n) for x in items) for n in names)


def _objects(cls: type[_T], names: tuple[str, ...], columns: object) -> list[_T]:
    """Instances of the frozen, slotted attrs class ``cls`` with these field values, made as
    unpickling makes them (no converters or validators: the values are those of objects that
    passed them), one C-level pass per field."""
    if not isinstance(columns, tuple) or len(columns) != len(names):
        raise ValueError(f"{cls.__name__}: {len(names)} columns expected")
    n = len(columns[0]) if columns else 0
    if not all(isinstance(c, tuple) and len(c) == n for c in columns):
        raise ValueError(f"{cls.__name__}: columns of different lengths")
    objs: list[_T] = list(map(object.__new__, itertools.repeat(cls, n)))
    for name, col in zip(names, columns, strict=True):
        slot = cls.__dict__[name]  # the slot's descriptor: sets the field, as attrs' setstate
        deque(map(slot.__set__, objs, col), maxlen=0)
    return objs


def _pack(lists: Sequence[RestrictedList], index: NameIndex) -> tuple[object, ...]:
    state = index.__getstate__()
    del state["lists"], state["entries"]  # rebuilt from the lists
    return (
        _ENTRY_FIELDS,
        _LIST_FIELDS,
        tuple(
            (_columns([rl], _LIST_FIELDS), _columns(rl.entries, _ENTRY_FIELDS)) for rl in lists
        ),
        state,
    )


def _unpack(payload: object) -> tuple[list[RestrictedList], NameIndex]:
    if not isinstance(payload, tuple) or len(payload) != 4:
        raise ValueError("not a packed index")
    entry_fields, list_fields, packed, state = payload
    if entry_fields != _ENTRY_FIELDS or list_fields != _LIST_FIELDS:
        raise ValueError("the cache was written for other fields")
    if not isinstance(packed, tuple) or not isinstance(state, dict):
        raise ValueError("not a packed index")
    lists: list[RestrictedList] = []
    for list_columns, entry_columns in packed:
        entries = tuple(_objects(ListEntry, _ENTRY_FIELDS, entry_columns))
        [rl] = _objects(RestrictedList, (*_LIST_FIELDS, "entries"), (*list_columns, (entries,)))
        lists.append(rl)
    index: NameIndex = NameIndex.__new__(NameIndex)
    index.__setstate__(
        state
        | {
            "lists": tuple(lists),
            "entries": list(
                itertools.chain.from_iterable(
                    zip(itertools.repeat(rl), rl.entries) for rl in lists
                )
            ),
        }
    )
    return lists, index


def _read(path: Path, key: bytes) -> tuple[list[RestrictedList], NameIndex] | None:
    payload = _cachedir.read_blob(path, _MAGIC, key)
    if payload is None:
        return None
    try:
        lists, index = _unpack(_Unpickler(io.BytesIO(payload)).load())
    except Exception as exc:  # noqa: BLE001 - any failure to load means: build instead
        _log.debug("screening cache %s unreadable: %s", path, exc)
        return None
    if not isinstance(index, NameIndex) or not all(isinstance(x, RestrictedList) for x in lists):
        return None
    return list(lists), index


def _write(
    folder: Path, path: Path, lists: list[RestrictedList], index: NameIndex, key: bytes
) -> None:
    payload = pickle.dumps(_pack(lists, index), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        _cachedir.write_blob(path, _MAGIC, payload, key, sync=True)
        # files of other keys (older lists or code) unused for a day go; another installation
        # sharing the folder may still use a recent one
        _cachedir.prune(folder, _PREFIX + "*.bin", 86_400, keep=path)
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
    folder = _cachedir.cache_dir()
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
