"""A read-only map from words to words, packed for a fast start.

The name index keeps several maps from a word to the index words it leads to (a one-letter
deletion to the words it comes from, a sound key or a consonant key to its words). As Python
dicts of lists they hold hundreds of thousands of small objects, and loading them from the
persisted index (``_cache``) took most of its time. ``PackedMap`` holds the same content as
three objects: the sorted keys, an array of offsets and one list of all values, found by binary
search. A look-up by binary search costs about a microsecond more than a dict's, so a map that
has answered ``_PROMOTE`` look-ups (a process that screens many names) builds the dict once and
answers from it from then on: a short process never pays for the dict, a long one pays once.
The index asks these maps only for query words it has not seen before
(``NameIndex.similar_tokens`` remembers them).

It pickles as two strings and the offsets' bytes, so loading it builds no per-key objects but the
words themselves, and the restricted unpickler of ``_cache`` needs to allow only this class.
``PackedIds`` does the same for the postings (word -> name numbers, in one array): the cyclic
garbage collector does not even see them (an array holds no objects).
"""

from __future__ import annotations

import bisect
import itertools
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, MutableSequence, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["PackedIds", "PackedMap"]

_SEP = "\x1f"  # never in a word (words are runs of letters and digits)
_EMPTY: tuple[()] = ()
V = TypeVar("V", str, int)
_PROMOTE = 4096  # look-ups by binary search before the dict is built


class _Packed(Generic[V]):
    """``key -> sequence of values``, read-only; ``get`` returns a slice (or ``()``)."""

    __slots__ = ("_dict", "_keys", "_lookups", "_off", "_vals")

    def __init__(self, content: Mapping[str, Sequence[V]]) -> None:
        keys = sorted(content)
        groups = [content[k] for k in keys]
        off = array("I", [0])
        off.extend(itertools.accumulate(map(len, groups)))
        vals = self._new_values()
        vals.extend(itertools.chain.from_iterable(groups))
        if _SEP in "".join(keys):
            raise ValueError("a key holds the separator character")
        self._keys = keys
        self._off = off
        self._vals: MutableSequence[V] = vals
        self._dict: dict[str, Sequence[V]] | None = None
        self._lookups = 0

    # ------------------------------------------------------------------ values, per kind

    def _new_values(self) -> MutableSequence[V]:
        raise NotImplementedError

    def _dump_values(self) -> str | bytes:
        raise NotImplementedError

    def _load_values(self, raw: object) -> MutableSequence[V]:
        raise NotImplementedError

    # ------------------------------------------------------------------ look-ups

    def get(self, key: str, default: Sequence[V] = _EMPTY) -> Sequence[V]:
        d = self._dict
        if d is not None:
            return d.get(key, default)
        self._lookups += 1  # (not exact under threads: it only decides when to build the dict)
        if self._lookups > _PROMOTE:
            return self._promote().get(key, default)
        keys = self._keys
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            off = self._off
            found: Sequence[V] = self._vals[off[i] : off[i + 1]]
            return found
        return default

    def getter(self) -> Callable[[str, Sequence[V]], Sequence[V]]:
        """``get``, or the dict's own ``get`` once it is built (for a loop of look-ups)."""
        d = self._dict
        return self.get if d is None else d.get

    def _promote(self) -> dict[str, Sequence[V]]:
        off, vals = self._off, self._vals
        d: dict[str, Sequence[V]] = {
            k: self._plain(vals[off[i] : off[i + 1]]) for i, k in enumerate(self._keys)
        }
        self._dict = d  # one assignment: a thread sees the dict whole or not at all
        return d

    def _plain(self, values: MutableSequence[V]) -> Sequence[V]:
        """The values of one key as the dict holds them: a tuple (as quick to iterate as a list,
        and of words or numbers only, so the garbage collector stops tracking it)."""
        return tuple(values)

    def size(self, key: str) -> int:
        """How many values ``key`` has (0 when absent), without copying them."""
        d = self._dict
        if d is not None:
            got = d.get(key)
            return 0 if got is None else len(got)
        keys = self._keys
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            return self._off[i + 1] - self._off[i]
        return 0

    def __getitem__(self, key: str) -> Sequence[V]:
        got = self.get(key, _MISSING)
        if got is _MISSING:
            raise KeyError(key)
        return got

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        d = self._dict
        if d is not None:
            return key in d
        return self.get(key, _MISSING) is not _MISSING

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def items(self) -> Iterator[tuple[str, Sequence[V]]]:
        off, vals = self._off, self._vals
        for i, k in enumerate(self._keys):
            yield k, vals[off[i] : off[i + 1]]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Packed)
        return (self._keys, self._off, list(self._vals)) == (
            other._keys,
            other._off,
            list(other._vals),
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._keys)} keys, {len(self._vals)} values)"

    # ------------------------------------------------------------------ pickling

    def __getstate__(self) -> tuple[str, str, bytes, str | bytes]:
        return (sys.byteorder, _SEP.join(self._keys), self._off.tobytes(), self._dump_values())

    def __setstate__(self, state: tuple[str, str, bytes, object]) -> None:
        order, keys_s, off_b, raw = state
        if order != sys.byteorder:
            raise ValueError("packed map written on a machine of another byte order")
        keys = keys_s.split(_SEP) if keys_s else []
        vals = self._load_values(raw)
        off = array("I")
        off.frombytes(off_b)
        # a damaged or planted file must not give wrong answers later: the shape must hold
        if len(off) != len(keys) + 1 or off[0] != 0 or off[-1] != len(vals):
            raise ValueError("packed map: offsets do not fit the keys and values")
        self._keys = keys
        self._off = off
        self._vals = vals
        self._dict = None
        self._lookups = 0


# "absent", compared by identity: a list object no look-up returns (found values are new slices)
_MISSING: Sequence[Any] = []


class PackedMap(_Packed[str]):
    """Words to words."""

    __slots__ = ()

    def _new_values(self) -> MutableSequence[str]:
        return []

    def _dump_values(self) -> str:
        vals = self._vals
        assert isinstance(vals, list)
        if _SEP in "".join(vals):
            raise ValueError("a value holds the separator character")
        return _SEP.join(vals)

    def _load_values(self, raw: object) -> MutableSequence[str]:
        if not isinstance(raw, str):
            raise ValueError("packed map: values are not text")
        return raw.split(_SEP) if raw else []


class PackedIds(_Packed[int]):
    """Words to unsigned numbers (below 2**32), in one array."""

    __slots__ = ()

    def _new_values(self) -> MutableSequence[int]:
        return array("I")

    def _dump_values(self) -> bytes:
        vals = self._vals
        assert isinstance(vals, array)
        return vals.tobytes()


    def _load_values(self, raw: object) -> MutableSequence[int]:
        if not isinstance(raw, bytes):
            raise ValueError("packed ids: values are not bytes")
        vals = array("I")
        vals.frombytes(raw)
        return vals
