"""Batch evaluation that never drops work: one output record per input record, in input order.

The pipeline for one record (one line of JSON-lines input):

    raw bytes -> UTF-8 text -> JSON (strict, depth and number limits) -> transaction
    (validation) -> decision (evaluation) -> one line of UTF-8 JSON

A failure at any step becomes an *error record* naming the record's line number, a stable error
code and the problems; the run goes on. The error codes (docs/api.md):

- ``invalid_utf8``: the line is not UTF-8 text;
- ``invalid_json``: the text is not JSON;
- ``invalid_transaction``: JSON, but not a valid transaction (problems carry JSON paths);
- ``engine_fault``: the engine failed on a valid transaction (a bug or a broken plug-in);
- ``output_error``: the decision could not be written as UTF-8 JSON.

Callers: the CLI's ``evaluate --batch``, and any other batch path (HTTP, Dask) that wants the
same records: :func:`process_record` for one record, :func:`evaluate_records` for a stream (in
process, or over worker processes with a bounded window, in input order).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeVar

import attrs

from ._errors import EvaluationError, InvalidJSON, InvalidTransaction, Problem
from ._model import Decision, Transaction
from ._validate import _decode_error, loads_strict

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = [
    "ENGINE_FAULT",
    "ERROR_CODES",
    "INVALID_JSON",
    "INVALID_TRANSACTION",
    "INVALID_UTF8",
    "OUTPUT_ERROR",
    "ErrorRecord",
    "RecordError",
    "Result",
    "decide",
    "error_record",
    "evaluate_many",
    "evaluate_records",
    "ordered_map",
    "process_record",
    "read_records",
]

log = logging.getLogger("exportrules")

INVALID_UTF8 = "invalid_utf8"
INVALID_JSON = "invalid_json"
INVALID_TRANSACTION = "invalid_transaction"
ENGINE_FAULT = "engine_fault"
OUTPUT_ERROR = "output_error"
ERROR_CODES = (INVALID_UTF8, INVALID_JSON, INVALID_TRANSACTION, ENGINE_FAULT, OUTPUT_ERROR)
#: codes that say the input was bad (exit 2); the others say the engine was (exit 4)
INPUT_ERRORS = frozenset({INVALID_UTF8, INVALID_JSON, INVALID_TRANSACTION})

#: records per task sent to a worker process, and tasks in flight per worker
CHUNK = 64
WINDOW_PER_WORKER = 4


class Result(NamedTuple):
    """The outcome of one input record."""

    number: int  #: the record's 1-based line number in the input
    data: bytes  #: one JSON document (a decision or an error record), UTF-8, no newline
    error: str | None  #: None for a decision; else one of ERROR_CODES
    problems: tuple[Problem, ...]  #: what went wrong (empty for a decision)


class RecordError(Exception):
    """One record failed at one step of the pipeline."""

    def __init__(self, code: str, problems: Iterable[Problem]) -> None:
        self.code = code
        self.problems = _writable(problems)
        super().__init__(f"{code}: " + "; ".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[RecordError], tuple[str, tuple[Problem, ...]]]:
        return (type(self), (self.code, self.problems))


def _safe(s: str) -> str:
    """Text that can always be written as UTF-8: a lone surrogate becomes the visible text
    ``\\udXXX``."""
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")
    return s


def _fault(e: BaseException) -> RecordError:
    return RecordError(ENGINE_FAULT, [Problem("", f"{type(e).__name__}: {e}")])


def decide(engine: Engine, raw: bytes | str, *, replace_date: str | None = None) -> Decision:
    """One record (bytes or text of one JSON document) to a decision.

    Raises:
        RecordError: with the code of the step that failed and its problems.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as e:
            raise RecordError(INVALID_UTF8, [Problem("", _decode_error(e))]) from None
    else:
        text = raw
    if text.startswith("\ufeff"):  # a byte-order mark some editors write: not part of the JSON
        text = text[1:]
    try:
        obj = loads_strict(text)
    except InvalidJSON as e:
        raise RecordError(INVALID_JSON, e.problems) from None
    except InvalidTransaction as e:
        raise RecordError(INVALID_TRANSACTION, e.problems) from None
    except Exception as e:  # noqa: BLE001 - a record never ends the run
        raise _fault(e) from None
    if replace_date is not None and isinstance(obj, dict):
        obj = {**obj, "date": replace_date}
    try:
        return engine.evaluate(obj)
    except InvalidTransaction as e:
        raise RecordError(INVALID_TRANSACTION, e.problems) from None
    except Exception as e:  # a record never ends the run
        log.error("engine fault: %s: %s", type(e).__name__, e, exc_info=True)
        raise _fault(e) from None


