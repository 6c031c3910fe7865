"""``POST /v1/screen`` and ``GET /v1/lists``: restricted-party screening."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import InvalidTransaction
from .._screening import Screener
from .._validate import loads_strict
from ._http import HTTPProblem, json_response, read_body, state
from ._state import ServiceState

__all__ = ["routes"]

_KEYS = frozenset({"name", "country", "lists", "threshold", "as_of"})
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _screener(st: ServiceState) -> Screener:
    """The process's default screener: the same lists (and object) the engine screens with."""
    return Screener.default()


def _invalid(problems: list[dict[str, str]]) -> HTTPProblem:
    return HTTPProblem(422, {"error": "invalid_request", "problems": problems})


def _parse(raw: bytes) -> dict[str, Any]:
    """The screening request, checked; every problem is reported with its path."""
    try:
        data = loads_strict(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise _invalid([{"path": "", "message": f"not UTF-8 text: {e}"}]) from None
    except InvalidTransaction as e:
        raise _invalid([{"path": p.path, "message": p.message} for p in e.problems]) from None
    except RecursionError:
        raise _invalid([{"path": "", "message": "nested too deeply to read"}]) from None
    if not isinstance(data, dict):
        raise _invalid([{"path": "", "message": "must be an object"}])
    probs: list[dict[str, str]] = []
    for k in data:
        if k not in _KEYS:
            probs.append({"path": k, "message": "unknown field"})
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        probs.append({"path": "name", "message": "a non-empty string is required"})
    elif len(name) > 10000:
        probs.append({"path": "name", "message": "longer than 10000 characters"})
    country = data.get("country")
    if country is not None and not (isinstance(country, str) and _COUNTRY.fullmatch(country)):
        probs.append({"path": "country", "message": "must be an upper-case ISO alpha-2 code"})
    lists = data.get("lists")
    if lists is not None:
        if not isinstance(lists, list) or not all(isinstance(x, str) for x in lists):
            probs.append({"path": "lists", "message": "must be a list of list ids"})
        elif len(lists) > 100:
            probs.append({"path": "lists", "message": "at most 100 list ids"})
    thr = data.get("threshold")
    if thr is not None and (
        isinstance(thr, bool) or not isinstance(thr, int | float) or not 0.0 < thr <= 1.0
    ):
        probs.append({"path": "threshold", "message": "must be a number in (0, 1]"})
    as_of = data.get("as_of")
    if as_of is not None:
        ok = isinstance(as_of, str) and _DATE.fullmatch(as_of) is not None
        if ok:
            try:
                _dt.date.fromisoformat(as_of)
            except ValueError:
                ok = False
        if not ok:
            probs.append({"path": "as_of", "message": "must be a date (YYYY-MM-DD)"})
    if probs:
        raise _invalid(probs)
    return data


def _screen(st: ServiceState, raw: bytes) -> dict[str, Any]:
    req = _parse(raw)
    scr = _screener(st)
    thr = req.get("threshold")
    if thr is not None:
        scr = scr.with_options(
            review_threshold=float(thr), match_threshold=max(float(thr), scr.match_threshold)
        )
    lists = req.get("lists")
    as_of = _dt.date.fromisoformat(req["as_of"]) if req.get("as_of") else None
    try:
        hits = scr.screen(req["name"], req.get("country"), lists=lists, as_of=as_of)
    except ValueError as e:  # an unknown list id
        raise _invalid([{"path": "lists", "message": str(e)}]) from None
    everything = scr.list_versions()
    versions = [v for v in everything if not lists or v["id"] in lists] or everything
    return {
        "query": req["name"],
        "country": req.get("country"),
        "thresholds": {"match": scr.match_threshold, "review": scr.review_threshold},
        "lists": versions,
        "hits": [m.to_dict() for m in hits],
    }


async def screen(request: Request) -> Response:
    st = state(request)
    raw = await read_body(request, st.settings.max_request_bytes)
    return json_response(await run_in_threadpool(_screen, st, raw))


async def lists(request: Request) -> Response:
    st = state(request)
    scr = await run_in_threadpool(_screener, st)
    return json_response({"lists": scr.list_versions()})


routes = [
    Route("/v1/screen", screen, methods=["POST"]),
    Route("/v1/lists", lists, methods=["GET"]),
]
