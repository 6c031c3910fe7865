"""HTTP helpers shared by the routers: bounded body reading, JSON answers, problem errors."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._state import ServiceState

__all__ = [
    "HTTPProblem",
    "as_of_param",
    "iter_lines",
    "json_response",
    "read_body",
    "state",
    "too_large",
]


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class HTTPProblem(Exception):
    """An error answer: status code and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or body.get("error"))
        self.status = status
        self.body = body


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(obj, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type="application/json",
    )


def state(request: Request) -> ServiceState:
    st: ServiceState = request.app.state.service
    return st


def too_large(limit: int, what: str = "request body") -> HTTPProblem:
    return HTTPProblem(
        413,
        {
            "error": "request_too_large",
            "message": f"the {what} is larger than this service's limit of {limit} bytes",
            "limit": limit,
        },
    )


def _declared_length(request: Request) -> int | None:
    cl = request.headers.get("content-length")
    if cl is None:
        return None
    try:
        return int(cl)
    except ValueError:
        return None


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing (413) one larger than ``limit`` without reading it all."""
    n = _declared_length(request)
    if n is not None and n > limit:
        raise too_large(limit)
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise too_large(limit)
    return bytes(buf)


def check_batch_length(request: Request, limit: int) -> None:
    n = _declared_length(request)
    if n is not None and n > limit:
        raise too_large(limit)


class BatchTooLarge(Exception):
    """The batch body went past its limit after answers had started streaming."""

    def __init__(self, line: int, limit: int) -> None:
        super().__init__(f"batch body larger than {limit} bytes")
        self.line, self.limit = line, limit


async def iter_lines(
    request: Request, *, line_limit: int, total_limit: int
) -> AsyncIterator[tuple[int, bytes | None]]:
    """Numbered non-blank lines of a streamed body (1-based, blank lines keep their number).

    A line longer than ``line_limit`` bytes is yielded as None (its bytes are dropped as they
    arrive, so it costs no memory). Past ``total_limit`` bytes, ``BatchTooLarge`` is raised.
    """
    n = 0
    seen = 0
    buf = bytearray()
    oversize = False
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > total_limit:
            raise BatchTooLarge(n + 1, total_limit)
        start = 0
        while True:
            i = chunk.find(b"\n", start)
            if i < 0:
                if not oversize:
                    buf += chunk[start:]
                    if len(buf) > line_limit:
                        oversize = True
                        buf.clear()
                break
            n += 1
            if oversize:
                yield n, None
            else:
                buf += chunk[start:i]
                if len(buf) > line_limit:
                    yield n, None
                elif buf.strip():
                    yield n, bytes(buf)
            buf.clear()
            oversize = False
            start = i + 1
    if oversize or buf.strip():
        n += 1
        yield n, (None if oversize else bytes(buf))


def as_of_param(request: Request) -> str | None:
    """The optional ``as_of`` query parameter, checked (422 when it is not a date)."""
    v = request.query_params.get("as_of")
    if v is None:
        return None
    ok = _DATE.fullmatch(v) is not None
    if ok:
        try:
            _dt.date.fromisoformat(v)
        except ValueError:
            ok = False
    if not ok:
        raise HTTPProblem(
            422,
            {
                "error": "invalid_request",
                "problems": [{"path": "as_of", "message": f"{v!r} is not a date (YYYY-MM-DD)"}],
            },
        )
    return v
