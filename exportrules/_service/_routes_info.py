"""``GET /v1/regimes``, ``/healthz``, ``/metrics`` and ``/openapi.json``."""

from __future__ import annotations

import os
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._version import __version__
from ._http import json_response, state
from ._metrics import CONTENT_TYPE_LATEST
from ._openapi import openapi as build_openapi

__all__ = ["routes"]


async def regimes(request: Request) -> Response:
    st = state(request)
    return json_response({"regimes": [r.describe() for r in st.engine.regimes]})


async def healthz(request: Request) -> Response:
    st = state(request)
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "backend": st.settings.backend,
            "regimes": st.regime_versions(),
            "screening": st.settings.screening,
            "ledger": st.settings.ledger_url is not None,
            "uptime_seconds": round(time.monotonic() - st.started, 3),
            "pid": os.getpid(),
        }
    )


async def metrics(request: Request) -> Response:
    st = state(request)
    return Response(st.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


async def openapi(request: Request) -> Response:
    s = state(request).settings
    return json_response(
        build_openapi(
            auth=bool(s.api_key),
            max_request_bytes=s.max_request_bytes,
            max_batch_bytes=s.max_batch_bytes,
        )
    )


routes = [
    Route("/v1/regimes", regimes, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
