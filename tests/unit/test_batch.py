"""Batch evaluation never drops work: one output record per input record, in order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from exportrules import Engine, ErrorRecord, EvaluationError, InvalidTransaction, Transaction
from exportrules._batch import (
    ERROR_CODES,
    evaluate_records,
    process_record,
    read_records,
)
from exportrules._cli import main
from tests.conftest import ROOT, TL

TX = {
    "id": "C-1",
    "date": "2026-01-01",
    "export_from": "DE",
    "destination": "CN",
    "lines": [{"id": "1", "classification": {"tl": "T100"}}],
}


def _tx(i: int, **kw: Any) -> bytes:
    return json.dumps({**TX, "id": f"C-{i}", **kw}).encode()


# Every kind of bad record, each between good ones. (raw line, expected error code)
BAD: list[tuple[bytes, str]] = [
    (b"[" * 100_000 + b"]" * 100_000, "invalid_transaction"),  # RecursionError before
    (_tx(0, parties=[{"role": "end_user", "name": "A\ud800B"}]), "invalid_transaction"),
    (_tx(0)[:-2] + b'\xff"}', "invalid_utf8"),  # UnicodeDecodeError lost every record before
    (b'{"id": "C-x", "date": "2026-01-01", "export_from": "DE"', "invalid_json"),
    (_tx(0, lines=[{"id": "1", "value": 10**400, "currency": "EUR"}]), "invalid_transaction"),
    (b'{"lines": [{"id": "1", "id": "2"}]}', "invalid_transaction"),
    (b"[1, 2]", "invalid_transaction"),
    (b"null", "invalid_transaction"),
    (b"1e999", "invalid_transaction"),
    (b"\x00\x01", "invalid_json"),
    ("\ufeff".encode() + _tx(0)[:-1] + b"x", "invalid_json"),
]


def _batch_file(tmp_path: Path) -> tuple[Path, list[str | None]]:
    rows: list[bytes] = []
    expect: list[str | None] = []
    for i, (raw, code) in enumerate(BAD):
        rows += [_tx(2 * i), raw]
        expect += [None, code]
    rows.append(_tx(999))
    expect.append(None)
    p = tmp_path / "b.jsonl"
    p.write_bytes(b"\n".join(rows) + b"\n")
    return p, expect


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, bytes, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.encode("utf-8", "surrogateescape"), err


@pytest.mark.parametrize("workers", [0, 2])
def test_every_bad_record_gives_one_error_record_and_the_run_goes_on(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes], workers: int
) -> None:
    p, expect = _batch_file(tmp_path)
    argv = ["evaluate", "--batch", str(p), "--regime", str(TL), "--no-screening"]
    code = main([*argv, "--workers", str(workers)])
    out, err = capfdbinary.readouterr()
    assert code == 2
    lines = out.split(b"\n")
    assert lines[-1] == b""
    rows = [json.loads(x.decode("utf-8")) for x in lines[:-1]]  # strict UTF-8, valid JSON
    assert len(rows) == len(expect)
    for n, (row, code_) in enumerate(zip(rows, expect), start=1):
        if code_ is None:
            assert "outcome" in row and row["transaction"].startswith("C-")
        else:
            assert row["record"] == n and row["error"] == code_, row
            assert row["problems"] and all(set(x) == {"path", "message"} for x in row["problems"])
            assert f"{p}:{n}: ".encode() in err
    assert rows[-1]["transaction"] == "C-999"
    assert b"Traceback" not in err


def test_workers_and_in_process_write_the_same_bytes(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    p, _ = _batch_file(tmp_path)
    argv = ["evaluate", "--batch", str(p), "--regime", str(TL), "--no-screening"]
    main(argv)
    out0, _ = capfdbinary.readouterr()
    main([*argv, "--workers", "2"])
    out2, _ = capfdbinary.readouterr()
    assert _timeless(out0) == _timeless(out2)


def _timeless(out: bytes) -> list[dict[str, Any]]:
    """Output records without ``evaluated_at`` (when, not what, was decided)."""
    rows = [json.loads(x.decode("utf-8")) for x in out.splitlines()]
    for r in rows:
        r.pop("evaluated_at", None)
    return rows


def test_error_records_are_documented_codes() -> None:
    engine = Engine([TL])
    for n, (raw, code) in enumerate(BAD, start=1):
        res = process_record(engine, raw, n)
        assert res.error == code and res.error in ERROR_CODES
        doc = json.loads(res.data.decode("utf-8"))
        assert doc == {
            "record": n,
            "error": code,
            "problems": [{"path": p.path, "message": p.message} for p in res.problems],
        }


def test_a_lone_surrogate_in_a_key_is_reported_in_writable_text() -> None:
    engine = Engine([TL])
    raw = json.dumps({**TX, "na\ud800me": 1}).encode()  # json.dumps escapes it: valid UTF-8
    res = process_record(engine, raw, 1)
    assert res.error == "invalid_transaction"
    doc = json.loads(res.data.decode("utf-8"))
    assert doc["problems"][0]["path"] == '["na\\ud800me"]'


def test_read_records_keeps_line_numbers_and_skips_blank_lines(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_bytes(b'{"a": 1}\r\n\n   \n\xff\n{"b": 2}')
    with open(p, "rb") as fh:
        assert list(read_records(fh)) == [(1, b'{"a": 1}'), (4, b"\xff"), (5, b'{"b": 2}')]


# ----------------------------------------------------------------------------- engine faults


class FaultyScreener:
    """Screens nothing, but raises on one name and kills its process on another."""

    def screen(self, name: str, country: str | None = None, *, as_of: Any = None) -> list[Any]:
        if name == "raise":
            raise RuntimeError("screening service down")
        if name == "die":
            os._exit(3)  # a crash of the worker process, as a segfault in native code would be
        if name == "surrogate":
            return [{"list": "x", "level": "review", "explanation": "bad \ud800 text"}]
        return []

    def list_versions(self) -> Sequence[Mapping[str, Any]]:
        return []


def _party(i: int, name: str) -> bytes:
    return _tx(i, parties=[{"role": "end_user", "name": name}])


@pytest.mark.parametrize("workers", [0, 2])
def test_engine_faults_and_unwritable_decisions_are_error_records(workers: int) -> None:
    engine = Engine([TL], screening=FaultyScreener())
    recs = [_tx(1), _party(2, "raise"), _tx(3), _party(4, "surrogate"), _tx(5)]
    res = list(evaluate_records(engine, enumerate(recs, start=1), workers=workers))
    assert [r.number for r in res] == [1, 2, 3, 4, 5]
    assert [r.error for r in res] == [None, "engine_fault", None, "output_error", None]
    assert "screening service down" in res[1].problems[0].message
    for r in res:
        r.data.decode("utf-8")  # always writable
        json.loads(r.data)


def test_a_worker_that_dies_costs_only_its_own_record() -> None:
    engine = Engine([TL], screening=FaultyScreener())
    recs = [_tx(i) for i in range(300)]
    recs[100] = _party(100, "die")
    res = list(evaluate_records(engine, enumerate(recs, start=1), workers=2))
    assert [r.number for r in res] == list(range(1, 301))
    assert [r.error for r in res].count(None) == 299
    assert res[100].error == "engine_fault"
    assert "worker process died" in res[100].problems[0].message
    assert json.loads(res[299].data)["transaction"] == "C-299"


def test_exit_4_when_the_engine_failed_on_a_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: Engine, tx: Any) -> Any:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(Engine, "evaluate", boom)
    p = tmp_path / "b.jsonl"
    p.write_bytes(_tx(1) + b"\n" + b"{" + b"\n")
    code, out, err = _run(capsys, "evaluate", "--batch", str(p), "--regime", str(TL))
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 4 and [r["error"] for r in rows] == ["engine_fault", "invalid_json"]
    assert "ZeroDivisionError: bug" in err and "Traceback" not in err
    p.write_bytes(_tx(1))
    code, out, err = _run(capsys, "evaluate", str(p), "--regime", str(TL))
    assert code == 4 and out == b"" and "engine fault" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- single file


@pytest.mark.parametrize(("raw", "code"), BAD)
def test_evaluate_file_with_a_bad_input_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes, code: str
) -> None:
    p = tmp_path / "tx.json"
    p.write_bytes(raw)
    status, out, err = _run(capsys, "evaluate", str(p), "--regime", str(TL), "--no-screening")
    assert status == 2 and out == b""
    assert err.strip() and "Traceback" not in err


def test_evaluate_file_writes_utf8_whatever_the_terminal(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "tx.json"
    p.write_text(json.dumps({**TX, "parties": [{"role": "end_user", "name": "Ωμέγα Ltd"}]}))
    assert main(["evaluate", str(p), "--regime", str(TL), "--no-screening"]) == 0
    out, _ = capfdbinary.readouterr()
    assert json.loads(out.decode("utf-8"))["transaction"] == "C-1"


# ----------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("workers", [0, 2])
def test_sigint_stops_cleanly_with_a_prefix_of_whole_records(tmp_path: Path, workers: int) -> None:
    p = tmp_path / "big.jsonl"
    p.write_bytes(b"\n".join(_tx(i) for i in range(200_000)) + b"\n")
    outp = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "exportrules", "evaluate", "--batch", str(p), "--regime",
           str(TL), "--no-screening", "--workers", str(workers)]  # fmt: skip
    with open(outp, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while outp.stat().st_size < 20_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    msg = err.decode().strip()
    assert msg.startswith("exportrules: interrupted;") and "\n" not in msg, msg
    rows = [json.loads(x) for x in outp.read_bytes().splitlines()]
    assert 0 < len(rows) < 200_000
    assert outp.read_bytes().endswith(b"\n")
    assert [r["transaction"] for r in rows] == [f"C-{i}" for i in range(len(rows))]
    assert f"{len(rows)} complete records written" in msg


# ----------------------------------------------------------------------------- evaluate_many


def _many(n: int) -> list[dict[str, Any]]:
    return [{**TX, "id": f"C-{i}"} for i in range(n)]


@pytest.mark.parametrize("workers", [0, 2])
def test_evaluate_many_error_names_the_index_and_id(workers: int) -> None:
    engine = Engine([TL], screening=None)
    txs = _many(5)
    txs[3] = {**txs[3], "destination": "zz"}
    got: list[str | None] = []
    it = engine.evaluate_many(txs, workers=workers)
    got += [next(it).transaction for _ in range(3)]
    with pytest.raises(InvalidTransaction) as ei:
        next(it)
    assert got == ["C-0", "C-1", "C-2"]
    assert ei.value.index == 3 and ei.value.transaction == "C-3"
    assert "at index 3 (id 'C-3')" in str(ei.value)
    assert [p.path for p in ei.value.problems] == ["destination"]


@pytest.mark.parametrize("workers", [0, 2])
def test_evaluate_many_on_error_record_goes_on_in_order(workers: int) -> None:
    engine = Engine([TL], screening=FaultyScreener())
    txs: list[Any] = _many(200)
    txs[10] = {**txs[10], "lines": []}
    txs[20] = {**txs[20], "parties": [{"role": "end_user", "name": "raise"}]}
    txs[30] = ["not", "an", "object"]
    txs[40] = Transaction.from_dict(txs[40])  # a Transaction is accepted as it is
    out = list(engine.evaluate_many(txs, workers=workers, on_error="record"))
    assert len(out) == 200
    errors = {i: r for i, r in enumerate(out) if isinstance(r, ErrorRecord)}
    assert sorted(errors) == [10, 20, 30]
    assert errors[10].to_dict() == {
        "index": 10,
        "transaction": "C-10",
        "error": "invalid_transaction",
        "problems": [{"path": "lines", "message": "must have at least one line"}],
    }
    assert errors[20].error == "engine_fault" and errors[20].transaction == "C-20"
    assert "screening service down" in errors[20].problems[0].message
    assert errors[30].transaction is None and errors[30].error == "invalid_transaction"
    assert [d.transaction for i, d in enumerate(out) if i not in errors] == [
        f"C-{i}" for i in range(200) if i not in errors
    ]


def test_evaluate_many_raises_an_engine_fault_with_index_and_cause() -> None:
    engine = Engine([TL], screening=FaultyScreener())
    txs: list[Any] = _many(3)
    txs[1] = {**txs[1], "parties": [{"role": "end_user", "name": "raise"}]}
    with pytest.raises(EvaluationError, match=r"index 1 \(id 'C-1'\)") as ei:
        list(engine.evaluate_many(txs))
    assert isinstance(ei.value.__cause__, RuntimeError)


def test_evaluate_many_refuses_an_unknown_on_error() -> None:
    with pytest.raises(ValueError, match="on_error"):
        list(Engine([TL]).evaluate_many([TX], on_error="ignore"))  # type: ignore[call-overload]


def test_invalid_transaction_pickles_with_its_index() -> None:
    import pickle

    from exportrules._errors import Problem

    e = InvalidTransaction([Problem("a", "b")], index=2, transaction="X")
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.problems, e2.index, e2.transaction, str(e2)) == (
        e.problems,
        2,
        "X",
        str(e),
    )
