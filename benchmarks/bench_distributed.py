"""Distributed batch on Dask against the in-process batch: the same records, timed.

Generates N varied transactions as JSON lines (with a few bad records among them), then decides
them three ways, each through the code ``exportrules evaluate --batch`` runs:

1. in-process: ``exportrules._batch.evaluate_records`` in this process (the baseline);
2. a ``dask.distributed.LocalCluster`` with 1 worker process;
3. a ``LocalCluster`` with 2 worker processes;

(2 and 3 through ``exportrules.distributed.results_on_cluster``, partitions of
``--partition-size`` records). It checks that every run wrote the same records, in the same
order, and prints records/s, the ratio to the baseline, the cluster's start-up time, and the
driver's CPU time per record (what one machine feeding a cluster must spend on each record:
reading, sending, receiving, checking). Loopback only; it stops by itself.

    python benchmarks/bench_distributed.py                  # 200,000 records
    python benchmarks/bench_distributed.py --records 20000  # quick

The machine has 2 cores: the driver, the scheduler and the workers share them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

DESTS = ["US", "CN", "RU", "JP", "GB", "AE", "IN", "BR", "KP", "FR", "TR", "CH"]
CODES = [{"eu": "5A001.j", "us": "5A001.j"}, {"eu": "3A001.a.1"}, {"us": "EAR99"}, {}]
NAMES = ["Acme Sensors GmbH", "Hengda Trading Co.", "Northwind Logistics", "Blue Harbor Ltd"]


def records(n: int, seed: int = 11) -> list[tuple[int, bytes]]:
    rnd = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        if i % 1000 == 500:
            out.append((i, b"not json"))  # a bad record now and then
            continue
        dest = rnd.choice(DESTS)
        tx = {
            "id": f"R-{i}",
            "date": "2026-11-27",
            "export_from": rnd.choice(["DE", "FR", "US", "CA"]),
            "destination": dest,
            "parties": [{"role": "end_user", "name": rnd.choice(NAMES), "country": dest}],
            "lines": [
                {
                    "id": "1",
                    "quantity": rnd.randint(1, 20),
                    "value": rnd.randint(100, 200_000),
                    "currency": "EUR",
                    "classification": rnd.choice(CODES),
                }
            ],
        }
        out.append((i, json.dumps(tx).encode()))
    return out


EVALUATED_AT = re.compile(rb'"evaluated_at": "[^"]*", ')


def digest(results: Iterable[Any]) -> tuple[str, int]:
    """A digest of the output bytes, record by record in order, without the evaluation time
    (to the second, so it differs between runs), and the number of records."""
    h = hashlib.sha256()
    n = 0
    for r in results:
        h.update(EVALUATED_AT.sub(b"", r.data, count=1) + b"\n")
        n += 1
    return h.hexdigest(), n


def run_cluster(
    workers: int, rows: list[tuple[int, bytes]], engine: Any, partition: int
) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from exportrules.distributed import engine_spec, results_on_cluster

    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as lc,
        Client(lc) as client,
    ):
        # engines built and lists loaded on every worker, outside the timed run
        spec = engine_spec(engine)
        client.run(_warm, spec)
        start = time.perf_counter() - t0
        w0 = sum(client.run(time.process_time).values())
        c0, t1 = time.process_time(), time.perf_counter()
        dig, n = digest(results_on_cluster(client, rows, engine, partition_size=partition))
        wall = time.perf_counter() - t1
        cpu = time.process_time() - c0
        wcpu = sum(client.run(time.process_time).values()) - w0
    return {
        "wall": wall,
        "driver_cpu": cpu,
        "worker_cpu": wcpu,
        "start": start,
        "digest": dig,
        "n": n,
    }


def _warm(spec: dict[str, Any]) -> None:
    from exportrules.distributed import _engine, _spec_key

    e = _engine(_spec_key(spec), spec)
    e.list_versions()  # lists loaded
    e.evaluate({"export_from": "DE", "destination": "US", "lines": [{"id": "1"}]})


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--partition-size", type=int, default=1000)
    args = ap.parse_args(argv)
    from exportrules import _batch
    from exportrules.distributed import engine_from_options

    rows = records(args.records)
    engine = engine_from_options({"screening": True})
    _batch.process_record(engine, rows[0][1], 1)  # warm: lists loaded
    c0, t0 = time.process_time(), time.perf_counter()
    base_digest, base_n = digest(_batch.evaluate_records(engine, rows))
    base = time.perf_counter() - t0
    base_cpu = time.process_time() - c0
    print(
        f"machine: {os.cpu_count()} cores shared by driver, scheduler and workers; "
        f"load average before: {_load()}; {args.records} records, partitions of "
        f"{args.partition_size}"
    )
    print(
        f"in-process: {base:.1f}s = {base_n / base:,.0f} records/s "
        f"({base / base_n * 1e3:.3f} ms per record)"
    )
    ok = True
    per = {}
    for w in (1, 2):
        r = run_cluster(w, rows, engine, args.partition_size)
        per[w] = r
        same = r["digest"] == base_digest and r["n"] == base_n
        ok = ok and same
        print(
            f"LocalCluster {w} worker{'s' if w > 1 else ''}: {r['wall']:.1f}s = "
            f"{r['n'] / r['wall']:,.0f} records/s ({base / r['wall']:.2f}x in-process); "
            f"cluster start {r['start']:.1f}s (not counted); CPU per record: driver (with "
            f"scheduler) {r['driver_cpu'] / r['n'] * 1e3:.3f} ms, workers "
            f"{r['worker_cpu'] / r['n'] * 1e3:.3f} ms; "
            f"output {'identical' if same else 'DIFFERENT'}"
        )
    over = (per[1]["wall"] - base) / base_n
    cpu_over = (per[1]["driver_cpu"] + per[1]["worker_cpu"] - base_cpu) / base_n
    print(
        f"per-record overhead of the distributed path (1 worker vs in-process): wall "
        f"{over * 1e3:.3f} ms ({over / (base / base_n) * 100:.0f}% of an in-process record); "
        f"CPU (driver + scheduler + worker - in-process) {cpu_over * 1e3:.3f} ms "
        f"({cpu_over / (base_cpu / base_n) * 100:.0f}%)"
    )
    drv = per[2]["driver_cpu"] / per[2]["n"]
    print(
        f"in-process CPU per record: {base_cpu / base_n * 1e3:.3f} ms; driver CPU per record "
        f"with 2 workers: {drv * 1e3:.3f} ms"
    )
    wk = per[1]["worker_cpu"] / per[1]["n"]
    print(
        f"PROJECTION (not measured): with a core per worker process and a dedicated driver, "
        f"each worker decides about {1 / wk:,.0f} records/s (1 / its CPU per record here, "
        f"{wk * 1e3:.3f} ms), so K workers about K x {1 / wk:,.0f} records/s, until the driver "
        f"(reading, sending, receiving, writing: {drv * 1e3:.3f} ms of CPU per record) "
        f"saturates at about {1 / drv:,.0f} records/s, i.e. K = {wk / drv:.0f}; beyond that, "
        "split the input over several drivers, or use evaluate_bag on partitioned files"
    )
    print(f"load average after: {_load()}")
    print("RESULT:", "ok (identical output)" if ok else "FAIL (outputs differ)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
