"""One input record in, one encoded output record out: the service's evaluation step.

Every failure becomes a record (never an exception): ``invalid`` for input that breaks the
contract (not UTF-8, not JSON, not a valid transaction), ``fault`` for a failure inside the
engine. The shapes are those of ``exportrules evaluate --batch``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Literal

from .._engine import Engine
from .._errors import EvaluationError, InvalidTransaction, Problem
from .._validate import loads_strict

__all__ = ["Result", "decide", "decide_lines"]

log = logging.getLogger("exportrules.service")

Kind = Literal["decision", "invalid", "fault"]


class Result(tuple[Kind, bytes, str | None]):
    """(kind, encoded JSON object without a newline, decision outcome or None)."""

    __slots__ = ()

    @property
    def kind(self) -> Kind:
        return self[0]

    @property
    def body(self) -> bytes:
        return self[1]

    @property
    def outcome(self) -> str | None:
        return self[2]


def _dump(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def decide(
    engine: Engine, raw: bytes, *, replace_date: str | None = None, record: int | None = None
) -> Result:
    """Decode, parse, validate and evaluate one transaction, and encode the answer.

    ``record`` (a 1-based line number) is added to error objects, as in a batch.
    """
    extra = {} if record is None else {"record": record}
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidTransaction([Problem("", f"not UTF-8 text: {e}")]) from None
        data = loads_strict(text)
        if replace_date is not None and isinstance(data, dict):
            data = {**data, "date": replace_date}
        d = engine.evaluate(data)
        try:
            body = d.to_json().encode("utf-8")
        except UnicodeEncodeError as e:  # e.g. a lone surrogate carried into a message
            raise InvalidTransaction(
                [Problem("", f"the decision cannot be written as UTF-8: {e}")]
            ) from None
        return Result(("decision", body, d.outcome.value))
    except InvalidTransaction as e:
        return Result(("invalid", _dump({**extra, **e.to_dict()}), None))
    except RecursionError:
        e2 = InvalidTransaction([Problem("", "nested too deeply to read")])
        return Result(("invalid", _dump({**extra, **e2.to_dict()}), None))
    except Exception as e:  # an engine fault must not end the service or a batch
        log.exception("engine fault%s", f" on record {record}" if record else "")
        msg = str(e) if isinstance(e, EvaluationError) else f"{type(e).__name__}: {e}"
        return Result(("fault", _dump({**extra, "error": "engine_fault", "message": msg}), None))


def decide_lines(
    engine: Engine,
    lines: Sequence[tuple[int, bytes | None]],
    *,
    replace_date: str | None,
    limit: int,
) -> list[Result]:
    """``decide`` over numbered batch lines; a None line was longer than ``limit`` bytes."""
    out = []
    for n, raw in lines:
        if raw is None:
            e = InvalidTransaction([Problem("", f"line longer than the limit of {limit} bytes")])
            out.append(Result(("invalid", _dump({"record": n, **e.to_dict()}), None)))
        else:
            out.append(decide(engine, raw, replace_date=replace_date, record=n))
    return out
