"""Golden cases: a regime's examples of transaction -> expected decision (docs/rules.md s. 5)."""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
from collections.abc import Mapping
from typing import Any

import attrs

from ._engine import Engine, FixedScreener
from ._errors import ExportRulesError, InvalidTransaction, RuleSetError
from ._ir import Regime
from ._loader import load_regime, regime_dir
from ._model import Decision, Outcome

__all__ = ["Case", "CaseResult", "load_cases", "run_cases"]

_CASE_KEYS = {"name", "reason", "transaction", "expect", "screening", "backend", "strict_data"}
_EXPECT_KEYS = {"outcome", "lines", "rules", "absent_rules", "authorisations", "invalid"}


@attrs.frozen
class Case:
    name: str
    reason: str
    transaction: Mapping[str, Any] = attrs.field(hash=False)
    expect: Mapping[str, Any] = attrs.field(hash=False)
    screening: tuple[Mapping[str, Any], ...] = ()
    strict_data: bool = False
    source: str = ""


@attrs.frozen
class CaseResult:
    case: Case
    failures: tuple[str, ...]
    decision: Decision | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


def _convert(v: Any) -> Any:
    """TOML dates become ISO strings, as in the JSON contract."""
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _convert(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_convert(x) for x in v]
    return v


def load_cases(source: Any, label: str | None = None) -> list[Case]:
    """Read ``cases/*.toml`` of a regime folder.

    Raises:
        RuleSetError: a case file is malformed (with file and line).
    """
    folder = regime_dir(source)
    label = label or str(source)
    d = folder.joinpath("cases")
    if not d.is_dir():
        return []
    out: list[Case] = []
    problems: list[str] = []
    names: set[str] = set()
    for f in sorted(d.iterdir(), key=lambda x: x.name):
        if not f.name.endswith(".toml"):
            continue
        text = f.read_text("utf-8")
        where = f"{label}/cases/{f.name}"
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            problems.append(f"{where}: {e}")
            continue
        headers = [m.start() for m in re.finditer(r"^[ \t]*\[\[case\]\]", text, re.M)]
        for i, c in enumerate(doc.get("case", [])):
            line = text.count("\n", 0, headers[i]) + 1 if i < len(headers) else 1
            cw = f"{where}:{line}"
            extra = set(c) - _CASE_KEYS
            if extra:
                problems.append(f"{cw}: unknown key(s) {sorted(extra)}")
            name, reason = c.get("name"), c.get("reason")
            if not isinstance(name, str) or not name:
                problems.append(f"{cw}: a case needs a 'name'")
                continue
            if name in names:
                problems.append(f"{cw}: duplicate case name {name!r}")
            names.add(name)
            if not isinstance(reason, str) or len(reason.strip()) < 10:
                problems.append(f"{cw}: case {name!r} needs a 'reason' stating the legal reasoning")
            exp = c.get("expect", {})
            if not isinstance(exp, dict) or not exp:
                problems.append(f"{cw}: case {name!r} needs 'expect'")
                continue
            if set(exp) - _EXPECT_KEYS:
                problems.append(f"{cw}: unknown expect key(s) {sorted(set(exp) - _EXPECT_KEYS)}")
            if "outcome" in exp:
                try:
                    Outcome(exp["outcome"])
                except ValueError:
                    problems.append(f"{cw}: {exp['outcome']!r} is not an outcome")
            tx = _convert(c.get("transaction", {}))
            # TOML has no null: in a case, `classification = { eu = false }` states null
            # ("not listed under that regime"), which a real transaction writes as null.
            for ln in tx.get("lines", []) if isinstance(tx.get("lines"), list) else []:
                cl = ln.get("classification") if isinstance(ln, dict) else None
                if isinstance(cl, dict):
                    for k, v in cl.items():
                        if v is False:
                            cl[k] = None
            tx.setdefault("id", re.sub(r"[^A-Za-z0-9._-]", "-", name)[:128])
            out.append(
                Case(
                    name=name,
                    reason=str(reason),
                    transaction=tx,
                    expect=exp,
                    screening=tuple(c.get("screening", [])),
                    strict_data=bool(c.get("strict_data", False)),
                    source=cw,
                )
            )
    if problems:
        raise RuleSetError(problems)
    return out


def run_case(engine: Engine, case: Case, regime_id: str) -> CaseResult:
    eng = engine.with_screener(FixedScreener(case.screening) if case.screening else None)
    if case.strict_data != eng.strict_data:
        eng.strict_data = case.strict_data
    exp = case.expect
    fails: list[str] = []
    try:
        d = eng.evaluate(case.transaction)
    except InvalidTransaction as e:
        if exp.get("invalid"):
            return CaseResult(case, ())
        return CaseResult(case, (f"transaction is invalid: {e}",))
    except ExportRulesError as e:
        return CaseResult(case, (f"error: {e}",))
    if exp.get("invalid"):
        fails.append("expected InvalidTransaction, got a decision")
    rr = d.regimes.get(regime_id)
    got = rr.outcome.value if rr else None
    if "outcome" in exp and got != exp["outcome"]:
        fails.append(f"outcome: expected {exp['outcome']}, got {got}")
    for lid, want in exp.get("lines", {}).items():
        lr = next((x for x in d.lines if x.line == lid), None)
        gl = lr.regimes[regime_id].value if lr and regime_id in lr.regimes else None
        if gl != want:
            fails.append(f"line {lid}: expected {want}, got {gl}")
    fired = {f.rule for f in d.findings}
    for r in exp.get("rules", []):
        if r not in fired:
            fails.append(f"rule {r} did not fire (fired: {', '.join(sorted(fired)) or 'none'})")
    for r in exp.get("absent_rules", []):
        if r in fired:
            fails.append(f"rule {r} fired but must not")
    used = {a.id for a in d.authorisations}
    for a in exp.get("authorisations", []):
        if a not in used:
            fails.append(f"authorisation {a} not used (used: {', '.join(sorted(used)) or 'none'})")
    return CaseResult(case, tuple(fails), d)


def run_cases(source: Any, *, backend: str = "python") -> list[CaseResult]:
    """Run every golden case of a regime, with only that regime loaded.

    ``source`` is a loaded ``Regime``, a regime folder (path or ``Traversable``), or a callable
    returning one (an entry point's value).

    Raises:
        RuleSetError: the regime or one of its case files does not load.
    """
    regime = source if isinstance(source, Regime) else load_regime(source)
    if regime.folder is None:
        raise RuleSetError(f"{regime.origin}: the regime has no folder, so no golden cases")
    cases = load_cases(regime.folder, label=regime.origin)
    engine = Engine([regime], backend=backend, screening=None)
    return [run_case(engine, c, regime.id) for c in cases]
