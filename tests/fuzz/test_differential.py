"""Both backends decide edge-valued valid transactions identically. The rete engine runs in a
subprocess, so a crash in its native code is observed (with the input) instead of killing
the test run."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.fuzz.conftest import budget, count
from tests.fuzz.strategies import edge_valid

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("durable") is None, reason="needs exportrules[rete]"
)


class Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz._diff_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        assert self.ask_line() == b"ready\n"

    def ask_line(self) -> bytes:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def decide(self, req: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(req).encode() + b"\n")
        self.proc.stdin.flush()
        line = self.ask_line()
        if not line:
            code = self.proc.wait(timeout=30)
            raise AssertionError(f"the worker died (exit {code}) on {json.dumps(req)[:3000]}")
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


LISTS = ["un", "us_entity_list", "us_sdn", "us_meu", "us_dpl"]
PROGRAMS = ["un:DPRK", "un:Al-Qaida", "us_sdn:SDGT", "us_sdn:NPWMD", "us_sdn:HRIT-SY"]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    tx = draw(edge_valid())
    hits = []
    for p in tx.get("parties", []):
        if draw(st.integers(0, 3)) == 0:
            hits.append(
                {
                    "party": p["name"],
                    "list": draw(st.sampled_from(LISTS)),
                    "level": draw(st.sampled_from(["match", "review"])),
                    "programs": draw(st.lists(st.sampled_from(PROGRAMS), max_size=2)),
                }
            )
    return {"tx": tx, "hits": hits}


@budget(ci=150, long=8000)
@given(requests())
def test_python_and_rete_agree_on_edge_values(worker: Worker, req: dict[str, Any]) -> None:
    count("differential: python vs rete (subprocess), transactions")
    got = worker.decide(req)
    assert got["rete"] == got["python"], json.dumps(req)[:3000]
