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


# The rule written by _rule() starts on line 4 of rules/extra.toml: [[rule]] 4, id 5,
# citation 6, when 7, then 8, message 9, extra keys 10.
@pytest.mark.parametrize(
    ("rule", "needle", "line"),
    [
        (_rule(when='{ fact = "line.cod", eq = "x" }'), "unknown fact path 'line.cod'", 7),
        (_rule(when='{ fact = "tx.destination", eq = 5 }'), "cannot compare it with 5", 7),
        (_rule(when='{ fact = "tx.end_use", eq = "wmd" }'), "use contains/intersects", 7),
        (_rule(when='{ fact = "line.value", gt = "10" }'), "'gt' takes a number", 7),
        (_rule(when='{ fact = "tx.destination", lt = 3 }'), "needs a number fact", 7),
        (_rule(when='{ fact = "line.code", matches = "(" }'), "bad pattern", 7),
        (_rule(when='{ fact = "tx.destination", in_table = "nope" }'), "unknown table 'nope'", 7),
        (
            _rule(when='{ fact = "tx.destination", eq = "CN", ne = "US" }'),
            "exactly one operator",
            7,
        ),
        (_rule(when="{ all = [] }"), "non-empty array", 7),
        (_rule(when='{ fact = "party.type", eq = "police" }'), "need for_each", 7),
        (_rule(when='{ fact = "derived.nothing", eq = true }'), "no rule derives", 7),
        (
            _rule(when='{ fact = "line.value", gt_fact = "tx.destination" }'),
            "needs two number facts",
            7,
        ),
        (_rule(when='{ fact = "tx.destination", eq_fact = "line.value" }'), "same scalar type", 7),
        (
            _rule(when='{ fact = "tx.destination", eq_fact = "line.nope" }'),
            "unknown fact path 'line.nope'",
            7,
        ),
        (_rule(when='{ fact = "tx.end_use", eq_fact = "tx.transit" }'), "same scalar type", 7),
        (_rule(then='{ effect = "require" }'), "require needs a 'reason'", 8),
        (_rule(then='{ effect = "authorise", authorisation = "A" }'), "authorise needs kind", 8),
        (_rule(then='{ effect = "deny_authorisation" }'), "deny_authorisation needs", 8),
        (_rule(then='{ effect = "explode" }'), "needs effect = one of", 8),
        (_rule(then='{ effect = "review", reason = "x" }'), "takes no field 'reason'", 8),
        (_rule(msg="{line.nope}"), "message names unknown fact", 9),
        (_rule(extra='colour = "red"\n'), "unknown key 'colour'", 10),
        (
            _rule(extra='effective = { from = "2025-01-01", until = "2024-01-01" }\n'),
            "interval is empty",
            10,
        ),
        (_rule().replace("s. 1", "whatever"), "citation", 6),
        (_rule().replace('id = "tl.x"', 'id = "eu.x"'), "must start with the regime id", 5),
        (
            _rule().replace('id = "tl.x"', 'id = "tl.embargo"'),
            "duplicate rule id 'tl.embargo'",
            5,
        ),
        # a condition spread over several lines: the line of the offending leaf itself
        (
            _rule(
                when='{ all = [\n  { fact = "tx.destination", eq = "CN" },\n'
                '  { fact = "line.cod", eq = "x" },\n] }'
            ),
            "unknown fact path 'line.cod'",
            9,
        ),
    ],
)
def test_rule_errors_name_file_and_exact_line(
    tmp_path: Path, rule: str, needle: str, line: int
) -> None:
    d = _copy(tmp_path)
    _add_rule(d, rule)
    errs = _errors(d)
    hits = [e for e in errs.splitlines() if needle in e]
    assert hits, errs
    assert f"rules/extra.toml:{line}: " in hits[0], hits


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


# --------------------------------------------------------------------------- table keys

BASE = Path(__file__).resolve().parent.parent / "fixtures" / "broken_regimes" / "_valid"


def _base(tmp_path: Path) -> Path:
    d = tmp_path / "br"
    shutil.copytree(BASE, d)
    return d


def _declare(d: Path, name: str, key: str, kind: str | None, csv_text: str) -> None:
    kind_line = f'key_kind = "{kind}"\n' if kind else ""
    with open(d / "regime.toml", "a") as fh:
        fh.write(
            f'\n[tables.{name}]\nsource = "Testland Export Act 2020, Sch. 9"\n'
            f'as_of = "2025-01-01"\nverified = false\ncoverage = "Test."\nkey = "{key}"\n'
            + kind_line
        )
    (d / "tables" / f"{name}.csv").write_text(csv_text)


