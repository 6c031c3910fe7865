"""Errors of the ledger. Both derive from ExportRulesError."""

from __future__ import annotations

from decimal import Decimal

from .._errors import ExportRulesError

__all__ = ["LedgerError", "LimitExceeded"]


class LedgerError(ExportRulesError):
    """The ledger cannot do what was asked: unreachable or corrupt database, a schema from a
    newer version, a record that does not belong to its transaction. Nothing was written."""


class LimitExceeded(LedgerError):
    """A shipment does not fit a licence's limits, or cannot be measured against them (a line
    without a quantity, a value in another currency). Nothing was written.

    Attributes:
        regime, authorisation: the licence.
        kind: ``"quantity"``, ``"value"`` or ``"currency"``.
        limit: the licence's limit (None for ``"currency"``), ``used``: debited before this
            shipment, ``requested``: what this shipment would debit, ``remaining``: what is left.
    """

    def __init__(
        self,
        message: str,
        *,
        regime: str,
        authorisation: str,
        kind: str,
        limit: Decimal | None = None,
        used: Decimal | None = None,
        requested: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        super().__init__(message)
        self.regime = regime
        self.authorisation = authorisation
        self.kind = kind
        self.limit = limit
        self.used = used
        self.requested = requested
        self.currency = currency

    @property
    def remaining(self) -> Decimal | None:
        if self.limit is None or self.used is None:
            return None
        return self.limit - self.used
