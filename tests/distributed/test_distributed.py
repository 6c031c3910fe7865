"""Distributed batch on a real Dask LocalCluster (worker processes): the same bytes as the
in-process batch, record for record and in input order, one error record per bad record, and
no record lost when a worker dies mid-run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import dask.bag as db
import pytest
from distributed import Client, LocalCluster

import exportrules._version
from exportrules import Engine, _batch
from exportrules._cli import main as cli_main
from exportrules.distributed import (
    EngineMismatch,
    engine_from_options,
    evaluate_bag,
    results_on_cluster,
)
from tests.conftest import TL
from tests.distributed._helpers import KILL_SWITCH, POISON, KillOnceScreener, PoisonScreener

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
EVALUATED_AT = re.compile(rb'"evaluated_at": "[^"]*", ')


def records(n: int) -> list[bytes]:
    """``n`` JSON lines: varied valid transactions with bad records of every kind among them."""
    rows = []
    for i in range(n):
        if i % 97 == 13:
            rows.append(BAD[(i // 97) % len(BAD)])
        else:
            tx: dict[str, Any] = {**GOOD, "id": f"D-{i}", "destination": DESTS[i % len(DESTS)]}
            if i % 5 == 0:
                tx["parties"] = [
                    {"role": "end_user", "name": "Huawei Technologies Co", "country": "CN"}
                ]
            rows.append(json.dumps(tx).encode())
    return rows


def stable(data: bytes) -> bytes:
    """A record's bytes without the evaluation time (to the second: differs between runs)."""
    out, n = EVALUATED_AT.subn(b"", data, count=1)
    assert n == 1 or data.startswith(b'{"record"')
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as lc,
        Client(lc) as client,
    ):
        yield client


def _cli(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, bytes]:
    code = cli_main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, err


