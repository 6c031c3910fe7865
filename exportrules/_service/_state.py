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
    """
    screening: Any = "default" if settings.screening else None
    if settings.regimes:
        return Engine.from_paths(
            settings.regimes,
            backend=settings.backend,
            screening=screening,
            strict_data=settings.strict_data,
        )
    return Engine.default(
        backend=settings.backend,
        screening=screening,
        strict_data=settings.strict_data,
        plugins=settings.plugins,
    )


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
