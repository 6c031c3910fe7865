"""Resolutions: a named person's decision on a ``review`` finding (docs/api.md).

A resolution discharges the ``review`` findings of its rule, narrowed to a line and/or a party
when it names them, on transaction dates up to its ``valid_until``. It never touches a licence
requirement or a prohibition. A regime the engine did not evaluate (an engine fault, a broken
rule set, a date the regime is not encoded for) cannot be resolved either: nothing was checked
that a person could confirm, so the order stays held until the cause is fixed. Every
resolution given is listed in the decision, applied or not, with why not.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from ._model import Resolution, ResolutionResult

__all__ = ["UNRESOLVABLE", "Resolver"]

# rule-id suffixes of findings that say a regime was not evaluated: never resolvable
UNRESOLVABLE = (".engine_fault", ".ruleset_error", ".not_in_force")


class Resolver:
    """Matches one transaction's resolutions against its review findings."""

    __slots__ = ("_applied", "_date", "_other", "_resolutions")

    def __init__(self, resolutions: Sequence[Resolution], date: _dt.date) -> None:
        self._resolutions = tuple(resolutions)
        self._date = date
        self._applied = [False] * len(self._resolutions)
        # index -> the effect of a non-review finding the resolution named
        self._other: dict[int, str] = {}

    def __bool__(self) -> bool:
        return bool(self._resolutions)

    def _matches(self, r: Resolution, rule: str, line: str | None, party: str | None) -> bool:
        return (
            r.rule == rule
            and (r.line is None or r.line == line)
            and (r.party is None or r.party == party)
        )

    def resolve(self, rule: str, line: str | None, party: str | None) -> Resolution | None:
        """The resolution that discharges this review finding, if any (and note its use)."""
        if rule.endswith(UNRESOLVABLE):
            self.saw(rule, line, party, "not evaluated")
            return None
        got = None
        for i, r in enumerate(self._resolutions):
            if not self._matches(r, rule, line, party):
                continue
            if r.valid_until is not None and self._date > r.valid_until:
                continue
            self._applied[i] = True
            got = got or r
        return got

    def saw(self, rule: str, line: str | None, party: str | None, effect: str) -> None:
        """A finding a resolution cannot discharge (``effect``): remember it to say why."""
        for i, r in enumerate(self._resolutions):
            if self._matches(r, rule, line, party):
                self._other.setdefault(i, effect)

    def results(self) -> list[ResolutionResult]:
        out = []
        for i, r in enumerate(self._resolutions):
            if self._applied[i]:
                out.append(ResolutionResult(r, True))
                continue
            where = (f" on line {r.line!r}" if r.line else "") + (
                f" for party {r.party!r}" if r.party else ""
            )
            if r.valid_until is not None and self._date > r.valid_until:
                why = f"expired: valid until {r.valid_until}, the transaction is dated {self._date}"
            elif i in self._other and self._other[i] == "not evaluated":
                why = (
                    f"{r.rule} says the regime was not evaluated, so there is nothing to "
                    "resolve; fix the cause and evaluate again"
                )
            elif i in self._other:
                why = (
                    f"{r.rule} gave a '{self._other[i]}' finding{where}; a resolution discharges "
                    "review findings only, never a licence requirement or a prohibition"
                )
            else:
                why = f"no review finding of {r.rule}{where} in this decision"
            out.append(ResolutionResult(r, False, why))
        return out
