"""The HTTP service against a real server on a loopback port: every endpoint, bad input of
each kind, the API key, size limits, metrics, streaming, faults and graceful shutdown."""

from __future__ import annotations

import json
import re
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from exportrules import Engine, InvalidTransaction
from exportrules._cli import main as cli_main
from exportrules._errors import InvalidJSON
from exportrules._service._app import create_app
from exportrules._service._settings import Settings
from exportrules._validate import loads_strict

from .conftest import API_KEY, MAX_BATCH, MAX_REQUEST, Server, start_server, thread_server

ROOT = Path(__file__).resolve().parents[2]
TL_PATH = ROOT / "tests" / "fixtures" / "regimes" / "tl"
EXAMPLE = json.loads((ROOT / "examples" / "surveillance-to-police.json").read_text())
VOLATILE = ("evaluated_at",)  # decision fields that depend on the clock, not the input

GOOD = {
    "id": "S-1",
    "date": "2026-11-27",
    "export_from": "DE",
    "destination": "US",
    "lines": [{"id": "1", "classification": {"eu": "3A001.a.1"}}],
}


def _stable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in VOLATILE}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


@pytest.fixture
def client(service: Server) -> httpx.Client:
    return service.client()


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 if absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = ",".join(sorted((m.group(2) or "").split(","))) if m.group(2) else ""
        if got == want:
            return float(m.group(3))
    return 0.0


# ---------------------------------------------------------------- probes and listings


def test_healthz_needs_no_key_and_names_the_engine(service: Server) -> None:
    r = httpx.get(service.base + "/healthz")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["backend"] == "python" and h["screening"] is True
    assert set(h["regimes"]) == {"eu", "us", "ca"}


def test_openapi_uses_the_shipped_schemas(service: Server) -> None:
    doc = httpx.get(service.base + "/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    shipped = ROOT / "exportrules" / "schemas"
    comps = doc["components"]["schemas"]
    assert comps["Transaction"] == json.loads((shipped / "transaction-v1.json").read_text())
    assert comps["Decision"] == json.loads((shipped / "decision-v1.json").read_text())
    ev = doc["paths"]["/v1/evaluate"]["post"]
    assert ev["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Transaction"
    }
    assert ev["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Decision"
    }
    assert set(doc["paths"]) == {
        "/v1/evaluate",
        "/v1/evaluate/batch",
        "/v1/screen",
        "/v1/regimes",
        "/v1/lists",
        "/healthz",
        "/metrics",
    }
    assert "bearer" in doc["components"]["securitySchemes"]  # this server has a key


def test_regimes_as_the_engine_describes_them(client: httpx.Client, engine: Engine) -> None:
    r = client.get("/v1/regimes")
    assert r.status_code == 200
    assert r.json() == {"regimes": [x.describe() for x in engine.regimes]}


def test_lists_as_the_screener_describes_them(client: httpx.Client) -> None:
    from exportrules._screening import Screener

    r = client.get("/v1/lists")
    assert r.status_code == 200
    assert r.json() == {"lists": json.loads(json.dumps(Screener.default().list_versions()))}


# ---------------------------------------------------------------- API key


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-API-Key": "wrong"}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": f"Basic {API_KEY}"}, 401),
        ({"X-API-Key": API_KEY}, 200),
        ({"Authorization": f"Bearer {API_KEY}"}, 200),
    ],
)
def test_api_key(service: Server, headers: dict[str, str], status: int) -> None:
    for method, path, body in (
        ("GET", "/v1/regimes", None),
        ("POST", "/v1/evaluate", GOOD),
        ("GET", "/metrics", None),
    ):
        r = httpx.request(method, service.base + path, json=body, headers=headers)
        assert r.status_code == status, (path, r.text)
        if status == 401:
            assert r.json()["error"] == "unauthorized"
            assert r.headers["www-authenticate"].startswith("Bearer")


# ---------------------------------------------------------------- POST /v1/evaluate


