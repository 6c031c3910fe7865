"""The peer workload through each engine's public API, in one process, in the same run.

A 232-rule licence / embargo / human-rights rule set (``peer_workload.py``) decided for the
same single-line transactions by

- exportrules ``Engine.evaluate(dict)`` on each of its backends (screening off: the peers
  do not screen);
- zen-engine (GoRules, Rust core) through its Python binding: ``ZenDecision.evaluate``;
- durable_rules through exportrules' ``rete`` backend (``Engine(backend="rete").evaluate``),
  i.e. the Rete network of durable_rules 2.0.28 doing the matching;
- a hand-written indexed Python function over the same rule data.

First every engine decides every transaction and the answers (fired rule ids and outcome) are
compared: the run stops with exit status 2 if any engine disagrees with the hand-written
function. Then each engine is timed: one warm-up pass, then N timed passes taken in turn
(engine 1, engine 2, ..., engine 1, ...), so that a slow moment of the machine hits all of
them; the best pass of each is kept (CPU time of the process, all threads, which does not count
the moments the process waits for a core, and wall-clock time), and ratios are taken between
CPU-time figures of this run.

zen-engine is not a dependency of exportrules. Install it in a separate benchmark venv:

    python -m venv .venv-bench
    .venv-bench/bin/pip install -e ".[rete]" zen-engine
    .venv-bench/bin/python benchmarks/bench_peer.py            # full run
    .venv-bench/bin/python benchmarks/bench_peer.py --quick    # short run

Without zen-engine (or durable_rules) the run says so and measures the rest. Exit status 1 when
a target is missed (targets of exportrules' default backend: >= 1.0x zen-engine, >= 20x
durable_rules, >= 0.1x the hand-written function).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

import peer_workload as pw

TARGETS = {"zen-engine": 1.0, "durable_rules (rete backend)": 20.0, "hand-written": 0.1}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="short run")
    ap.add_argument("--n", type=int, default=None, help="transactions per pass")
    ap.add_argument("--repeats", type=int, default=None, help="timed passes (best is kept)")
    ap.add_argument(
        "--backends", default=None, help="exportrules backends to time, comma-separated"
    )
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    n = args.n or (500 if args.quick else 3000)
    repeats = args.repeats or (3 if args.quick else 7)

    import exportrules
    from exportrules import Engine
    from exportrules._loader import load_regime

    data = pw.RuleData()
    txs = pw.transactions(data, n)
    with tempfile.TemporaryDirectory(prefix="exportrules-peer-") as tmp:
        regime = load_regime(pw.write_regime(Path(tmp), data))
    print(
        f"peer workload: {data.rule_count()} rules ({len(data.licence)} licence, "
        f"{len(data.embargo)} embargo, {len(data.human_rights)} human-rights, "
        f"{len(data.knowledge)} knowledge); {n} single-line transactions with one end user; "
        f"best of {repeats} interleaved passes after a warm-up"
    )
    print(f"exportrules {getattr(exportrules, '__version__', '?')} from {exportrules.__file__}")

    # name -> (evaluate one transaction, reduce its answer)
    engines: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {}
    info: dict[str, Callable[[Any], Any]] = {}  # timed, not compared
    hand = pw.HandWritten(data)
    engines["hand-written"] = (hand, lambda a: a)
    backends = args.backends.split(",") if args.backends else ["python", "rete"]
    er_names = []
    for b in backends:
        name = f"exportrules {b}" if b != "rete" else "durable_rules (rete backend)"
        try:
            eng = Engine([regime], backend=b, screening=None)
        except Exception as e:  # noqa: BLE001 - report a missing optional backend, carry on
            print(f"{name}: unavailable ({e})")
            continue
        engines[name] = (eng.evaluate, pw.exportrules_answer)
        if b != "rete":
            er_names.append(name)
    try:
        import zen

        zdec = zen.ZenEngine().create_decision(
            zen.ZenDecisionContent(json.dumps(pw.zen_content(data)))
        )
        engines["zen-engine"] = (
            lambda tx, d=zdec: d.evaluate(pw.zen_context(tx)),
            pw.zen_answer,
        )
        # for information: the fixed cost of one call into zen (a graph that only passes the
        # input through)
        zempty = zen.ZenEngine().create_decision(
            zen.ZenDecisionContent(json.dumps(pw.zen_empty_content()))
        )
        info["zen-engine, empty graph"] = lambda tx, d=zempty: d.evaluate(pw.zen_context(tx))
    except ImportError:
        print("zen-engine: not installed (pip install zen-engine in a benchmark venv)")

    # 1. same decisions
    expect = [hand(tx) for tx in txs]
    hist: dict[str, int] = {}
    for _ids, o in expect:
        hist[o] = hist.get(o, 0) + 1
    print("outcome mix: " + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))
    print(f"rules fired per transaction: {sum(len(i) for i, _ in expect) / n:.2f} on average")
    bad = False
    for name, (fn, reduce) in engines.items():
        diff = [k for k, tx in enumerate(txs) if reduce(fn(tx)) != expect[k]]
        print(f"{name}: {len(diff)} of {n} answers differ from the hand-written function")
        if diff:
            k = diff[0]
            print(f"  first: {txs[k]} -> {reduce(fn(txs[k]))} expected {expect[k]}")
            bad = True
    if bad:
        print("FAIL: the engines disagree")
        return 2

    # 2. throughput, interleaved passes
    for fn in [fn for fn, _ in engines.values()] + list(info.values()):
        for tx in txs:
            fn(tx)
    timed = {name: fn for name, (fn, _) in engines.items()} | info
    # wall clock and CPU time of the process (all its threads): on a shared machine the
    # process is often descheduled, which CPU time does not count; ratios use CPU time
    wall = dict.fromkeys(timed, 0.0)
    best = dict.fromkeys(timed, 0.0)
    slow = {"durable_rules (rete backend)"}
    for _ in range(repeats):
        for name, fn in timed.items():
            sample = txs[: max(1, n // 5)] if name in slow else txs  # rete is slow: 1/5
            c0 = time.process_time()
            t0 = time.perf_counter()
            for tx in sample:
                fn(tx)
            t1 = time.perf_counter()
            c1 = time.process_time()
            wall[name] = max(wall[name], len(sample) / (t1 - t0))
            best[name] = max(best[name], len(sample) / max(c1 - c0, 1e-9))
    width = max(len(k) for k in best)
    for name, rate in best.items():
        print(
            f"{name:>{width}}: {rate:>11,.0f} decisions per CPU second ({1e6 / rate:7.1f} us); "
            f"{wall[name]:>10,.0f} per wall-clock second"
        )
    ok = True
    figures: dict[str, Any] = {"cpu_rates": best, "wall_rates": wall, "ratios": {}}
    for er in er_names:
        for peer, target in TARGETS.items():
            if peer not in best:
                continue
            ratio = best[er] / best[peer]
            figures["ratios"][f"{er} / {peer}"] = ratio
            verdict = "ok" if ratio >= target else "MISS"
            print(f"{er} / {peer}: {ratio:6.2f}x on CPU time (target >= {target:g}x) {verdict}")
            if er == f"exportrules {backends[0]}" and ratio < target:
                ok = False
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
