"""Properties of resolutions (docs/api.md): a person's resolution of review findings discharges
reviews only. Over random rule sets and transactions:

- adding resolutions never raises an outcome (of a line or of the transaction);
- a line never falls below what its non-review findings give (prohibit, pending requirement,
  discharged requirement);
- a resolution for a rule that did not fire changes nothing but the list of resolutions;
- resolving every review finding leaves no line at ``review`` unless the engine put it there
  for a reason no resolution can discharge.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from exportrules import Decision, Outcome
from tests.properties.strategies import rule_specs, screen_hits, transactions
from tests.properties.test_properties import engine, norm

AT = "2026-01-02T09:00:00Z"


def _resolve_all(d: Decision, pick: list[bool]) -> list[dict[str, Any]]:
    """Resolutions for a subset of the review findings of ``d``."""
    out = []
    reviews = [f for f in d.findings if f.effect == "review"]
    for f, take in zip(reviews, pick * (len(reviews) // max(len(pick), 1) + 1)):
        if take:
            r: dict[str, Any] = {"rule": f.rule, "by": "j.doe", "at": AT, "basis": "file 1"}
            if f.line is not None:
                r["line"] = f.line
            if f.party is not None:
                r["party"] = f.party
            out.append(r)
    return out


def _floor(d: Decision, line: str) -> Outcome:
    """What a line's prohibitions, requirements and authorisations give (the findings of
    ``deny_authorisation`` carry the line's outcome, so they are not a floor of it)."""
    return max(
        (
            f.outcome
            for f in d.findings
            if f.line == line and f.effect in ("prohibit", "require", "authorise")
        ),
        default=Outcome.NOT_APPLICABLE,
    )


@given(rule_specs(), transactions(), screen_hits, st.lists(st.booleans(), min_size=1, max_size=4))
def test_resolutions_never_raise_and_never_lower_below_non_review_findings(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]], pick: list[bool]
) -> None:
    e = engine(rules, hits)
    before = e.evaluate(tx)
    res = _resolve_all(before, pick)
    after = e.evaluate({**tx, "resolutions": res})
    assert after.outcome <= before.outcome
    for a, b in zip(after.lines, before.lines, strict=True):
        assert a.outcome <= b.outcome
        assert a.outcome >= _floor(before, a.line)
        for rid, o in a.regimes.items():
            assert o <= b.regimes[rid]
    # every finding but the resolved reviews is unchanged (deny_authorisation findings carry
    # their line's outcome, which may have fallen)
    kept = [
        f for f in after.findings if f.resolved_by is None and f.effect != "deny_authorisation"
    ]
    assert {(f.rule, f.line, f.party, f.outcome) for f in kept} <= {
        (f.rule, f.line, f.party, f.outcome) for f in before.findings
    }
    assert all(f.effect == "review" for f in after.findings if f.resolved_by is not None)
    assert len(after.resolutions) == len(res)


@given(rule_specs(), transactions(), screen_hits)
def test_resolving_every_review_clears_review_only(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    e = engine(rules, hits)
    before = e.evaluate(tx)
    after = e.evaluate({**tx, "resolutions": _resolve_all(before, [True])})
    for lr in after.lines:
        if lr.outcome == Outcome.REVIEW:  # only a review no resolution may discharge
            assert any(
                f.line in (lr.line, None)
                and f.outcome == Outcome.REVIEW
                and f.rule.endswith((".engine_fault", ".not_in_force"))
                for f in after.findings
            )
        assert lr.outcome >= _floor(before, lr.line)


@given(rule_specs(), transactions(), screen_hits)
def test_resolution_of_a_rule_that_did_not_fire_changes_nothing(
    rules: list[dict[str, Any]], tx: dict[str, Any], hits: list[dict[str, Any]]
) -> None:
    e = engine(rules, hits)
    res = {"rule": "tl.never_fired", "by": "j.doe", "at": AT, "basis": "file 1"}
    before = e.evaluate(tx)
    after = e.evaluate({**tx, "resolutions": [res]})
    a, b = norm(after), norm(before)
    assert a.pop("resolutions") == [{**res, "applied": False,
                                    "why": "no review finding of tl.never_fired in this decision"}]  # fmt: skip
    b.pop("resolutions")
    assert a == b
