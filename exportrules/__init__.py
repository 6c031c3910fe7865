"""exportrules: what export-control law requires for one transaction, and why.

Decision support, not legal advice. See README.md.
"""

from ._engine import Engine, evaluate
from ._errors import EvaluationError, ExportRulesError, InvalidTransaction, RuleSetError
from ._model import Decision, Finding, Outcome, ScreeningHit, Transaction
from ._version import __version__

__all__ = [
    "Decision",
    "Engine",
    "EvaluationError",
    "ExportRulesError",
    "Finding",
    "InvalidTransaction",
    "Outcome",
    "RuleSetError",
    "ScreeningHit",
    "Transaction",
    "__version__",
    "evaluate",
]
