"""The command line on near-valid input: exit 0 or 2 with messages, never a traceback, and
stdout always UTF-8 JSON; in batch mode exactly one output record per input record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportrules._cli import main
from tests.conftest import ROOT, TL
from tests.fuzz.conftest import LONG, PER_INPUT, budget, count
from tests.fuzz.strategies import near_valid_text

ENGINE_ARGS = ["--regime", str(TL), "--no-screening"]


def _records(raws: list[bytes]) -> list[bytes]:
    """The records a batch file of these lines holds (blank lines are not records)."""
    return [r for r in b"\n".join(raws).split(b"\n") if r.strip()]


def _check_batch_output(out: bytes, err: bytes, n_records: int) -> None:
    assert b"Traceback" not in err, err.decode("utf-8", "replace")
    lines = out.split(b"\n")
    assert lines[-1] == b"", "output ends with a newline"
    rows = [json.loads(x.decode("utf-8")) for x in lines[:-1]]  # strict: UTF-8 and JSON
    assert len(rows) == n_records
    numbers = [r["record"] for r in rows if "error" in r]
    assert numbers == sorted(numbers)
    for r in rows:
        if "error" in r:
            assert r["error"] in ("invalid_utf8", "invalid_json", "invalid_transaction"), r
            assert r["problems"]
        else:
            assert "outcome" in r


@budget(ci=40, long=600)
@given(st.lists(near_valid_text(), min_size=1, max_size=20))
def test_batch_in_process(capfdbinary: pytest.CaptureFixture[bytes], raws: list[bytes]) -> None:
    count("cli: evaluate --batch (in process), batches")
    count("cli: evaluate --batch (in process), records", len(_records(raws)))
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "b.jsonl"
        p.write_bytes(b"\n".join(raws) + b"\n")
        out, err, code = _run_main(capfdbinary, ["evaluate", "--batch", str(p), *ENGINE_ARGS])
    _check_batch_output(out, err, len(_records(raws)))
    bad = any(b'"error"' in x[:40] for x in out.splitlines())
    assert code == (2 if bad else 0)


@budget(ci=60, long=1500)
@given(near_valid_text())
def test_single_file_in_process(capfdbinary: pytest.CaptureFixture[bytes], raw: bytes) -> None:
    count("cli: evaluate FILE (in process)")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "tx.json"
        p.write_bytes(raw)
        t0 = time.monotonic()
        out, err, code = _run_main(capfdbinary, ["evaluate", str(p), *ENGINE_ARGS])
        assert time.monotonic() - t0 < PER_INPUT
    assert b"Traceback" not in err
    if code == 0:
        assert "outcome" in json.loads(out.decode("utf-8"))
    else:
        assert code == 2 and out == b"" and err.strip(), (code, err)
        err.decode("utf-8")


def _run_main(cap: pytest.CaptureFixture[bytes], argv: list[str]) -> tuple[bytes, bytes, int]:
    """``main`` with what it wrote to the stdout and stderr file descriptors."""
    cap.readouterr()
    code = main(argv)
    out, err = cap.readouterr()
    return out, err, code


@pytest.mark.parametrize("workers", [0, 2])
@budget(ci=2, long=20)
@given(st.lists(near_valid_text(), min_size=40, max_size=120))
def test_batch_subprocess_bundled_regimes(workers: int, raws: list[bytes]) -> None:
    """The real command over the bundled regimes, in its own process: a crash is seen."""
    n = len(_records(raws))
    count(f"cli: exportrules evaluate --batch --workers {workers} (subprocess), records", n)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "b.jsonl"
        p.write_bytes(b"\n".join(raws) + b"\n")
        cmd = [sys.executable, "-m", "exportrules", "evaluate", "--batch", str(p),
               "--no-screening", "--workers", str(workers)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(cmd, capture_output=True, env=env, timeout=600 if LONG else 300)
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr[-2000:])
    _check_batch_output(proc.stdout, proc.stderr, n)
