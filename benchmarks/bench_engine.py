"""Engine throughput and latency: the python backend against the rete (durable_rules) backend.

Generates a 250-rule regime in a temporary folder (rules keyed on classification codes,
destinations and end uses, table look-ups, derive rules, authorisations and party rules), a
fixed set of single-line transactions, then measures single-threaded ``Engine.evaluate`` calls
per second for each backend on the same transactions: a warm-up pass, then the best of N
timed passes. Also prints the median latency of one evaluation.

    python benchmarks/bench_engine.py            # full run
    python benchmarks/bench_engine.py --quick    # short run (fewer transactions and repeats)

Exit status is non-zero when the python backend is below 20,000 evaluations/s or below 10x
the rete backend (the targets are printed). The regime is synthetic: it is not law.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TARGET_PY_EVALS = 20_000.0
TARGET_RATIO = 10.0

N_RULES = 250
CHAPTERS = "0123456789"
GROUPS = "ABCDE"
DESTINATIONS = [
    "CN",
    "RU",
    "IR",
    "KP",
    "SY",
    "BY",
    "VE",
    "CU",
    "US",
    "JP",
    "GB",
    "CH",
    "NO",
    "AU",
    "CA",
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
]
MEMBERS = ["DE", "FR", "IT", "NL", "SE", "PL", "ES", "BE", "AT", "IE"]
END_USES = [
    "civil",
    "military",
    "military_end_use",
    "wmd",
    "law_enforcement",
    "lawful_interception",
    "mass_surveillance",
    "critical_infrastructure",
    "research",
]
PARTY_TYPES = [
    "government",
    "military",
    "police",
    "security_service",
    "intelligence",
    "telecom_operator",
    "commercial",
    "academic",
    "unknown",
]
REASONS = ["ns", "mt", "cb", "np", "cs", "cc", "rs", "at"]


def _codes(rng: random.Random) -> list[str]:
    out = []
    for ch in CHAPTERS:
        for g in GROUPS:
            for n in (1, 2, 3):
                base = f"{ch}{g}{n:03d}"
                out.append(base)
                for sub in "abc":
                    out.append(f"{base}.{sub}")
    rng.shuffle(out)
    return out


def _q(v: Any) -> str:
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_q(x) for x in v) + "]"
    return repr(v)


def write_regime(folder: Path, seed: int = 7) -> Path:
    """Write the synthetic 250-rule regime ``bench`` under ``folder``; return its path."""
    rng = random.Random(seed)
    root = folder / "bench"
    (root / "rules").mkdir(parents=True)
    (root / "tables").mkdir()
    codes = _codes(rng)
    listed = sorted(codes[: len(codes) * 2 // 3])
    (root / "tables" / "members.csv").write_text("country\n" + "\n".join(MEMBERS) + "\n")
    rows = ["code,controls,cyber"]
    for c in listed:
        if "." in c:
            continue
        ctl = ";".join(sorted(rng.sample(REASONS, rng.randint(1, 3))))
        rows.append(f"{c},{ctl},{'yes' if rng.random() < 0.15 else 'no'}")
    (root / "tables" / "items.csv").write_text("\n".join(rows) + "\n")
    (root / "tables" / "embargo.csv").write_text(
        "country,valid_from,valid_until\nKP,2006-10-14,\nSY,2011-05-09,\nIR,2012-01-23,2024-01-01\n"
    )
    grp = ["country,group"]
    for d in DESTINATIONS:
        grp.append(f"{d},{rng.choice(['A', 'B', 'D', 'E'])}")
    (root / "tables" / "groups.csv").write_text("\n".join(grp) + "\n")
    (root / "tables" / "ga1.csv").write_text(
        "country\n" + "\n".join(["US", "JP", "GB", "CH", "NO", "AU", "CA"]) + "\n"
    )
    (root / "regime.toml").write_text(
        """id = "bench"
