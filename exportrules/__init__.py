"""exportrules: what export-control law requires for one transaction, and why.

Decision support, not legal advice. See README.md.
"""

from ._batch import ErrorRecord
from ._cases import CaseResult, run_cases
from ._engine import Engine, evaluate
from ._errors import EvaluationError, ExportRulesError, InvalidTransaction, RuleSetError
from ._ir import Regime
from ._ledger import (
    Balance,
    Ledger,
    LedgerError,
    LedgerRecord,
    LimitExceeded,
    Usage,
    Verification,
)
from ._loader import load_regime
from ._model import Decision, Finding, Outcome, ScreeningHit, Transaction
from ._screen import ScreeningPolicy
from ._screening import ClearedMatch
from ._version import __version__

__all__ = [
    "Balance",
    "CaseResult",
    "ClearedMatch",
    "Decision",
    "Engine",
    "ErrorRecord",
    "EvaluationError",
    "ExportRulesError",
    "Finding",
    "InvalidTransaction",
    "Ledger",
    "LedgerError",
    "LedgerRecord",
    "LimitExceeded",
    "Outcome",
    "Regime",
    "RuleSetError",
    "ScreeningHit",
    "ScreeningPolicy",
    "Transaction",
    "Usage",
    "Verification",
    "__version__",
    "evaluate",
    "load_regime",
    "run_cases",
]
