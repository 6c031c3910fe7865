"""Third-party regimes from installed packages, each isolated from the others (docs/plugins.md).

A package registers a regime under the entry-point group ``exportrules.regimes``; the value is a
regime folder (a path or ``Traversable``), a callable returning one, or a loaded ``Regime``. A
plug-in that fails to import or load does not take the others down: by default it stands in as
a regime that answers ``review`` on every line with the finding ``<id>.ruleset_error`` naming
the problem (``strict=True`` raises ``RuleSetError`` instead).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import traceback
from collections.abc import Mapping
from importlib import metadata
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from ._errors import RuleSetError
from ._ir import Effect, Regime, Rule, TrueCond
from ._loader import BASE_FACTS, load_regime, origin_of, regime_dir

__all__ = [
    "ENTRY_POINT_GROUP",
    "broken_regime",
    "discover",
    "discover_entry_points",
    "origin_of",
]

ENTRY_POINT_GROUP = "exportrules.regimes"
ISOLATION_CITATION = "exportrules, plug-in isolation (docs/plugins.md)"
_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _fault_location(e: BaseException) -> str | None:
    """``file:line`` where an import failed: the innermost frame outside the import system."""
    if isinstance(e, SyntaxError) and e.filename and e.lineno:
        return f"{e.filename}:{e.lineno}"
    frames = [
        fs
        for fs in traceback.extract_tb(e.__traceback__)
        if not fs.filename.startswith("<") and "importlib" not in Path(fs.filename).parts
    ]
    here = str(Path(__file__).resolve().parent)
    frames = [fs for fs in frames if not fs.filename.startswith(here)]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def _declared_id(folder: Traversable | None) -> str | None:
    """The id a regime folder declares, if its regime.toml can be read at all."""
    if folder is None:
        return None
    try:
        rid = tomllib.loads(folder.joinpath("regime.toml").read_text("utf-8")).get("id")
    except Exception:  # noqa: BLE001 - unreadable: the caller falls back to the entry-point name
        return None
    return rid if isinstance(rid, str) and _ID.fullmatch(rid) else None


def broken_regime(rid: str, provider: Mapping[str, Any], problems: tuple[str, ...]) -> Regime:
    """A stand-in for a regime that failed to load: every line it is asked about is ``review``."""
    name = provider.get("name", rid)
    first = problems[0] if problems else "unknown problem"
    more = (
        f" (and {len(problems) - 1} more; see `exportrules regimes list`)" if problems[1:] else ""
    )
    # braces in a problem must not be read as message placeholders
    detail = (first + more).replace("{", "(").replace("}", ")")
    rule = Rule(
        id=f"{rid}.ruleset_error",
        regime=rid,
        index=0,
        citation=ISOLATION_CITATION,
        condition=TrueCond(),
        effect=Effect(kind="review"),
        message=f"The regime {rid!r} of the installed plug-in {name!r} failed to load, so the "
        f"engine cannot decide under it; hold for review. Problem: {detail}",
        source=str(provider.get("origin", "")),
    )
    digest = hashlib.sha256("\n".join(problems).encode("utf-8", "replace")).hexdigest()
    return Regime(
        id=rid,
        name=f"{rid} (plug-in {name!r}, failed to load)",
        authority="unknown (the plug-in failed to load)",
        version=str(provider.get("version") or ""),
        references=(),
        effective_from=None,
        effective_until=None,
        code_pattern=None,
        applicability=TrueCond(),
        tables={},
        lookups=(),
        rules=(rule,),
        sha256=digest,
        held_licence_citation=ISOLATION_CITATION,
        origin=str(provider.get("origin", "")),
        fact_types=dict(BASE_FACTS),
        effect_rules=(rule,),
        provider=dict(provider),
        problems=problems,
    )


def _load_one(ep: metadata.EntryPoint) -> tuple[Regime | None, dict[str, Any], tuple[str, ...]]:
    dist = getattr(ep, "dist", None)
    info: dict[str, Any] = {
        "name": ep.name,
        "entry_point": ep.value,
        "distribution": dist.name if dist is not None else None,
        "version": dist.version if dist is not None else None,
        "origin": ep.value,
    }
    folder: Traversable | None = None
    try:
        obj = ep.load()
        if isinstance(obj, Regime):
            info["origin"] = obj.origin
            return obj, info, ()
        folder = regime_dir(obj)
        info["origin"] = origin_of(folder)
        return load_regime(folder, label=info["origin"]), info, ()
    except RuleSetError as e:
        problems = e.problems
    except Exception as e:  # noqa: BLE001 - any failure of a plug-in is isolated
        where = _fault_location(e) or f"entry point {ep.name} = {ep.value}"
        problems = (f"{where}: the plug-in failed to load: {type(e).__name__}: {e}",)
    info["regime"] = _declared_id(folder) or ep.name
    return None, info, problems


def discover(*, strict: bool = False, taken: Mapping[str, str] | None = None) -> list[Regime]:
    """Regimes registered by installed packages, in entry-point name order.

    Args:
        strict: raise ``RuleSetError`` for the first plug-in that fails, instead of standing in
            for it with a regime that answers ``review``.
        taken: regime ids already loaded (id -> origin), e.g. the bundled ones: a plug-in that
            provides one of them again is refused.
    """
    seen = dict(taken or {})
    out: list[Regime] = []
    eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value))
    for ep in eps:
        regime, info, problems = _load_one(ep)
        if regime is not None:
            info["regime"] = regime.id
            if regime.id in seen:
                problems = (
                    f"{info['origin']}: regime id {regime.id!r} is already provided by "
                    f"{seen[regime.id]}",
                )
                regime = None
        if problems:
            label = f"plug-in {ep.name!r}"
            if info["distribution"]:
                label += f" ({info['distribution']} {info['version']})"
            if strict:
                raise RuleSetError([f"{label} failed to load:", *problems])
            rid = str(info["regime"])
            if rid in seen:  # a broken plug-in must not displace a loaded regime
                rid = f"{rid}_plugin_{ep.name}"
            regime = broken_regime(rid, info, problems)
        assert regime is not None
        regime.provider = info
        seen[regime.id] = regime.origin
        out.append(regime)
    return out


def discover_entry_points() -> list[Regime]:
    """The installed plug-in regimes, raising for the first one that fails (strict)."""
    return discover(strict=True)
