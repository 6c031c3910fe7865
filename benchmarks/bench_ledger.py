"""Ledger throughput, verify() and report times, on SQLite and (given a URL) PostgreSQL.

    python benchmarks/bench_ledger.py                                  # SQLite only
    python benchmarks/bench_ledger.py --postgres postgresql://u@127.0.0.1:5432/db
    python benchmarks/bench_ledger.py --quick                          # small sizes

What it measures, each with a baseline measured in the same run on the same database:

1. ``record()`` one at a time, ``shipped=False`` and ``shipped=True`` (licence debits), and
   ``record_many()`` in chunks of 500: records per second. Baseline: a plain ``INSERT`` of the
   same record text into a bare table, one commit per row (what the database itself costs).
2. ``verify()`` over a 100,000-record ledger. Baseline: reading the same rows and
   SHA-256-hashing them, without the chain and index checks.
3. ``exportrules report`` over the same 100,000 records: aggregation, then JSON, CSV and HTML.

Transactions come from benchmarks/ledger_workload.py (a synthetic order book for the bundled
regimes) and are evaluated by ``Engine.default(screening=None)``. To fill 100,000 records
without evaluating 100,000 orders, the evaluated decisions are re-used under new transaction
ids (each record's transaction id, decision ``transaction`` and ``input_sha256`` are updated
so every record is consistent). The machine is shared and noisy: compare the ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_workload import transactions

from exportrules import Engine, Ledger, Transaction
from exportrules._ledger import canonical
from exportrules._report import build_report, to_csv, to_html

SHIPPABLE = ("authorised", "no_license_required")


def _pairs(n: int, seed: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    eng = Engine.default(screening=None)
    out = []
    for t in transactions(n, seed, limits=True):
        out.append((eng.evaluate(t).to_dict(), t))
    return out


def _renamed(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]], n: int, tag: str
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """n consistent (decision, transaction) pairs cycling through ``pairs`` under new ids."""
    for i in range(n):
        d, t = pairs[i % len(pairs)]
        t2 = dict(t)
        t2["id"] = f"{tag}-{i:07d}"
        d2 = dict(d)
        d2["transaction"] = t2["id"]
        d2["input_sha256"] = Transaction.from_dict(t2).sha256()
        yield d2, t2


def _rate(n: int, f: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    f()
    return n / (time.perf_counter() - t0)


def _baseline_insert(url: str, bodies: list[str]) -> float:
    """Plain INSERT + COMMIT per row of the same text, in the same kind of database."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.split("sqlite:///", 1)[1].split("?")[0] + ".raw"
        c = sqlite3.connect(path, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=" + ("NORMAL" if "synchronous=normal" in url else "FULL"))
        c.execute("CREATE TABLE raw (seq INTEGER PRIMARY KEY, hash TEXT, body TEXT)")

        def run() -> None:
            for i, b in enumerate(bodies):
                c.execute("BEGIN IMMEDIATE")
                c.execute("INSERT INTO raw VALUES (?, ?, ?)", (i, "h", b))
                c.execute("COMMIT")

        r = _rate(len(bodies), run)
        c.close()
        return r
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE TABLE raw (seq BIGINT PRIMARY KEY, hash TEXT, body TEXT)")

        def run_pg() -> None:
            for i, b in enumerate(bodies):
                with c.transaction():
                    c.execute("INSERT INTO raw VALUES (%s, %s, %s)", (i, "h", b))

        return _rate(len(bodies), run_pg)


def _fresh(kind: str, base: str | None, tmp: Path, suffix: str = "") -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / (uuid.uuid4().hex[:8] + '.db')}{suffix}"
    import psycopg

    assert base
    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def bench_recording(
    kind: str, base: str | None, tmp: Path, pairs: Any, n: int, suffix: str = ""
) -> dict[str, float]:
    res: dict[str, float] = {}
    recs = list(_renamed(pairs, n, "R"))
    bodies = [canonical({"decision": d, "transaction": t}).decode() for d, t in recs]
    url = _fresh(kind, base, tmp, suffix)
    res["baseline_insert"] = _baseline_insert(url, bodies)
    url = _fresh(kind, base, tmp, suffix)
    with Ledger.open(url) as led:
        res["record"] = _rate(n, lambda: [led.record(d, t) for d, t in recs] and None)
    ship = [p for p in pairs if p[0]["outcome"] in SHIPPABLE]
    ship_recs = list(_renamed(ship, n, "S"))
    url = _fresh(kind, base, tmp, suffix)
    with Ledger.open(url) as led:
        res["record_shipped"] = _rate(
            n, lambda: [led.record(d, t, shipped=True) for d, t in ship_recs] and None
        )
        res["debited_licences"] = float(len(led.balances()))
    url = _fresh(kind, base, tmp, suffix)
    with Ledger.open(url) as led:
        res["record_many_500"] = _rate(
            n, lambda: [led.record_many(recs[i : i + 500]) for i in range(0, n, 500)] and None
        )
    url = _fresh(kind, base, tmp, suffix)
    with Ledger.open(url) as led:
        res["record_many_500_shipped"] = _rate(
            n,
            lambda: (
                [led.record_many(ship_recs[i : i + 500], shipped=True) for i in range(0, n, 500)]
                and None
            ),
        )
    return res


