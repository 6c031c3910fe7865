"""Load test of the HTTP service on loopback: throughput and latency percentiles, zero errors.

Starts ``exportrules serve`` on a free 127.0.0.1 port (bundled regimes and lists), then sends a
fixed number of ``POST /v1/evaluate`` requests from a fixed number of concurrent keep-alive
clients (a small asyncio HTTP/1.1 client, so the load generator costs little CPU next to the
server on the same machine), and one NDJSON batch of the same transactions to
``/v1/evaluate/batch``. The baseline, measured in the same run, is the library itself:
``Engine.evaluate`` plus ``Decision.to_json`` in-process on one thread for the same
transactions. The run is bounded (request count and a wall-clock limit) and stops by itself;
it only talks to 127.0.0.1.

    python benchmarks/bench_service.py                       # 5,000 requests, 12 clients
    python benchmarks/bench_service.py --requests 2000 --concurrency 8 --workers 2

Exit status is non-zero if any request failed or did not answer 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DESTINATIONS = ["US", "CN", "RU", "JP", "GB", "AE", "IN", "BR", "KP", "FR", "TR", "CH"]
CODES = [
    {"eu": "5A001.j", "us": "5A001.j"},
    {"eu": "3A001.a.1"},
    {"us": "EAR99"},
    {"eu": "5A002.a", "us": "5A002.a"},
    {},
]
NAMES = ["Acme Sensors GmbH", "Hengda Trading Co.", "Northwind Logistics", "Blue Harbor Ltd"]


def transactions(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Varied, valid transactions (several regimes apply; parties are screened)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        dest = rnd.choice(DESTINATIONS)
        out.append(
            {
                "id": f"L-{i}",
                "date": "2026-11-27",
                "export_from": rnd.choice(["DE", "FR", "US", "CA"]),
                "destination": dest,
                "parties": [
                    {"role": "end_user", "name": rnd.choice(NAMES), "country": dest},
                ],
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
        )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable, "-m", "exportrules", "serve", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("server did not start")


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes
) -> tuple[int, bytes]:
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = None
    chunked = False
    for h in lines[1:]:
        k, _, v = h.partition(b":")
        if k.lower() == b"content-length":
            length = int(v)
        elif k.lower() == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    if length is not None:
        return status, await reader.readexactly(length)
    if not chunked:
        raise RuntimeError("response without length")
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n"))[:-2], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)


async def load(
    port: int, bodies: list[bytes], concurrency: int, limit_s: float
) -> tuple[list[float], int, float]:
    """Send every body once over ``concurrency`` keep-alive connections; latencies (s)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + limit_s

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty() and time.monotonic() < stop_at:
                body = queue.get_nowait()
                t = time.perf_counter()
                try:
                    status, payload = await _request(reader, writer, "/v1/evaluate", body)
                except (OSError, RuntimeError, asyncio.IncompleteReadError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(time.perf_counter() - t)
                if status != 200 or not payload.startswith(b'{"transaction"'):
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    errors += queue.qsize()  # not sent within the time limit
    return latencies, errors, wall


async def batch(port: int, bodies: list[bytes]) -> tuple[int, int, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    nd = b"".join(b + b"\n" for b in bodies)
    t0 = time.perf_counter()
    status, payload = await _request(reader, writer, "/v1/evaluate/batch", nd)
    wall = time.perf_counter() - t0
    writer.close()
    lines = payload.splitlines()
    bad = sum(1 for x in lines if not x.startswith(b'{"transaction"'))
    return status, len(lines) - bad if status == 200 else 0, wall


def baseline(txs: list[dict[str, Any]]) -> float:
    """Seconds per transaction for the library in-process (evaluate + to_json), one thread."""
    from exportrules import Engine

    engine = Engine.default()
    for tx in txs[:200]:
        engine.evaluate(tx).to_json()
    t0 = time.perf_counter()
    for tx in txs:
        engine.evaluate(tx).to_json()
    return (time.perf_counter() - t0) / len(txs)


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=1000, method="inclusive")[int(p * 10) - 1] if xs else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=12)
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds, then stop")
    args = ap.parse_args(argv)
    if not 1 <= args.concurrency <= 64:
        ap.error("--concurrency must be in 1..64")
    txs = transactions(args.requests)
    bodies = [json.dumps(t).encode() for t in txs]
    per_tx = baseline(txs)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start(port, args.workers, Path(tmp) / "serve.log")
        try:
            asyncio.run(load(port, bodies[:200], args.concurrency, 60))  # warm connections
            lat, errors, wall = asyncio.run(load(port, bodies, args.concurrency, args.time_limit))
            status, ok, bwall = asyncio.run(batch(port, bodies))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    rps = len(lat) / wall
    print(
        f"machine: {os.cpu_count()} cores, shared with the load generator; server workers: "
        f"{args.workers}; loopback only"
    )
    print(
        f"baseline (library in-process, one thread): {1 / per_tx:,.0f} decisions/s "
        f"({per_tx * 1e3:.3f} ms each)"
    )
    print(
        f"POST /v1/evaluate: {len(lat)} requests at {args.concurrency} concurrent clients in "
        f"{wall:.2f}s = {rps:,.0f} req/s ({rps * per_tx:.2f}x baseline); latency p50 "
        f"{pct(lat, 50) * 1e3:.2f} ms, p90 {pct(lat, 90) * 1e3:.2f} ms, p99 "
        f"{pct(lat, 99) * 1e3:.2f} ms, max {max(lat) * 1e3:.2f} ms; errors {errors}"
    )
    print(
        f"POST /v1/evaluate/batch: {ok} of {len(bodies)} records in {bwall:.2f}s = "
        f"{ok / bwall:,.0f} records/s ({ok / bwall * per_tx:.2f}x baseline), status {status}"
    )
    failed = errors > 0 or status != 200 or ok != len(bodies)
    print("RESULT:", "FAIL (errors)" if failed else "ok (zero errors)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
