"""Every golden case of every regime (bundled and test fixtures), on both backends.

Each case states its legal reasoning (``reason``); the loader refuses a case without one.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pytest

from exportrules import Engine
from exportrules._cases import Case, load_cases, run_case
from exportrules._loader import load_regime
from tests.conftest import FIXTURES, ROOT

FOLDERS = sorted(
    [p.parent for p in (ROOT / "regimes").glob("*/regime.toml")]
    + [p.parent for p in (FIXTURES / "regimes").glob("*/regime.toml")]
)
HAS_RETE = importlib.util.find_spec("durable") is not None


@cache
def _engine(folder: Path, backend: str) -> Engine:
    return Engine([load_regime(folder)], backend=backend, screening=None)


def _params() -> list[object]:
    out: list[object] = []
    for f in FOLDERS:
        rel = f.relative_to(ROOT)
        try:
            cases = load_cases(f)
        except Exception as e:
            out.append(pytest.param(f, None, str(e), id=f"{rel}::LOAD-ERROR"))
            continue
        out.extend(pytest.param(f, c, None, id=f"{rel}::{c.name}") for c in cases)
    return out


@pytest.mark.parametrize(("folder", "case", "load_error"), _params())
def test_golden_case(folder: Path, case: Case | None, load_error: str | None) -> None:
    assert load_error is None, load_error
    assert case is not None
    regime = _engine(folder, "python").regimes[0]
    res = run_case(_engine(folder, "python"), case, regime.id)
    assert res.ok, f"{case.source}: {case.reason}\n" + "\n".join(res.failures)


@pytest.mark.rete
@pytest.mark.skipif(
    not HAS_RETE, reason="durable_rules not installed (pip install 'exportrules[rete]')"
)
@pytest.mark.parametrize(("folder", "case", "load_error"), _params())
def test_golden_case_rete_agrees(folder: Path, case: Case | None, load_error: str | None) -> None:
    assert load_error is None, load_error
    assert case is not None
    regime = _engine(folder, "python").regimes[0]
    py = run_case(_engine(folder, "python"), case, regime.id)
    rete = run_case(_engine(folder, "rete"), case, regime.id)
    want = _untimed(py.decision.to_dict()) if py.decision else None
    got = _untimed(_strip_backend(rete.decision.to_dict())) if rete.decision else None
    assert got == want


def _strip_backend(d: dict[str, object]) -> dict[str, object]:
    eng = dict(d["engine"])  # type: ignore[call-overload]
    eng["backend"] = "python"
    return {**d, "engine": eng}


def _untimed(d: dict[str, object]) -> dict[str, object]:
    """Without ``evaluated_at``: when, not what, was decided."""
    return {k: v for k, v in d.items() if k != "evaluated_at"}


def test_every_bundled_regime_has_cases() -> None:
    for f in (ROOT / "regimes").glob("*/regime.toml"):
        assert list((f.parent / "cases").glob("*.toml")), f"{f.parent} has no golden cases"