name = "Benchmark regime (synthetic, not law)"
authority = "Benchmark authority (fictional)"
version = "bench"
references = ["Benchmark Export Act (synthetic)"]
effective = { from = "2000-01-01" }
code_pattern = '^[0-9][A-E][0-9]{3}(\\.[a-z0-9]+)*$'
code_examples = ["5A001", "5A001.a"]
held_licence_citation = "Benchmark Export Act, s. 20"
applicability = { fact = "tx.export_from", in_table = "members" }

[tables.members]
source = "synthetic"
as_of = "2026-01-01"
verified = false
coverage = "Synthetic member list."

[tables.items]
source = "synthetic"
as_of = "2026-01-01"
verified = false
coverage = "Synthetic control list."
columns = { controls = "list" }

[tables.embargo]
source = "synthetic"
as_of = "2026-01-01"
verified = false
coverage = "Synthetic embargoes with dated rows."

[tables.groups]
source = "synthetic"
as_of = "2026-01-01"
verified = false
coverage = "Synthetic country groups."

[tables.ga1]
source = "synthetic"
as_of = "2026-01-01"
verified = false
coverage = "Synthetic general-authorisation destinations."

[tags]
cyber_surveillance = "A cyber-surveillance item (synthetic)."

[[lookup]]
name = "item"
table = "items"
key = "line.code"
match = "hierarchical"
"""
    )
    rules: list[str] = []

    def rule(rid: str, when: str, then: str, extra: str = "") -> None:
        rules.append(
            f'[[rule]]\nid = "bench.{rid}"\n'
            f'citation = "Benchmark Export Act, s. {len(rules) + 1}"\n'
            f"{extra}when = {when}\nthen = {then}\n"
            f'message = "Synthetic rule {rid} for {{line.code}} to {{tx.destination}}."\n'
        )

    # derive rules (5), including a second stratum
    rule(
        "d_cyber",
        '{ any = [ { fact = "item.cyber", eq = "yes" }, '
        '{ fact = "line.tags", contains = "cyber_surveillance" } ] }',
        '{ effect = "derive", fact = "cyber" }',
    )
    rule(
        "d_sec_user",
        '{ fact = "tx.end_user_types", intersects = '
        '["police", "security_service", "intelligence"] }',
        '{ effect = "derive", fact = "security_user" }',
    )
    rule(
        "d_high_risk",
        '{ fact = "tx.destination", in_table = "groups", column = "group", eq_value = "D" }',
        '{ effect = "derive", fact = "high_risk" }',
    )
    rule(
        "d_cyber_risk",
        '{ all = [ { fact = "derived.cyber", eq = true }, '
        '{ fact = "derived.security_user", eq = true } ] }',
        '{ effect = "derive", fact = "cyber_risk" }',
    )
    rule(
        "d_party_mil",
        '{ fact = "party.type", eq = "military" }',
        '{ effect = "derive", fact = "military_party" }',
        'for_each = "party"\n',
    )
    # reading derived facts (5)
    rule("cyber_review", '{ fact = "derived.cyber_risk", eq = true }', '{ effect = "review" }')
    rule(
        "cyber_hr",
        '{ all = [ { fact = "derived.cyber", eq = true }, { fact = "tx.end_use", '
        'intersects = ["mass_surveillance", "internal_repression"] } ] }',
        '{ effect = "require", reason = "hr" }',
    )
    rule(
        "high_risk_listed",
        '{ all = [ { fact = "derived.high_risk", eq = true }, '
        '{ fact = "item.found", eq = true } ] }',
        '{ effect = "require", reason = "dest" }',
    )
    rule(
        "mil_party",
        '{ all = [ { fact = "derived.military_party", eq = true }, '
        '{ fact = "line.code", exists = true } ] }',
        '{ effect = "require", reason = "mil" }',
    )
    rule(
        "no_ga_high_risk",
        '{ fact = "derived.high_risk", eq = true }',
        '{ effect = "deny_authorisation", kind = "general" }',
    )
    # table look-ups and end uses (25)
    rule("embargo", '{ fact = "tx.destination", in_table = "embargo" }', '{ effect = "prohibit" }')
    rule(
        "listed", '{ fact = "item.found", eq = true }', '{ effect = "require", reason = "listed" }'
    )
    rule(
        "unknown_code",
        '{ all = [ { fact = "line.code", exists = true }, { fact = "item.found", eq = false } ] }',
        '{ effect = "review" }',
    )
    rule("not_listed", '{ fact = "line.code", exists = false }', '{ effect = "no_license" }')
    for r in REASONS:
        rule(
            f"ctl_{r}",
            f'{{ fact = "item.controls", contains = "{r}" }}',
            f'{{ effect = "require", reason = "{r}" }}',
        )
    for i, eu in enumerate(END_USES):
        if eu in ("civil", "research"):
            continue
        rule(
            f"eu_{i}",
            f'{{ all = [ {{ fact = "tx.end_use", contains = "{eu}" }}, '
            f'{{ fact = "tx.destination", in_table = "groups", column = "group", '
            f'eq_value = "{rng.choice("DE")}" }} ] }}',
            '{ effect = "require", reason = "end_use" }',
        )
    rule(
        "wmd_knowledge",
        '{ fact = "tx.knowledge", contains = "informed_wmd" }',
        '{ effect = "require", reason = "wmd" }',
    )
    rule(
        "red_flags",
        '{ fact = "tx.red_flags", intersects = ["evasive", "no_end_use"] }',
        '{ effect = "review" }',
    )
    rule(
        "un_party",
        '{ fact = "party.match_lists", contains = "un" }',
        '{ effect = "prohibit" }',
        'for_each = "party"\n',
    )
    rule(
        "ga1",
        '{ all = [ { fact = "tx.destination", in_table = "ga1" }, '
        '{ not = { fact = "tx.end_use", intersects = ["wmd", "military_end_use"] } } ] }',
        '{ effect = "authorise", authorisation = "GA1", kind = "general", covers = '
        '["listed", "ns", "cs", "dest"], conditions = ["Register before first use."] }',
    )
    rule(
        "ga1_wmd",
        '{ fact = "tx.knowledge", contains = "aware_wmd" }',
        '{ effect = "deny_authorisation", authorisation = "GA1" }',
    )
    # rules keyed on classification codes and destinations: the rest
    while len(rules) < N_RULES:
        k = len(rules)
        code = rng.choice(listed)
        dests = sorted(rng.sample(DESTINATIONS, rng.randint(2, 8)))
        reason = rng.choice(REASONS)
        shape = k % 5
        extra = ""
        if k % 17 == 0:
            extra = 'effective = { from = "2024-01-01" }\n'
        elif k % 23 == 0:
            extra = 'effective = { from = "2018-01-01", until = "2025-06-01" }\n'
        if shape == 0:
            when = (
                f'{{ all = [ {{ fact = "line.code", eq = "{code}" }}, '
                f'{{ fact = "tx.destination", in = {_q(dests)} }} ] }}'
            )
        elif shape == 1:
            fam = code.split(".")[0]
            when = (
                f"{{ all = [ {{ fact = \"line.code\", matches = '{fam}(\\..*)?' }}, "
                f'{{ not = {{ fact = "tx.destination", in = {_q(dests)} }} }} ] }}'
            )
        elif shape == 2:
            when = (
                f'{{ all = [ {{ fact = "line.code", eq = "{code}" }}, '
                f'{{ fact = "line.value", gt = {rng.choice([1000, 5000.5, 25000])} }} ] }}'
            )
        elif shape == 3:
            eu = rng.choice(END_USES)
            when = (
                f'{{ all = [ {{ fact = "line.code", in = {_q(rng.sample(listed, 3))} }}, '
                f'{{ any = [ {{ fact = "tx.end_use", contains = "{eu}" }}, '
                f'{{ fact = "tx.end_user_types", contains = "{rng.choice(PARTY_TYPES)}" }} '
                f"] }} ] }}"
            )
        else:
            when = (
                f'{{ all = [ {{ fact = "line.code", eq = "{code}" }}, '
                f'{{ fact = "tx.destination", in_table = "groups", column = "group", '
                f'eq_value = "{rng.choice("ABDE")}" }}, '
                f'{{ fact = "line.us_content", le = {rng.choice([0.1, 0.25, 1e-7])} }} ] }}'
            )
        effect = (
            '{ effect = "review" }'
            if k % 11 == 0
            else f'{{ effect = "require", reason = "{reason}" }}'
        )
        rule(f"code_{k}", when, effect, extra)
    (root / "rules" / "rules.toml").write_text("\n".join(rules))
    return root


def transactions(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """A fixed set of single-line transactions over the benchmark regime's vocabulary."""
    rng = random.Random(seed)
    codes = _codes(random.Random(7))
    out = []
    for k in range(n):
        parties = [{"role": "exporter", "name": "Exporter GmbH", "country": rng.choice(MEMBERS)}]
        for role in ("consignee", "end_user"):
            parties.append(
                {
                    "role": role,
                    "name": f"{role.title()} {k % 37}",
                    "country": rng.choice(DESTINATIONS),
                    "type": rng.choice(PARTY_TYPES),
                }
            )
        line: dict[str, Any] = {
            "id": "1",
            "description": "Synthetic item",
            "quantity": rng.randint(1, 50),
            "value": round(rng.uniform(100, 60000), 2),
            "currency": "EUR",
            "origin": rng.choice(MEMBERS),
            "us_content": rng.choice([0.0, 1e-8, 0.05, 0.2, 0.3]),
        }
        if rng.random() < 0.9:
            line["classification"] = {"bench": rng.choice(codes)}
        if rng.random() < 0.1:
            line["tags"] = ["cyber_surveillance"]
        tx: dict[str, Any] = {
            "id": f"B-{k}",
            "date": rng.choice(["2023-06-01", "2024-06-01", "2026-11-27"]),
            "export_from": rng.choice(MEMBERS),
            "destination": rng.choice(DESTINATIONS),
            "end_use": sorted(set(rng.sample(END_USES, rng.randint(0, 2)))),
            "parties": parties,
            "lines": [line],
        }
        if rng.random() < 0.05:
            tx["knowledge"] = [rng.choice(["informed_wmd", "aware_wmd"])]
        out.append(tx)
    return out


