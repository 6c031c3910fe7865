"""Real servers on loopback ports for the service tests.

``service`` is one ``exportrules serve`` subprocess for the whole session (bundled regimes and
lists, an API key, small size limits so the limits are cheap to test). ``thread_server`` runs
an app in a uvicorn thread, for engines a test controls.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

API_KEY = "test-key-5b1f"
MAX_REQUEST = 64 * 1024
MAX_BATCH = 4 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.base = f"http://127.0.0.1:{port}"

    def client(self, key: str | None = API_KEY, **kw: Any) -> httpx.Client:
        headers = {"X-API-Key": key} if key else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60, **kw)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)


def start_server(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    log = tmp / f"serve-{port}.log"
    cmd = [sys.executable, "-m", "exportrules", "serve", "--port", str(port), *args]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    srv = Server(proc, port, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(srv.base + "/healthz", timeout=2).status_code == 200:
                return srv
        time.sleep(0.2)
    srv.stop(signal.SIGKILL)
    pytest.fail(f"server did not become ready:\n{log.read_text()}")


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("service")
    keyfile = tmp / "key"
    keyfile.write_text(API_KEY + "\n")
    srv = start_server(
        tmp,
        "--api-key-file",
        str(keyfile),
        "--max-request-bytes",
        str(MAX_REQUEST),
        "--max-batch-bytes",
        str(MAX_BATCH),
    )
    yield srv
    assert srv.stop() == 0, srv.log.read_text()


@contextlib.contextmanager
def thread_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not t.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("thread server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(30)


# schemathesis: count the generated calls and say so at the end of the run
SCHEMATHESIS_CALLS: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCHEMATHESIS_CALLS:
        total = sum(SCHEMATHESIS_CALLS.values())
        per = ", ".join(f"{k} {v}" for k, v in sorted(SCHEMATHESIS_CALLS.items()))
        terminalreporter.write_line(
            f"schemathesis: {total} generated requests over {len(SCHEMATHESIS_CALLS)} "
            f"operations ({per})"
        )
