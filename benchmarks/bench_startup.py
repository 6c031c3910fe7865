"""Start-up benchmark: a fresh process doing ``import exportrules`` + ``Engine.default()`` + one
screened evaluation, with the persisted screening index and without it, in the same run.

Run:  python benchmarks/bench_startup.py [--runs 7] [--baseline DIR]

``--baseline DIR``: a folder holding another revision's ``exportrules`` package (e.g. from
``git archive main exportrules | tar -x -C DIR``), run the same way with its own warm cache,
interleaved with this checkout's runs; the CPU ratio this/baseline is printed per pair.

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
from typing import Any

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
    "file": exportrules.__file__,
    "import_ms": 1000 * (t1 - t0), "default_ms": 1000 * (t2 - t1),
    "first_eval_ms": 1000 * (t3 - t2), "total_ms": 1000 * (t3 - t0),
    "import_cpu_ms": 1000 * (c1 - c0), "default_cpu_ms": 1000 * (c2 - c1),
    "first_eval_cpu_ms": 1000 * (c3 - c2),
    "total_cpu_ms": 1000 * (c3 - c0), "index": Screener.default_source,
    "hits": len(d.screening),
}))
"""


def run_child(env: dict[str, str]) -> dict[str, Any]:
    """One fresh process; it imports exportrules from the first PYTHONPATH entry (run there, as
    ``python -c`` puts the working folder first on sys.path)."""
    t = time.perf_counter()
    cwd = env["PYTHONPATH"].split(os.pathsep)[0]
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True, cwd=cwd
    )
    res: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    res["process_ms"] = 1000 * (time.perf_counter() - t)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--baseline",
        type=Path,
        help="folder with another revision's exportrules package, run interleaved for ratios",
    )
    args = ap.parse_args(argv)
    print("command: python benchmarks/bench_startup.py " + " ".join(argv or sys.argv[1:]))
    if hasattr(os, "getloadavg"):
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    env0 = {k: v for k, v in os.environ.items() if k not in ("EXPORTRULES_LISTS_DIR",)}

    def env_for(root: Path, cache: str) -> dict[str, str]:
        pp = str(root) + os.pathsep + env0.get("PYTHONPATH", "")
        return env0 | {"PYTHONPATH": pp, "EXPORTRULES_CACHE_DIR": cache}

    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as db:
        kinds = {"cache off": env_for(ROOT, "off"), "cache warm": env_for(ROOT, d)}
        if args.baseline is not None:
            if not (args.baseline / "exportrules" / "__init__.py").is_file():
                raise SystemExit(f"no exportrules package in {args.baseline}")
            kinds["baseline warm"] = env_for(args.baseline.resolve(), db)
        for label, env in kinds.items():
            if label != "cache off":
                first = run_child(env)  # fills the cache (untimed)
                assert first["index"] == "built", (label, first)
        rows: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
        for i in range(args.runs):  # interleaved (order rotated), so drift hits all alike
            labels = list(kinds)
            labels = labels[i % len(labels) :] + labels[: i % len(labels)]
            for label in labels:
                rows[label].append(run_child(kinds[label]))
        for label in kinds:
            if label != "cache off":
                assert all(r["index"] == "cache" for r in rows[label]), label
        assert len({r["hits"] for rs in rows.values() for r in rs}) == 1  # same decision
        for label, rs in rows.items():  # each ran the code it was meant to
            root = args.baseline.resolve() if label == "baseline warm" else ROOT
            assert all(Path(str(r["file"])).is_relative_to(root) for r in rs), label
    keys = (
        "import_cpu_ms", "default_cpu_ms", "first_eval_cpu_ms", "total_cpu_ms", "total_ms",
        "process_ms",
    )  # fmt: skip
    print(
        f"{'':14} " + " ".join(f"{k:>17}" for k in keys) + "   (medians of "
        f"{args.runs} fresh processes; *_cpu_ms: CPU time, total_ms/process_ms: wall)"
    )
    for label, rs in rows.items():
        print(
            f"{label:14} " + " ".join(f"{statistics.median(r[k] for r in rs):17.0f}" for k in keys)
        )

    def ratio(a: str, b: str, k: str) -> None:
        rs = sorted(x[k] / y[k] for x, y in zip(rows[a], rows[b]))
        print(
            f"{a} / {b} {k}: median {statistics.median(rs):.2f} "
            f"(min {rs[0]:.2f}, max {rs[-1]:.2f})"
        )

    ratio("cache warm", "cache off", "total_cpu_ms")
    if "baseline warm" in rows:
        for k in ("total_cpu_ms", "first_eval_cpu_ms", "import_cpu_ms"):
            ratio("cache warm", "baseline warm", k)
    if hasattr(os, "getloadavg"):
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("target: warm total <= 300 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