def backend_inputs(engine: Any, txs: Sequence[Any]) -> list[tuple[Any, Any, Any]]:
    """What the engine hands its backend for each transaction: (table view, frames, parties)."""
    captured: list[tuple[Any, Any, Any]] = []
    be = engine._backend
    real = be.fire

    def spy(regime: Any, view: Any, frames: Any, parties: Any) -> Any:
        captured.append((view, [dict(f) for f in frames], list(parties)))
        return real(regime, view, frames, parties)

    be.fire = spy
    try:
        for tx in txs:
            engine.evaluate(tx)
    finally:
        del be.fire
    return captured


def baseline_unit(tx: Any) -> None:
    """A fixed piece of pure-Python work, timed in the same run to calibrate the machine.

    It copies the transaction mapping key by key into fresh dicts (the kind of work a rule
    engine does per fact), 40 stores per call. Figures divided by it travel between machines
    better than raw evaluations per second.
    """
    for _ in range(4):
        d: dict[str, Any] = {}
        for k, v in tx.items():
            d[k] = v
        for k in ("a", "b", "c", "d"):
            d[k] = tx.get(k)


def measure(fn: Callable[[Any], Any], txs: Sequence[Any], repeats: int) -> tuple[float, float]:
    """(best evaluations/s over ``repeats`` passes, median seconds per evaluation)."""
    for tx in txs:  # warm-up: compile, caches, table indexes
        fn(tx)
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        for tx in txs:
            fn(tx)
        best = max(best, len(txs) / (time.perf_counter() - t0))
    lat = []
    for tx in txs:
        t0 = time.perf_counter()
        fn(tx)
        lat.append(time.perf_counter() - t0)
    return best, statistics.median(lat)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="short run")
    ap.add_argument("--n", type=int, default=None, help="transactions per pass")
    ap.add_argument("--repeats", type=int, default=None, help="timed passes (best is kept)")
    ap.add_argument("--backend", choices=["both", "python", "rete"], default="both")
    args = ap.parse_args(argv)
    n = args.n or (300 if args.quick else 2000)
    repeats = args.repeats or (3 if args.quick else 5)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from exportrules import Engine, Transaction
    from exportrules._loader import load_regime

    with tempfile.TemporaryDirectory(prefix="exportrules-bench-") as tmp:
        regime = load_regime(write_regime(Path(tmp)))
    txs = transactions(n)
    print(
        f"regime: {len(regime.rules)} rules, {len(regime.derive_strata)} derive strata; "
        f"{n} single-line transactions; best of {repeats} passes after a warm-up"
    )

    base_rate, _ = measure(baseline_unit, txs, repeats)
    print(
        f"baseline: {base_rate:,.0f} units/s (a fixed pure-Python workload, see baseline_unit); "
        "figures below also as multiples of one unit"
    )
    results: dict[str, tuple[float, float]] = {}
    parsed_rate: dict[str, float] = {}
    backend_only: dict[str, float] = {}
    outcomes: dict[str, list[str]] = {}
    for backend in ("python", "rete"):
        if args.backend not in ("both", backend):
            continue
        try:
            engine = Engine([regime], backend=backend, screening=None)
        except Exception as e:  # noqa: BLE001 - report a missing optional backend, carry on
            print(f"{backend:>6}: unavailable ({e})")
            continue
        outcomes[backend] = [engine.evaluate(tx).outcome.value for tx in txs]
        rate, median = measure(engine.evaluate, txs, repeats)
        results[backend] = (rate, median)
        print(
            f"{backend:>6}: {rate:>10,.0f} evaluations/s   median latency {median * 1e6:8.1f} us"
            f"   = {base_rate / rate:5.1f} units (JSON-like dict input, validated each time)"
        )
        parsed = [Transaction.from_dict(tx) for tx in txs]
        prate, pmedian = measure(engine.evaluate, parsed, repeats)
        parsed_rate[backend] = prate
        print(
            f"{'':>6}  pre-validated Transaction input: {prate:>10,.0f} evaluations/s   "
            f"median {pmedian * 1e6:8.1f} us   = {base_rate / prate:5.1f} units"
        )
        inputs = backend_inputs(engine, txs)
        be = engine._backend

        def fire_only(inp: tuple[Any, Any, Any], be: Any = be) -> None:
            be.fire(regime, inp[0], [dict(f) for f in inp[1]], inp[2])

        brate, bmedian = measure(fire_only, inputs, repeats)
        backend_only[backend] = brate
        print(
            f"{'':>6}  backend.fire alone: {brate:>10,.0f} calls/s   "
            f"median {bmedian * 1e6:8.1f} us (rule matching only; same inputs)"
        )
    if "python" in outcomes and "rete" in outcomes:
        diff = sum(a != b for a, b in zip(outcomes["python"], outcomes["rete"]))
        print(f"outcomes: {diff} of {n} transactions differ between backends")
        if diff:
            print("FAIL: the backends disagree")
            return 2
    hist: dict[str, int] = {}
    for o in outcomes.get("python", []):
        hist[o] = hist.get(o, 0) + 1
    if hist:
        print("outcome mix: " + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))

    ok = True
    print(
        f"targets: python >= {TARGET_PY_EVALS:,.0f} evaluations/s and >= {TARGET_RATIO:.0f}x rete"
    )
    if "python" in results:
        py = results["python"][0]
        if py < TARGET_PY_EVALS:
            print(f"MISS: python backend {py:,.0f} evaluations/s < {TARGET_PY_EVALS:,.0f}")
            ok = False
        if "rete" in results:
            ratio = py / results["rete"][0]
            print(f"python/rete ratio: {ratio:.1f}x")
            pr = parsed_rate["python"] / parsed_rate["rete"]
            print(f"python/rete ratio, pre-validated input: {pr:.1f}x (for information)")
            if "python" in backend_only and "rete" in backend_only:
                fr = backend_only["python"] / backend_only["rete"]
                print(f"python/rete ratio of backend.fire alone: {fr:.1f}x (for information)")
            if ratio < TARGET_RATIO:
                print(f"MISS: python/rete ratio {ratio:.1f}x < {TARGET_RATIO:.0f}x")
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