def bench_big(kind: str, base: str | None, tmp: Path, pairs: Any, n: int) -> dict[str, float]:
    res: dict[str, float] = {}
    url = _fresh(kind, base, tmp)
    ship = {id(p) for p in pairs if p[0]["outcome"] in SHIPPABLE}
    with Ledger.open(url) as led:
        t0 = time.perf_counter()
        chunk: list[Any] = []
        for i, (d, t) in enumerate(_renamed(pairs, n, "B")):
            chunk.append((d, t))
            if len(chunk) == 1000 or i == n - 1:
                led.record_many(chunk, by="bench")
                chunk = []
        res["fill_records_per_s"] = n / (time.perf_counter() - t0)
        del ship
        t0 = time.perf_counter()
        v = led.verify()
        res["verify_s"] = time.perf_counter() - t0
        assert v.ok, v
        assert v.checked == n
        # baseline: read every row and hash it, nothing else
        t0 = time.perf_counter()
        with led._store.read() as cur:
            k = 0
            for row in cur.stream("SELECT hash, body FROM ledger_records ORDER BY seq"):
                k += hashlib.sha256(str(row[1]).encode()).hexdigest() == row[0]
        res["baseline_read_hash_s"] = time.perf_counter() - t0
        assert k == n
        t0 = time.perf_counter()
        rep = build_report(led, verify=False)
        res["report_aggregate_s"] = time.perf_counter() - t0
        assert rep["totals"]["records"] == n
        t0 = time.perf_counter()
        json.dumps(rep)
        res["report_json_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        to_csv(rep)
        res["report_csv_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        to_html(rep)
        res["report_html_s"] = time.perf_counter() - t0
        size = 0
        if kind == "sqlite":
            size = Path(url.split("sqlite:///", 1)[1]).stat().st_size
        res["db_mb"] = size / 1e6
    return res


def size_note(r: dict[str, float]) -> str:
    return f", {r['db_mb']:.0f} MB on disk" if r["db_mb"] else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres", help="also measure this PostgreSQL database (URL)")
    ap.add_argument("--records", type=int, default=1000, help="records per throughput run")
    ap.add_argument("--big", type=int, default=100_000, help="records for verify/report")
    ap.add_argument("--distinct", type=int, default=2000, help="transactions evaluated")
    ap.add_argument("--quick", action="store_true", help="small sizes (300 / 5,000 / 300)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument(
        "--only-big", action="store_true", help="skip the throughput runs (verify/report only)"
    )
    a = ap.parse_args()
    if a.quick:
        a.records, a.big, a.distinct = 300, 5000, 300
    t0 = time.perf_counter()
    pairs = _pairs(a.distinct, 11)
    eval_s = time.perf_counter() - t0
    size = sum(len(canonical({"d": d, "t": t})) for d, t in pairs) / len(pairs)
    print(
        f"workload: {a.distinct} transactions evaluated in {eval_s:.1f} s; "
        f"mean record body {size / 1000:.1f} kB"
    )
    figures: dict[str, Any] = {"workload": {"distinct": a.distinct, "mean_body_kb": size / 1000}}
    kinds = [("sqlite", None, ""), ("sqlite", None, "?synchronous=normal")]
    if a.postgres:
        kinds.append(("postgresql", a.postgres, ""))
    with tempfile.TemporaryDirectory() as tmp:
        for kind, base, suffix in [] if a.only_big else kinds:
            name = kind + (" (synchronous=normal)" if suffix else "")
            r = bench_recording(kind, base, Path(tmp), pairs, a.records, suffix)
            figures[f"recording {name}"] = r
            b = r["baseline_insert"]
            print(
                f"\n{name}: records/s ({a.records} records; baseline = plain INSERT+COMMIT "
                f"of the same text: {b:,.0f}/s)"
            )
            for k in ("record", "record_shipped", "record_many_500", "record_many_500_shipped"):
                print(f"  {k:<26} {r[k]:>9,.0f}/s   {r[k] / b:5.2f} x baseline")
        for kind, base, _ in kinds[:1] + kinds[2:]:
            r = bench_big(kind, base, Path(tmp), pairs, a.big)
            figures[f"big {kind}"] = r
            print(
                f"\n{kind}: {a.big:,} records (filled at {r['fill_records_per_s']:,.0f}/s with "
                f"record_many(1000)){size_note(r)}"
            )
            print(
                f"  verify()                   {r['verify_s']:7.1f} s   "
                f"(baseline read+hash {r['baseline_read_hash_s']:.1f} s, "
                f"{r['verify_s'] / r['baseline_read_hash_s']:.1f} x)"
            )
            print(f"  report: aggregate          {r['report_aggregate_s']:7.1f} s")
            print(
                f"  report: json / csv / html  {r['report_json_s']:.2f} / "
                f"{r['report_csv_s']:.2f} / {r['report_html_s']:.1f} s"
            )
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {rss:,.0f} MB")
    figures["peak_rss_mb"] = rss
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
