"""Collecting load problems (``file:line: message``) and suggesting what was meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["Problems", "did_you_mean"]


class Problems:
    """Every problem found while loading one regime, in the order found."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: object, msg: str) -> None:
        """``where`` is ``file:line`` (a string, or a position resolved when shown)."""
        self.items.append(f"{where}: {msg}")

    def raw(self, problem: str) -> None:
        """A problem already in ``file:line: message`` form."""
        self.items.append(problem)

    def __len__(self) -> int:
        return len(self.items)


def did_you_mean(word: object, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or '' when none is close."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, sorted(set(options)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
