"""Pipeline stage 4: match — which rules hold on which line (and party).

A backend takes a regime, its tables as of the transaction date, the line frames and the party
frames, runs the ``derive`` strata and returns the firings of effect rules. Two backends share
one rule IR: ``python`` (each regime compiled to a generated Python decision function,
``_compile.py``) and ``rete`` (durable_rules, ``_rete.py``); each is the other's oracle in the
differential tests, with the naive evaluator ``_ir.eval_cond`` as the reference.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, Protocol

from ._compile import CompiledBackend
from ._errors import RuleSetError
from ._ir import Regime, TableView
from ._pyback import Firing

__all__ = ["Backend", "Firing", "make_backend"]


class Backend(Protocol):
    """What the engine needs from a backend."""

    name: str

    def fire(
        self,
        regime: Regime,
        view: TableView,
        frames: Sequence[MutableMapping[str, Any]],
        parties: Sequence[Mapping[str, Any]],
    ) -> list[Firing]: ...


def make_backend(name: str) -> Backend:
    """The backend called ``name``.

    Raises:
        RuleSetError: unknown name, or the rete backend without durable_rules installed.
    """
    if name in ("python", "compiled"):  # "compiled" is another name of the default
        return CompiledBackend()
    if name == "rete":
        try:
            from ._rete import ReteBackend
        except ImportError as e:
            raise RuleSetError(
                f"the rete backend needs durable_rules: pip install 'exportrules[rete]' ({e})"
            ) from None
        return ReteBackend()
    raise RuleSetError(f"unknown backend {name!r}: use 'python', 'compiled' or 'rete'")
