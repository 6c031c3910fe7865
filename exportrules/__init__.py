"""exportrules: what export-control law requires for one transaction, and why.

Decision support, not legal advice. See README.md.

The public names are imported on first use (PEP 562), so ``import exportrules`` stays
cheap and a program that only evaluates never loads the ledger, case runner or batch
code. ``from exportrules import Ledger`` and ``exportrules.Ledger`` work as before.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_names as _lazy_names
from ._version import __version__

if TYPE_CHECKING:
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

# public name -> private module that defines it
_LAZY: dict[str, str] = {
    "ErrorRecord": "._batch",
    "CaseResult": "._cases",
    "run_cases": "._cases",
    "Engine": "._engine",
    "evaluate": "._engine",
    "EvaluationError": "._errors",
    "ExportRulesError": "._errors",
    "InvalidTransaction": "._errors",
    "RuleSetError": "._errors",
    "Regime": "._ir",
    "Balance": "._ledger",
    "Ledger": "._ledger",
    "LedgerError": "._ledger",
    "LedgerRecord": "._ledger",
    "LimitExceeded": "._ledger",
    "Usage": "._ledger",
    "Verification": "._ledger",
    "load_regime": "._loader",
    "Decision": "._model",
    "Finding": "._model",
    "Outcome": "._model",
    "ScreeningHit": "._model",
    "Transaction": "._model",
    "ScreeningPolicy": "._screen",
    "ClearedMatch": "._screening",
}


__getattr__ = _lazy_names(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) - {"TYPE_CHECKING"})


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
