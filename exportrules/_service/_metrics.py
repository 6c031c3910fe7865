"""Prometheus metrics: requests, latencies, decision outcomes, invalid input, engine faults.

Each app has its own registry (so tests can run several apps in one process). Under
``--workers N`` the serve command sets ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` then sums
every worker's values (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"

# request latency buckets (seconds): the engine answers in well under a millisecond, a large
# batch in minutes
_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
    300.0,
)  # fmt: skip


class Metrics:
    """The service's metrics, registered in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "exportrules_http_requests",
            "HTTP requests by route, method and status code.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "exportrules_http_request_duration_seconds",
            "Time from the request's arrival to the end of its response, by route.",
            ["route", "method"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.decisions = Counter(
            "exportrules_decisions",
            "Decisions returned, by overall outcome (single and batch requests).",
            ["outcome"],
            registry=r,
        )
        self.invalid = Counter(
            "exportrules_invalid_transactions",
            "Transactions (or batch lines) refused as invalid input.",
            registry=r,
        )
        self.faults = Counter(
            "exportrules_engine_faults",
            "Evaluations that failed inside the engine (answered 500 or as a batch error record).",
            registry=r,
        )
        self.batch_records = Counter(
            "exportrules_batch_records",
            "Batch records answered, by result (decision or error).",
            ["result"],
            registry=r,
        )
        self.info = Gauge(
            "exportrules_engine_info",
            "The engine this process serves (value 1): version, backend and regimes.",
            ["version", "backend", "regimes"],
            registry=r,
            multiprocess_mode="max",
        )

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric (summed over workers if multiprocess)."""
        if os.environ.get(_MULTIPROC):
            from prometheus_client import multiprocess

            reg = CollectorRegistry()
            multiprocess.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
            return generate_latest(reg)
        return generate_latest(self.registry)
