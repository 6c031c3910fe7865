"""Rules (docs/rules.md section 4): one ``[[rule]]`` table -> an IR ``Rule``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .._ir import AUTH_KINDS, EFFECTS, TEMPLATE, Effect, Rule, Table, paths_of, tables_of
from ._conditions import CondParser
from ._facts import fact_type, known_paths
from ._problems import Problems, did_you_mean
from ._tables import date_value
from ._toml import Key, Src

__all__ = ["CITATION", "RULE_ID", "check_template", "interval", "parse_rule"]

RULE_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
CITATION = re.compile(
    r"(.+, (Art\.|Arts\.|s\.|ss\.|item|items|Annex|Supp\.|Sch\.|para\.|[0-9§]).*"
    r"|\S.* (Art\.|Arts\.|s\.|ss\.) ?[0-9].*"
    r"|[0-9]+ CFR [0-9].*)"
)
RULE_KEYS = (
    "id",
    "citation",
    "effective",
    "for_each",
    "when",
    "then",
    "message",
    "policy",
    "report",
    "description",
)
# The fields each effect takes besides `effect`.
THEN_KEYS: dict[str, tuple[str, ...]] = {
    "prohibit": (),
    "require": ("reason", "held_licences"),
    "review": (),
    "authorise": ("authorisation", "kind", "covers", "conditions"),
    "deny_authorisation": ("authorisation", "kind"),
    "no_license": (),
    "note": (),
    "derive": ("fact",),
}


def interval(v: Any, src: Src, key: Key, problems: Problems) -> tuple[Any, Any]:
    """An ``effective = { from, until }`` table: the dates, problems at their lines."""
    if v is None:
        return None, None
    if not isinstance(v, dict) or not v or set(v) - {"from", "until"}:
        extra = sorted(set(v) - {"from", "until"}) if isinstance(v, dict) else []
        at = src.at(*key, extra[0]) if extra else src.at(*key)
        problems.add(at, "effective must be a table with 'from' and/or 'until'")
        return None, None
    f = date_value(v["from"], src.at(*key, "from"), problems) if "from" in v else None
    u = date_value(v["until"], src.at(*key, "until"), problems) if "until" in v else None
    if f and u and u <= f:
        problems.add(src.at(*key), f"effective interval is empty: until {u} is not after from {f}")
    return f, u


def check_template(
    text: str,
    src: Src,
    key: Key,
    what: str,
    facts: Mapping[str, str],
    derived: set[str],
    for_each: bool,
    problems: Problems,
) -> None:
    """A message or policy template: ``{fact.path}`` placeholders and nothing else in braces.

    Refused: an unclosed ``{``, a stray ``}``, ``{}``, positional ``{0}``, format specs and
    conversions (``{line.value:>10}``, ``{x!r}``), unknown fact paths and derived facts no rule
    derives. Each problem is reported at its line inside the string.
    """

    def at(pos: int) -> str:
        first = src.value_line(*key) or 0
        if not first:
            return src.path
        n = first + text.count("\n", 0, pos) + (1 if _starts_multiline(src, key) else 0)
        return f"{src.path}:{n}"

    if "{" not in TEMPLATE.sub("", text) and "}" not in TEMPLATE.sub("", text):
        # the common case: every brace belongs to a placeholder; check only the paths
        for ph in TEMPLATE.finditer(text):
            _check_path(ph.group(1), ph.start(), at, what, facts, derived, for_each, problems)
        return
    i = 0
    while i < len(text):
        c = text[i]
        if c == "}":
            problems.add(at(i), f"{what}: stray '}}' at position {i} (no placeholder is open)")
            i += 1
            continue
        if c != "{":
            i += 1
            continue
        m = TEMPLATE.match(text, i)
        if m is None:
            end = text.find("}", i + 1)
            nxt = text.find("{", i + 1)
            inner = text[i + 1 : end] if end >= 0 and (nxt < 0 or end < nxt) else None
            if inner is None:
                msg = f"unclosed '{{' at position {i}"
            elif inner == "":
                msg = "empty placeholder '{}': name a fact, e.g. {line.code}"
            elif inner.isdigit():
                msg = f"positional placeholder '{{{inner}}}': name a fact, e.g. {{line.code}}"
            elif ":" in inner or "!" in inner:
                msg = (
                    f"'{{{inner}}}': format specs and conversions are not supported; "
                    "write {fact.path}"
                )
            else:
                msg = f"'{{{inner}}}' is not a placeholder: write {{fact.path}} in lower case"
            problems.add(at(i), f"{what}: {msg}")
            i = end + 1 if inner is not None else i + 1
            continue
        _check_path(m.group(1), i, at, what, facts, derived, for_each, problems)
        i = m.end()


def _check_path(
    path: str,
    pos: int,
    at: Callable[[int], str],
    what: str,
    facts: Mapping[str, str],
    derived: set[str],
    for_each: bool,
    problems: Problems,
) -> None:
    if path.startswith("derived."):
        if path[len("derived.") :] not in derived:
            hint = did_you_mean(path, (f"derived.{d}" for d in derived))
            problems.add(at(pos), f"{what} names {{{path}}}, which no rule derives{hint}")
    elif fact_type(path, facts, for_each) is None:
        hint = did_you_mean(path, known_paths(facts, derived, for_each))
        problems.add(at(pos), f"{what} names unknown fact {{{path}}}{hint}")


def _starts_multiline(src: Src, key: Key) -> bool:
    """Whether the string at ``key`` is a multi-line string opened by a line break (TOML trims
    that first newline, so the text starts on the next line)."""
    return src.opens_multiline(*key)


def parse_rule(
    r: Any,
    src: Src,
    key: Key,
    rid: str,
    index: int,
    problems: Problems,
    parser: CondParser,
    facts: Mapping[str, str],
    tables: Mapping[str, Table],
    lookup_tables: Mapping[str, str],
    derived: set[str],
) -> Rule | None:
    """``r`` is the ``[[rule]]`` table at ``key`` in ``src``; None if it has problems."""
    header = src.header(str(key[0]), int(key[1])) if len(key) == 2 else str(src.at(*key))
    if not isinstance(r, dict):
        problems.add(header, "[[rule]] must be a table")
        return None
    n0 = len(problems)

    def err(k: str | None, msg: str, *more: str | int) -> None:
        problems.add(src.at(*key, k, *more) if k else header, msg)

    meant: set[str] = set()  # keys an unknown key probably meant: not reported missing too
    for k in r:
        if k not in RULE_KEYS:
            hint = did_you_mean(k, RULE_KEYS)
            err(k, f"unknown key {k!r} in rule {r.get('id')!r}{hint}")
            if hint:
                meant.add(hint.split("'")[1])
    rule_id = r.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.fullmatch(rule_id):
        err("id" if "id" in r else None, f"rule id {rule_id!r} must look like '{rid}.name'")
        return None
    if rule_id.split(".", 1)[0] != rid:
        err("id", f"rule id {rule_id!r} must start with the regime id '{rid}.'")
    label = f"rule {rule_id!r}"
    cit = r.get("citation")
    if (not isinstance(cit, str) or not CITATION.fullmatch(cit)) and not (
        cit is None and "citation" in meant
    ):
        err(
            "citation" if "citation" in r else None,
            f"{label}: citation {cit!r} is missing or not in the form 'Instrument, Art. 5(1)'",
        )
    ef, eu = interval(r.get("effective"), src, (*key, "effective"), problems)
    fe = r.get("for_each")
    if fe not in (None, "party"):
        err("for_each", f"{label}: for_each must be 'party', not {fe!r}")
        fe = None
    cond = parser.parse(r.get("when"), src, (*key, "when"), fe == "party", label)
    then = r.get("then")
    if not isinstance(then, dict) or then.get("effect") not in EFFECTS:
        eff_val = then.get("effect") if isinstance(then, dict) else None
        at = ("then", "effect") if isinstance(then, dict) and "effect" in then else ("then",)
        err(
            at[0] if "then" in r else None,
            f"{label}: 'then' needs effect = one of {', '.join(EFFECTS)}"
            + did_you_mean(eff_val, EFFECTS),
            *at[1:],
        )
        return None
    kind = then["effect"]
    allowed = (*THEN_KEYS.get(kind, ()), "effect")
    for k in then:
        if k not in allowed:
            err(
                "then",
                f"{label}: effect {kind!r} takes no field {k!r}" + did_you_mean(k, allowed),
                k,
            )
    eff = Effect(kind=kind)
    if kind == "require":
        reason = then.get("reason")
        if not isinstance(reason, str) or not reason:
            err(
                "then",
                f"{label}: require needs a 'reason'",
                *(["reason"] if "reason" in then else []),
            )
        held = then.get("held_licences", "any")
        if held not in ("any", "named"):
            err("then", f"{label}: held_licences must be 'any' or 'named'", "held_licences")
        eff = Effect(kind=kind, reason=reason, held=str(held))
    elif kind == "authorise":
        aid, ak = then.get("authorisation"), then.get("kind")
        covers, conds = then.get("covers"), then.get("conditions", [])
        if not isinstance(aid, str) or not aid or aid == "*":
            err("then", f"{label}: authorise needs an 'authorisation' id", "authorisation")
        if ak not in AUTH_KINDS:
            err(
                "then",
                f"{label}: authorise needs kind = one of {', '.join(AUTH_KINDS)}"
                + did_you_mean(ak, AUTH_KINDS),
                "kind",
            )
        if (
            not isinstance(covers, list)
            or not covers
            or not all(isinstance(x, str) for x in covers)
        ):
            err(
                "then",
                f"{label}: authorise needs 'covers', the reasons it discharges (or ['*'])",
                "covers",
            )
            covers = []
        if not isinstance(conds, list) or not all(isinstance(x, str) for x in conds):
            err("then", f"{label}: 'conditions' must be an array of strings", "conditions")
            conds = []
        eff = Effect(
            kind=kind,
            authorisation=aid,
            auth_kind=ak,
            covers=tuple(covers),
            conditions=tuple(conds),
        )
    elif kind == "deny_authorisation":
        aid, ak = then.get("authorisation"), then.get("kind")
        if aid is None and ak is None:
            err(
                "then",
                f"{label}: deny_authorisation needs 'authorisation' (id or '*') and/or 'kind'",
            )
        if ak is not None and ak not in AUTH_KINDS:
            err(
                "then",
                f"{label}: kind must be one of {', '.join(AUTH_KINDS)}"
                + did_you_mean(ak, AUTH_KINDS),
                "kind",
            )
        if aid is not None and (not isinstance(aid, str) or not aid):
            err("then", f"{label}: 'authorisation' is an id or '*'", "authorisation")
        eff = Effect(kind=kind, authorisation=aid, auth_kind=ak)
    elif kind == "derive":
        fact = then.get("fact")
        if not isinstance(fact, str) or not NAME.fullmatch(fact):
            err("then", f"{label}: derive needs 'fact', a lower-case name without dots", "fact")
        eff = Effect(kind=kind, fact=fact)
    msg = r.get("message")
    if (not isinstance(msg, str) or not msg.strip()) and not (msg is None and "message" in meant):
        err("message" if "message" in r else None, f"{label}: 'message' is required")
    if not isinstance(msg, str):
        msg = ""
    check_template(
        msg, src, (*key, "message"), f"{label}: message", facts, derived, fe == "party", problems
    )
    policy = r.get("policy")
    if policy is not None and not isinstance(policy, str):
        err("policy", f"{label}: 'policy' must be a string")
        policy = None
    if policy is not None:
        check_template(
            policy,
            src,
            (*key, "policy"),
            f"{label}: policy",
            facts,
            derived,
            fe == "party",
            problems,
        )
    report = r.get("report", False)
    if not isinstance(report, bool):
        err("report", f"{label}: 'report' must be true or false")
    if len(problems) != n0:
        return None
    used_tables = set(tables_of(cond))
    for p in paths_of(cond) | set(TEMPLATE.findall(msg)) | set(TEMPLATE.findall(policy or "")):
        t = lookup_tables.get(p.split(".", 1)[0])
        if t is not None:
            used_tables.add(t)
    return Rule(
        id=rule_id,
        regime=rid,
        index=index,
        citation=str(cit),
        condition=cond,
        effect=eff,
        message=msg,
        effective_from=ef,
        effective_until=eu,
        for_each=fe,
        policy=policy,
        report=bool(report),
        tables=frozenset(used_tables),
        source=header,
    )
