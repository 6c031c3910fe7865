"""The ledger: hash-chained records of decisions, licence depletion, and its command line.

Names load on first use (PEP 562): the command line registers ``ledger ...`` without opening
SQLite, and ``from exportrules._ledger import Ledger`` works as before.
"""

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

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


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


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
