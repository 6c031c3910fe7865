"""Pipeline stage 2: screen the transaction's parties against restricted-party lists.

The engine asks a screener (the bundled ``exportrules._screening.Screener`` by default) for the
matches of every party and adapts them into ``ScreeningHit`` facts for the regimes.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ._model import Party, ScreeningHit, Transaction

__all__ = ["FixedScreener", "ScreenerLike", "ScreeningStage", "hit_from"]


class ScreenerLike(Protocol):
    """What the engine needs from a screener (see ``exportrules._screening.Screener``)."""

    def screen(
        self, name: str, country: str | None = None, *, as_of: _dt.date | None = None
    ) -> Sequence[Any]: ...

    def list_versions(self) -> Sequence[Mapping[str, Any]]: ...


class FixedScreener:
    """A screener that returns stated hits by party name (golden cases, tests)."""

    def __init__(self, hits: Sequence[Mapping[str, Any]]) -> None:
        self._hits: dict[str, list[Mapping[str, Any]]] = {}
        for h in hits:
            self._hits.setdefault(str(h["party"]), []).append(h)

    def screen(
        self, name: str, country: str | None = None, *, as_of: _dt.date | None = None
    ) -> list[Mapping[str, Any]]:
        return list(self._hits.get(name, []))

    def list_versions(self) -> list[Mapping[str, Any]]:
        lists = sorted({str(h["list"]) for hs in self._hits.values() for h in hs})
        return [
            {"id": x, "name": x, "source": "stated in the case", "as_of": "", "verified": False}
            for x in lists
        ]


def hit_from(party_name: str, role: str, m: Any) -> ScreeningHit:
    """Adapt a screener match (object or mapping) into a ScreeningHit."""

    def g(k: str, default: Any = None) -> Any:
        if isinstance(m, Mapping):
            return m.get(k, default)
        return getattr(m, k, default)

    return ScreeningHit(
        party=party_name,
        role=role,
        list=str(g("list_id", g("list", ""))),
        list_as_of=str(g("list_as_of", "") or ""),
        entry_id=str(g("entry_id", g("entry", "")) or ""),
        entry_name=str(g("entry_name", party_name) or ""),
        matched_name=str(g("matched_name", party_name) or ""),
        score=float(g("score", 1.0)),
        level=str(g("level", "match")),
        explanation=str(g("explanation", "") or ""),
        features=dict(g("features", {}) or {}),
        programs=tuple(g("programs", ()) or ()),
        license_requirement=g("license_requirement"),
        license_policy=g("license_policy", g("policy")),
        citation=g("citation"),
    )


class ScreeningStage:
    """The screener an engine uses, built lazily, with a cache of adapted hits.

    Args:
        screening: ``"default"`` (or True) for the bundled lists, a screener, or None / False
            to switch screening off.
    """

    def __init__(self, screening: Any) -> None:
        self.arg = screening
        self._screener: ScreenerLike | None = None
        self._lock = threading.Lock()
        # (party name, role, id(match)) -> (match, hit); the match is kept so its id stays valid
        self._hits: dict[tuple[str, str, int], tuple[Any, ScreeningHit]] = {}

    def screener(self) -> ScreenerLike | None:
        arg = self.arg
        if arg is None or arg is False:
            return None
        if arg == "default" or arg is True:
            if self._screener is None:
                with self._lock:
                    if self._screener is None:
                        from ._screening import Screener

                        self._screener = Screener.default()
            return self._screener
        return arg  # type: ignore[no-any-return]

    def list_versions(self) -> Sequence[Mapping[str, Any]]:
        s = self.screener()
        return s.list_versions() if s is not None else []

    def screen(self, t: Transaction, date: _dt.date) -> tuple[list[ScreeningHit], list[Party]]:
        """Screen every party; also return the parties whose names cannot be screened."""
        s = self.screener()
        if s is None or not t.parties:
            return [], []
        out = []
        unscreenable = []
        can_screen = getattr(s, "can_screen", None)
        for p in t.parties:
            if can_screen is not None and not can_screen(p.name):
                unscreenable.append(p)
                continue
            for m in s.screen(p.name, p.country, as_of=date):
                # a warm screener returns the same match objects: adapt each one only once
                key = (p.name, p.role, id(m))
                got = self._hits.get(key)
                if got is None or got[0] is not m:
                    if len(self._hits) > 10_000:
                        self._hits.clear()
                    got = self._hits[key] = (m, hit_from(p.name, p.role, m))
                out.append(got[1])
        return out, unscreenable
