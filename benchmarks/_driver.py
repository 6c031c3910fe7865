"""A benchmark child process: drives whichever ``exportrules`` is first on its import path.

``bench_default.py`` starts two of these (today's release from a ``--target`` folder on
PYTHONPATH, and the working tree) and sends both the same commands, one JSON object per line
on stdin; each answer is one JSON line on stdout:

- ``{"cmd": "init", "workload": FILE, "backend": "python"}``: build ``Engine.default()``,
  decide every transaction once (warm-up: rules compiled, screening lists loaded, caches
  filled); answer the outcomes and the resident set size before import, after import and
  after the warm-up;
- ``{"cmd": "pass"}``: decide every transaction once; answer the seconds taken (wall clock,
  and CPU time of the process, all its threads) and the latency median;
- ``{"cmd": "soak", "n": N}``: N more evaluations (cycling over the workload); answer the
  RSS every N/10 evaluations;
- ``{"cmd": "quit"}``.

Run as ``python _driver.py --count WORKLOAD N [BACKEND]`` it builds the engine, warms it up,
then decides N transactions and exits (for instruction counts under callgrind: the
difference between N and 0 divided by N is the cost of one evaluation).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    rss0 = rss_kib()
    import exportrules
    from exportrules import Engine

    rss1 = rss_kib()
    if len(sys.argv) >= 4 and sys.argv[1] == "--count":
        with open(sys.argv[2]) as f:
            txs = json.load(f)
        n = int(sys.argv[3])
        eng = Engine.default(backend=sys.argv[4] if len(sys.argv) > 4 else "python")
        for tx in txs:
            eng.evaluate(tx)
        for k in range(n):
            eng.evaluate(txs[k % len(txs)])
        return 0

    eng: Any = None
    txs: list[Any] = []
    out = sys.stdout
    for raw in sys.stdin:
        cmd = json.loads(raw)
        c = cmd["cmd"]
        if c == "init":
            with open(cmd["workload"]) as f:
                txs = json.load(f)
            eng = Engine.default(backend=cmd.get("backend", "python"))
            outcomes = [eng.evaluate(tx).outcome.value for tx in txs]
            ans: dict[str, Any] = {
                "file": exportrules.__file__,
                "rss_start_kib": rss0,
                "rss_imported_kib": rss1,
                "rss_warm_kib": rss_kib(),
                "outcomes": outcomes,
                "regimes": [r.id for r in eng.regimes],
            }
        elif c == "pass":
            ev = eng.evaluate
            c0 = time.process_time()
            t0 = time.perf_counter()
            for tx in txs:
                ev(tx)
            secs = time.perf_counter() - t0
            cpu = time.process_time() - c0
            lat = []
            for tx in txs[: min(len(txs), 300)]:
                t1 = time.perf_counter()
                ev(tx)
                lat.append(time.perf_counter() - t1)
            ans = {"seconds": secs, "cpu": cpu, "n": len(txs), "median": statistics.median(lat)}
        elif c == "soak":
            n = int(cmd["n"])
            step = max(1, n // 10)
            marks = [rss_kib()]
            for k in range(n):
                eng.evaluate(txs[k % len(txs)])
                if (k + 1) % step == 0:
                    marks.append(rss_kib())
            ans = {"rss_kib": marks}
        elif c == "quit":
            return 0
        else:
            ans = {"error": f"unknown command {c!r}"}
        out.write(json.dumps(ans) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
