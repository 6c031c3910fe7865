"""The ledger: hash-chained records of decisions, licence depletion, and its command line."""

from ._api import Ledger, LedgerRecord, input_sha256
from ._chain import Verification, VerifyProblem, canonical, record_hash, verify_lines
from ._depletion import Balance, Debit, Limits, Usage
from ._errors import LedgerError, LimitExceeded

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
