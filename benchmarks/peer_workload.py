"""The peer workload: one rule set written four ways, and transactions to decide with it.

The rule set (synthetic, not law) is the shape of a licence / embargo / human-rights screen:

- 200 licence rules, each a pairing of a code group (6 classification codes) with a country
  group (6 destinations): "code in group C and destination in group K => licence required"
  (one in ten is "hold for review" instead);
- 10 embargo rules: "destination is X => prohibited";
- 20 human-rights rules: "the item carries tag T, the end user is of type U and the
  destination is in country group K => licence required";
- 2 knowledge rules: "the exporter was informed of a WMD use => licence required",
  "the exporter is aware of a WMD use => review".

It is written as

- an exportrules regime folder (``write_regime``): rules with ``in`` lists, ``eq`` and
  ``contains`` conditions, decided by ``Engine.evaluate``;
- zen-engine decision content (``zen_content``): one decision table, hit policy "collect",
  one row per rule (GoRules JDM format);
- a hand-written indexed Python function over the same rule data (``HandWritten``):
  dictionaries keyed on (code, destination), destination and (tag, end-user type,
  destination);

and the durable_rules figure comes from exportrules' ``rete`` backend over the regime folder.
Every engine's answer is reduced to the same thing: the sorted ids of the rules that fired and
the outcome those rules give (``prohibited`` > ``license_required`` > ``review`` >
``no_license_required``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

REGIME_ID = "peer"
TAGS = ("cyber_surveillance", "biometrics", "crowd_control", "spyware")
USER_TYPES = ("police", "security_service", "intelligence", "military", "government")
OTHER_USER_TYPES = ("commercial", "academic", "telecom_operator", "unknown")
EMBARGOED = ("KP", "SY", "IR", "CU", "BY", "MM", "VE", "LY", "SO", "SD")
COUNTRY_POOL = [
    "CN",
    "RU",
    "IN",
    "BR",
    "AE",
    "TR",
    "SA",
    "IL",
    "ZA",
    "MX",
    "KR",
    "SG",
    "VN",
    "PK",
    "EG",
    "NG",
    "AR",
    "US",
    "JP",
    "GB",
    "CH",
    "NO",
    "AU",
    "CA",
    "TH",
    "MY",
    "ID",
    "PH",
    "KZ",
    "UZ",
    "AZ",
    "GE",
    "AM",
    "UA",
    "MD",
    "RS",
    "BA",
    "MK",
    "AL",
    "ME",
    "DZ",
    "MA",
    "TN",
    "JO",
    "LB",
    "IQ",
    "QA",
    "KW",
    "OM",
    "BH",
]
REASONS = ("ns", "mt", "cb", "np", "cs", "rs")
N_CODE_GROUPS = 40
N_COUNTRY_GROUPS = 8
N_LICENCE_RULES = 200

# effect -> (severity, outcome); a rule set's outcome is the most severe effect that fired
EFFECT_OUTCOME = {
    "prohibit": (4, "prohibited"),
    "require": (3, "license_required"),
    "review": (2, "review"),
}
NLR = "no_license_required"


class RuleData:
    """The rule data every formulation is generated from."""

    def __init__(self, seed: int = 13) -> None:
        rng = random.Random(seed)
        self.codes: list[str] = []
        self.code_groups: list[list[str]] = []
        for g in range(N_CODE_GROUPS):
            cat, grp = divmod(g, 5)
            group = [f"{cat % 10}{'ABCDE'[grp]}{n:03d}" for n in range(1, 7)]
            self.code_groups.append(group)
            self.codes.extend(group)
        self.unlisted_codes = [f"{d}E{n:03d}" for d in range(10) for n in (901, 902)]
        pool = list(COUNTRY_POOL)
        rng.shuffle(pool)
        self.country_groups = [
            sorted(pool[k * 6 : k * 6 + 6]) for k in range(N_COUNTRY_GROUPS)
        ]  # 48 countries in 8 disjoint groups
        pairs = [(c, k) for c in range(N_CODE_GROUPS) for k in range(N_COUNTRY_GROUPS)]
        rng.shuffle(pairs)
        # (rule id, code group, country group, effect, reason)
        self.licence: list[tuple[str, int, int, str, str | None]] = []
        for n, (c, k) in enumerate(sorted(pairs[:N_LICENCE_RULES])):
            effect = "review" if n % 10 == 9 else "require"
            self.licence.append(
                (
                    f"peer.lic_{n:03d}",
                    c,
                    k,
                    effect,
                    rng.choice(REASONS) if effect == "require" else None,
                )
            )
        self.embargo = [(f"peer.embargo_{d.lower()}", d) for d in EMBARGOED]
        # (rule id, tag, end-user type, country group)
        self.human_rights = [
            (f"peer.hr_{t}_{u}", t, u, rng.randrange(N_COUNTRY_GROUPS))
            for t in TAGS
            for u in USER_TYPES
        ]
        self.knowledge = [
            ("peer.informed_wmd", "informed_wmd", "require", "wmd"),
            ("peer.aware_wmd", "aware_wmd", "review", None),
        ]

    def rule_count(self) -> int:
        return len(self.licence) + len(self.embargo) + len(self.human_rights) + len(self.knowledge)


def combine(fired: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], str]:
    """(sorted rule ids, outcome) from (rule id, effect) pairs: the shared reduction."""
    ids = []
    sev, outcome = 0, NLR
    for rid, effect in fired:
        ids.append(rid)
        s, o = EFFECT_OUTCOME[effect]
        if s > sev:
            sev, outcome = s, o
    return tuple(sorted(ids)), outcome


# --------------------------------------------------------------------------- exportrules


def _toml_list(xs: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(x) for x in xs) + "]"


def write_regime(folder: Path, data: RuleData) -> Path:
    """Write the rule set as an exportrules regime folder under ``folder``."""
    root = folder / REGIME_ID
    (root / "rules").mkdir(parents=True)
    tags = "\n".join(f'{t} = "Synthetic item tag {t}."' for t in TAGS)
    (root / "regime.toml").write_text(
        f'''id = "{REGIME_ID}"
name = "Peer workload (synthetic, not law)"
authority = "Benchmark authority (fictional)"
version = "peer-1"
references = ["Peer Benchmark Act (synthetic)"]
effective = {{ from = "2000-01-01" }}
code_pattern = '^[0-9][A-E][0-9]{{3}}$'
code_examples = ["1A001"]
held_licence_citation = "Peer Benchmark Act, s. 99"
applicability = {{ fact = "tx.export_from", exists = true }}

[tags]
{tags}
'''
    )
    out: list[str] = []

    def rule(rid: str, when: str, then: str, message: str) -> None:
        out.append(
            f'[[rule]]\nid = "{rid}"\ncitation = "Peer Benchmark Act, s. {len(out) + 1}"\n'
            f"when = {when}\nthen = {then}\nmessage = {json.dumps(message)}\n"
        )

    for rid, c, k, effect, reason in data.licence:
        then = (
            f'{{ effect = "require", reason = "{reason}" }}'
            if effect == "require"
            else '{ effect = "review" }'
        )
        rule(
            rid,
            f'{{ all = [ {{ fact = "line.code", in = {_toml_list(data.code_groups[c])} }}, '
            f'{{ fact = "tx.destination", in = {_toml_list(data.country_groups[k])} }} ] }}',
            then,
            f"Code group {c} to country group {k}: {{line.code}} to {{tx.destination}}.",
        )
    for rid, d in data.embargo:
        rule(
            rid,
            f'{{ fact = "tx.destination", eq = "{d}" }}',
            '{ effect = "prohibit" }',
            "Embargo on {tx.destination}.",
        )
    for rid, t, u, k in data.human_rights:
        rule(
            rid,
            f'{{ all = [ {{ fact = "line.tags", contains = "{t}" }}, '
            f'{{ fact = "tx.end_user_types", contains = "{u}" }}, '
            f'{{ fact = "tx.destination", in = {_toml_list(data.country_groups[k])} }} ] }}',
            '{ effect = "require", reason = "hr" }',
            f"Human rights: {t} item for a {u} end user in {{tx.destination}}.",
        )
    for rid, flag, effect, reason in data.knowledge:
        then = (
            f'{{ effect = "require", reason = "{reason}" }}'
            if effect == "require"
            else '{ effect = "review" }'
        )
        rule(
            rid,
            f'{{ fact = "tx.knowledge", contains = "{flag}" }}',
            then,
            f"The exporter's knowledge ({flag}) requires this.",
        )
    (root / "rules" / "rules.toml").write_text("\n".join(out))
    return root


def exportrules_answer(decision: Any) -> tuple[tuple[str, ...], str]:
    """The reduction of an exportrules Decision (the ``peer`` regime's findings)."""
    ids = tuple(sorted({f.rule for f in decision.findings if f.regime == REGIME_ID}))
    return ids, decision.regimes[REGIME_ID].outcome.value


# --------------------------------------------------------------------------- zen-engine


def _zen_list(xs: Sequence[str]) -> str:
    return ", ".join(json.dumps(x) for x in xs)


def zen_content(data: RuleData) -> dict[str, Any]:
    """The rule set as zen-engine (GoRules JDM) decision content: one collect table."""
    cols = ["code", "destination", "tags", "end_user_types", "knowledge"]
    inputs = [{"id": f"i_{c}", "name": c, "field": c} for c in cols]
    outputs = [
        {"id": "o_rule", "name": "rule", "field": "rule"},
        {"id": "o_effect", "name": "effect", "field": "effect"},
    ]
    rows: list[dict[str, str]] = []

    def row(rid: str, effect: str, **tests: str) -> None:
        r = {"_id": rid, "o_rule": json.dumps(rid), "o_effect": json.dumps(effect)}
        for c in cols:
            r[f"i_{c}"] = tests.get(c, "")
        rows.append(r)

    for rid, c, k, effect, _reason in data.licence:
        row(
            rid,
            effect,
            code=_zen_list(data.code_groups[c]),
            destination=_zen_list(data.country_groups[k]),
        )
    for rid, d in data.embargo:
        row(rid, "prohibit", destination=json.dumps(d))
    for rid, t, u, k in data.human_rights:
        row(
            rid,
            "require",
            tags=f"contains($, {json.dumps(t)})",
            end_user_types=f"contains($, {json.dumps(u)})",
            destination=_zen_list(data.country_groups[k]),
        )
    for rid, flag, effect, _reason in data.knowledge:
        row(rid, effect, knowledge=f"contains($, {json.dumps(flag)})")
    pos = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": pos},
            {
                "id": "rules",
                "type": "decisionTableNode",
                "name": "Peer rules",
                "position": pos,
                "content": {
                    "hitPolicy": "collect",
                    "inputs": inputs,
                    "outputs": outputs,
                    "rules": rows,
                    "outputPath": "hits",
                },
            },
            {"id": "out", "type": "outputNode", "name": "Response", "position": pos},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "rules", "type": "edge"},
            {"id": "e2", "sourceId": "rules", "targetId": "out", "type": "edge"},
        ],
    }


