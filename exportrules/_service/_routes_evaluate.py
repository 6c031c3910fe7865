"""``POST /v1/evaluate`` and ``POST /v1/evaluate/batch``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .. import _batch
from .._errors import Problem
from ._http import BatchTooLarge, as_of_param, check_batch_length, iter_lines, read_body, state
from ._metrics import Metrics
from ._records import STATUS, TOO_LARGE, Answer, decide_lines, decide_one

__all__ = ["routes"]

NDJSON = "application/x-ndjson"


class DuplexStreamingResponse(StreamingResponse):
    """Streams answers while the request body is still being read.

    Starlette's StreamingResponse may listen for a disconnect on ``receive`` while it streams,
    which would take the body's messages away from the handler reading it; here the body
    reader itself sees the disconnect (``request.stream()`` raises ``ClientDisconnect``).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream_response(send)


_INPUT = _batch.INPUT_ERRORS | {TOO_LARGE}


def _count(m: Metrics, answers: Sequence[Answer], batch: bool) -> None:
    for a in answers:
        if a.error is None:
            m.decisions.labels(a.outcome or "unknown").inc()
        elif a.error in _INPUT:
            m.invalid.inc()
        else:
            m.faults.inc()
        if batch:
            m.batch_records.labels("decision" if a.error is None else "error").inc()


async def evaluate(request: Request) -> Response:
    st = state(request)
    as_of = as_of_param(request)
    raw = await read_body(request, st.settings.max_request_bytes)
    # engine work runs in the thread pool: the event loop keeps serving other requests
    ans = await run_in_threadpool(decide_one, st.engine, raw, replace_date=as_of)
    _count(st.metrics, [ans], batch=False)
    return Response(ans.body, status_code=STATUS[ans.error], media_type="application/json")


async def evaluate_batch(request: Request) -> Response:
    st = state(request)
    s = st.settings
    as_of = as_of_param(request)
    check_batch_length(request, s.max_batch_bytes)

    async def answers() -> AsyncIterator[bytes]:
        chunk: list[tuple[int, bytes | None]] = []

        async def flush() -> bytes:
            answers = await run_in_threadpool(
                decide_lines, st.engine, chunk, replace_date=as_of, limit=s.max_request_bytes
            )
            _count(st.metrics, answers, batch=True)
            chunk.clear()
            return b"".join(a.body + b"\n" for a in answers)

        try:
            async for item in iter_lines(
                request, line_limit=s.max_request_bytes, total_limit=s.max_batch_bytes
            ):
                chunk.append(item)
                if len(chunk) >= s.batch_chunk:
                    yield await flush()
        except BatchTooLarge as e:
            if chunk:
                yield await flush()
            st.metrics.batch_records.labels("error").inc()
            last = _batch.error_record(
                e.line,
                TOO_LARGE,
                [
                    Problem(
                        "",
                        f"the batch body is larger than this service's limit of {e.limit} "
                        f"bytes; lines from {e.line} on were not read",
                    )
                ],
            )
            yield last.data + b"\n"
            return
        if chunk:
            yield await flush()

    return DuplexStreamingResponse(answers(), media_type=NDJSON)


routes = [
    Route("/v1/evaluate", evaluate, methods=["POST"]),
    Route("/v1/evaluate/batch", evaluate_batch, methods=["POST"]),
]
