"""Regular expressions from regime files, matched in linear time (docs/rules.md, `matches`).

A regime may come from a third-party package and is loaded into long-running processes, so a
pattern in it must not be able to stall an evaluation (catastrophic backtracking: ``(a+)+$``
against a long description). Patterns are compiled with RE2 (the ``google-re2`` binding), whose
matching time is linear in the length of the text. RE2 refuses what cannot be matched in linear
time (back-references, look-around); the loader reports that with the file and line.

Both backends (and the classification-code check) call the same :class:`LinearPattern`, so
``matches`` has exactly one semantics: RE2 syntax, the whole value must match.
"""

from __future__ import annotations

from typing import Literal

import re2

__all__ = ["MAX_PATTERN_LENGTH", "LinearPattern", "PatternError"]

# A pattern longer than this is refused at load: rule patterns describe code shapes.
MAX_PATTERN_LENGTH = 1000
# Memory RE2 may use for one compiled pattern; beyond it the pattern is refused at load.
_MAX_MEM = 1 << 20
# Results for short texts (classification codes, country codes) are remembered per pattern:
# the RE2 binding costs a few microseconds per call, a dictionary look-up a fraction of that.
_MEMO_TEXT = 128
_MEMO_SIZE = 4096


class PatternError(ValueError):
    """The pattern is not accepted (syntax RE2 does not support, or too large)."""


def _options() -> re2.Options:
    o = re2.Options()
    o.log_errors = False  # errors are reported by the loader, with file:line
    o.max_mem = _MAX_MEM
    return o


class LinearPattern:
    """A compiled pattern that always matches the whole text, in time linear in its length."""

    __slots__ = ("_memo", "_re", "pattern")

    def __init__(self, pattern: str) -> None:
        if not isinstance(pattern, str):
            raise PatternError(f"a pattern is a string, not {pattern!r}")
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise PatternError(
                f"the pattern is {len(pattern)} characters long; at most {MAX_PATTERN_LENGTH}"
            )
        if "\x00" in pattern:
            raise PatternError("the pattern contains a NUL character")
        try:
            self._re = re2.compile(pattern, _options())
        except re2.error as e:
            msg = e.args[0] if e.args else e
            if isinstance(msg, bytes):
                msg = msg.decode("utf-8", "replace")
            raise PatternError(f"{msg} (patterns use RE2 syntax: docs/rules.md)") from None
        self.pattern = pattern
        self._memo: dict[str, bool] = {}

    def fullmatch(self, text: str) -> Literal[True] | None:
        """True when the whole ``text`` matches, else None (like ``re.Pattern.fullmatch``)."""
        memo = self._memo
        hit = memo.get(text)
        if hit is None:
            hit = self._re.fullmatch(text) is not None
            if len(text) <= _MEMO_TEXT:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[text] = hit
        return True if hit else None

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __reduce__(self) -> tuple[type[LinearPattern], tuple[str]]:
        return (LinearPattern, (self.pattern,))
