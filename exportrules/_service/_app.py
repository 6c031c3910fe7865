"""The ASGI application: routers per concern, API-key and metrics middleware, lifespan.

``create_app(settings)`` builds an app; ``app_from_env()`` is the factory uvicorn imports in
every worker process (settings from ``EXPORTRULES_*``).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._engine import Engine
from .._version import __version__
from . import _routes_evaluate, _routes_info, _routes_screen
from ._http import HTTPProblem, json_response
from ._metrics import Metrics
from ._settings import Settings
from ._state import ServiceState, build_engine, warm

__all__ = ["app_from_env", "create_app"]

log = logging.getLogger("exportrules.service")

_OPEN = frozenset({"/healthz", "/openapi.json"})  # probes and clients need these without a key


class MetricsMiddleware:
    """Counts every request and times it to the end of its response body."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(label, method, str(status)).inc()
            self.metrics.latency.labels(label, method).observe(time.perf_counter() - start)


class APIKeyMiddleware:
    """Requires the API key on every path but the probes (``Bearer`` or ``X-API-Key``)."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app, self.key = app, key.encode("utf-8")

    def _given(self, scope: Scope) -> bytes | None:
        for name, value in scope.get("headers", ()):
            if name == b"x-api-key":
                return bytes(value)
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                return bytes(value[7:]).strip()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _OPEN:
            await self.app(scope, receive, send)
            return
        given = self._given(scope)
        if given is not None and hmac.compare_digest(given, self.key):
            await self.app(scope, receive, send)
            return
        res = json_response(
            {
                "error": "unauthorized",
                "message": "this service needs an API key: 'Authorization: Bearer KEY' or "
                "'X-API-Key: KEY'"
                if given is None
                else "wrong API key",
            },
            401,
        )
        res.headers["WWW-Authenticate"] = 'Bearer realm="exportrules"'
        await res(scope, receive, send)


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPProblem)
    return json_response(exc.body, exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    names = {404: "not_found", 405: "method_not_allowed"}
    res = json_response(
        {"error": names.get(exc.status_code, "http_error"), "message": str(exc.detail)},
        exc.status_code,
    )
    for k, v in (exc.headers or {}).items():
        res.headers[k] = v
    return res


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({"error": "internal_error", "message": type(exc).__name__}, 500)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Starlette:
    """The service app. The engine is built (or taken as given) and warmed before serving."""
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        t0 = time.perf_counter()
        eng = engine if engine is not None else await run_in_threadpool(build_engine, settings)
        await run_in_threadpool(warm, eng)
        app.state.service = ServiceState(settings=settings, engine=eng, metrics=metrics)
        regimes = ",".join(f"{r.id}@{r.version}" for r in eng.regimes)
        metrics.info.labels(__version__, settings.backend, regimes).set(1)
        log.info(
            "exportrules %s ready in %.2fs (pid %d): backend %s, regimes %s, screening %s",
            __version__,
            time.perf_counter() - t0,
            os.getpid(),
            settings.backend,
            regimes,
            "on" if settings.screening else "off",
        )
        try:
            yield
        finally:
            log.info("exportrules service (pid %d) stopped", os.getpid())
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    handlers: dict[Any, Any] = {
        HTTPProblem: _problem,
        HTTPException: _http_error,
        Exception: _server_error,
    }
    app = Starlette(
        routes=[*_routes_evaluate.routes, *_routes_screen.routes, *_routes_info.routes],
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    if settings.api_key:
        app.add_middleware(APIKeyMiddleware, key=settings.api_key)
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: counts 401s too
    return app


def app_from_env() -> Starlette:
    """The app for one uvicorn worker, with settings from the environment."""
    return create_app(Settings.from_env())
