"""Service settings: from flags and from the environment (``EXPORTRULES_*``), one frozen object.

Flags are turned into the environment before uvicorn starts its workers, so every worker
process reads the same settings with ``Settings.from_env()``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ENV", "Settings"]

# setting name -> environment variable
ENV: dict[str, str] = {
    "regimes": "EXPORTRULES_REGIMES",
    "plugins": "EXPORTRULES_PLUGINS",
    "backend": "EXPORTRULES_BACKEND",
    "strict_data": "EXPORTRULES_STRICT_DATA",
    "screening": "EXPORTRULES_SCREENING",
    "api_key": "EXPORTRULES_API_KEY",
    "ledger_url": "EXPORTRULES_LEDGER_URL",
    "other_jurisdiction": "EXPORTRULES_SCREENING_OTHER_JURISDICTION",
    "potential_other_jurisdiction": "EXPORTRULES_SCREENING_POTENTIAL_OTHER_JURISDICTION",
    "max_request_bytes": "EXPORTRULES_MAX_REQUEST_BYTES",
    "max_batch_bytes": "EXPORTRULES_MAX_BATCH_BYTES",
    "batch_chunk": "EXPORTRULES_BATCH_CHUNK",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(name: str, raw: str) -> bool:
    v = raw.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def _positive(name: str, raw: str) -> int:
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a whole number") from None
    if n <= 0:
        raise ValueError(f"{name}={raw!r}: must be greater than 0")
    return n


def _action(name: str, value: str | None) -> str | None:
    if value is not None and value not in ("review", "note", "off"):
        raise ValueError(f"{name} {value!r}: use 'review', 'note' or 'off'")
    return value


def _backend(value: str) -> str:
    if value not in ("python", "rete"):
        raise ValueError(f"backend {value!r}: use 'python' or 'rete'")
    return value


@attrs.frozen
class Settings:
    """What one service process runs with.

    Attributes:
        regimes: regime folders to load instead of the bundled and installed regimes.
        plugins: with no ``regimes``, also load regimes installed under the
            ``exportrules.regimes`` entry points.
        backend: ``python`` or ``rete``.
        strict_data: results resting on curated (unverified) tables become ``review``.
        screening: screen parties against the restricted-party lists (the bundled lists, or
            those installed with ``exportrules lists update``).
        api_key: if set, every ``/v1/*`` and ``/metrics`` request must present it
            (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``).
        max_request_bytes: largest body of ``/v1/evaluate`` and ``/v1/screen``, and largest line
            of a batch.
        max_batch_bytes: largest body of ``/v1/evaluate/batch``.
        batch_chunk: batch lines evaluated per thread-pool task.
        ledger_url: an existing ledger (``exportrules.Ledger``) whose recorded shipments the
            engine subtracts from licence limits; it is never created by the service.
        other_jurisdiction: what a confirmed match on a list that no applying regime
            implements does: ``review`` (the library's default), ``note`` or ``off``
            (``exportrules.ScreeningPolicy``).
        potential_other_jurisdiction: the same for a potential match (default ``note``).
    """

    regimes: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    plugins: bool = True
    backend: str = attrs.field(default="python", validator=lambda _i, _a, v: _backend(v))
    strict_data: bool = False
    screening: bool = True
    api_key: str | None = attrs.field(default=None, repr=False)
    max_request_bytes: int = 1 << 20
    max_batch_bytes: int = 256 << 20
    batch_chunk: int = 64
    ledger_url: str | None = attrs.field(default=None, repr=False)  # may hold a password
    other_jurisdiction: str | None = attrs.field(
        default=None, validator=lambda _i, _a, v: _action("other_jurisdiction", v)
    )
    potential_other_jurisdiction: str | None = attrs.field(
        default=None, validator=lambda _i, _a, v: _action("potential_other_jurisdiction", v)
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``EXPORTRULES_*`` variables; unset ones keep their defaults.

        Raises:
            ValueError: a variable holds a value that is not allowed, naming it.
        """
        env = os.environ if environ is None else environ
        kw: dict[str, Any] = {}
        if v := env.get(ENV["regimes"]):
            kw["regimes"] = tuple(p for p in v.split(os.pathsep) if p)
        for name in ("plugins", "strict_data", "screening"):
            if (v := env.get(ENV[name])) is not None:
                kw[name] = _flag(ENV[name], v)
        if v := env.get(ENV["backend"]):
            kw["backend"] = _backend(v)
        for name in ("api_key", "ledger_url"):
            if v := env.get(ENV[name]):
                kw[name] = v
        for name in ("other_jurisdiction", "potential_other_jurisdiction"):
            if v := env.get(ENV[name]):
                kw[name] = _action(ENV[name], v)
        for name in ("max_request_bytes", "max_batch_bytes", "batch_chunk"):
            if v := env.get(ENV[name]):
                kw[name] = _positive(ENV[name], v)
        return cls(**kw)

    def to_env(self) -> dict[str, str]:
        """The environment that ``from_env`` reads back into these settings."""
        env = {
            ENV["plugins"]: "1" if self.plugins else "0",
            ENV["backend"]: self.backend,
            ENV["strict_data"]: "1" if self.strict_data else "0",
            ENV["screening"]: "1" if self.screening else "0",
            ENV["max_request_bytes"]: str(self.max_request_bytes),
            ENV["max_batch_bytes"]: str(self.max_batch_bytes),
            ENV["batch_chunk"]: str(self.batch_chunk),
        }
        if self.regimes:
            env[ENV["regimes"]] = os.pathsep.join(self.regimes)
        for name in ("api_key", "ledger_url", "other_jurisdiction", "potential_other_jurisdiction"):
            v = getattr(self, name)
            if v:
                env[ENV[name]] = v
        return env
