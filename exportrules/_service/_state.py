"""What one service process holds: settings, the engine (built and warmed once), metrics."""

from __future__ import annotations

import logging
import time
from typing import Any

import attrs

from .._engine import Engine
from .._errors import ExportRulesError
from ._metrics import Metrics
from ._settings import Settings

__all__ = ["ServiceState", "build_engine"]

log = logging.getLogger("exportrules.service")

# Evaluated once at start so the first request does not pay for loading the lists and
# compiling lazily built indexes. Plain enough to be valid under any regime set.
_WARM_UP: dict[str, Any] = {
    "id": "warm-up",
    "export_from": "DE",
    "destination": "US",
    "parties": [{"role": "end_user", "name": "Warm-up Check Company", "country": "US"}],
    "lines": [{"id": "1", "description": "warm-up"}],
}


def build_engine(settings: Settings) -> Engine:
    """The engine the settings describe.

    Raises:
        RuleSetError: a regime fails to load.
        LedgerError: the ledger cannot be opened (or does not exist).
    """
    common: dict[str, Any] = {
        "backend": settings.backend,
        "screening": "default" if settings.screening else None,
        "strict_data": settings.strict_data,
    }
    if settings.other_jurisdiction or settings.potential_other_jurisdiction:
        from .._screen import ScreeningPolicy

        policy: dict[str, str] = {}
        if settings.other_jurisdiction:
            policy["other_jurisdiction"] = settings.other_jurisdiction
        if settings.potential_other_jurisdiction:
            policy["potential_other_jurisdiction"] = settings.potential_other_jurisdiction
        common["screening_policy"] = ScreeningPolicy(**policy)  # type: ignore[arg-type]
    if settings.ledger_url:
        from .._ledger import Ledger

        # never created here: a mistyped URL must not give an empty ledger (no licence
        # ever used), it must stop the service
        common["ledger"] = Ledger.open(settings.ledger_url, create=False)
    if settings.regimes:
        return Engine.from_paths(settings.regimes, **common)
    return Engine.default(plugins=settings.plugins, **common)


def warm(engine: Engine) -> None:
    """Evaluate one plain transaction (loads the screening lists); problems are only logged."""
    try:
        engine.evaluate(_WARM_UP)
    except ExportRulesError as e:  # e.g. a custom regime set that wants more input
        log.warning("warm-up transaction not decided (the service still starts): %s", e)


@attrs.define
class ServiceState:
    settings: Settings
    engine: Engine
    metrics: Metrics
    started: float = attrs.field(factory=time.monotonic)

    def regime_versions(self) -> dict[str, str | None]:
        return {r.id: r.describe().get("version") for r in self.engine.regimes}
