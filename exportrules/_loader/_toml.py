"""Reading TOML with the line of every key and value (tomllib reports none).

``tomllib`` parses; a small scanner then walks the same text (already known to be valid TOML)
and records where each key and each value starts, by path: ``("rule", 3, "when", "all", 1,
"fact")`` is the ``fact`` key of the second condition of the fourth ``[[rule]]``. The loader
uses these positions to report a problem at the line of the offending key or value.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import tomllib
from importlib.abc import Traversable
from typing import Any

from . import _tomlcache

__all__ = ["At", "Doc", "Key", "Src", "Where", "read_toml"]

Key = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"


class Where:
    """``file:line`` of a key, resolved only when shown (most keys are never reported)."""

    __slots__ = ("_key", "_src", "_value")

    def __init__(self, src: Src, key: Key, value: bool = False) -> None:
        self._src, self._key, self._value = src, key, value

    def __str__(self) -> str:
        src = self._src
        n = src.value_line(*self._key) if self._value else src.line(*self._key)
        return f"{src.path}:{n}" if n else src.path

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Where({self})"


# where a problem is reported: file:line, or a position shown lazily
At = str | Where


class Src:
    """A source file: the path shown in messages and the positions of its keys and values.

    The text is scanned for positions only when a position is first asked for; the headers
    of arrays of tables (``[[rule]]``) have a fast path of their own.
    """

    __slots__ = ("_data", "_headers", "_keys", "_ml", "_text", "_values", "path")

    def __init__(
        self, path: str, text: str | None = None, data: dict[str, Any] | None = None
    ) -> None:
        self.path = path
        self._text = text
        self._data = data
        self._keys: dict[Key, int] = {}
        self._values: dict[Key, int] = {}
        self._ml: set[Key] = set()  # multi-line strings whose text starts on the next line
        self._headers: dict[str, list[int]] = {}

    def _scan(self) -> None:
        text, self._text = self._text, None
        if text is not None:
            # positions are a help: a path the scanner missed falls back to its parent
            with contextlib.suppress(IndexError, ValueError, tomllib.TOMLDecodeError):
                _Scanner(text, self._keys, self._values, self._ml).run()

    def line(self, *key: str | int) -> int | None:
        """The line of the key (or array element) at ``key``, else of its nearest ancestor."""
        if self._text is not None:
            self._scan()
        k: Key = tuple(key)
        while True:
            n = self._keys.get(k) or self._values.get(k)
            if n is not None:
                return n
            if not k:
                return None
            k = k[:-1]

    def value_line(self, *key: str | int) -> int | None:
        """The line where the value at ``key`` starts (else as :meth:`line`)."""
        if self._text is not None:
            self._scan()
        return self._values.get(tuple(key)) or self.line(*key)

    def opens_multiline(self, *key: str | int) -> bool:
        """Whether the value at ``key`` is a multi-line string opened by a line break."""
        if self._text is not None:
            self._scan()
        return tuple(key) in self._ml

    def at(self, *key: str | int) -> Where:
        """``file:line`` of the key at ``key`` (``file`` alone when nothing is known)."""
        return Where(self, tuple(key))

    def at_value(self, *key: str | int) -> Where:
        return Where(self, tuple(key), value=True)

    def header(self, name: str, index: int) -> str:
        """``file:line`` of the ``index``-th top-level ``[[name]]`` header, found without a
        full scan when the headers in the text agree with the parsed document."""
        lines = self._headers.get(name)
        if lines is None:
            lines = []
            text = self._text
            items = (self._data or {}).get(name)
            if text is not None and isinstance(items, list):
                rx = re.compile(r"^[ \t]*\[\[[ \t]*" + re.escape(name) + r"[ \t]*\]\]", re.M)
                found = [m.start() for m in rx.finditer(text)]
                if len(found) == len(items):
                    nl = [m.start() for m in re.finditer("\n", text)]
                    lines = [bisect.bisect_left(nl, i) + 1 for i in found]
            self._headers[name] = lines
        if index < len(lines):
            return f"{self.path}:{lines[index]}"
        return str(self.at(name, index))


class Doc:
    """A parsed TOML file."""

    __slots__ = ("data", "src", "text")

    def __init__(self, data: dict[str, Any], text: str, src: Src) -> None:
        self.data, self.text, self.src = data, text, src


def read_toml(f: Traversable, path: str) -> tuple[Doc | None, str | None]:
    """Parse ``f``; returns the document, or None and a ``file:line: message`` problem."""
    try:
        text = f.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, f"{path}: cannot read: {e}"
    data = _tomlcache.get(text)
    if data is None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            m = re.search(r"line (\d+)", str(e))
            return None, f"{path}:{m.group(1) if m else 1}: TOML syntax error: {e}"
        _tomlcache.put(text, data)
    return Doc(data, text, Src(path, text, data)), None


class _Scanner:
    """Walks valid TOML text and records the line of each key and value, by path."""

    def __init__(
        self, text: str, keys: dict[Key, int], values: dict[Key, int], ml: set[Key]
    ) -> None:
        self.ml = ml
        self.s = text
        self.i = 0
        self.nl = [m.start() for m in re.finditer("\n", text)]
        self.keys = keys
        self.values = values
        self.aot: dict[Key, int] = {}  # array-of-tables path -> index of its last element

    def lineno(self, i: int) -> int:
        return bisect.bisect_left(self.nl, i) + 1

    # ------------------------------------------------------------------ lexical helpers

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def skip_ws(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n and s[self.i] in _WS:
            self.i += 1

    def skip_blank(self) -> None:
        """Whitespace, newlines and comments (inside arrays; between statements)."""
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n":
                self.i += 1
            elif c == "#":
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j
            else:
                return

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_ws()
            c = self.peek()
            if c == '"':
                start = self.i
                self.basic_string()
                parts.append(str(tomllib.loads("k = " + self.s[start : self.i])["k"]))
            elif c == "'":
                end = self.s.index("'", self.i + 1)
                parts.append(self.s[self.i + 1 : end])
                self.i = end + 1
            else:
                m = _BARE.match(self.s, self.i)
                if m is None:
                    raise ValueError(f"no key at offset {self.i}")
                parts.append(m.group())
                self.i = m.end()
            self.skip_ws()
            if self.peek() != ".":
                return parts
            self.i += 1

    def basic_string(self) -> None:
        s = self.s
        i = self.i + 1
        while s[i] != '"':
            i += 2 if s[i] == "\\" else 1
        self.i = i + 1

    def multiline(self, quote: str) -> None:
        s = self.s
        i = self.i + 3
        delim = quote * 3
        while not s.startswith(delim, i):
            i += 2 if (quote == '"' and s[i] == "\\") else 1
        i += 3
        extra = 0  # up to two quotes may stand right before the closing delimiter
        while extra < 2 and i < len(s) and s[i] == quote:
            i += 1
            extra += 1
        self.i = i

    # ------------------------------------------------------------------ grammar

    def resolve(self, parts: list[str]) -> Key:
        """A header's key path, with the index of the last element of each array of tables."""
        out: Key = ()
        for p in parts:
            out = (*out, p)
            if out in self.aot:
                out = (*out, self.aot[out])
        return out

    def implicit(self, path: Key, line: int) -> None:
        """Tables a header or dotted key creates implicitly start where first named."""
        for n in range(1, len(path) + 1):
            self.keys.setdefault(path[:n], line)

    def run(self) -> None:
        table: Key = ()
        n = len(self.s)
        while True:
            self.skip_blank()
            if self.i >= n:
                return
            line = self.lineno(self.i)
            if self.s.startswith("[[", self.i):
                self.i += 2
                parts = self.key()
                self.i += 2  # ]]
                arr = (*self.resolve(parts[:-1]), parts[-1])
                idx = self.aot.get(arr, -1) + 1
                self.aot[arr] = idx
                table = (*arr, idx)
                self.implicit(arr, line)
                self.keys[table] = line
            elif self.peek() == "[":
                self.i += 1
                parts = self.key()
                self.i += 1  # ]
                table = self.resolve(parts)
                self.implicit(table, line)
            else:
                path = (*table, *self.key())
                self.implicit(path, line)
                self.keys[path] = line
                self.skip_ws()
                self.i += 1  # =
                self.skip_ws()
                self.value(path)
            # the rest of the line: whitespace and perhaps a comment
            self.skip_ws()
            if self.peek() == "#":
                j = self.s.find("\n", self.i)
                self.i = n if j < 0 else j

    def value(self, path: Key) -> None:
        self.values[path] = self.lineno(self.i)
        s = self.s
        c = self.peek()
        if s.startswith('"""', self.i) or s.startswith("'''", self.i):
            if s.startswith("\n", self.i + 3) or s.startswith("\r\n", self.i + 3):
                self.ml.add(path)
            self.multiline(c)
        elif c == '"':
            self.basic_string()
        elif c == "'":
            self.i = s.index("'", self.i + 1) + 1
        elif c == "[":
            self.i += 1
            idx = 0
            while True:
                self.skip_blank()
                if self.peek() == "]":
                    self.i += 1
                    return
                self.value((*path, idx))
                idx += 1
                self.skip_blank()
                if self.peek() == ",":
                    self.i += 1
        elif c == "{":
            self.i += 1
            while True:
                self.skip_blank()
                if self.peek() == "}":
                    self.i += 1
                    return
                line = self.lineno(self.i)
                sub = (*path, *self.key())
                self.implicit(sub, line)
                self.keys[sub] = line
                self.skip_ws()
                self.i += 1  # =
                self.skip_ws()
                self.value(sub)
                self.skip_blank()
                if self.peek() == ",":
                    self.i += 1
        else:  # number, boolean, date or time: up to a delimiter
            m = re.compile(r"[^,\]}#\n]*").match(s, self.i)
            assert m is not None
            if m.end() == self.i:
                raise ValueError(f"no value at offset {self.i}")
            self.i = m.end()