def zen_empty_content() -> dict[str, Any]:
    """A zen-engine graph that only passes its input through (the fixed cost of a call)."""
    pos = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": pos},
            {"id": "out", "type": "outputNode", "name": "Response", "position": pos},
        ],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "out", "type": "edge"}],
    }


def zen_context(tx: Mapping[str, Any]) -> dict[str, Any]:
    """The facts zen's table reads, taken from the transaction dict."""
    line = tx["lines"][0]
    return {
        "code": (line.get("classification") or {}).get(REGIME_ID),
        "destination": tx["destination"],
        "tags": line.get("tags") or [],
        "end_user_types": [
            p.get("type", "unknown") for p in tx["parties"] if p["role"] == "end_user"
        ],
        "knowledge": tx.get("knowledge") or [],
    }


def zen_answer(response: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    hits = response["result"].get("hits") or []
    return combine((h["rule"], h["effect"]) for h in hits)


# --------------------------------------------------------------------------- hand-written


class HandWritten:
    """The rule set as a hand-written Python function over indexes of the rule data."""

    def __init__(self, data: RuleData) -> None:
        self.by_code_dest: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for rid, c, k, effect, _reason in data.licence:
            for code in data.code_groups[c]:
                for dest in data.country_groups[k]:
                    self.by_code_dest.setdefault((code, dest), []).append((rid, effect))
        self.by_dest = {d: (rid, "prohibit") for rid, d in data.embargo}
        self.hr: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        for rid, t, u, k in data.human_rights:
            for dest in data.country_groups[k]:
                self.hr.setdefault((t, u, dest), []).append((rid, "require"))
        self.knowledge = {flag: (rid, effect) for rid, flag, effect, _ in data.knowledge}

    def __call__(self, tx: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
        dest = tx["destination"]
        line = tx["lines"][0]
        code = (line.get("classification") or {}).get(REGIME_ID)
        fired: list[tuple[str, str]] = []
        if code is not None:
            fired.extend(self.by_code_dest.get((code, dest), ()))
        e = self.by_dest.get(dest)
        if e is not None:
            fired.append(e)
        tags = line.get("tags")
        if tags:
            types = {p.get("type", "unknown") for p in tx["parties"] if p["role"] == "end_user"}
            for t in set(tags):
                for u in types:
                    fired.extend(self.hr.get((t, u, dest), ()))
        for k in tx.get("knowledge") or ():
            e = self.knowledge.get(k)
            if e is not None:
                fired.append(e)
        return combine(fired)


# --------------------------------------------------------------------------- transactions


def transactions(data: RuleData, n: int, seed: int = 17) -> list[dict[str, Any]]:
    """Single-line transactions with an exporter and one end user."""
    rng = random.Random(seed)
    dests = [d for g in data.country_groups for d in g]
    out = []
    for k in range(n):
        r = rng.random()
        dest = rng.choice(EMBARGOED) if r < 0.05 else rng.choice(dests)
        line: dict[str, Any] = {"id": "1", "quantity": rng.randint(1, 20)}
        r = rng.random()
        if r < 0.85:
            line["classification"] = {REGIME_ID: rng.choice(data.codes)}
        elif r < 0.95:
            line["classification"] = {REGIME_ID: rng.choice(data.unlisted_codes)}
        if rng.random() < 0.3:
            line["tags"] = [rng.choice(TAGS)]
        utype = rng.choice(USER_TYPES + OTHER_USER_TYPES)
        tx: dict[str, Any] = {
            "id": f"P-{k}",
            "date": "2026-06-01",
            "export_from": "DE",
            "destination": dest,
            "parties": [
                {
                    "role": "exporter",
                    "name": "Exporter GmbH",
                    "country": "DE",
                    "type": "commercial",
                },
                {"role": "end_user", "name": f"End user {k % 53}", "country": dest, "type": utype},
            ],
            "lines": [line],
        }
        if rng.random() < 0.05:
            tx["knowledge"] = [rng.choice(["informed_wmd", "aware_wmd"])]
        out.append(tx)
    return out