@pytest.mark.parametrize(
    ("key", "kind", "good", "bad", "needle"),
    [
        ("country", None, "DE", "XX", "not an ISO 3166-1 alpha-2"),
        ("country", None, "XK", "de", "(did you mean 'DE'?)"),
        ("place", "region", "UA-43", "UA43", "not an ISO 3166-2"),
        ("region", None, "UA-43", "XX-1", "not an ISO 3166-2"),
        ("cur", "currency", "EUR", "EUX", "not an ISO 4217"),
        ("hs", "hs_code", "8471", "84.71", "2 to 10 digits"),
        ("hs", "hs_code", "8471300000", "84713000001", "2 to 10 digits"),
        ("code", "code", "T100.a", "T1000", "not a classification code"),
    ],
)
def test_table_keys_are_checked_against_their_kind(
    tmp_path: Path, key: str, kind: str | None, good: str, bad: str, needle: str
) -> None:
    d = _base(tmp_path)
    _declare(d, "extra", key, kind, f"{key},note\n{good},fine\n")
    load_regime(d)
    (d / "tables" / "extra.csv").write_text(f"{key},note\n{good},fine\n{bad},not fine\n")
    errs = _errors(d)
    assert "tables/extra.csv:3: " in errs and needle in errs


def test_text_keys_are_free(tmp_path: Path) -> None:
    d = _base(tmp_path)
    _declare(d, "extra", "flag", None, "flag,note\nanything goes,1\nXX,2\n")
    load_regime(d)


def _rule_reading(d: Path, cond: str) -> None:
    (d / "rules" / "extra.toml").write_text(
        '[[rule]]\nid = "br.extra"\ncitation = "Testland Export Act 2020, s. 9"\n'
        f'when = {cond}\nthen = {{ effect = "review" }}\nmessage = "m"\n'
    )


REL = (
    "country,programme,valid_from,valid_until\nCN,A,,\nCN,B,,\nRU,A,,2022-01-01\nRU,A,2023-01-01,\n"
)


def test_relation_tables_may_repeat_keys(tmp_path: Path) -> None:
    d = _base(tmp_path)
    _declare(d, "progs", "country", None, REL)
    _rule_reading(
        d, '{ fact = "tx.destination", in_table = "progs", column = "programme", eq_value = "A" }'
    )
    load_regime(d)


def test_repeated_keys_are_refused_where_read_by_key(tmp_path: Path) -> None:
    d = _base(tmp_path)
    _declare(d, "progs", "country", None, REL)
    _rule_reading(d, '{ fact = "tx.destination", in_table = "progs" }')
    errs = _errors(d)
    assert "tables/progs.csv:3: duplicate key 'CN': the same key as line 2" in errs
    # rows of one key with disjoint validity intervals are fine
    assert "'RU'" not in errs


def test_identical_rows_are_refused_even_in_relations(tmp_path: Path) -> None:
    d = _base(tmp_path)
    _declare(d, "progs", "country", None, REL + "CN,B,,\n")
    _rule_reading(
        d, '{ fact = "tx.destination", in_table = "progs", column = "programme", eq_value = "A" }'
    )
    assert "tables/progs.csv:6: duplicate key 'CN': the same row as line 3" in _errors(d)


def test_lookup_tables_need_unique_keys(tmp_path: Path) -> None:
    d = _base(tmp_path)
    _declare(d, "progs", "country", None, REL)
    with open(d / "regime.toml", "a") as fh:
        fh.write('\n[[lookup]]\nname = "prog"\ntable = "progs"\nkey = "tx.destination"\n')
    assert "tables/progs.csv:3: duplicate key 'CN'" in _errors(d)


def test_lookup_problems_at_their_line_with_suggestions(tmp_path: Path) -> None:
    d = _base(tmp_path)
    n = len((d / "regime.toml").read_text().splitlines())
    with open(d / "regime.toml", "a") as fh:
        fh.write('\n[[lookup]]\nname = "it"\ntable = "itemz"\nkey = "line.code"\n')
    errs = _errors(d)
    assert (
        f"regime.toml:{n + 4}: lookup 'it': unknown table 'itemz' (did you mean 'items'?)" in errs
    )


def test_templates_may_name_derived_facts_that_exist(tmp_path: Path) -> None:
    d = _base(tmp_path)
    (d / "rules" / "extra.toml").write_text(
        '[[rule]]\nid = "br.d"\ncitation = "Testland Export Act 2020, s. 9"\n'
        'when = { fact = "tx.destination", eq = "CN" }\n'
        'then = { effect = "derive", fact = "to_cn" }\nmessage = "m"\n\n'
        '[[rule]]\nid = "br.e"\ncitation = "Testland Export Act 2020, s. 9"\n'
        'when = { fact = "derived.to_cn", eq = true }\nthen = { effect = "review" }\n'
        'message = "to China: {derived.to_cn}; {tx.destination}"\n'
    )
    load_regime(d)
