"""The compiled backend: generated decision functions, their indexes, intervals and safety."""

from __future__ import annotations

import datetime as _dt
import json
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest

from exportrules import Engine
from exportrules._cli import main as cli_main
from exportrules._compile import MAX_PRODUCT, CompiledBackend, compile_regime, intervals
from exportrules._ir import Regime
from exportrules._loader import bundled_regimes, load_regime
from exportrules._pyback import PythonBackend
from tests.conftest import TL

REGIME_TOML = """\
id = "cx"
name = "Compile test regime (fixture, not law)"
authority = "Test authority (fictional)"
version = "test"
references = ["Compile Test Act (fictional)"]
effective = { from = "2000-01-01" }
code_pattern = '^T[0-9]{3}(\\\\.[a-z0-9]+)*$'
code_examples = ["T100"]
held_licence_citation = "Compile Test Act, s. 9"
applicability = { fact = "tx.export_from", exists = true }

[tags]
cyber_surveillance = "A cyber-surveillance item (fixture)."
"""


def make(folder: Path, rules: str) -> Regime:
    root = folder / "cx"
    (root / "rules").mkdir(parents=True)
    (root / "regime.toml").write_text(REGIME_TOML)
    (root / "rules" / "rules.toml").write_text(textwrap.dedent(rules))
    return load_regime(root)


def rule(rid: str, when: str, then: str = '{ effect = "review" }', extra: str = "") -> str:
    return (
        f'[[rule]]\nid = "cx.{rid}"\ncitation = "Compile Test Act, s. 1"\n{extra}'
        f'when = {when}\nthen = {then}\nmessage = "Rule {rid} for {{line.code}}."\n\n'
    )


def tx(code: str | None = "T100", dest: str = "CN", **kw: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"id": "1", "tags": kw.pop("tags", [])}
    if code is not None:
        line["classification"] = {"cx": code}
    return {
        "id": "T",
        "date": kw.pop("date", "2026-01-01"),
        "export_from": "DE",
        "destination": dest,
        "lines": [line],
        **kw,
    }


def same(d: Any) -> dict[str, Any]:
    """A decision as JSON, without the engine block and the evaluation time."""
    out: dict[str, Any] = d.to_dict()
    out.pop("engine", None)
    out.pop("evaluated_at", None)
    return out


def fired(e: Engine, t: dict[str, Any]) -> list[str]:
    return sorted(f.rule for f in e.evaluate(t).findings if f.regime == "cx")


def test_product_index_decides_conjunctions_without_a_check(tmp_path: Path) -> None:
    r = make(
        tmp_path,
        rule(
            "a",
            '{ all = [ { fact = "line.code", in = ["T100", "T101"] }, '
            '{ fact = "tx.destination", in = ["CN", "RU"] } ] }',
        )
        + rule(
            "b",
            '{ all = [ { fact = "line.code", eq = "T100" }, '
            '{ fact = "tx.destination", eq = "RU" }, { fact = "line.tags", '
            'contains = "cyber_surveillance" } ] }',
        ),
    )
    prog = compile_regime(r, _dt.date(2026, 1, 1))
    assert "keyed on 'line.code' x 'tx.destination'" in prog.source
    assert "def _c0(" not in prog.source  # rule a needs no check function
    assert "def _c1(" in prog.source  # rule b's tag test is a residual check
    e = Engine([r], backend="compiled", screening=None)
    assert fired(e, tx("T100", "CN")) == ["cx.a"]
    assert fired(e, tx("T101", "RU")) == ["cx.a"]
    assert fired(e, tx("T102", "RU")) == []
    assert fired(e, tx("T100", "RU")) == ["cx.a"]
    assert fired(e, tx("T100", "RU", tags=["cyber_surveillance"])) == ["cx.a", "cx.b"]
    assert fired(e, tx(None, "RU")) == []


def test_too_large_products_fall_back_to_one_key(tmp_path: Path) -> None:
    codes = [f"T{n:03d}" for n in range(60)]
    dests = ["CN", "RU", "IR", "KP", "SY", "BY", "CU", "VE", "MM", "AF"]
    assert len(codes) * len(dests) > MAX_PRODUCT
    r = make(
        tmp_path,
        rule(
            "big",
            f'{{ all = [ {{ fact = "line.code", in = {json.dumps(codes)} }}, '
            f'{{ fact = "tx.destination", in = {json.dumps(dests)} }} ] }}',
        ),
    )
    prog = compile_regime(r, _dt.date(2026, 1, 1))
    assert "keyed on 'line.code'\n" in prog.source
    e = Engine([r], backend="compiled", screening=None)
    assert fired(e, tx("T042", "KP")) == ["cx.big"]
    assert fired(e, tx("T042", "US")) == []


