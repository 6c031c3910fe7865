"""The OpenAPI 3.1 document: request and response bodies are the shipped JSON Schemas.

``Transaction`` and ``Decision`` are ``exportrules/schemas/transaction-v1.json`` and
``decision-v1.json`` as shipped (OpenAPI 3.1 schema objects are JSON Schema 2020-12), so the
service's contract cannot drift from the library's. The other schemas describe the service's
own envelopes (errors, screening, listings).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from .._version import __version__

__all__ = ["openapi", "shipped_schema"]


@functools.cache
def _load(name: str) -> str:
    return (resources.files("exportrules") / "schemas" / name).read_text(encoding="utf-8")


def shipped_schema(name: str) -> dict[str, Any]:
    """A fresh copy of a shipped schema (``transaction-v1.json`` or ``decision-v1.json``)."""
    doc: dict[str, Any] = json.loads(_load(name))
    return doc


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


_PROBLEM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["path", "message"],
    "properties": {
        "path": {"type": "string", "description": "JSON path of the problem ('' for the whole)"},
        "message": {"type": "string"},
    },
}

_COUNTRY = {"type": "string", "pattern": "^[A-Z]{2}$"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _problem_error(description: str, error: dict[str, Any]) -> dict[str, Any]:
    """An error body that lists every problem with its JSON path."""
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "required": ["error", "problems"],
        "properties": {
            "error": error,
            "problems": {"type": "array", "minItems": 1, "items": _PROBLEM},
        },
    }


_SCHEMAS: dict[str, Any] = {
    "InvalidTransaction": _problem_error(
        "The input breaks the transaction contract: every problem with its path "
        "(the same object as InvalidTransaction.to_dict() in Python).",
        {"const": "invalid_transaction"},
    ),
    "InvalidJSON": _problem_error(
        "The body is not UTF-8 text (invalid_utf8) or not JSON (invalid_json).",
        {"enum": ["invalid_json", "invalid_utf8"]},
    ),
    "EngineFault": _problem_error(
        "The engine failed on a valid transaction (engine_fault), or its "
        "decision could not be written as UTF-8 JSON (output_error).",
        {"enum": ["engine_fault", "output_error"]},
    ),
    "InvalidRequest": _problem_error(
        "A request other than a transaction (screening, query parameters) is "
        "malformed: every problem with its path.",
        {"const": "invalid_request"},
    ),
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "enum": [
                    "unauthorized",
                    "request_too_large",
                    "internal_error",
                    "not_found",
                    "method_not_allowed",
                ]
            },
            "message": {"type": "string"},
            "limit": {"type": "integer", "description": "the size limit in bytes (413)"},
        },
    },
    "BatchError": {
        "type": "object",
        "description": "The output line for an input line that could not be decided: its line "
        "number, why, and what (the same record as `exportrules evaluate --batch`; "
        "request_too_large is the service's own: a line, or the rest of the body, over its "
        "size limit).",
        "additionalProperties": False,
        "required": ["record", "error", "problems"],
        "properties": {
            "record": {"type": "integer", "minimum": 1, "description": "1-based input line"},
            "error": {
                "enum": [
                    "invalid_utf8",
                    "invalid_json",
                    "invalid_transaction",
                    "engine_fault",
                    "output_error",
                    "request_too_large",
                ]
            },
            "problems": {"type": "array", "minItems": 1, "items": _PROBLEM},
        },
    },
    "ScreenRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 10000},
            "country": {**_COUNTRY, "description": "ISO alpha-2, a qualifier of the score"},
            "lists": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 100,
                "description": "only these list ids (default: every list)",
            },
            "threshold": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 1,
                "description": "report hits at or above this score (the review threshold)",
            },
            "as_of": {**_DATE, "description": "screening date (default: today)"},
        },
    },
    "ScreenResult": {
        "type": "object",
        "required": ["query", "country", "thresholds", "lists", "hits"],
        "properties": {
            "query": {"type": "string"},
            "country": {"type": ["string", "null"]},
            "thresholds": {
                "type": "object",
                "required": ["match", "review"],
                "properties": {"match": {"type": "number"}, "review": {"type": "number"}},
            },
            "lists": {"type": "array", "items": _ref("ListVersion")},
            "hits": {"type": "array", "items": _ref("Match")},
        },
    },
    "Match": {
        "type": "object",
        "description": "One screening hit, explained.",
        "required": [
            "list_id",
            "list_as_of",
            "entry_id",
            "entry_name",
            "matched_name",
            "score",
            "level",
            "features",
            "explanation",
            "programs",
        ],
        "properties": {
            "list_id": {"type": "string"},
            "list_as_of": {"type": "string"},
            "entry_id": {"type": "string"},
            "entry_name": {"type": "string"},
            "matched_name": {"type": "string"},
            "score": {"type": "number"},
            "level": {"enum": ["match", "review"]},
            "features": {"type": "object", "additionalProperties": {"type": "number"}},
            "explanation": {"type": "string"},
            "programs": {"type": "array", "items": {"type": "string"}},
            "license_requirement": {"type": ["string", "null"]},
            "license_policy": {"type": ["string", "null"]},
            "citation": {"type": ["string", "null"]},
            "alias_quality": {"type": "string"},
        },
    },
    "ListVersion": {
        "type": "object",
        "required": ["id", "name", "source", "as_of", "verified", "entries"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "source": {"type": "string"},
            "as_of": {"type": "string"},
            "verified": {"type": "boolean"},
            "entries": {"type": "integer", "minimum": 0},
            "coverage": {"type": "string"},
        },
    },
    "Lists": {
        "type": "object",
        "required": ["lists"],
        "properties": {"lists": {"type": "array", "items": _ref("ListVersion")}},
    },
    "Regime": {
        "type": "object",
        "required": ["id", "name", "version", "rules", "tables", "origin", "sha256"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "authority": {"type": ["string", "null"]},
            "version": {"type": ["string", "null"]},
            "rules": {"type": "integer", "minimum": 0},
            "tables": {"type": "array", "items": {"type": "string"}},
            "origin": {"type": "string"},
            "sha256": {"type": "string"},
        },
    },
    "Regimes": {
        "type": "object",
        "required": ["regimes"],
        "properties": {"regimes": {"type": "array", "items": _ref("Regime")}},
    },
    "Health": {
        "type": "object",
        "required": ["status", "version", "backend", "regimes", "screening"],
        "properties": {
            "status": {"const": "ok"},
            "version": {"type": "string"},
            "backend": {"enum": ["python", "rete"]},
            "regimes": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
            "screening": {"type": "boolean"},
            "ledger": {"type": "boolean", "description": "licence limits read from a ledger"},
            "uptime_seconds": {"type": "number", "minimum": 0},
            "pid": {"type": "integer", "description": "the worker process that answered"},
        },
    },
}

_AS_OF = {
    "name": "as_of",
    "in": "query",
    "required": False,
    "description": "evaluate under the law of this date (replaces each transaction's date)",
    "schema": _DATE,
}


def _common(auth: bool) -> dict[str, Any]:
    r: dict[str, Any] = {"500": _json("Error", "Engine fault or internal error")}
    if auth:
        r["401"] = _json("Error", "Missing or wrong API key")
    return r


def openapi(*, auth: bool, max_request_bytes: int, max_batch_bytes: int) -> dict[str, Any]:
    """The service's OpenAPI document (``auth``: whether an API key is required)."""
    schemas = {
        "Transaction": shipped_schema("transaction-v1.json"),
        "Decision": shipped_schema("decision-v1.json"),
        **json.loads(json.dumps(_SCHEMAS)),
    }
    too_large = {"413": _json("Error", "Body larger than the service's limit")}
    sec: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}] if auth else []

    def op(summary: str, responses: dict[str, Any], **kw: Any) -> dict[str, Any]:
        o: dict[str, Any] = {"summary": summary, "responses": {**responses, **_common(auth)}}
        if auth:
            o["security"] = sec
        o.update(kw)
        return o

    paths: dict[str, Any] = {
        "/v1/evaluate": {
            "post": op(
                "Decide one transaction",
                {
                    "200": _json("Decision", "The decision"),
                    "400": _json("InvalidJSON", "The body is not UTF-8 JSON"),
                    "422": {
                        "description": "Invalid transaction (every problem with its JSON path), "
                        "or a malformed query parameter (InvalidRequest)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [_ref("InvalidTransaction"), _ref("InvalidRequest")]
                                }
                            }
                        },
                    },
                    **too_large,
                },
                operationId="evaluate",
                description=f"Body: one transaction, at most {max_request_bytes} bytes. "
                "Decision support, not legal advice.",
                parameters=[_AS_OF],
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Transaction")}},
                },
            )
        },
        "/v1/evaluate/batch": {
            "post": op(
                "Decide many transactions (NDJSON in, NDJSON out, streamed, in input order)",
                {
                    "200": {
                        "description": "One line per non-blank input line, in input order: a "
                        "Decision, or a BatchError naming the input line. A body over the limit "
                        "ends with a BatchError `request_too_large`.",
                        "content": {
                            "application/x-ndjson": {
                                "schema": {
                                    "type": "array",
                                    "description": "each item is one line of the response",
                                    "items": {"oneOf": [_ref("Decision"), _ref("BatchError")]},
                                }
                            }
                        },
                    },
                    "422": _json("InvalidRequest", "A malformed query parameter"),
                    **too_large,
                },
                operationId="evaluate_batch",
                description=f"Body: JSON lines, one transaction per line; at most "
                f"{max_batch_bytes} bytes in all and {max_request_bytes} bytes per line.",
                parameters=[_AS_OF],
                requestBody={
                    "required": True,
                    "content": {
                        "application/x-ndjson": {
                            "schema": {
                                "type": "array",
                                "description": "each item is one line of the body",
                                "items": _ref("Transaction"),
                            }
                        }
                    },
                },
            )
        },
        "/v1/screen": {
            "post": op(
                "Screen a name against the restricted-party lists",
                {
                    "200": _json("ScreenResult", "Hits, best first, each explained"),
                    "422": _json("InvalidRequest", "Malformed request"),
                    **too_large,
                },
                operationId="screen",
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ScreenRequest")}},
                },
            )
        },
        "/v1/regimes": {
            "get": op(
                "The regimes this service decides under",
                {"200": _json("Regimes", "Regimes")},
                operationId="regimes",
            )
        },
        "/v1/lists": {
            "get": op(
                "The restricted-party lists in use: sources, dates, sizes",
                {"200": _json("Lists", "Lists")},
                operationId="lists",
            )
        },
        "/healthz": {
            "get": {
                "summary": "Liveness and readiness (the engine is loaded and warm)",
                "operationId": "healthz",
                "responses": {"200": _json("Health", "Ready")},
            }
        },
        "/metrics": {
            "get": op(
                "Prometheus metrics",
                {
                    "200": {
                        "description": "Prometheus text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
                operationId="metrics",
            )
        },
    }
    paths["/v1/evaluate"]["post"]["responses"]["500"] = {
        "description": "The engine failed on a valid transaction, or an internal error",
        "content": {
            "application/json": {"schema": {"oneOf": [_ref("EngineFault"), _ref("Error")]}}
        },
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "exportrules",
            "version": __version__,
            "description": "What export-control law requires for one transaction, and why. "
            "Decision support, not legal advice. See docs/deployment.md.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if auth:
        doc["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
    return doc
