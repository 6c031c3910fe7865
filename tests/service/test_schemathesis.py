"""Property-based tests generated from the service's own OpenAPI document (schemathesis).

Every operation gets schema-valid (positive) and schema-violating (negative) requests. Checked
on each answer: no server error, a documented status code and content type, a body matching
the documented schema, and input that breaks the schema refused with a 4xx. Not checked: that
every schema-valid transaction is accepted, because the library's validator is documented as
stricter than the schema (country and currency lists, classification formats). The batch
endpoint answers a body that breaks the schema with 200 and an error record per bad line (its
contract), so "refused with a 4xx" is not checked there; each answer line is checked against
the Decision or BatchError schema instead.

The examples per operation and mode are bounded (``EXAMPLES``, fewer for the batch; raise it with
``EXPORTRULES_SCHEMATHESIS_EXAMPLES`` for a deeper run); the number of requests sent is printed
at the end of the pytest run.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import API_KEY, SCHEMATHESIS_CALLS, Server

EXAMPLES = int(os.environ.get("EXPORTRULES_SCHEMATHESIS_EXAMPLES", "20"))
# generating arrays of whole transactions is slow (about 1 s per example): fewer for the batch
BATCH_EXAMPLES = max(3, EXAMPLES // 4)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

OPERATIONS = [
    ("POST", "/v1/evaluate"),
    ("POST", "/v1/evaluate/batch"),
    ("POST", "/v1/screen"),
    ("GET", "/v1/regimes"),
    ("GET", "/v1/lists"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
]


NDJSON = "application/x-ndjson"


@schemathesis.serializer(NDJSON)
def _ndjson_out(ctx: Any, value: Any) -> bytes:
    """The documented array of transactions as JSON lines (anything else as one line)."""
    items = value if isinstance(value, list) else [value]
    return b"".join(json.dumps(x).encode() + b"\n" for x in items)


@schemathesis.deserializer(NDJSON)
def _ndjson_in(ctx: Any, response: Any) -> list[Any]:
    return [json.loads(line) for line in response.content.splitlines()]


@pytest.fixture(scope="module")
def api_schema(service: Server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(service.base + "/openapi.json")


def test_every_operation_is_covered(api_schema: schemathesis.BaseSchema) -> None:
    ops = sorted((op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations())
    assert ops == sorted(OPERATIONS)


# a GET without parameters or body has nothing to violate: positive only
CASES = [
    (m, p, mode)
    for m, p in OPERATIONS
    for mode in (("positive", "negative") if m == "POST" else ("positive",))
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_api(
    api_schema: schemathesis.BaseSchema, service: Server, method: str, path: str, mode: str
) -> None:
    op = api_schema[path][method]
    gen = schemathesis.GenerationMode(mode)
    label = f"{method} {path} {mode}"
    checks = CHECKS
    if path == "/v1/evaluate/batch":  # per-line errors in a 200 stream, by contract
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    SCHEMATHESIS_CALLS.setdefault(label, 0)

    @given(case=op.as_strategy(generation_mode=gen))
    @settings(
        max_examples=BATCH_EXAMPLES if path == "/v1/evaluate/batch" else EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        SCHEMATHESIS_CALLS[label] += 1
        case.call_and_validate(base_url=service.base, headers={"X-API-Key": API_KEY}, checks=checks)

    run()
