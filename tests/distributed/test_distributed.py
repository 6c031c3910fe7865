"""Distributed batch on a real Dask LocalCluster (worker processes): the same records as the
in-process batch, in order, one error record per bad record, and no record lost when a worker
dies mid-run."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.bag as db
import pytest
from distributed import Client, LocalCluster

from exportrules import Engine, _batch
from exportrules._cli import main as cli_main
from exportrules.distributed import (
    EngineMismatch,
    engine_from_options,
    evaluate_bag,
    fingerprint,
    results_on_cluster,
)
from tests.conftest import TL

GOOD = {
    "id": "D-0",
    "date": "2026-11-27",
    "export_from": "DE",
    "destination": "US",
    "lines": [{"id": "1", "classification": {"eu": "3A001.a.1"}}],
}
DESTS = ["US", "CN", "RU", "KP", "FR", "AE", "JP", "IR"]
BAD = [
    b"not json",
    b'{"id": "\xff"}',  # not UTF-8
    b'{"export_from": "DE", "export_from": "FR"}',  # duplicate key
    json.dumps({**GOOD, "export_from": "ZZ"}).encode(),  # invalid transaction
    b"[" * 5_000 + b"]" * 5_000,  # nested too deeply
    json.dumps({**GOOD, "lines": [{"id": "1", "value": 10**400}]}).encode(),
    b"   ",  # blank: no output record, keeps its line number
]


def records(n: int) -> list[bytes]:
    """``n`` JSON lines: varied valid transactions with bad records of every kind among them."""
    rows = []
    for i in range(n):
        if i % 97 == 13:
            rows.append(BAD[(i // 97) % len(BAD)])
        else:
            tx = {**GOOD, "id": f"D-{i}", "destination": DESTS[i % len(DESTS)]}
            if i % 5 == 0:
                tx["parties"] = [
                    {"role": "end_user", "name": "Huawei Technologies Co", "country": "CN"}
                ]
            rows.append(json.dumps(tx).encode())
    return rows


def _stable(line: bytes) -> dict[str, Any]:
    d: dict[str, Any] = json.loads(line)
    d.pop("evaluated_at", None)
    return d


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as lc,
        Client(lc) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("dask") / "orders.jsonl"
    f.write_bytes(b"\n".join(records(3000)) + b"\n")
    return f


def _cli(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, bytes]:
    code = cli_main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, err


def test_cli_on_a_cluster_writes_what_the_in_process_batch_writes(
    cluster: Client, batch_file: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code0, out0, err0 = _cli(capsysbinary, "evaluate", "--batch", str(batch_file), "--no-progress")
    code1, out1, err1 = _cli(
        capsysbinary,
        "evaluate", "--batch", str(batch_file), "--no-progress",
        "--scheduler", cluster.scheduler.address, "--partition-size", "250",
    )  # fmt: skip
    assert code0 == code1 == 2  # bad records present
    lines0, lines1 = out0.splitlines(), out1.splitlines()
    blank = sum(1 for r in records(3000) if not r.strip())
    assert len(lines0) == 3000 - blank
    assert [_stable(x) for x in lines1] == [_stable(x) for x in lines0]
    errors = [json.loads(x) for x in lines1 if x.startswith(b'{"record"')]
    assert {e["error"] for e in errors} == {"invalid_json", "invalid_utf8", "invalid_transaction"}
    # the same problems on stderr, record for record, after the line naming the cluster
    assert err1.splitlines()[0].startswith(b"exportrules: deciding on the Dask cluster at tcp://")
    assert err1.splitlines()[1:] == err0.splitlines()


def test_cli_local_cluster_and_progress(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    f = tmp_path / "small.jsonl"
    f.write_bytes(b"\n".join(records(120)) + b"\n")
    code0, out0, _ = _cli(
        capsysbinary,
        "evaluate",
        "--batch",
        str(f),
        "--regime",
        str(TL),
        "--no-screening",
        "--no-progress",
    )
    code, out, err = _cli(
        capsysbinary,
        "evaluate", "--batch", str(f), "--regime", str(TL), "--no-screening",
        "--scheduler", "local", "--workers", "1", "--partition-size", "25", "--progress",
    )  # fmt: skip
    assert code == code0
    assert [_stable(x) for x in out.splitlines()] == [_stable(x) for x in out0.splitlines()]
    assert b"[##############################] 120/120" in err  # the progress bar, finished


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scheduler", "local"], b"--scheduler applies to --batch only"),
        (["--batch", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], b"--workers sets"),
        (["--batch", "--scheduler", "somewhere"], b"give 'local' or an address"),
        (["--batch", "--scheduler", "local", "--partition-size", "0"], b"at least 1"),
    ],
)
def test_cli_refuses_bad_cluster_options(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], argv: list[str], message: bytes
) -> None:
    f = tmp_path / "one.jsonl"
    f.write_text(json.dumps(GOOD) + "\n")
    try:
        code, _, err = _cli(capsysbinary, "evaluate", str(f), *argv)
    except SystemExit as e:  # argparse's own refusal
        code, err = int(e.code or 0), capsysbinary.readouterr().err
    assert code == 2 and message in err


def test_cli_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = tmp_path / "one.jsonl"
    f.write_text(json.dumps(GOOD) + "\n")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code, out, err = _cli(
            capsysbinary, "evaluate", "--batch", str(f), "--no-progress",
            "--scheduler", f"tcp://127.0.0.1:{port}",
        )  # fmt: skip
    assert code == 4 and out == b""
    assert f"cannot reach the Dask scheduler tcp://127.0.0.1:{port}".encode() in err


def test_evaluate_bag_numbers_and_decides_like_the_library(cluster: Client) -> None:
    rows = records(400)
    items: list[Any] = []
    for i, r in enumerate(rows):  # objects, text and bytes in one bag
        if r.strip() and i % 3 == 0 and r.startswith(b"{") and b"\xff" not in r:
            try:
                items.append(json.loads(r))
                continue
            except ValueError:
                pass
        items.append(r.decode("utf-8", "surrogateescape") if i % 3 == 1 and b"\xff" not in r else r)
    bag = db.from_sequence(items, npartitions=7)
    got = evaluate_bag(bag, regimes=None).compute()
    engine = Engine.default()
    want = [
        _batch.process_record(engine, json.dumps(x) if isinstance(x, dict) else x, n)
        for n, x in enumerate(items, start=1)
    ]
    assert len(got) == len(items)
    assert [{k: v for k, v in g.items() if k != "evaluated_at"} for g in got] == [
        _stable(w.data) for w in want
    ]
    # unnumbered items are numbered by their position in the bag, across partitions
    assert [g["record"] for g in got if "record" in g] == [w.number for w in want if w.error]
    # numbered pairs keep their numbers; json output is one line of text per record
    pairs = db.from_sequence([(10 + i, r) for i, r in enumerate(rows[:30])], npartitions=3)
    lines = evaluate_bag(pairs, output="json", regimes=[str(TL)], screening=False).compute()
    assert all(isinstance(x, str) and "\n" not in x for x in lines)
    assert all(json.loads(x)["record"] >= 10 for x in lines if x.startswith('{"record"'))


def test_evaluate_bag_refuses_unknown_options() -> None:
    with pytest.raises(TypeError, match="unknown engine option"):
        evaluate_bag(db.from_sequence([GOOD]), backnd="python")
    with pytest.raises(TypeError, match="unknown engine option"):
        engine_from_options({"workers": 2})
    with pytest.raises(ValueError, match="output"):
        evaluate_bag(db.from_sequence([GOOD]), output="csv")  # type: ignore[arg-type]


def test_workers_with_another_engine_are_refused(cluster: Client) -> None:
    rows = [(i, r) for i, r in enumerate(records(20), 1) if r.strip()]
    opts = {"regimes": [str(TL)], "screening": False}
    with pytest.raises(EngineMismatch, match="different engine"):
        list(results_on_cluster(cluster, rows, opts, expect={"exportrules": "0.0.0"}))
    ok = list(
        results_on_cluster(
            cluster, rows, opts, expect=fingerprint(engine_from_options(opts)), partition_size=7
        )
    )
    assert [r.number for r in ok] == [n for n, _ in rows]


def test_a_worker_killed_mid_run_loses_no_record(cluster: Client) -> None:
    """SIGKILL one worker while it holds partitions: Dask runs them again on a worker that
    lives (the nanny also starts a new one); every record comes back once, in order, and the
    output equals the in-process batch."""
    rows = [(n, r) for n, r in enumerate(records(2000), 1) if r.strip()]
    opts = {"screening": True}
    engine = engine_from_options(opts)
    want = [_stable(r.data) for r in _batch.evaluate_records(engine, rows)]
    pids = cluster.run(os.getpid)
    gen = results_on_cluster(cluster, rows, opts, partition_size=100, window=6)
    got = [next(gen) for _ in range(150)]  # the run is under way, partitions in flight
    processing = cluster.processing()
    victim = max(processing, key=lambda w: len(processing[w]))
    lost = set(processing[victim])
    assert lost, "the victim held no task"
    os.kill(pids[victim], signal.SIGKILL)
    got.extend(gen)
    assert [r.number for r in got] == [n for n, _ in rows]
    assert [_stable(r.data) for r in got] == want
    # the victim is gone, and the tasks it held were finished by another worker
    deadline = time.monotonic() + 30
    while victim in cluster.scheduler_info()["workers"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim not in cluster.scheduler_info()["workers"]
    with pytest.raises(ProcessLookupError):
        os.kill(pids[victim], 0)


class PoisonScreener:
    """A screener whose worker process dies on one party name: a stand-in for a record that
    crashes the interpreter (a native extension fault, the OOM killer)."""

    def screen(self, name: str, country: str | None = None, **kw: Any) -> list[Any]:
        if name == "Poison Pill Ltd":
            os._exit(1)
        return []

    def list_versions(self) -> list[dict[str, Any]]:
        return []


def test_a_record_that_kills_every_worker_becomes_an_error_record() -> None:
    """Dask gives up on a partition that killed its worker (KilledWorker); the partition is
    run again record by record, and only the record that kills a worker again is lost — as an
    ``engine_fault`` error record, in its place."""
    import sys

    import cloudpickle
    import dask

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests
    rows = []
    for n in range(1, 41):
        tx = {**GOOD, "id": f"P-{n}", "parties": [{"role": "end_user", "name": "Quiet Co"}]}
        if n == 17:
            tx["parties"] = [{"role": "end_user", "name": "Poison Pill Ltd"}]
        rows.append((n, json.dumps(tx).encode()))
    opts = {"regimes": [str(TL)], "screening": PoisonScreener()}
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as lc,
        Client(lc) as client,
    ):
        got = list(results_on_cluster(client, rows, opts, partition_size=10))
    assert [r.number for r in got] == list(range(1, 41))
    assert [r.error for r in got] == [None] * 16 + ["engine_fault"] + [None] * 23
    assert "worker process died" in got[16].problems[0].message
    assert json.loads(got[16].data)["record"] == 17


def test_ctrl_c_on_a_cluster_run_stops_cleanly(tmp_path: Path) -> None:
    import subprocess
    import sys

    f = tmp_path / "many.jsonl"
    tl_tx = {
        "export_from": "DE",
        "destination": "CN",
        "lines": [{"id": "1", "classification": {"tl": "T100"}}],
    }
    f.write_bytes((json.dumps(tl_tx) + "\n").encode() * 50_000)
    p = subprocess.Popen(
        [
            sys.executable, "-m", "exportrules", "evaluate", "--batch", str(f), "--no-progress",
            "--regime", str(TL), "--no-screening",
            "--scheduler", "local", "--workers", "1", "--partition-size", "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert p.stdout is not None
    first = p.stdout.readline()  # the run is under way
    assert first.startswith(b'{"transaction"')
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    lines = [first, *out.splitlines(keepends=True)]
    assert all(x.endswith(b"\n") and json.loads(x)["outcome"] == "license_required" for x in lines)
    assert len(lines) < 50_000
    assert b"interrupted" in err and b"Traceback" not in err
