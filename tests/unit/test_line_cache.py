"""The line-result cache (exportrules/_linecache.py): where it is used, what its key tells
apart, and that it is bounded. Its never-changes-a-decision property is in
tests/properties/test_line_cache.py."""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any

import pytest

from exportrules import Engine
from exportrules._facts import SHADOWED
from exportrules._linecache import SIZE_ENV, LineCache, compile_key, default_size, key_paths
from exportrules._loader import load_regime
from tests.conftest import TL

DAY = _dt.date(2025, 1, 10)


def tx(**kw: Any) -> dict[str, Any]:
    t: dict[str, Any] = {
        "id": "C-1",
        "date": "2025-01-10",
        "export_from": "DE",
        "destination": "CN",
        "parties": [{"role": "end_user", "name": "Acme", "country": "CN", "type": "police"}],
        "lines": [
            {"id": "1", "classification": {"tl": "T100"}, "value": 10, "currency": "EUR"},
            {"id": "2", "classification": {"tl": "T300"}, "value": 9000, "currency": "EUR"},
        ],
    }
    t.update(kw)
    return t


def stable(e: Engine, t: dict[str, Any]) -> dict[str, Any]:
    d = e.evaluate(copy.deepcopy(t)).to_dict()
    del d["evaluated_at"]
    return d


@pytest.fixture
def engines() -> tuple[Engine, Engine]:
    regime = load_regime(TL)
    on = Engine([regime], screening=None)
    off = Engine([regime], screening=None)
    for s in off._stages:
        s.lines = None
    return on, off


def cached(e: Engine) -> int:
    return sum(len(s.lines) for s in e._stages if s.lines is not None)


def test_lines_seen_before_come_from_the_cache(engines: tuple[Engine, Engine]) -> None:
    on, off = engines
    first = stable(on, tx())
    assert cached(on) == 2
    again = stable(on, tx())
    assert cached(on) == 2  # nothing new: both lines were found
    assert first == again == stable(off, tx())


def test_licences_resolutions_and_strict_data_bypass_it(engines: tuple[Engine, Engine]) -> None:
    on, off = engines
    held = tx(
        authorisations=[
            {"regime": "tl", "id": "L1", "type": "individual", "lines": ["2"], "destinations": ["CN"]}
        ]
    )
    resolved = tx(
        resolutions=[
            {"rule": "tl.item.unknown", "by": "A. Officer", "at": "2025-01-09T10:00:00Z", "basis": "b"}
        ]
    )
    for t in (held, resolved):
        assert stable(on, t) == stable(off, t)
    assert cached(on) == 0
    strict = Engine([load_regime(TL)], screening=None, strict_data=True)
    strict.evaluate(tx())
    assert cached(strict) == 0


def test_one_and_one_point_zero_are_different_keys() -> None:
    key = compile_key(["line.value", "line.code"], {"line.value": "number", "line.code": "str"})
    assert key({"line.value": 1, "line.code": "T1"}) != key({"line.value": 1.0, "line.code": "T1"})
    assert key({"line.value": 0.0}) != key({"line.value": -0.0})
    assert key({"line.value": True}) != key({"line.value": 1})
    # text facts are keyed as they are
    assert key({"line.value": None, "line.code": "T1"}) == (None, "T1")


def test_the_key_reads_what_rules_and_templates_read() -> None:
    regime = load_regime(TL)
    on = Engine([regime], screening=None)
    paths = key_paths(regime, on._stages[0].combiner.finding_paths)
    # a look-up's facts stand for the look-up key; derived facts for what they derive from
    assert "line.code" in paths and "item.found" not in paths and "item.controls" not in paths
    assert not any(p.startswith(("derived.", "party.")) for p in paths)
    assert {"tx.destination", "line.value", "screening.review_lists"} <= set(paths)


def test_a_plugin_shadowing_a_built_in_fact_is_never_cached() -> None:
    regime = load_regime(TL)
    cache = LineCache(regime, {}, 8)
    frame = {"line.code": "T100"}
    assert cache.full_key(frame, DAY, "1", "CN", ()) is not None
    frame[SHADOWED] = True
    assert cache.full_key(frame, DAY, "1", "CN", ()) is None


def test_bounded_and_switched_off_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, engines: tuple[Engine, Engine]
) -> None:
    on, off = engines
    for s in on._stages:
        assert s.lines is not None
        s.lines.size = 3
    for n in range(5):
        t = tx(id=f"C-{n}", destination=["CN", "RU", "JP", "US", "FR"][n])
        assert stable(on, t) == stable(off, t)
        assert cached(on) <= 3
    monkeypatch.setenv(SIZE_ENV, "0")
    assert default_size() == 0
    assert all(s.lines is None for s in Engine([load_regime(TL)], screening=None)._stages)
    monkeypatch.setenv(SIZE_ENV, "junk")
    assert default_size() == 4096