def _writable(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(Problem(_safe(p.path), _safe(p.message)) for p in problems)


def error_record(number: int, code: str, problems: Iterable[Problem]) -> Result:
    """The error record of one input record."""
    probs = _writable(problems)
    doc = {
        "record": number,
        "error": code,
        "problems": [{"path": p.path, "message": p.message} for p in probs],
    }
    return Result(number, json.dumps(doc, ensure_ascii=False).encode("utf-8"), code, probs)


def encode_decision(d: Decision, **kwargs: Any) -> bytes:
    """A decision as UTF-8 JSON. Raises RecordError(OUTPUT_ERROR) when it cannot be written."""
    try:
        return d.to_json(**kwargs).encode("utf-8")
    except Exception as e:  # noqa: BLE001 - e.g. a plug-in put a lone surrogate in a message
        raise RecordError(
            OUTPUT_ERROR,
            [
                Problem(
                    "", f"the decision cannot be written as UTF-8 JSON ({type(e).__name__}: {e})"
                )
            ],
        ) from None


def process_record(
    engine: Engine, raw: bytes | str, number: int, *, replace_date: str | None = None
) -> Result:
    """One input record to exactly one output record. Never raises (except on interrupt)."""
    try:
        d = decide(engine, raw, replace_date=replace_date)
        return Result(number, encode_decision(d), None, ())
    except RecordError as e:
        return error_record(number, e.code, e.problems)
    except Exception as e:  # noqa: BLE001 - the promise is one record out per record in
        return error_record(number, ENGINE_FAULT, _fault(e).problems)


def read_records(fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of every non-blank line of a binary stream.

    Lines are split on ``\\n`` only; a trailing ``\\r`` is dropped. Nothing is decoded here, so
    a byte that is not UTF-8 costs only its own record.
    """
    for n, line in enumerate(fh, start=1):
        if line.strip():
            yield n, line.rstrip(b"\r\n")


# --------------------------------------------------------------------------- ordered map

T = TypeVar("T")
R = TypeVar("R")

_WORKER_ENGINE: Engine | None = None


def _worker_init(spec: Mapping[str, Any]) -> None:
    global _WORKER_ENGINE
    with contextlib.suppress(ValueError):  # the parent handles Ctrl-C and stops the workers
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ._engine import Engine

    # the same engine as the parent's: a default engine keeps its plug-ins (a broken one
    # included), its screening policy, clearances and ledger
    _WORKER_ENGINE = Engine._from_spec(spec)


def _worker_chunk(
    task: Callable[[Engine, Any, Any], Any], chunk: list[Any], arg: Any
) -> list[Any]:
    assert _WORKER_ENGINE is not None
    return [task(_WORKER_ENGINE, item, arg) for item in chunk]


def _engine_spec(engine: Engine, workers: int) -> dict[str, Any]:
    import pickle

    spec = dict(engine._spec)
    spec["screening"] = engine._screening.arg  # a custom screener goes as it is: it must pickle
    try:
        pickle.dumps(spec)
    except Exception as e:  # reported as what it is
        raise EvaluationError(
            f"evaluating with workers={workers} sends the engine's settings to worker "
            f"processes, but the screener {engine._screening.arg!r} cannot be pickled ({e}); "
            "use workers=0 or a picklable screener"
        ) from e
    return spec


def ordered_map(
    engine: Engine,
    items: Iterable[T],
    task: Callable[[Engine, T, Any], R],
    crashed: Callable[[T, str], R],
    *,
    arg: Any = None,
    workers: int = 0,
    chunk: int = CHUNK,
) -> Generator[R, None, None]:
    """``task(engine, item, arg)`` for every item, results in input order.

    ``task`` must be a module-level function that never raises. With ``workers > 0`` the items
    go in chunks to that many processes, each with its own engine built from ``engine``'s
    settings; at most ``workers * 4`` chunks are in flight, so a stream of any length runs in
    constant memory. If a worker process dies, its chunk is run again one item at a time in a
    fresh pool; an item that kills a worker again gets ``crashed(item, why)``: no item is lost.
    """
    if workers <= 0:
        for item in items:
            yield task(engine, item, arg)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    spec = _engine_spec(engine, workers)
    # durable_rules keeps process-global state and a lock: never fork a process that may hold
    # it; the python backend forks safely and starts faster.
    ctx = multiprocessing.get_context("spawn" if engine.backend_name == "rete" else None)

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(spec,), mp_context=ctx
        )

    pool = new_pool()
    window: deque[tuple[list[T], Future[list[R]]]] = deque()
    it = iter(items)

    def submit(c: list[T]) -> Future[list[R]]:
        return pool.submit(_worker_chunk, task, c, arg)

    def replace_pool() -> None:
        nonlocal pool
        pool.shutdown(wait=False, cancel_futures=True)
        pool = new_pool()

    def run_alone(item: T) -> R:
        try:
            return submit([item]).result()[0]
        except BrokenProcessPool:
            replace_pool()
            return crashed(item, "a worker process died while evaluating this record")

    try:
        while True:
            while len(window) < workers * WINDOW_PER_WORKER:
                c = list(islice(it, chunk))
                if not c:
                    break
                window.append((c, submit(c)))
            if not window:
                return
            c, fut = window.popleft()
            try:
                results = fut.result()
            except BrokenProcessPool:
                # a worker died: find the record that did it, one at a time in a fresh pool,
                # then send the chunks that went down with the old pool again
                replace_pool()
                results = [run_alone(item) for item in c]
                window = deque((wc, submit(wc)) for wc, _ in window)
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _record_task(engine: Engine, item: tuple[int, bytes | str], replace_date: Any) -> Result:
    return process_record(engine, item[1], item[0], replace_date=replace_date)


def _record_crashed(item: tuple[int, bytes | str], why: str) -> Result:
    return error_record(item[0], ENGINE_FAULT, [Problem("", why)])


def evaluate_records(
    engine: Engine,
    records: Iterable[tuple[int, bytes | str]],
    *,
    workers: int = 0,
    replace_date: str | None = None,
) -> Generator[Result, None, None]:
    """Exactly one :class:`Result` per ``(line number, raw record)``, in input order.

    ``replace_date`` (YYYY-MM-DD) replaces each transaction's date (the CLI's ``--as-of``).
    """
    return ordered_map(
        engine, records, _record_task, _record_crashed, arg=replace_date, workers=workers
    )


# --------------------------------------------------------------------------- evaluate_many


@attrs.frozen
class ErrorRecord:
    """A transaction ``Engine.evaluate_many(..., on_error="record")`` could not decide.

    ``index`` is its position in the input (from 0), ``transaction`` its id when it had a
    usable one, ``error`` a stable code (``invalid_transaction`` or ``engine_fault``) and
    ``problems`` what went wrong, with JSON paths.
    """

    index: int
    transaction: str | None
    error: str
    problems: tuple[Problem, ...]
    _cause: BaseException | None = attrs.field(default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "transaction": self.transaction,
            "error": self.error,
            "problems": [{"path": p.path, "message": p.message} for p in self.problems],
        }

    def exception(self) -> Exception:
        """The error ``on_error="raise"`` raises for this record."""
        if self.error == INVALID_TRANSACTION:
            return InvalidTransaction(
                self.problems, index=self.index, transaction=self.transaction
            )
        who = f"index {self.index}" + (
            f" (id {self.transaction!r})" if self.transaction is not None else ""
        )
        err = EvaluationError(
            f"engine fault at {who}: " + "; ".join(str(p) for p in self.problems)
        )
        err.__cause__ = self._cause
        return err


def _tx_id(tx: Any) -> str | None:
    if isinstance(tx, Transaction):
        return tx.id
    v = tx.get("id") if isinstance(tx, Mapping) else None
    return _safe(v) if isinstance(v, str) and 0 < len(v) <= 128 else None


def _decide_task(
    engine: Engine, item: tuple[int, Any], keep_cause: Any
) -> Decision | ErrorRecord:
    i, tx = item
    try:
        return engine.evaluate(tx)
    except InvalidTransaction as e:
        return ErrorRecord(i, _tx_id(tx), INVALID_TRANSACTION, _writable(e.problems))
    except Exception as e:  # one record's fault is that record's error
        log.error("engine fault at index %d: %s: %s", i, type(e).__name__, e, exc_info=True)
        return ErrorRecord(
            i, _tx_id(tx), ENGINE_FAULT, _fault(e).problems, e if keep_cause else None
        )


def _decide_crashed(item: tuple[int, Any], why: str) -> ErrorRecord:
    return ErrorRecord(item[0], _tx_id(item[1]), ENGINE_FAULT, (Problem("", why),))


def evaluate_many(
    engine: Engine,
    transactions: Iterable[Transaction | Mapping[str, Any]],
    workers: int = 0,
    on_error: str = "raise",
) -> Iterator[Decision | ErrorRecord]:
    """See ``Engine.evaluate_many``."""
    if on_error not in ("raise", "record"):
        raise ValueError(f"on_error must be 'raise' or 'record', not {on_error!r}")
    results = ordered_map(
        engine,
        enumerate(transactions),
        _decide_task,
        _decide_crashed,
        arg=workers <= 0,  # an exception object crosses no process boundary
        workers=workers,
    )
    try:
        for res in results:
            if on_error == "raise" and isinstance(res, ErrorRecord):
                raise res.exception()
            yield res
    finally:
        results.close()
