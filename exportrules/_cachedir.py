"""Where exportrules keeps caches it can rebuild (the screening index, parsed regime files),
and the one file format both use: a format line, an optional key, the SHA-256 of the payload,
the payload; written atomically, verified on read."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

__all__ = ["cache_dir", "prune", "read_blob", "write_blob"]


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


def read_blob(path: Path, magic: bytes, key: bytes = b"") -> memoryview | None:
    """The payload of a cache file written by ``write_blob`` with the same ``magic`` and ``key``,
    or None when it cannot be read, is of another format or key, or its SHA-256 does not
    verify."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(magic) + len(key) + 32
    if len(raw) < head or not raw.startswith(magic):
        return None
    if raw[len(magic) : len(magic) + len(key)] != key:
        return None
    payload = memoryview(raw)[head:]
    if hashlib.sha256(payload).digest() != raw[head - 32 : head]:
        return None
    return payload


def write_blob(path: Path, magic: bytes, payload: bytes, key: bytes = b"", *, sync: bool) -> None:
    """Write ``magic + key + SHA-256(payload) + payload`` to ``path`` atomically (a temporary
    file in the same folder, then a rename; ``sync`` flushes it to disk first). Raises OSError
    when the folder cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(magic + key + hashlib.sha256(payload).digest() + payload)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prune(folder: Path, pattern: str, older_than: float, keep: Path | None = None) -> None:
    """Remove the files of ``folder`` matching ``pattern`` unused (mtime) for ``older_than``
    seconds, except ``keep``. Raises OSError as the file system does."""
    limit = time.time() - older_than
    for old in folder.glob(pattern):
        if old != keep and old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
