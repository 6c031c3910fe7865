"""exportrules: what export-control law requires for one transaction, and why.

Decision support, not legal advice. See README.md.
"""

from ._engine import Engine, evaluate
from ._errors import EvaluationError, ExportRulesError, InvalidTransaction, RuleSetError
from ._ledger import (
    Balance,
    Ledger,
    LedgerError,
    LedgerRecord,
    LimitExceeded,
    Usage,
    Verification,
)
from ._model import Decision, Finding, Outcome, ScreeningHit, Transaction
from ._version import __version__

__all__ = [
    "Balance",
    "Decision",
    "Engine",
    "EvaluationError",
    "ExportRulesError",
    "Finding",
    "InvalidTransaction",
    "Ledger",
    "LedgerError",
    "LedgerRecord",
    "LimitExceeded",
    "Outcome",
    "RuleSetError",
    "ScreeningHit",
    "Transaction",
    "Usage",
    "Verification",
    "__version__",
    "evaluate",
]
