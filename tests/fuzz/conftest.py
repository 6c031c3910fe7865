"""Fuzz suite settings: a fast default budget for CI, a deeper one on request.

    python -m pytest tests/fuzz -p no:cacheprovider                              # CI budget
    HYPOTHESIS_PROFILE=fuzz-long python -m pytest tests/fuzz -p no:cacheprovider  # deeper

The number of inputs each test ran is printed at the end of the run ("fuzz inputs").
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, settings

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-long"
FAST = bool(os.environ.get("FAST"))
COUNTS: Counter[str] = Counter()
#: No single input may take longer than this (seconds): a hang fails the test.
PER_INPUT = 60.0 if LONG else 30.0


def budget(ci: int, long: int) -> Any:
    """Hypothesis settings for a fuzz test: ``ci`` inputs by default, ``long`` in fuzz-long."""
    n = long if LONG else max(ci // 5, 3) if FAST else ci
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=not LONG,  # CI runs the same inputs every time; long runs explore
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,  # capfdbinary: read and cleared per input
        ],
    )


def count(name: str, n: int = 1) -> None:
    COUNTS[name] += n


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTS:
        terminalreporter.section("fuzz inputs")
        for name, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{n:>7}  {name}")