def test_evaluate_is_the_library_decision(client: httpx.Client, engine: Engine) -> None:
    r = client.post("/v1/evaluate", json=EXAMPLE)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert _stable(r.json()) == _stable(engine.evaluate(EXAMPLE).to_dict())
    assert r.json()["outcome"] == "license_required"


def test_evaluate_as_of_replaces_the_date(client: httpx.Client, engine: Engine) -> None:
    r = client.post("/v1/evaluate", params={"as_of": "2024-03-01"}, json=GOOD)
    assert r.status_code == 200
    assert r.json()["as_of"] == "2024-03-01"
    assert _stable(r.json()) == _stable(engine.evaluate({**GOOD, "date": "2024-03-01"}).to_dict())
    for bad in ("2024-02-30", "20240301", "yesterday", "2024-W09-5"):
        r = client.post("/v1/evaluate", params={"as_of": bad}, json=GOOD)
        assert r.status_code == 422
        assert r.json()["error"] == "invalid_request"
        assert r.json()["problems"][0]["path"] == "as_of"


def _library_answer(body: bytes, engine: Engine) -> tuple[int, dict[str, Any]]:
    """What the library says about a body: 400 if it is not UTF-8 JSON, 422 if it is not a
    valid transaction, each with the library's error object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, {"error": "invalid_utf8"}
    try:
        engine.evaluate(loads_strict(text))
    except InvalidJSON as e:
        return 400, e.to_dict()
    except InvalidTransaction as e:
        return 422, e.to_dict()
    raise AssertionError("the library accepted it")


BAD_BODIES = [
    # invalid transactions: every problem with its JSON path
    json.dumps({"export_from": "XX", "lines": []}).encode(),
    json.dumps({**GOOD, "lines": [{"id": "1", "quantity": -1}], "extra": 1}).encode(),
    json.dumps({**GOOD, "parties": [{"role": "spy", "name": ""}]}).encode(),
    json.dumps({**GOOD, "parties": [{"role": "end_user", "name": "A\ud800B"}]}).encode(),
    json.dumps({**GOOD, "lines": [{"id": "1", "value": 10**400}]}).encode(),
    json.dumps([GOOD]).encode(),
    b'{"export_from": "DE", "export_from": "DE"}',  # duplicate key
    b"[" * 30_000 + b"]" * 30_000,  # nested too deeply
    # not JSON at all
    b'{"export_from": NaN}',
    b"not json",
    b"",
    b'{"export_from": "DE",',
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_evaluate_bad_input_is_refused_like_the_library(
    client: httpx.Client, engine: Engine, body: bytes
) -> None:
    r = client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"})
    status, doc = _library_answer(body, engine)
    assert r.status_code == status, r.text
    assert r.json() == doc
    assert r.json()["problems"] and all(set(p) == {"path", "message"} for p in doc["problems"])


def test_evaluate_not_utf8_is_400_with_a_clear_message(client: httpx.Client) -> None:
    r = client.post("/v1/evaluate", content=b'{"id": "\xff\xfe"}')
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_utf8"
    [p] = r.json()["problems"]
    assert p["path"] == "" and "UTF-8" in p["message"]
    assert client.get("/healthz").status_code == 200


def test_evaluate_too_large_is_413(client: httpx.Client, service: Server) -> None:
    big = {**GOOD, "lines": [{"id": "1", "description": "x" * MAX_REQUEST}]}
    r = client.post("/v1/evaluate", json=big)
    assert r.status_code == 413
    assert r.json() == {
        "error": "request_too_large",
        "message": f"the request body is larger than this service's limit of {MAX_REQUEST} bytes",
        "limit": MAX_REQUEST,
    }

    # no Content-Length (chunked): refused while reading, not after buffering it all
    def chunks() -> Any:
        for _ in range(MAX_REQUEST // 1000 + 2):
            yield b" " * 1000

    r = client.post("/v1/evaluate", content=chunks())
    assert r.status_code == 413
    # just under the limit is fine
    pad = MAX_REQUEST - len(json.dumps(GOOD).encode()) - 10
    r = client.post("/v1/evaluate", content=json.dumps(GOOD).encode() + b" " * pad)
    assert r.status_code == 200


def test_wrong_method_and_unknown_path_are_json(client: httpx.Client) -> None:
    r = client.get("/v1/evaluate")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
    r = client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


# ---------------------------------------------------------------- POST /v1/evaluate/batch


def _batch_lines() -> list[bytes]:
    rows: list[bytes] = []
    for i in range(150):
        tx = {**GOOD, "id": f"B-{i}", "destination": ["US", "CN", "RU", "KP", "FR"][i % 5]}
        if i % 7 == 3:
            rows.append(json.dumps({**tx, "export_from": "ZZ"}).encode())  # invalid
        elif i % 11 == 5:
            rows.append(b"{not json")  # not JSON
        elif i % 13 == 6:
            rows.append(b"   ")  # blank: no output, keeps its number
        elif i % 17 == 8:
            rows.append(BAD_BODIES[(i // 17) % len(BAD_BODIES)])  # bad in every other way
        elif i % 19 == 9:
            rows.append(b'{"id": "\xff"}')  # not UTF-8
        else:
            rows.append(json.dumps(tx).encode())
    return rows


def test_batch_matches_the_cli_batch_record_for_record(
    client: httpx.Client, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    rows = _batch_lines()
    body = b"\n".join(rows) + b"\n"
    r = client.post("/v1/evaluate/batch", content=body)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    got = [json.loads(x) for x in r.content.splitlines()]
    f = tmp_path / "in.jsonl"
    f.write_bytes(body)
    assert cli_main(["evaluate", "--batch", str(f), "--no-progress"]) == 2
    want = [json.loads(x) for x in capsysbinary.readouterr().out.splitlines()]
    assert [_stable(x) for x in got] == [_stable(x) for x in want]
    # one answer per non-blank line, in order; errors carry their line number
    numbered = [n for n, row in enumerate(rows, 1) if row.strip()]
    assert len(got) == len(numbered)
    codes = set()
    for n, rec in zip(numbered, got):
        if "record" in rec:
            assert rec["record"] == n and rec["problems"]
            codes.add(rec["error"])
        else:
            assert rec["transaction"] == f"B-{n - 1}"
    assert codes == {"invalid_json", "invalid_transaction", "invalid_utf8"}


def test_batch_bad_lines_of_every_kind(client: httpx.Client) -> None:
    lines = [
        json.dumps(GOOD).encode(),
        b"\xff\xfe not utf-8",
        b"[" * 20_000 + b"]" * 20_000,
        b'{"a": 1, "a": 2}',
        json.dumps({**GOOD, "lines": [{"id": "1", "description": "y" * MAX_REQUEST}]}).encode(),
        json.dumps(GOOD).encode(),
    ]
    r = client.post("/v1/evaluate/batch", content=b"\r\n".join(lines))  # CRLF, no final EOL
    assert r.status_code == 200
    got = [json.loads(x) for x in r.text.splitlines()]
    assert len(got) == 6
    assert got[0]["transaction"] == "S-1" and got[5]["transaction"] == "S-1"
    assert [g.get("record") for g in got] == [None, 2, 3, 4, 5, None]
    assert [g.get("error") for g in got[1:5]] == [
        "invalid_utf8",
        "invalid_transaction",
        "invalid_transaction",
        "request_too_large",
    ]
    assert "limit" in got[4]["problems"][0]["message"]


def _raw_batch(port: int, send_body: Any, timeout: float = 60) -> bytes:
    """POST a chunked batch over a raw socket, writing in a thread while reading the answer
    (a duplex exchange, as curl does); returns the raw response once the server closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(
        b"POST /v1/evaluate/batch HTTP/1.1\r\nHost: x\r\n"
        + f"X-API-Key: {API_KEY}\r\n".encode()
        + b"Transfer-Encoding: chunked\r\n\r\n"
    )

    def writer() -> None:
        try:
            for part in send_body():
                s.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading and closed: expected past the limit

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    buf = bytearray()
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            buf += data
            if buf[-7:] == b"\r\n0\r\n\r\n":  # last chunk of the answer
                break
    finally:
        s.close()
        t.join(timeout)
    return bytes(buf)


