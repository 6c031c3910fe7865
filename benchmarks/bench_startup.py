"""Start-up benchmark: a fresh process doing ``import exportrules`` + ``Engine.default()`` + one
screened evaluation, with the persisted screening index and without it, in the same run.

Run:  python benchmarks/bench_startup.py [--runs 7]

Each run is a new Python process; the child reports its own phases (wall and CPU time) and the
parent the whole-process wall time. "cache off" sets EXPORTRULES_CACHE_DIR=off (the index is
built in the process, as before); "cache warm" uses a fresh cache folder filled by one untimed
run. Medians are printed, and the ratio warm/off per pair of runs (the machine may be shared, so
the ratio is the steadier figure). Target: warm total <= 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
c0, t0 = time.process_time(), time.perf_counter()
import exportrules
c1, t1 = time.process_time(), time.perf_counter()
eng = exportrules.Engine.default()
c2, t2 = time.process_time(), time.perf_counter()
tx = {"id": "B-1", "date": "2026-11-27", "export_from": "DE", "destination": "CN",
      "parties": [{"role": "consignee", "name": "Hengda Trading Co., Ltd.", "country": "CN"}],
      "lines": [{"id": "1", "classification": {"eu": "5A001.j", "us": "5A001.j"}}]}
d = eng.evaluate(tx)
c3, t3 = time.process_time(), time.perf_counter()
from exportrules._screening import Screener
print(json.dumps({
    "import_ms": 1000 * (t1 - t0), "default_ms": 1000 * (t2 - t1),
    "first_eval_ms": 1000 * (t3 - t2), "total_ms": 1000 * (t3 - t0),
    "total_cpu_ms": 1000 * (c3 - c0), "index": Screener.default_source,
    "hits": len(d.screening),
}))
"""


def run_child(env: dict[str, str]) -> dict[str, float]:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    res: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    res["process_ms"] = 1000 * (time.perf_counter() - t)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    print("command: python benchmarks/bench_startup.py " + " ".join(argv or sys.argv[1:]))
    base = {k: v for k, v in os.environ.items() if k != "EXPORTRULES_LISTS_DIR"}
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory() as d:
        off = base | {"EXPORTRULES_CACHE_DIR": "off"}
        warm = base | {"EXPORTRULES_CACHE_DIR": d}
        first = run_child(warm)  # fills the cache (untimed)
        assert first["index"] == "built", first
        rows: dict[str, list[dict[str, float]]] = {"cache off": [], "cache warm": []}
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            rows["cache off"].append(run_child(off))
            rows["cache warm"].append(run_child(warm))
        assert all(r["index"] == "cache" for r in rows["cache warm"])
        assert len({r["hits"] for rs in rows.values() for r in rs}) == 1  # same decision
    keys = ("import_ms", "default_ms", "first_eval_ms", "total_ms", "total_cpu_ms", "process_ms")
    print(
        f"{'':12} " + " ".join(f"{k:>14}" for k in keys) + "   (medians of "
        f"{args.runs} fresh processes)"
    )
    for label, rs in rows.items():
        print(
            f"{label:12} " + " ".join(f"{statistics.median(r[k] for r in rs):14.0f}" for k in keys)
        )
    ratios = [w["total_ms"] / o["total_ms"] for o, w in zip(rows["cache off"], rows["cache warm"])]
    print(
        f"warm/off total ratio: median {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}); target: warm total <= 300 ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
