"""The ledger: hash-chained records of decisions, licence depletion, and its command line.

Names load on first use (PEP 562): the command line registers ``ledger ...`` without opening
SQLite, and ``from exportrules._ledger import Ledger`` works as before.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names as _lazy_names

if TYPE_CHECKING:
    from ._api import Ledger, LedgerRecord, input_sha256
    from ._chain import Verification, VerifyProblem, canonical, record_hash, verify_lines
    from ._depletion import Balance, Debit, Limits, Usage
    from ._errors import LedgerError, LimitExceeded

_LAZY = {
    "Ledger": "._api",
    "LedgerRecord": "._api",
    "input_sha256": "._api",
    "Verification": "._chain",
    "VerifyProblem": "._chain",
    "canonical": "._chain",
    "record_hash": "._chain",
    "verify_lines": "._chain",
    "Balance": "._depletion",
    "Debit": "._depletion",
    "Limits": "._depletion",
    "Usage": "._depletion",
    "LedgerError": "._errors",
    "LimitExceeded": "._errors",
}


__getattr__ = _lazy_names(__name__, _LAZY, globals())


__all__ = [
    "Balance",
    "Debit",
    "Ledger",
    "LedgerError",
    "LedgerRecord",
    "LimitExceeded",
    "Limits",
    "Usage",
    "Verification",
    "VerifyProblem",
    "canonical",
    "input_sha256",
    "record_hash",
    "verify_lines",
]
