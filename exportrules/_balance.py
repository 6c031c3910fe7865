"""Licence limits: a held licence covers a line only while its quantity and value last.

A licence in the transaction may state ``limits`` (quantity and/or value in a currency). What
earlier shipments used comes from a ledger (``Engine(ledger=...)``, see docs/records.md); without
one, only this transaction's lines count. Lines draw on a licence in line order. A line that
would overdraw it, a line without the quantity or value the limit is stated in, a value in
another currency (never converted) or a ledger that cannot be read: the licence covers nothing
on that line, and a note says why and what remains (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from ._model import Authorisation

__all__ = ["Balances", "LedgerLike"]


class LedgerLike(Protocol):
    """What the engine reads from a ledger: what a licence has used so far."""

    def used(self, regime: str, authorisation_id: str) -> Any: ...


def _dec(x: int | float) -> Decimal:
    return Decimal(x) if isinstance(x, int) else Decimal(repr(x))


class _Left:
    __slots__ = ("error", "quantity", "value")

    def __init__(
        self, quantity: Decimal | None, value: Decimal | None, error: str | None = None
    ) -> None:
        self.quantity = quantity
        self.value = value
        self.error = error


class Balances:
    """What each limited licence of one transaction has left, drawn down line by line."""

    __slots__ = ("_ledger", "_left")

    def __init__(self, ledger: LedgerLike | None) -> None:
        self._ledger = ledger
        self._left: dict[tuple[str, str], _Left] = {}

    def _start(self, a: Authorisation) -> _Left:
        lim = a.limits
        assert lim is not None
        q = None if lim.quantity is None else _dec(lim.quantity)
        v = None if lim.value is None else _dec(lim.value)
        if self._ledger is None:
            return _Left(q, v)
        try:
            used = self._ledger.used(a.regime, a.id)
        except Exception as e:  # noqa: BLE001 - an unreadable ledger must not clear anything
            return _Left(q, v, f"the ledger could not be read ({type(e).__name__}: {e})")
        values: Mapping[str, Decimal] = getattr(used, "values", {}) or {}
        if q is not None:
            q -= Decimal(used.quantity)
        if v is not None:
            other = sorted(c for c, x in values.items() if c != lim.currency and x)
            if other:
                return _Left(
                    q,
                    v,
                    f"the ledger records shipments under it valued in {', '.join(other)}, not in "
                    f"the limit's currency {lim.currency} (amounts are never converted)",
                )
            v -= Decimal(values.get(lim.currency or "", 0))
        return _Left(q, v)

    def draw(self, a: Authorisation, line: Mapping[str, Any]) -> str | None:
        """Draw ``line``'s quantity and value from ``a``. None if the licence covers it;
        otherwise why not (nothing is drawn)."""
        lim = a.limits
        if lim is None:
            return None
        key = (a.regime, a.id)
        left = self._left.get(key)
        if left is None:
            left = self._left[key] = self._start(a)
        if left.error is not None:
            return left.error
        qty, value = line.get("line.quantity"), line.get("line.value")
        cur = line.get("line.currency")
        need_q = need_v = None
        if left.quantity is not None:
            if qty is None:
                return f"it limits the quantity ({lim.quantity}) and this line states none"
            need_q = _dec(qty)
            if need_q > left.quantity:
                return (
                    f"quantity left {_fmt(left.quantity)} of {lim.quantity}, this line needs "
                    f"{_fmt(need_q)}"
                )
        if left.value is not None:
            if value is None:
                return f"it limits the value ({lim.value} {lim.currency}) and this line states none"
            if cur != lim.currency:
                return (
                    f"its value limit is in {lim.currency} and this line's value is in {cur} "
                    "(amounts are never converted)"
                )
            need_v = _dec(value)
            if need_v > left.value:
                return (
                    f"value left {_fmt(left.value)} {lim.currency} of {lim.value}, this line "
                    f"needs {_fmt(need_v)}"
                )
        if need_q is not None:
            left.quantity = left.quantity - need_q  # type: ignore[operator]
        if need_v is not None:
            left.value = left.value - need_v  # type: ignore[operator]
        return None


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)