def test_cli_on_a_cluster_writes_the_bytes_of_the_in_process_batch(
    cluster: Client, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    rows = records(3000)
    f = tmp_path / "orders.jsonl"
    f.write_bytes(b"\n".join(rows) + b"\n")
    code0, out0, err0 = _cli(capsysbinary, "evaluate", "--batch", str(f), "--no-progress")
    code1, out1, err1 = _cli(
        capsysbinary,
        "evaluate", "--batch", str(f), "--no-progress",
        "--scheduler", cluster.scheduler.address, "--partition-size", "250",
    )  # fmt: skip
    assert code0 == code1 == 2  # bad records present
    lines0, lines1 = out0.splitlines(), out1.splitlines()
    assert len(lines0) == 3000 - sum(1 for r in rows if not r.strip())
    assert [stable(x) for x in lines1] == [stable(x) for x in lines0]  # byte for byte
    errors = [json.loads(x) for x in lines1 if x.startswith(b'{"record"')]
    assert {e["error"] for e in errors} == {"invalid_json", "invalid_utf8", "invalid_transaction"}
    assert [e["record"] for e in errors] == [
        n for n, r in enumerate(rows, 1) if r.strip() and r in BAD
    ]
    decided = [json.loads(x) for x in lines1 if not x.startswith(b'{"record"')]
    assert {d["outcome"] for d in decided} >= {"authorised", "prohibited"}  # varied, real
    assert any(d["screening"] for d in decided)  # the workers screened the parties
    # the same problems on stderr, record for record, after the line naming the cluster
    assert err1.splitlines()[0].startswith(b"exportrules: deciding on the Dask cluster at tcp://")
    assert err1.splitlines()[1:] == err0.splitlines()


def test_cli_local_cluster_with_progress_bar(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    f = tmp_path / "small.jsonl"
    f.write_bytes(b"\n".join(records(120)) + b"\n")
    base = ["evaluate", "--batch", str(f), "--regime", str(TL), "--no-screening"]
    code0, out0, _ = _cli(capsysbinary, *base, "--no-progress")
    code, out, err = _cli(
        capsysbinary,
        *base, "--scheduler", "local", "--workers", "1", "--partition-size", "25", "--progress",
    )  # fmt: skip
    assert code == code0 == 2
    assert [stable(x) for x in out.splitlines()] == [stable(x) for x in out0.splitlines()]
    assert b"(1 worker)" in err
    assert b"[##############################] 120/120" in err  # the progress bar, finished


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scheduler", "local"], b"--scheduler applies to --batch only"),
        (["--batch", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], b"--workers sets"),
        (["--batch", "--scheduler", "somewhere"], b"give 'local' or an address"),
        (["--batch", "--scheduler", "local", "--partition-size", "0"], b"at least 1"),
        (["--batch", "--partition-size", "10"], b"--partition-size applies to --scheduler only"),
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
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code, out, err = _cli(
            capsysbinary, "evaluate", "--batch", str(f), "--no-progress",
            "--scheduler", f"tcp://127.0.0.1:{port}",
        )  # fmt: skip
    assert code == 4 and out == b""
    assert f"cannot reach the Dask scheduler tcp://127.0.0.1:{port}".encode() in err
    assert b"Traceback" not in err


def test_evaluate_bag_numbers_and_decides_like_the_library(cluster: Client) -> None:
    rows = records(400)
    items: list[Any] = []
    for i, r in enumerate(rows):  # objects, text and bytes in one bag
        if i % 3 == 0 and r not in BAD:
            items.append(json.loads(r))
        elif i % 3 == 1 and b"\xff" not in r:
            items.append(r.decode("utf-8"))
        else:
            items.append(r)
    bag = db.from_sequence(items, npartitions=7)
    got = evaluate_bag(bag, output="json").compute()
    engine = Engine.default()
    want = [
        _batch.process_record(engine, json.dumps(x) if isinstance(x, dict) else x, n)
        for n, x in enumerate(items, start=1)
    ]
    assert len(got) == len(items)
    assert [stable(g.encode()) for g in got] == [stable(w.data) for w in want]
    # unnumbered items are numbered by their position in the bag, across partitions
    dicts = evaluate_bag(bag).compute()
    assert [g["record"] for g in dicts if "record" in g] == [w.number for w in want if w.error]
    assert [w.number for w in want if w.error][-1] > 300  # numbers from the last partitions
    # numbered pairs keep their numbers
    pairs = db.from_sequence([(10 + i, r) for i, r in enumerate(rows[:30])], npartitions=3)
    res = evaluate_bag(pairs, output="result", regimes=[str(TL)], screening=False).compute()
    assert [r.number for r in res] == list(range(10, 40))


def test_evaluate_bag_refuses_unknown_options() -> None:
    with pytest.raises(TypeError, match="unknown engine option"):
        evaluate_bag(db.from_sequence([GOOD]), backnd="python")
    with pytest.raises(TypeError, match="unknown engine option"):
        engine_from_options({"workers": 2})
    with pytest.raises(TypeError, match="not both"):
        evaluate_bag(db.from_sequence([GOOD]), engine=Engine.default(), backend="python")
    with pytest.raises(ValueError, match="output"):
        evaluate_bag(db.from_sequence([GOOD]), output="csv")  # type: ignore[arg-type]


def test_workers_with_another_engine_are_refused(
    cluster: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(i, r) for i, r in enumerate(records(20), 1) if r.strip()]
    engine = engine_from_options({"regimes": [str(TL)], "screening": False})
    ok = list(results_on_cluster(cluster, rows, engine, partition_size=7))
    assert [r.number for r in ok] == [n for n, _ in rows]
    # this process now claims another library version than the workers run
    monkeypatch.setattr(exportrules._version, "__version__", "0.0.0")
    with pytest.raises(EngineMismatch, match="different engine"):
        list(results_on_cluster(cluster, rows, engine))


def test_workers_read_the_ledger_balances(cluster: Client, tmp_path: Path) -> None:
    """An engine with a ledger goes to the workers as its settings: they open the ledger by
    its URL and see the licence's balance, as the in-process engine does."""
    from exportrules import Ledger
    from tests.ledger.conftest import tx

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    a = tx("A", quantity=5, limits={"quantity": 8})
    with Ledger.open(url) as led:  # 5 of the licence's 8 units already shipped
        led.record(Engine.from_paths([TL]).evaluate(a), a, by="dock", shipped=True)
    rows = [
        (n, json.dumps(tx(f"B-{n}", quantity=n, limits={"quantity": 8})).encode())
        for n in (2, 3, 4)
    ]
    with Ledger.open(url) as led:
        engine = Engine.from_paths([TL], screening=None, ledger=led)
        got = list(results_on_cluster(cluster, rows, engine, partition_size=1))
        want = list(_batch.evaluate_records(engine, rows))
    assert [stable(r.data) for r in got] == [stable(w.data) for w in want]
    assert [json.loads(r.data)["outcome"] for r in got] == [
        "authorised",
        "authorised",
        "license_required",  # 4 > the 3 units left
    ]


def test_a_worker_killed_mid_run_loses_no_record(cluster: Client, tmp_path: Path) -> None:
    """A worker process dies (SIGKILL) in the middle of the run, while deciding record 1201:
    the scheduler sees it go with tasks in hand and Dask runs them again on a worker that
    lives (its nanny also starts a new one). Every record comes back once, in order, byte for
    byte what the in-process batch writes — record 1201 included, decided by another
    process."""
    rows = [(n, r) for n, r in enumerate(records(2000), 1) if r.strip()]
    kill_tx = {**GOOD, "id": "K", "parties": [{"role": "end_user", "name": KILL_SWITCH}]}
    rows = [(n, json.dumps(kill_tx).encode() if n == 1201 else r) for n, r in rows]
    hits = [{"party": KILL_SWITCH, "list": "un", "entry_id": "X1", "score": 0.9}]
    marker = tmp_path / "killed"
    pids = cluster.run(os.getpid)
    assert len(pids) == 2
    engine = Engine.from_paths(
        Engine.default(screening=None)._spec["paths"],
        screening=KillOnceScreener(str(marker), hits),
    )
    got = list(results_on_cluster(cluster, rows, engine, partition_size=100, window=6))
    # a worker did die, on record 1201 (the only one naming the kill switch) ...
    dead = int(marker.read_text())
    (victim,) = [addr for addr, pid in pids.items() if pid == dead]
    # ... and the scheduler took back the tasks it was processing, to run them elsewhere
    removed = [
        msg
        for _, msg in cluster.get_events("all")
        if isinstance(msg, dict)
        and msg.get("action") == "remove-worker"
        and msg.get("worker") == victim
    ]
    assert len(removed) == 1 and not removed[0]["expected"]
    assert removed[0]["processing-tasks"]  # the partition holding record 1201, at least
    cluster.wait_for_workers(2, timeout=60)  # the nanny replaced it
    assert dead not in cluster.run(os.getpid).values()
    # nothing lost, nothing twice, nothing changed
    assert [r.number for r in got] == [n for n, _ in rows]
    assert all(r.error is None or r.error in _batch.INPUT_ERRORS for r in got)
    assert json.loads(got[[r.number for r in got].index(1201)].data)["transaction"] == "K"
    want = list(_batch.evaluate_records(engine, rows))  # the marker exists: nobody dies now
    assert [stable(r.data) for r in got] == [stable(w.data) for w in want]


def test_a_record_that_kills_every_worker_becomes_an_error_record() -> None:
    """Dask gives up on a task that killed its worker too often (``KilledWorker``); the
    partition is run again record by record, and only the record that kills a worker again is
    lost — as an ``engine_fault`` error record in its place, as in the in-process batch."""
    rows = []
    for n in range(1, 41):
        tx = {**GOOD, "id": f"P-{n}", "parties": [{"role": "end_user", "name": "Quiet Co"}]}
        if n == 17:
            tx["parties"] = [{"role": "end_user", "name": POISON}]
        rows.append((n, json.dumps(tx).encode()))
    engine = Engine.from_paths([str(TL)], screening=PoisonScreener())
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as lc,
        Client(lc) as client,
    ):
        got = list(results_on_cluster(client, rows, engine, partition_size=10))
    assert [r.number for r in got] == list(range(1, 41))
    assert [r.error for r in got] == [None] * 16 + ["engine_fault"] + [None] * 23
    assert json.loads(got[16].data) == {
        "record": 17,
        "error": "engine_fault",
        "problems": [{"path": "", "message": "a worker process died while evaluating this record"}],
    }


def test_default_engine_keeps_its_plugins_on_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Workers build the driver's engine from its settings (``Engine._from_spec``): a default
    engine keeps the installed plug-ins there too, a broken one included."""
    from tests.unit.test_plugins import TX, FakeSite, _good

    site = FakeSite(tmp_path / "site", monkeypatch)
    _good(site)
    site.module("acme_broken_dask", "VALUE = 1 / 0\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken_dask:regime"})
    f = tmp_path / "txs.jsonl"
    f.write_text("\n".join(json.dumps({**TX, "id": f"T-{i}"}) for i in range(5)) + "\n")
    argv = ["evaluate", "--batch", str(f), "--no-screening", "--no-progress"]
    code0, out0, _ = _cli(capsysbinary, *argv)
    code, out, _ = _cli(capsysbinary, *argv, "--scheduler", "local", "--workers", "1")
    assert code == code0 == 0
    assert [stable(x) for x in out.splitlines()] == [stable(x) for x in out0.splitlines()]
    for d in map(json.loads, out.splitlines()):
        assert d["regimes"]["br"]["outcome"] == "license_required"
        assert d["regimes"]["acme"]["outcome"] == "review"
        assert {p["name"] for p in d["engine"]["plugins"]} == {"acme", "br"}


def test_ctrl_c_on_a_cluster_run_stops_cleanly(tmp_path: Path) -> None:
    f = tmp_path / "many.jsonl"
    tl_tx = {
        "export_from": "DE",
        "destination": "CN",
        "lines": [{"id": "1", "classification": {"tl": "T100"}}],
    }
    f.write_bytes((json.dumps(tl_tx) + "\n").encode() * 50_000)
    errf = tmp_path / "stderr.txt"
    with errf.open("wb") as errfh:
        p = subprocess.Popen(
            [
                sys.executable, "-m", "exportrules", "evaluate", "--batch", str(f),
                "--no-progress", "--regime", str(TL), "--no-screening",
                "--scheduler", "local", "--workers", "1", "--partition-size", "50",
            ],
            stdout=subprocess.PIPE,
            stderr=errfh,
        )  # fmt: skip
        try:
            assert p.stdout is not None
            first = p.stdout.readline()  # the run is under way
            assert first.startswith(b'{"transaction"')
            p.send_signal(signal.SIGINT)
            out = p.stdout.read()  # the rest, from the same buffered reader
            p.wait(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    err = errf.read_bytes()
    assert p.returncode == 130, err
    lines = [first, *out.splitlines(keepends=True)]
    assert all(x.endswith(b"\n") and json.loads(x)["outcome"] == "license_required" for x in lines)
    assert len(lines) < 50_000
    assert b"interrupted" in err and b"Traceback" not in err
