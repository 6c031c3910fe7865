"""What an ERP integrator meets first: version, help, usage errors, classification keys and
malformed codes explained."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from pathlib import Path

import pytest

from exportrules import Engine, InvalidTransaction, __version__, load_regime
from exportrules._cli import build_parser, main

TX = {"date": "2026-01-05", "export_from": "DE", "destination": "CN"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default(screening=None, plugins=False)


def _problems(engine: Engine, classification: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidTransaction) as ei:
        engine.evaluate({**TX, "lines": [{"id": "1", "classification": classification}]})
    return {p.path: p.message for p in ei.value.problems}


def test_a_classification_for_no_regime_is_refused_with_its_path(engine: Engine) -> None:
    probs = _problems(engine, {"acme2": "X1", "eu": "5A001.j"})
    assert list(probs) == ["lines[0].classification.acme2"]
    assert "'acme2' names no regime" in probs["lines[0].classification.acme2"]


def test_a_misspelt_regime_id_gets_a_suggestion(engine: Engine) -> None:
    probs = _problems(engine, {"eux": "5A001.j"})
    assert "(did you mean 'eu'?)" in probs["lines[0].classification.eux"]


def test_a_known_regime_that_is_not_loaded_is_not_an_error() -> None:
    """ERP lines carry codes for several regimes; an engine with one regime ignores the others."""
    eng = Engine.from_paths([Path(__file__).parents[2] / "regimes" / "eu"])
    tx = {**TX, "lines": [{"id": "1", "classification": {"eu": "5A001.j", "us": "5A002.a"}}]}
    assert eng.evaluate(tx).regimes["eu"].outcome.value == "license_required"


@pytest.mark.parametrize(
    ("rid", "code", "example"),
    [("eu", "5A01", "'5A001.j'"), ("us", "5a002", "'EAR99'"), ("ca", "1-5A2", "'1-5.A.2.a'")],
)
def test_a_malformed_code_says_what_is_expected(
    engine: Engine, rid: str, code: str, example: str
) -> None:
    msg = _problems(engine, {rid: code})[f"lines[0].classification.{rid}"]
    assert f"{code!r} is not a well-formed" in msg and "expected a code like" in msg
    assert example in msg


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ei:
        main(["--version"])
    assert ei.value.code == 0
    assert capsys.readouterr().out.strip() == f"exportrules {__version__}"


def test_workers_without_batch_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "tx.json"
    f.write_text(json.dumps({**TX, "lines": [{"id": "1"}]}))
    assert main(["evaluate", str(f), "--workers", "2", "--no-screening"]) == 2
    assert "--workers applies to --batch only" in capsys.readouterr().err
    with pytest.raises(SystemExit) as ei:
        main(["evaluate", str(f), "--batch", "--workers", "-1"])
    assert ei.value.code == 2


def _all_actions(p: argparse.ArgumentParser, where: str = "exportrules"):  # type: ignore[no-untyped-def]
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sp in a.choices.items():
                yield from _all_actions(sp, f"{where} {name}")
        elif not isinstance(a, argparse._HelpAction):
            yield where, a


def test_every_option_and_argument_has_help() -> None:
    missing = [
        f"{where}: {a.option_strings or a.dest}"
        for where, a in _all_actions(build_parser())
        if not (a.help and a.help.strip()) and a.help != argparse.SUPPRESS
    ]
    assert not missing, missing


def test_every_subcommand_has_help() -> None:
    def walk(p: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                helps = {c.dest: c.help for c in a._choices_actions}
                for name, sp in a.choices.items():
                    yield name, helps.get(name)
                    yield from walk(sp)

    assert all(h for _, h in walk(build_parser())), list(walk(build_parser()))


# --------------------------------------------------------------------------- data horizon

BR = Path(__file__).resolve().parent.parent / "fixtures" / "broken_regimes" / "_valid"
BR_TX = {"export_from": "TL", "destination": "CN", "lines": [{"id": "1"}]}


def test_a_date_far_past_the_data_gets_a_note() -> None:
    from exportrules._engine import DATA_HORIZON_DAYS

    eng = Engine([load_regime(BR)], screening=None)  # its tables are as of 2025-01-01
    d = eng.evaluate({**BR_TX, "date": "2100-01-01"})
    (f,) = [f for f in d.findings if f.rule == "br.data_horizon"]
    assert f.effect == "note" and f.outcome.value == "not_applicable" and f.line is None
    assert "2100-01-01" in f.message and "as of 2025-01-01" in f.message
    assert d.outcome.value == "no_license_required"  # a note changes no outcome
    # within the margin: nothing
    within = _dt.date(2025, 1, 1) + _dt.timedelta(days=DATA_HORIZON_DAYS)
    d = eng.evaluate({**BR_TX, "date": within.isoformat()})
    assert not [f for f in d.findings if f.rule == "br.data_horizon"]
    d = eng.evaluate({**BR_TX, "date": (within + _dt.timedelta(days=1)).isoformat()})
    assert [f for f in d.findings if f.rule == "br.data_horizon"]


def test_under_strict_data_a_date_past_the_data_is_review() -> None:
    eng = Engine([load_regime(BR)], screening=None, strict_data=True)
    d = eng.evaluate({**BR_TX, "date": "2100-01-01"})
    (f,) = [f for f in d.findings if f.rule == "br.data_horizon"]
    assert f.outcome.value == "review"
    assert d.outcome.value == "review" and d.regimes["br"].outcome.value == "review"
    # a more severe result is never lowered
    tx = {**BR_TX, "date": "2100-01-01", "lines": [{"id": "1", "classification": {"br": "T100"}}]}
    assert eng.evaluate(tx).outcome.value == "license_required"


def test_the_default_engine_notes_2100() -> None:
    eng = Engine.default(screening=None, plugins=False)
    d = eng.evaluate({**TX, "date": "2100-01-01", "lines": [{"id": "1"}]})
    assert "eu.data_horizon" in {f.rule for f in d.findings}
    d = eng.evaluate({**TX, "lines": [{"id": "1"}]})  # 2026-01-05: current data
    assert "eu.data_horizon" not in {f.rule for f in d.findings}
