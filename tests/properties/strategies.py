"""Shared hypothesis strategies: random rule sets over the test regime, random transactions.

Rule sets are generated in the *monotone fragment*: facts that a monotonicity property adds
(knowledge, red flags, end uses, party types, screening hits) appear only positively, and never
in the conditions of ``authorise`` rules. That is how real regimes must be written too.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.conftest import TL

COUNTRIES = ["US", "CN", "KP", "IR", "JP", "RU", "FR"]
CODES = ["T100", "T100.a", "T200", "T200.b.1", "T300", "T999"]
KNOWLEDGE = [
    "informed_wmd",
    "aware_wmd",
    "aware_cyber_surveillance_misuse",
    "red_flag:kyc.unusual_payment",
]
END_USES = ["civil", "military", "law_enforcement", "mass_surveillance"]
PARTY_TYPES = ["police", "commercial", "intelligence", "military"]
DATES = ["2023-06-01", "2024-06-01", "2026-01-01"]
REASONS = ["r1", "r2"]


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


# Leaves over "neutral" facts may be negated; "risk" leaves only appear positively.
neutral_leaf = st.one_of(
    st.builds(lambda c: {"fact": "tx.destination", "eq": c}, st.sampled_from(COUNTRIES)),
    st.builds(
        lambda cs: {"fact": "tx.destination", "in": cs},
        st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True),
    ),
    st.builds(lambda c: {"fact": "line.code", "eq": c}, st.sampled_from(CODES)),
    st.builds(
        lambda cs: {"fact": "line.code", "in": cs},
        st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True),
    ),
    st.builds(lambda c: {"fact": "tx.destination", "ne": c}, st.sampled_from(COUNTRIES)),
    st.builds(lambda b: {"fact": "line.code", "exists": b}, st.booleans()),
    st.sampled_from(
        [
            {"fact": "line.code", "matches": r"T[12][0-9]{2}(\..*)?"},
            {"fact": "line.code", "matches": r"T3.*"},
            {"fact": "item.found", "eq": True},
            {"fact": "item.found", "eq": False},
            {"fact": "item.controls", "contains": "NS"},
            {"fact": "item.cyber", "eq": "yes"},
            {"fact": "tx.destination", "in_table": "embargo"},
            {"fact": "tx.destination", "in_table": "eg1"},
            {"fact": "line.code", "in_table": "items", "match": "hierarchical"},
            {"fact": "line.hs_code", "in_table": "tariff", "match": "prefix"},
            {"fact": "line.hs_code", "exists": True},
            {"fact": "line.tags", "contains": "cyber_surveillance"},
            {"fact": "line.value", "gt_fact": "item.threshold"},
            {"fact": "line.value", "le_fact": "item.threshold"},
            {"fact": "tx.destination", "eq_fact": "line.origin"},
        ]
    ),
    st.builds(lambda n: {"fact": "line.value", "gt": n}, st.sampled_from([0, 1000, 5000])),
)
risk_leaf = st.one_of(
    st.builds(lambda k: {"fact": "tx.knowledge", "contains": k}, st.sampled_from(KNOWLEDGE)),
    st.builds(
        lambda e: {"fact": "tx.end_use", "intersects": e},
        st.lists(st.sampled_from(END_USES), min_size=1, max_size=2, unique=True),
    ),
    st.builds(lambda t: {"fact": "tx.end_user_types", "contains": t}, st.sampled_from(PARTY_TYPES)),
    st.just({"fact": "screening.match_lists", "contains": "un"}),
    st.just({"fact": "tx.red_flags", "contains": "kyc.unusual_payment"}),
)


def _cond(
    leaf: st.SearchStrategy[dict[str, Any]], allow_not: bool
) -> st.SearchStrategy[dict[str, Any]]:
    base = st.one_of(leaf, st.builds(lambda x: {"not": x}, neutral_leaf)) if allow_not else leaf
    return st.one_of(
        base,
        st.builds(lambda xs: {"all": xs}, st.lists(base, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(base, min_size=1, max_size=3)),
    )


# the party conjunct of a per-party rule (positive only: party types and hits are risk facts);
# the compiled backend indexes per-party rules on such leaves
party_leaf = st.one_of(
    st.just({"fact": "party.type", "in": PARTY_TYPES}),
    st.builds(lambda t: {"fact": "party.type", "eq": t}, st.sampled_from(PARTY_TYPES)),
    st.just({"fact": "party.match_lists", "contains": "un"}),
    st.builds(lambda n: {"fact": "party.name", "eq": f"P{n}"}, st.integers(0, 3)),
)

any_cond = _cond(st.one_of(neutral_leaf, risk_leaf), allow_not=True)
neutral_cond = _cond(neutral_leaf, allow_not=True)

effective = st.one_of(
    st.none(),
    st.sampled_from(
        [
            {"from": "2024-01-01"},
            {"until": "2024-01-01"},
            {"from": "2023-01-01", "until": "2025-01-01"},
        ]
    ),
)


@st.composite
def rule_specs(draw: st.DrawFn, min_size: int = 1, max_size: int = 12) -> list[dict[str, Any]]:
    """A list of rule dicts (TOML-ready), ids r0..rn, including derive rules d1 -> d2."""
    n = draw(st.integers(min_size, max_size))
    rules: list[dict[str, Any]] = []
    has_d1 = draw(st.booleans())
    if has_d1:
        d1: dict[str, Any] = {"then": {"effect": "derive", "fact": "d1"}, "when": draw(any_cond)}
        if draw(st.integers(0, 4)) == 0:  # derived when some party meets the condition
            d1["for_each"] = "party"
            d1["when"] = {"all": [d1["when"], draw(party_leaf)]}
        rules.append(d1)
        if draw(st.booleans()):
            rules.append(
                {
                    "then": {"effect": "derive", "fact": "d2"},
                    "when": {"all": [{"fact": "derived.d1", "eq": True}, draw(any_cond)]},
                }
            )
    derived = ["d1"] + (["d2"] if len(rules) > 1 else []) if has_d1 else []
    for _ in range(n):
        kind = draw(
            st.sampled_from(
                [
                    "prohibit",
                    "require",
                    "require",
                    "review",
                    "authorise",
                    "deny_authorisation",
                    "no_license",
                    "note",
                ]
            )
        )
        if kind == "authorise":
            then = {
                "effect": "authorise",
                "authorisation": draw(st.sampled_from(["A1", "A2"])),
                "kind": draw(st.sampled_from(["general", "exception"])),
                "covers": draw(st.sampled_from([["r1"], ["r2"], ["*"], ["r1", "r2"]])),
                "conditions": ["Notify."],
            }
            when = draw(neutral_cond)
        else:
            then = {"effect": kind}
            if kind == "require":
                then["reason"] = draw(st.sampled_from(REASONS))
            if kind == "deny_authorisation":
                then.update(
                    draw(
                        st.sampled_from(
                            [{"authorisation": "A1"}, {"kind": "exception"}, {"authorisation": "*"}]
                        )
                    )
                )
            when = draw(any_cond)
            if derived and draw(st.integers(0, 4)) == 0:
                when = {"fact": f"derived.{draw(st.sampled_from(derived))}", "eq": True}
        r: dict[str, Any] = {"then": then, "when": when}
        eff = draw(effective)
        if eff:
            r["effective"] = eff
        if kind != "authorise" and draw(st.integers(0, 5)) == 0:
            r["for_each"] = "party"
            r["when"] = {"all": [when, draw(party_leaf)]}
        rules.append(r)
    for i, r in enumerate(rules):
        r["id"] = f"tl.g{i}"
        r["citation"] = f"Testland Export Act 2020, s. {i + 1}"
        r["message"] = "generated {line.id}"
    return rules


def rules_toml(rules: list[dict[str, Any]]) -> str:
    out = []
    for r in rules:
        out.append("[[rule]]")
        for k in ("id", "citation", "effective", "for_each", "when", "then", "message"):
            if k in r:
                out.append(f"{k} = {toml_value(r[k])}")
        out.append("")
    return "\n".join(out)


def make_regime(rules: list[dict[str, Any]], regime_id: str = "tl") -> Path:
    """Write the test regime with the given rules into a fresh temporary folder."""
    d = Path(tempfile.mkdtemp(prefix="exportrules-prop-")) / regime_id
    shutil.copytree(TL, d, ignore=shutil.ignore_patterns("cases", "rules"))
    (d / "rules").mkdir()
    text = rules_toml(rules)
    if regime_id != "tl":
        text = text.replace('id = "tl.', f'id = "{regime_id}.')
        rt = (d / "regime.toml").read_text().replace('id = "tl"', f'id = "{regime_id}"', 1)
        (d / "regime.toml").write_text(rt)
    (d / "rules" / "gen.toml").write_text(text)
    # a table keyed by tariff-code prefixes (chapter, heading, subheading), for match = "prefix"
    (d / "tables" / "tariff.csv").write_text("code\n84\n8471\n850440\n")
    with (d / "regime.toml").open("a") as f:
        f.write(
            '\n[tables.tariff]\nsource = "test fixture"\nas_of = "2024-01-01"\n'
            'verified = false\ncoverage = "Tariff-code prefixes (fixture)."\n'
        )
    return d


line_st = st.builds(
    lambda i, code, value, tags, origin, hs: {
        "id": str(i),
        **({"classification": {"tl": code}} if code else {}),
        **({"hs_code": hs} if hs else {}),
        **({"value": value, "currency": "EUR"} if value is not None else {}),
        **({"origin": origin} if origin else {}),
        "tags": tags,
    },
    st.just(0),
    st.one_of(st.none(), st.sampled_from(CODES)),
    st.one_of(st.none(), st.sampled_from([10, 2000, 9000])),
    st.lists(st.sampled_from(["cyber_surveillance"]), max_size=1),
    st.one_of(st.none(), st.sampled_from(COUNTRIES)),
    st.one_of(st.none(), st.sampled_from(["847130", "84713000", "850440", "8504401000", "010121"])),
)


@st.composite
def transactions(draw: st.DrawFn) -> dict[str, Any]:
    lines = draw(st.lists(line_st, min_size=1, max_size=3))
    for i, ln in enumerate(lines):
        ln["id"] = str(i + 1)
    parties = draw(
        st.lists(
            st.builds(
                lambda n, t: {"role": "end_user", "name": f"P{n}", "type": t},
                st.integers(0, 3),
                st.sampled_from(PARTY_TYPES),
            ),
            max_size=2,
            unique_by=lambda p: p["name"],
        )
    )
    dest = draw(st.sampled_from(COUNTRIES))
    auths = draw(
        st.lists(
            st.builds(
                lambda lid: {
                    "regime": "tl",
                    "id": f"L{lid}",
                    "type": "individual",
                    "lines": [str(lid)],
                    "destinations": [dest],
                },
                st.integers(1, 3),
            ),
            max_size=2,
            unique_by=lambda a: a["id"],
        )
    )
    return {
        "id": "P-1",
        "date": draw(st.sampled_from(DATES)),
        "export_from": draw(st.sampled_from(["DE", "DE", "DE", "US"])),
        "destination": dest,
        "parties": parties,
        "end_use": draw(st.lists(st.sampled_from(END_USES), max_size=2, unique=True)),
        "knowledge": draw(st.lists(st.sampled_from(KNOWLEDGE), max_size=2, unique=True)),
        "lines": lines,
        "authorisations": auths,
    }


screen_hits = st.lists(
    st.builds(lambda n: {"party": f"P{n}", "list": "un", "level": "match"}, st.integers(0, 3)),
    max_size=2,
)