def _dechunk(raw: bytes) -> bytes:
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0], head
    out = bytearray()
    pos = 0
    while pos < len(rest):
        eol = rest.index(b"\r\n", pos)
        size = int(rest[pos:eol], 16)
        if size == 0:
            break
        out += rest[eol + 2 : eol + 2 + size]
        pos = eol + 2 + size + 2
    return bytes(out)


def test_batch_over_the_limit_ends_with_an_error_record(
    client: httpx.Client, service: Server
) -> None:
    line = json.dumps(GOOD).encode().ljust(16_000) + b"\n"  # padded: few evaluations
    per = 10

    def body() -> Any:  # no Content-Length: the limit is found while streaming
        for _ in range(MAX_BATCH // (len(line) * per) + 20):
            yield line * per

    got = [json.loads(x) for x in _dechunk(_raw_batch(service.port, body)).splitlines()]
    assert got[-1]["error"] == "request_too_large"
    assert f"limit of {MAX_BATCH} bytes" in got[-1]["problems"][0]["message"]
    assert len(got) > 200 and all(g["transaction"] == "S-1" for g in got[:-1])
    assert got[-1]["record"] == len(got)  # the first line not answered
    # with a declared length, refused before reading
    r = client.post("/v1/evaluate/batch", content=b"x" * (MAX_BATCH + 1))
    assert r.status_code == 413
    assert client.get("/healthz").status_code == 200


def test_batch_streams_answers_before_the_body_ends(service: Server) -> None:
    """Answers for the first lines arrive while the client still holds back the rest."""
    line = json.dumps(GOOD).encode() + b"\n"
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as s:
        s.sendall(
            b"POST /v1/evaluate/batch HTTP/1.1\r\nHost: x\r\n"
            + f"X-API-Key: {API_KEY}\r\n".encode()
            + b"Transfer-Encoding: chunked\r\nContent-Type: application/x-ndjson\r\n\r\n"
        )
        first = line * 64  # one evaluation chunk
        s.sendall(f"{len(first):x}\r\n".encode() + first + b"\r\n")
        buf = b""
        while buf.count(b'"transaction": "S-1"') < 64:
            data = s.recv(65536)
            assert data, "connection closed early"
            buf += data
        assert b"200 OK" in buf.split(b"\r\n", 1)[0]
        s.sendall(f"{len(line):x}\r\n".encode() + line + b"\r\n0\r\n\r\n")
        while not buf.endswith(b"0\r\n\r\n"):
            data = s.recv(65536)
            assert data
            buf += data
        assert buf.count(b'"transaction": "S-1"') == 65


def test_batch_as_of(client: httpx.Client) -> None:
    r = client.post(
        "/v1/evaluate/batch", params={"as_of": "2023-05-05"}, content=json.dumps(GOOD) + "\n"
    )
    assert [json.loads(x)["as_of"] for x in r.text.splitlines()] == ["2023-05-05"]


# ---------------------------------------------------------------- POST /v1/screen


def test_screen_explains_hits(client: httpx.Client) -> None:
    from exportrules._screening import Screener

    scr = Screener.default()
    entry = next(e for e in scr.lists[0].entries if len(e.names[0]) > 10)
    r = client.post("/v1/screen", json={"name": entry.names[0]})
    assert r.status_code == 200
    doc = r.json()
    assert doc["query"] == entry.names[0]
    assert doc["hits"] and doc["hits"][0]["entry_id"] == entry.entry_id
    assert doc["hits"][0]["level"] == "match" and doc["hits"][0]["explanation"]
    assert doc["hits"] == [m.to_dict() for m in scr.screen(entry.names[0])]
    r = client.post(
        "/v1/screen", json={"name": entry.names[0], "lists": [scr.lists[0].id], "threshold": 0.99}
    )
    assert r.status_code == 200 and r.json()["thresholds"]["review"] == 0.99
    assert [v["id"] for v in r.json()["lists"]] == [scr.lists[0].id]


def test_screen_clean_name_has_no_hits(client: httpx.Client) -> None:
    r = client.post("/v1/screen", json={"name": "Quiet Meadow Bakery", "country": "FR"})
    assert r.status_code == 200 and r.json()["hits"] == []


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({}, ["name"]),
        ({"name": "  "}, ["name"]),
        (
            {"name": "A", "country": "fr", "threshold": 0, "as_of": "2026-13-01"},
            ["country", "threshold", "as_of"],
        ),
        ({"name": "A", "lists": ["no_such_list"]}, ["lists"]),
        ({"name": "A", "lists": "un"}, ["lists"]),
        ({"name": "A", "threshold": True, "x": 1}, ["x", "threshold"]),
        ([1], [""]),
    ],
)
def test_screen_invalid(client: httpx.Client, body: Any, paths: list[str]) -> None:
    r = client.post("/v1/screen", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_request"
    assert [p["path"] for p in r.json()["problems"]] == paths


def test_screen_not_json_and_too_large(client: httpx.Client) -> None:
    r = client.post("/v1/screen", content=b"\xff")
    assert r.status_code == 422 and r.json()["problems"][0]["path"] == ""
    r = client.post("/v1/screen", json={"name": "x" * (MAX_REQUEST + 1)})
    assert r.status_code == 413


# ---------------------------------------------------------------- GET /metrics


def test_metrics_count_requests_outcomes_and_invalid(client: httpx.Client) -> None:
    before = client.get("/metrics").text
    client.post("/v1/evaluate", json=EXAMPLE)
    client.post("/v1/evaluate", json={"lines": []})
    client.post("/v1/evaluate/batch", content=json.dumps(EXAMPLE) + "\nnope\n")
    r = client.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    after = r.text

    def delta(name: str, **labels: str) -> float:
        return _metric(after, name, **labels) - _metric(before, name, **labels)

    assert (
        delta("exportrules_http_requests_total", route="/v1/evaluate", method="POST", status="200")
        == 1
    )
    assert (
        delta("exportrules_http_requests_total", route="/v1/evaluate", method="POST", status="422")
        == 1
    )
    assert delta("exportrules_decisions_total", outcome="license_required") == 2
    assert delta("exportrules_invalid_transactions_total") == 2
    assert delta("exportrules_batch_records_total", result="decision") == 1
    assert delta("exportrules_batch_records_total", result="error") == 1
    assert (
        delta(
            "exportrules_http_request_duration_seconds_count", route="/v1/evaluate", method="POST"
        )
        == 2
    )
    assert _metric(after, "exportrules_engine_faults_total") == 0
    assert "exportrules_engine_info{" in after


# ---------------------------------------------------------------- faults and the event loop


class _FaultyEngine(Engine):
    def evaluate(self, tx: Any) -> Any:
        if isinstance(tx, dict) and tx.get("id") == "boom":
            raise RuntimeError("kaput")
        return super().evaluate(tx)


class _SlowEngine(Engine):
    def evaluate(self, tx: Any) -> Any:
        if isinstance(tx, dict) and tx.get("id") == "slow":
            time.sleep(2.0)
        return super().evaluate(tx)


def _tl_engine(cls: type[Engine]) -> Engine:
    from tests.conftest import TL

    return cls([TL], screening=None)


TL_TX = {
    "export_from": "DE",
    "destination": "CN",
    "lines": [{"id": "1", "classification": {"tl": "T100"}}],
}


def test_engine_fault_is_500_and_counted_and_batch_goes_on() -> None:
    app = create_app(Settings(), engine=_tl_engine(_FaultyEngine))
    with thread_server(app) as base, httpx.Client(base_url=base) as c:
        r = c.post("/v1/evaluate", json={**TL_TX, "id": "boom"})
        assert r.status_code == 500
        kaput = [{"path": "", "message": "RuntimeError: kaput"}]
        assert r.json() == {"error": "engine_fault", "problems": kaput}
        r = c.post(
            "/v1/evaluate/batch",
            content="\n".join(json.dumps({**TL_TX, "id": i}) for i in ("a", "boom", "c")),
        )
        got = [json.loads(x) for x in r.text.splitlines()]
        assert [g.get("transaction") for g in got] == ["a", None, "c"]
        assert got[1] == {"record": 2, "error": "engine_fault", "problems": kaput}
        assert _metric(c.get("/metrics").text, "exportrules_engine_faults_total") == 2


def test_engine_work_does_not_block_the_event_loop() -> None:
    app = create_app(Settings(), engine=_tl_engine(_SlowEngine))
    with thread_server(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        t = threading.Thread(
            target=c.post, args=("/v1/evaluate",), kwargs={"json": {**TL_TX, "id": "slow"}}
        )
        t0 = time.monotonic()
        t.start()
        time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=30) as c2:
            r = c2.get("/healthz")
            answered = time.monotonic() - t0
            r2 = c2.post("/v1/evaluate", json=TL_TX)
        t.join()
        assert r.status_code == 200 and r2.status_code == 200
        assert answered < 1.5, f"/healthz waited {answered:.2f}s behind a 2s evaluation"


# ---------------------------------------------------------------- settings and the command


def test_settings_from_environment_round_trip() -> None:
    s = Settings(
        ledger_url="postgresql://u:p@h/db",
        other_jurisdiction="note",
        potential_other_jurisdiction="off",
        regimes=("a", "b"),
        plugins=False,
        backend="rete",
        strict_data=True,
        screening=False,
        api_key="k",
        max_request_bytes=10,
        max_batch_bytes=20,
        batch_chunk=3,
    )
    assert Settings.from_env(s.to_env()) == s
    assert Settings.from_env({}) == Settings()
    with pytest.raises(ValueError, match="EXPORTRULES_MAX_BATCH_BYTES"):
        Settings.from_env({"EXPORTRULES_MAX_BATCH_BYTES": "-1"})
    with pytest.raises(ValueError, match="EXPORTRULES_STRICT_DATA"):
        Settings.from_env({"EXPORTRULES_STRICT_DATA": "maybe"})
    with pytest.raises(ValueError, match="backend"):
        Settings.from_env({"EXPORTRULES_BACKEND": "fast"})
    with pytest.raises(ValueError, match="EXPORTRULES_SCREENING_OTHER_JURISDICTION"):
        Settings.from_env({"EXPORTRULES_SCREENING_OTHER_JURISDICTION": "ignore"})
    assert "postgresql" not in repr(s)  # a URL may carry a password


def test_serve_refuses_a_broken_regime_with_exit_3(tmp_path: Path) -> None:
    import subprocess
    import sys

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "regime.toml").write_text("id = \n")
    p = subprocess.run(
        [sys.executable, "-m", "exportrules", "serve", "--regime", str(broken), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 3, p.stderr
    assert "regime.toml" in p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "exportrules", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and "--port" in p.stderr


def test_workers_share_metrics_and_shutdown_is_graceful(tmp_path: Path) -> None:
    """Two worker processes: /metrics sums both; SIGTERM lets a running batch finish."""
    from tests.conftest import TL

    srv = start_server(tmp_path, "--workers", "2", "--regime", str(TL), "--no-screening")
    try:
        # one keep-alive connection to each worker (the kernel spreads new connections)
        conns: dict[int, httpx.Client] = {}
        for _ in range(200):
            c = srv.client(key=None)
            pid = c.get("/healthz").json()["pid"]
            if pid in conns:
                c.close()
            else:
                conns[pid] = c
            if len(conns) == 2:
                break
        assert len(conns) == 2, "new connections never reached the second worker"
        for c in conns.values():
            for _ in range(10):
                assert c.post("/v1/evaluate", json=TL_TX).status_code == 200
        for c in conns.values():
            text = c.get("/metrics").text
            assert _metric(text, "exportrules_decisions_total", outcome="license_required") == 20
            c.close()
        # a batch big enough to be running when SIGTERM arrives
        body = (json.dumps(TL_TX) + "\n").encode() * 8_000
        out: list[bytes] = []

        def run() -> None:
            with (
                srv.client(key=None) as c3,
                c3.stream("POST", "/v1/evaluate/batch", content=body) as r,
            ):
                for chunk in r.iter_bytes():
                    out.append(chunk)

        t = threading.Thread(target=run)
        t.start()
        deadline = time.monotonic() + 30
        while not out and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out, "the batch did not start"
        srv.proc.send_signal(signal.SIGTERM)
        at_signal = len(b"".join(out).splitlines())
        t.join(120)
        lines = b"".join(out).splitlines()
        assert at_signal < 8_000, "the batch ended before the signal: make it longer"
        assert len(lines) == 8_000  # every answer arrived after SIGTERM, none lost
        assert all(b'"outcome": "license_required"' in x for x in lines[::997])
        assert srv.proc.wait(60) == 0
    finally:
        srv.stop()


# ---------------------------------------------------------------- screening policy and ledger

POLICY_TX = {
    "export_from": "CA",
    "destination": "CN",
    "parties": [{"role": "end_user", "name": "Huawei Technologies Co., Ltd.", "country": "CN"}],
    "lines": [
        {"id": "1", "origin": "CA", "us_content": 0.0, "classification": {"ca": "1-5.A.1.j"}}
    ],
}


def _other_jurisdiction_reviews(d: dict[str, Any]) -> int:
    return sum(
        1
        for f in d["findings"]
        if f["rule"] == "screening.other_jurisdiction" and f["outcome"] == "review"
    )


def test_screening_policy_setting_reaches_the_engine(client: httpx.Client) -> None:
    from exportrules import ScreeningPolicy

    # default policy (the session server): a US Entity List match on a Canadian export is held
    default = client.post("/v1/evaluate", json=POLICY_TX).json()
    assert _other_jurisdiction_reviews(default) == 1
    app = create_app(Settings(other_jurisdiction="off"))
    with thread_server(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        off = c.post("/v1/evaluate", json=POLICY_TX).json()
    assert _other_jurisdiction_reviews(off) == 0
    lib = Engine.default(screening_policy=ScreeningPolicy(other_jurisdiction="off"))
    assert _stable(off) == _stable(lib.evaluate(POLICY_TX).to_dict())


def test_ledger_setting_opens_an_existing_ledger_only(tmp_path: Path) -> None:
    import subprocess
    import sys

    from exportrules import Ledger
    from tests.ledger.conftest import tx

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    a = tx("A", quantity=5, limits={"quantity": 8})
    b = tx("B", quantity=4, limits={"quantity": 8})
    with Ledger.open(url) as led:  # 5 of the licence's 8 units already shipped
        led.record(Engine.from_paths([TL_PATH]).evaluate(a), a, by="dock", shipped=True)
    app = create_app(Settings(regimes=(str(TL_PATH),), screening=False, ledger_url=url))
    with thread_server(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        assert c.get("/healthz").json()["ledger"] is True
        d = c.post("/v1/evaluate", json=b).json()
    # alone, B's 4 units fit the licence; with the ledger's balance only 3 are left
    assert Engine.from_paths([TL_PATH]).evaluate(b).outcome.value == "authorised"
    assert d["outcome"] == "license_required"
    (note,) = [f for f in d["findings"] if f["rule"] == "tl.licence_limit"]
    assert "quantity left 3 of 8" in note["message"]
    # a ledger that does not exist is never created by the service: it refuses to start
    missing = f"sqlite:///{tmp_path / 'typo.db'}"
    p = subprocess.run(
        [sys.executable, "-m", "exportrules", "serve", "--ledger", missing, "--port", "1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 2, p.stderr
    assert "ledger" in p.stderr and not (tmp_path / "typo.db").exists()
