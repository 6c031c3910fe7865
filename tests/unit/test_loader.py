"""Load-time validation of regimes: every problem found, with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exportrules import RuleSetError
from exportrules._loader import load_regime
from tests.conftest import TL


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    return d


def _errors(d: Path) -> str:
    with pytest.raises(RuleSetError) as ei:
        load_regime(d)
    return "\n".join(ei.value.problems)


def _add_rule(d: Path, text: str) -> None:
    with open(d / "rules" / "extra.toml", "w") as fh:
        fh.write("\n\n\n" + text)


def test_fixture_loads() -> None:
    r = load_regime(TL)
    assert r.id == "tl" and len(r.rules) == 14
    assert [len(s) for s in r.derive_strata] == [1, 1]
    assert len(r.sha256) == 64


GOOD = """[[rule]]
id = "tl.x"
citation = "Testland Export Act 2020, s. 1"
when = {when}
then = {then}
message = "{msg}"
"""


def _rule(
    when: str = '{ fact = "tx.destination", eq = "CN" }',
    then: str = '{ effect = "review" }',
    msg: str = "m",
    extra: str = "",
) -> str:
    return GOOD.format(when=when, then=then, msg=msg) + extra


@pytest.mark.parametrize(
    ("rule", "needle"),
    [
        (_rule(when='{ fact = "line.cod", eq = "x" }'), "unknown fact path 'line.cod'"),
        (_rule(when='{ fact = "tx.destination", eq = 5 }'), "cannot compare it with 5"),
        (_rule(when='{ fact = "tx.end_use", eq = "wmd" }'), "use contains/intersects"),
        (_rule(when='{ fact = "line.value", gt = "10" }'), "'gt' takes a number"),
        (_rule(when='{ fact = "tx.destination", lt = 3 }'), "needs a number fact"),
        (_rule(when='{ fact = "line.code", matches = "(" }'), "bad pattern"),
        (_rule(when='{ fact = "tx.destination", in_table = "nope" }'), "unknown table 'nope'"),
        (_rule(when='{ fact = "tx.destination", eq = "CN", ne = "US" }'), "exactly one operator"),
        (_rule(when="{ all = [] }"), "non-empty array"),
        (_rule(when='{ fact = "party.type", eq = "police" }'), "need for_each"),
        (_rule(when='{ fact = "derived.nothing", eq = true }'), "no rule derives"),
        (
            _rule(when='{ fact = "line.value", gt_fact = "tx.destination" }'),
            "needs two number facts",
        ),
        (_rule(when='{ fact = "tx.destination", eq_fact = "line.value" }'), "same scalar type"),
        (
            _rule(when='{ fact = "tx.destination", eq_fact = "line.nope" }'),
            "unknown fact path 'line.nope'",
        ),
        (_rule(when='{ fact = "tx.end_use", eq_fact = "tx.transit" }'), "same scalar type"),
        (_rule(then='{ effect = "require" }'), "require needs a 'reason'"),
        (_rule(then='{ effect = "authorise", authorisation = "A" }'), "authorise needs kind"),
        (_rule(then='{ effect = "deny_authorisation" }'), "deny_authorisation needs"),
        (_rule(then='{ effect = "explode" }'), "needs effect = one of"),
        (_rule(then='{ effect = "review", reason = "x" }'), "takes no field 'reason'"),
        (_rule(msg="{line.nope}"), "message names unknown fact"),
        (_rule(extra='colour = "red"\n'), "unknown key 'colour'"),
        (
            _rule(extra='effective = { from = "2025-01-01", until = "2024-01-01" }\n'),
            "interval is empty",
        ),
        (_rule().replace("s. 1", "whatever"), "citation"),
        (_rule().replace('id = "tl.x"', 'id = "eu.x"'), "must start with the regime id"),
        (_rule().replace('id = "tl.x"', 'id = "tl.embargo"'), "duplicate rule id 'tl.embargo'"),
    ],
)
def test_rule_errors_name_file_and_line(tmp_path: Path, rule: str, needle: str) -> None:
    d = _copy(tmp_path)
    _add_rule(d, rule)
    errs = _errors(d)
    assert needle in errs
    assert "rules/extra.toml:4" in errs  # the [[rule]] header is on line 4


def test_derive_cycle_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _add_rule(
        d,
        _rule(when='{ fact = "derived.b", eq = true }', then='{ effect = "derive", fact = "a" }')
        + "\n"
        + _rule(
            when='{ fact = "derived.a", eq = true }', then='{ effect = "derive", fact = "b" }'
        ).replace("tl.x", "tl.y"),
    )
    assert "cycle" in _errors(d)


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _add_rule(d, "[[rule]]\nid = \n")
    assert "extra.toml:5" in _errors(d)


def test_table_problems(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "tables" / "items.csv").write_text(
        "code,controls,threshold,cyber\nT100,NS,abc,no\nT200,NS\n"
    )
    errs = _errors(d)
    assert "tables/items.csv:2" in errs and "'abc' is not a number" in errs
    assert "tables/items.csv:3" in errs and "has 2 cells" in errs


def test_table_needs_provenance(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    t = (d / "regime.toml").read_text().replace('source = "Fictional member list for tests"\n', "")
    (d / "regime.toml").write_text(t)
    assert "'source' is required" in _errors(d)


def test_undeclared_table_file(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "tables" / "stray.csv").write_text("a\n1\n")
    assert "no [tables.<name>] entry" in _errors(d)


def test_not_a_regime_folder(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="no regime.toml"):
        load_regime(tmp_path)


def test_code_examples_must_match_pattern(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    t = (d / "regime.toml").read_text().replace('"T200.b.1"', '"X1"')
    (d / "regime.toml").write_text(t)
    assert "does not match code_pattern" in _errors(d)


def test_many_problems_reported_together(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _add_rule(
        d,
        _rule(when='{ fact = "line.cod", eq = "x" }')
        + "\n"
        + _rule(then='{ effect = "require" }').replace("tl.x", "tl.y"),
    )
    errs = _errors(d)
    assert "line.cod" in errs and "reason" in errs