def test_one_program_per_interval_of_rules_in_force(tmp_path: Path) -> None:
    r = make(
        tmp_path,
        rule("old", '{ fact = "line.code", eq = "T100" }', extra='effective = { until = "2024-01-01" }\n')
        + rule("new", '{ fact = "line.code", eq = "T100" }', extra='effective = { from = "2024-01-01" }\n')
        + rule("mid", '{ fact = "line.code", eq = "T100" }', extra='effective = { from = "2023-01-01", until = "2025-01-01" }\n'),
    )  # fmt: skip
    assert intervals(r) == [_dt.date(2023, 1, 1), _dt.date(2024, 1, 1), _dt.date(2025, 1, 1)]
    be = CompiledBackend()
    p1 = be.program(r, _dt.date(2023, 6, 1))
    assert p1 is be.program(r, _dt.date(2023, 12, 31))  # same interval, same function
    assert p1.span == (_dt.date(2023, 1, 1), _dt.date(2024, 1, 1))
    assert be.program(r, _dt.date(2024, 1, 1)) is not p1
    e = Engine([r], backend="compiled", screening=None)
    assert fired(e, tx(date="2022-01-01")) == ["cx.old"]
    assert fired(e, tx(date="2023-01-01")) == ["cx.mid", "cx.old"]
    assert fired(e, tx(date="2024-01-01")) == ["cx.mid", "cx.new"]
    assert fired(e, tx(date="2025-01-01")) == ["cx.new"]


def test_literals_are_quoted_and_rule_text_cannot_inject_code(tmp_path: Path) -> None:
    nasty = "x'\\\"\n__import__('os').system('false')#"
    pat = 'T1(?:\'|"""|\n)?.*'
    r = make(
        tmp_path,
        rule("q", f'{{ fact = "tx.destination_region", ne = {json.dumps(nasty)} }}')
        + rule("p", f'{{ fact = "line.code", matches = {json.dumps(pat)} }}')
        + rule("n", '{ any = [ { fact = "line.value", lt = -1e300 }, '
               '{ fact = "line.value", ge = 1e-7 } ] }'),
    )  # fmt: skip
    prog = compile_regime(r, _dt.date(2026, 1, 1))
    assert repr(nasty) in prog.source  # the value, quoted
    assert "\n__import__" not in prog.source  # never a line of code
    compile(prog.source, "<check>", "exec")  # and the whole source is valid Python
    e = Engine([r], backend="compiled", screening=None)
    ref = Engine([r], backend="python", screening=None)
    ref._backend = PythonBackend()
    for t in (
        tx("T100"),
        tx("T200"),
        tx("T100", lines=[{"id": "1", "value": 5, "currency": "EUR"}]),
    ):
        assert e.evaluate(t).to_dict()["findings"] == ref.evaluate(t).to_dict()["findings"]


def _random_txs(n: int, seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    codes = ["T100", "T100.a", "T200", "T200.b.1", "T300", "T300.a", "T999", None]
    out = []
    for k in range(n):
        t = tx(
            rng.choice(codes),
            rng.choice(["US", "CN", "KP", "IR", "JP", "RU", "FR"]),
            date=rng.choice(["2019-01-01", "2023-06-01", "2024-06-01", "2026-01-01"]),
            tags=rng.choice([[], ["cyber_surveillance"]]),
        )
        t["lines"][0].update(value=rng.choice([0, 50, 1000.5, 99999]), currency="EUR")
        t["parties"] = [
            {"role": "end_user", "name": f"P{k % 5}", "country": "CN",
             "type": rng.choice(["police", "commercial", "military"])},
        ]  # fmt: skip
        t["end_use"] = rng.choice([[], ["military"], ["mass_surveillance", "civil"]])
        t["knowledge"] = rng.choice([[], ["informed_wmd"], ["aware_wmd"]])
        out.append(t)
    return out


def test_fixture_regime_same_decisions_as_the_closure_backend() -> None:
    r = load_regime(TL)
    compiled = Engine([r], backend="compiled", screening=None)
    closures = Engine([r], backend="python", screening=None)
    closures._backend = PythonBackend()
    for t in _random_txs(300):
        t["lines"][0]["classification"] = {
            "tl": t["lines"][0].pop("classification", {}).get("cx", "T100")
        }
        t["lines"][0]["tags"] = []
        try:
            want = same(closures.evaluate(t))
        except Exception as e:
            with pytest.raises(type(e)):
                compiled.evaluate(t)
            continue
        assert same(compiled.evaluate(t)) == want


@pytest.mark.parametrize("name", [n for n, _ in bundled_regimes()])
def test_bundled_regimes_compile_for_every_interval(name: str) -> None:
    folder = dict(bundled_regimes())[name]
    r = load_regime(folder, label=f"regimes/{name}")
    dates = [_dt.date(1990, 1, 1), *intervals(r)]
    for d in dates:
        prog = compile_regime(r, d)
        compile(prog.source, "<check>", "exec")
        assert prog.span[0] is None or prog.span[0] <= d


def test_cli_compile_show_prints_the_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["regimes", "compile", str(TL), "--show", "--date", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# exportrules compiled decision function: regime 'tl'")
    assert "def fire(frames, parties, view):" in out
    compile(out, "<shown>", "exec")
    assert cli_main(["regimes", "compile", "eu"]) == 0
    summary = capsys.readouterr().out
    assert "regime 'eu'" in summary and "keyed on" in summary
    assert cli_main(["regimes", "compile", "no_such_regime"]) != 0
