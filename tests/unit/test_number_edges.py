"""Both backends compare every valid number identically (docs/api.md, "Limits"): the edges of
the valid range, floats one ulp either side of a threshold, integers and floats of equal value,
subnormals and negative zero."""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import pytest

from exportrules import Engine, InvalidTransaction
from exportrules._validate import MAX_NUMBER
from tests.properties.strategies import make_regime

pytestmark = [
    pytest.mark.rete,
    pytest.mark.skipif(importlib.util.find_spec("durable") is None, reason="needs durable"),
]

THRESHOLDS = [0, 0.1, 0.25, 1, 1000, 123456.789, 2**40, MAX_NUMBER]


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for t in THRESHOLDS:
        for op in ("gt", "ge", "lt", "le", "eq", "ne"):
            n = len(rules)
            rules.append(
                {
                    "id": f"tl.g{n}",
                    "citation": "Testland Export Act 2020, s. 1",
                    "message": f"value {{line.value}} {op} {t}",
                    "when": {"fact": "line.value", op: t},
                    "then": {"effect": "review"},
                }
            )
    return rules


def _values() -> list[float]:
    out: list[float] = [0, 0.0, -0.0, 5e-324, 1e-300, 0.30000000000000004, 2**53 // 8]
    for t in THRESHOLDS:
        f = float(t)
        out += [f, math.nextafter(f, math.inf), math.nextafter(f, -math.inf)]
        if f.is_integer():
            out += [int(f), int(f) + 1, int(f) - 1]
    return [v for v in out if 0 <= v <= MAX_NUMBER]


def test_both_backends_agree_on_every_edge_number(tmp_path: Any) -> None:
    from exportrules import load_regime

    regime = load_regime(make_regime(_rules()))
    py = Engine([regime], backend="python", screening=None)
    rete = Engine([regime], backend="rete", screening=None)
    for v in _values():
        tx = {"date": "2026-01-01", "export_from": "DE", "destination": "CN",
              "lines": [{"id": "1", "value": v, "currency": "EUR"}]}  # fmt: skip
        a, b = py.evaluate(tx), rete.evaluate(tx)
        assert [f.rule for f in b.findings] == [f.rule for f in a.findings], v
        assert not any(f.rule.endswith("engine_fault") for f in b.findings), v
        assert a.findings == b.findings


@pytest.mark.parametrize("v", [MAX_NUMBER * (1 + 2**-52), 2**53 + 1, 10**400, 1e300])
def test_numbers_beyond_the_range_never_reach_a_backend(v: float) -> None:
    tx = {"date": "2026-01-01", "export_from": "DE", "destination": "CN",
          "lines": [{"id": "1", "value": v, "currency": "EUR"}]}  # fmt: skip
    with pytest.raises(InvalidTransaction, match="at most"):
        Engine(backend="rete", screening=None).evaluate(tx)
