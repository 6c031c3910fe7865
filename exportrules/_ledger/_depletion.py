"""Licence depletion: what a shipment debits from the licences that discharged its lines.

Pure functions over the transaction and decision dictionaries; the store calls them inside its
write lock, so the check and the debit see the same balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ._errors import LimitExceeded

__all__ = ["Balance", "Debit", "Limits", "Usage", "check_limits", "debits_for", "limits_of"]

ZERO = Decimal(0)


def to_decimal(x: Any) -> Decimal:
    """A JSON number as an exact decimal (floats by their shortest text, as JSON shows them)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(str(x))


def fmt(x: Decimal | None) -> str:
    """An amount as plain text: no exponent, no trailing zeros after the point."""
    if x is None:
        return "-"
    s = format(x, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


@attrs.frozen
class Limits:
    """A licence's limits as the transaction states them (``authorisations[].limits``)."""

    quantity: Decimal | None = None
    value: Decimal | None = None
    currency: str | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> Limits | None:
        if not d:
            return None
        q, v = d.get("quantity"), d.get("value")
        return cls(
            quantity=None if q is None else to_decimal(q),
            value=None if v is None else to_decimal(v),
            currency=d.get("currency"),
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.quantity is not None:
            d["quantity"] = fmt(self.quantity)
        if self.value is not None:
            d["value"] = fmt(self.value)
            d["currency"] = self.currency
        return d


@attrs.frozen
class Debit:
    """What one shipped line takes from one licence."""

    regime: str
    authorisation: str
    line: str
    quantity: Decimal | None
    value: Decimal | None
    currency: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "authorisation": self.authorisation,
            "line": self.line,
            "quantity": None if self.quantity is None else fmt(self.quantity),
            "value": None if self.value is None else fmt(self.value),
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Debit:
        q, v = d.get("quantity"), d.get("value")
        return cls(
            regime=d["regime"],
            authorisation=d["authorisation"],
            line=d["line"],
            quantity=None if q is None else Decimal(q),
            value=None if v is None else Decimal(v),
            currency=d.get("currency"),
        )


@attrs.frozen
class Usage:
    """What has been debited from one held licence so far, over every shipped record.

    Attributes:
        regime, authorisation: the licence (``authorisations[].regime`` and ``.id``).
        quantity: total quantity shipped under it (lines without a quantity add nothing).
        values: total value shipped under it, per currency (never converted).
        currency: the currency of the licence's value limit as last stated, else the only
            currency debited, else None.
        shipments: how many shipped records debited it.
    """

    regime: str
    authorisation: str
    quantity: Decimal = ZERO
    values: Mapping[str, Decimal] = attrs.field(factory=dict, hash=False)
    currency: str | None = None
    shipments: int = 0

    @property
    def value(self) -> Decimal:
        """Total value debited in ``currency`` (0 when nothing was)."""
        return self.values.get(self.currency, ZERO) if self.currency else ZERO

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "authorisation": self.authorisation,
            "quantity": fmt(self.quantity),
            "value": fmt(self.value),
            "currency": self.currency,
            "values": {k: fmt(v) for k, v in sorted(self.values.items())},
            "shipments": self.shipments,
        }


@attrs.frozen
class Balance:
    """A licence's limits (as last stated), what was used, and what remains."""

    used: Usage
    limits: Limits | None
    last_record: int

    @property
    def regime(self) -> str:
        return self.used.regime

    @property
    def authorisation(self) -> str:
        return self.used.authorisation

    @property
    def remaining_quantity(self) -> Decimal | None:
        if self.limits is None or self.limits.quantity is None:
            return None
        return self.limits.quantity - self.used.quantity

    @property
    def remaining_value(self) -> Decimal | None:
        if self.limits is None or self.limits.value is None or self.limits.currency is None:
            return None
        return self.limits.value - self.used.values.get(self.limits.currency, ZERO)

    @property
    def exhausted(self) -> bool:
        """True when a limit is fully used (nothing more can ship under it)."""
        rq, rv = self.remaining_quantity, self.remaining_value
        return (rq is not None and rq <= 0) or (rv is not None and rv <= 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "authorisation": self.authorisation,
            "limits": self.limits.to_dict() if self.limits else None,
            "used": self.used.to_dict(),
            "remaining": {
                "quantity": None
                if self.remaining_quantity is None
                else fmt(self.remaining_quantity),
                "value": None if self.remaining_value is None else fmt(self.remaining_value),
                "currency": self.limits.currency if self.limits else None,
            },
            "exhausted": self.exhausted,
            "last_record": self.last_record,
        }


def limits_of(tx: Mapping[str, Any]) -> dict[tuple[str, str], Limits | None]:
    """Each held licence of the transaction, with its limits (None when it states none)."""
    out: dict[tuple[str, str], Limits | None] = {}
    for a in tx.get("authorisations") or ():
        out.setdefault((a["regime"], a["id"]), Limits.from_json(a.get("limits")))
    return out


def debits_for(decision: Mapping[str, Any], tx: Mapping[str, Any]) -> list[Debit]:
    """One debit per line per held licence that discharged it, in a stable order.

    Only licences the transaction holds are debited: general authorisations and licence
    exceptions found by the rules have no balance.
    """
    held = limits_of(tx)
    lines = {ln["id"]: ln for ln in tx.get("lines") or ()}
    out: list[Debit] = []
    for u in decision.get("authorisations") or ():
        key = (u["regime"], u["id"])
        if key not in held:
            continue
        for lid in sorted(set(u.get("lines") or ())):
            ln = lines.get(lid)
            if ln is None:
                continue
            q, v = ln.get("quantity"), ln.get("value")
            out.append(
                Debit(
                    regime=key[0],
                    authorisation=key[1],
                    line=lid,
                    quantity=None if q is None else to_decimal(q),
                    value=None if v is None else to_decimal(v),
                    currency=ln.get("currency") if v is not None else None,
                )
            )
    return out


def group(debits: Iterable[Debit]) -> dict[tuple[str, str], list[Debit]]:
    out: dict[tuple[str, str], list[Debit]] = {}
    for d in debits:
        out.setdefault((d.regime, d.authorisation), []).append(d)
    return out


def check_limits(limits: Limits | None, used: Usage, debits: Sequence[Debit]) -> None:
    """Raise LimitExceeded unless ``debits`` fit under ``limits`` after ``used``."""
    if limits is None or not debits:
        return
    reg, aid = used.regime, used.authorisation
    name = f"licence {aid} ({reg})"
    if limits.quantity is not None:
        missing = [d.line for d in debits if d.quantity is None]
        if missing:
            raise LimitExceeded(
                f"{name} is limited to {fmt(limits.quantity)} units, but line "
                f"{', '.join(missing)} states no quantity, so the shipment cannot be debited; "
                "nothing was recorded.",
                regime=reg,
                authorisation=aid,
                kind="quantity",
                limit=limits.quantity,
                used=used.quantity,
            )
        req = sum((d.quantity for d in debits if d.quantity is not None), ZERO)
        if used.quantity + req > limits.quantity:
            left = limits.quantity - used.quantity
            raise LimitExceeded(
                f"{name}: shipping {fmt(req)} units would overdraw its quantity limit of "
                f"{fmt(limits.quantity)} ({fmt(used.quantity)} used, {fmt(left)} remaining); "
                "nothing was recorded.",
                regime=reg,
                authorisation=aid,
                kind="quantity",
                limit=limits.quantity,
                used=used.quantity,
                requested=req,
            )
    if limits.value is not None:
        cur = limits.currency
        missing = [d.line for d in debits if d.value is None]
        if missing:
            raise LimitExceeded(
                f"{name} is limited to {fmt(limits.value)} {cur}, but line "
                f"{', '.join(missing)} states no value, so the shipment cannot be debited; "
                "nothing was recorded.",
                regime=reg,
                authorisation=aid,
                kind="value",
                limit=limits.value,
                used=used.values.get(cur or "", ZERO),
                currency=cur,
            )
        other = sorted({d.currency or "?" for d in debits if d.currency != cur})
        if other:
            raise LimitExceeded(
                f"{name} is limited to {fmt(limits.value)} {cur}, but line value is in "
                f"{', '.join(other)}; amounts are never converted, so the shipment cannot be "
                "debited; nothing was recorded.",
                regime=reg,
                authorisation=aid,
                kind="currency",
                limit=limits.value,
                used=used.values.get(cur or "", ZERO),
                currency=cur,
            )
        earlier = sorted(c for c, v in used.values.items() if c != cur and v != 0)
        if earlier:
            raise LimitExceeded(
                f"{name} is limited to {fmt(limits.value)} {cur}, but earlier shipments under it "
                f"were debited in {', '.join(earlier)}; amounts are never converted, so the "
                "balance cannot be determined; nothing was recorded.",
                regime=reg,
                authorisation=aid,
                kind="currency",
                limit=limits.value,
                currency=cur,
            )
        req = sum((d.value for d in debits if d.value is not None), ZERO)
        before = used.values.get(cur or "", ZERO)
        if before + req > limits.value:
            raise LimitExceeded(
                f"{name}: shipping {fmt(req)} {cur} would overdraw its value limit of "
                f"{fmt(limits.value)} {cur} ({fmt(before)} used, "
                f"{fmt(limits.value - before)} remaining); nothing was recorded.",
                regime=reg,
                authorisation=aid,
                kind="value",
                limit=limits.value,
                used=before,
                requested=req,
                currency=cur,
            )
