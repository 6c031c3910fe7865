"""Distributed batch evaluation on Dask (extra ``exportrules[dask]``).

One function, the library's own per-record pipeline (``exportrules._batch.process_record``:
decode, parse, validate, evaluate, encode; any failure becomes an error record with its record
number), mapped over partitions. Each worker process builds the engine once from the
caller's engine settings (``Engine._from_spec``) and keeps it. Nothing here decides anything.

    import dask.bag as db
    from exportrules.distributed import evaluate_bag

    bag = db.from_sequence(transactions, npartitions=8)     # dicts, or JSON text/bytes
    decisions = evaluate_bag(bag, backend="python", strict_data=True)
    decisions.pluck("outcome").frequencies().compute()

``exportrules evaluate --batch FILE --scheduler tcp://host:8786`` (or ``--scheduler local``)
uses the same function through the futures API, streaming in input order with a bounded
number of partitions in flight. See docs/deployment.md.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

try:
    import dask.bag as db
    from dask.delayed import delayed
except ImportError as e:  # pragma: no cover - the extra is not installed
    raise ImportError(
        f"exportrules.distributed needs Dask: pip install 'exportrules[dask]' ({e})"
    ) from e

import exportrules._batch as _batch

from ._engine import Engine
from ._errors import EvaluationError, Problem

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "ENGINE_OPTIONS",
    "EngineMismatch",
    "engine_from_options",
    "engine_spec",
    "evaluate_bag",
    "evaluate_partition",
    "fingerprint",
    "results_on_cluster",
]

#: the keyword arguments ``evaluate_bag`` passes on to the engine
ENGINE_OPTIONS = frozenset(
    {
        "regimes",
        "backend",
        "as_of",
        "screening",
        "strict_data",
        "plugins",
        "strict_plugins",
        "screening_policy",
        "cleared",
        "ledger",
    }
)


def engine_from_options(options: Mapping[str, Any]) -> Engine:
    """The engine ``evaluate_bag(..., **options)`` decides with.

    ``regimes`` (regime folder paths) selects ``Engine.from_paths``; without it the engine is
    ``Engine.default`` (bundled regimes, plus installed plug-ins unless ``plugins=False``).
    ``screening`` is True (default lists, the default), False, or a picklable screener; the
    other options are ``Engine``'s (``screening_policy``, ``cleared``, ``ledger``: an
    ``exportrules.Ledger`` travels to the workers as its URL, so they must reach it).

    Raises:
        TypeError: an option that is not an engine option.
        RuleSetError: a regime fails to load.
    """
    unknown = sorted(set(options) - ENGINE_OPTIONS)
    if unknown:
        allowed = ", ".join(sorted(ENGINE_OPTIONS))
        raise TypeError(f"unknown engine option(s) {', '.join(unknown)}; use {allowed}")
    kw = dict(options)
    scr = kw.pop("screening", True)
    kw["screening"] = "default" if scr is True else (None if scr is False else scr)
    regimes = kw.pop("regimes", None)
    if regimes:
        for name in ("plugins", "strict_plugins"):
            if kw.pop(name, None):
                raise TypeError(f"{name} applies to the default engine, not to regimes=")
        return Engine.from_paths([str(p) for p in regimes], **kw)
    return Engine.default(**kw)


def engine_spec(engine: Engine) -> dict[str, Any]:
    """What a worker needs to build the same engine as ``engine`` (``Engine._from_spec``):
    regime folders or the default set with its plug-in settings, backend, dates, screener,
    screening policy, clearances and ledger.

    Raises:
        EvaluationError: the engine's screener cannot be pickled.
    """
    spec = dict(engine._spec)
    spec["screening"] = engine._screening.arg  # a custom screener goes as it is
    try:
        pickle.dumps(spec)
    except Exception as e:  # reported as what it is
        raise EvaluationError(
            "a Dask run sends the engine's settings to the workers, but the screener "
            f"{engine._screening.arg!r} cannot be pickled ({e}); use a picklable screener"
        ) from e
    return spec


def _spec_key(spec: Mapping[str, Any]) -> str:
    """A key for the worker-local engine cache: the same settings, the same engine."""
    return hashlib.sha256(pickle.dumps(dict(spec), protocol=5)).hexdigest()


#: engines kept per worker process (least recently used dropped first)
MAX_ENGINES = 4
_ENGINES: OrderedDict[str, Engine] = OrderedDict()
_ENGINES_LOCK = threading.Lock()


def _engine(key: str, spec: Mapping[str, Any]) -> Engine:
    """This worker process's engine for ``spec``: built on first use, then reused."""
    with _ENGINES_LOCK:
        e = _ENGINES.get(key)
        if e is None:
            e = _ENGINES[key] = Engine._from_spec(spec)
            while len(_ENGINES) > MAX_ENGINES:
                old, _ = _ENGINES.popitem(last=False)
                _CHECKED.pop(old, None)
        else:
            _ENGINES.move_to_end(key)
    return e


def fingerprint(engine: Engine) -> dict[str, Any]:
    """What must agree between the driver and the workers for their decisions to be the same:
    library version, backend, regimes (id, version, sha256) and screening lists."""
    from ._version import __version__

    lists = [
        [str(v.get("id")), str(v.get("as_of")), v.get("entries")] for v in engine.list_versions()
    ]
    return {
        "exportrules": __version__,
        "backend": engine.backend_name,
        "strict_data": engine.strict_data,
        "regimes": [[r.id, r.version, r.sha256] for r in engine.regimes],
        "lists": lists,
    }


class EngineMismatch(EvaluationError):
    """A worker's engine differs from the one the caller expects (another library version,
    other regimes, lists or settings): its decisions would not be the caller's."""


_CHECKED: dict[str, dict[str, Any]] = {}


def evaluate_partition(
    key: str,
    spec: Mapping[str, Any],
    records: Sequence[tuple[int, bytes | str | Mapping[str, Any]]],
    replace_date: str | None = None,
    expect: Mapping[str, Any] | None = None,
) -> list[_batch.Result]:
    """Decide numbered records on this worker: exactly one ``Result`` per record, in order.

    ``spec`` is ``engine_spec(engine)`` and ``key`` its ``_spec_key``: the worker builds that
    engine once and keeps it.

    Raises:
        EngineMismatch: ``expect`` (a ``fingerprint``) differs from this worker's engine.
    """
    engine = _engine(key, spec)
    if expect is not None:
        fp = _CHECKED.get(key)
        if fp is None:
            fp = _CHECKED[key] = fingerprint(engine)
        if fp != dict(expect):
            raise EngineMismatch(
                "a Dask worker would decide with a different engine than the caller (library, "
                f"backend, regimes or lists differ): expected {dict(expect)}, the worker has "
                f"{fp}; install the same exportrules version and data on every worker"
            )
    return [_process(engine, n, rec, replace_date) for n, rec in records]


def _process(
    engine: Engine, number: int, record: bytes | str | Mapping[str, Any], replace_date: str | None
) -> _batch.Result:
    if isinstance(record, Mapping):
        # a transaction given as an object: the same pipeline from its JSON text
        try:
            text = json.dumps(record, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as e:
            return _batch.error_record(
                number, _batch.INVALID_JSON, [Problem("", f"not JSON-serialisable: {e}")]
            )
        return _batch.process_record(engine, text, number, replace_date=replace_date)
    return _batch.process_record(engine, record, number, replace_date=replace_date)


# --------------------------------------------------------------------------- dask.bag


def _bag_partition(
    items: Sequence[Any],
    start: int,
    key: str,
    spec: Mapping[str, Any],
    replace_date: str | None,
    output: str,
    expect: Mapping[str, Any] | None,
) -> list[Any]:
    numbered: list[tuple[int, Any]] = []
    for j, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):
            numbered.append((item[0], item[1]))
        else:
            numbered.append((start + j + 1, item))
    results = evaluate_partition(key, spec, numbered, replace_date, expect)
    if output == "json":
        return [r.data.decode("utf-8") for r in results]
    if output == "result":
        return list(results)
    return [json.loads(r.data) for r in results]


def evaluate_bag(
    bag: db.Bag,
    *,
    engine: Engine | None = None,
    replace_date: str | None = None,
    output: Literal["dict", "json", "result"] = "dict",
    check: bool = True,
    **engine_options: Any,
) -> db.Bag:
    """Decide every transaction of a Dask bag: one output item per input item, in order.

    Args:
        bag: items are transactions (mappings), JSON text or bytes of one transaction, or
            ``(record_number, record)`` pairs. Unnumbered items are numbered by their 1-based
            position in the bag; error records carry that number.
        engine: decide with this engine's settings (regimes, backend, screener, screening
            policy, clearances, ledger); instead of ``engine_options``.
        replace_date: evaluate under the law of this date (YYYY-MM-DD) instead of each
            transaction's own (the CLI's ``--as-of``).
        output: ``"dict"`` (decision or error record as a dict), ``"json"`` (one JSON line as
            text, for ``Bag.to_textfiles``) or ``"result"`` (``exportrules._batch.Result``).
        check: each worker compares its engine's ``fingerprint`` (library version, regimes,
            lists) with this process's and raises ``EngineMismatch`` if they differ.
        **engine_options: ``regimes``, ``backend``, ``as_of``, ``screening``, ``strict_data``,
            ``plugins``, ``strict_plugins``, ``screening_policy``, ``cleared``, ``ledger``
            (see ``engine_from_options``).

    The engine is built here first (a broken regime raises ``RuleSetError`` at once), then
    once in each worker process from the same settings (``Engine._from_spec``), and kept
    there. The result is lazy, like any bag. Invalid input never raises: it becomes an error
    record (``{"record": n, "error": code, "problems": [...]}``, docs/api.md).
    """
    if output not in ("dict", "json", "result"):
        raise ValueError(f"output must be 'dict', 'json' or 'result', not {output!r}")
    if engine is not None and engine_options:
        raise TypeError("give engine= or engine options, not both")
    if engine is None:
        engine = engine_from_options(engine_options)
    spec = engine_spec(engine)
    key = _spec_key(spec)
    expect = fingerprint(engine) if check else None
    parts = bag.to_delayed(optimize_graph=True)
    # each partition's first record number: a lazy running sum of the partition lengths
    start: Any = 0
    out = []
    for p in parts:
        out.append(
            delayed(_bag_partition, pure=True)(p, start, key, spec, replace_date, output, expect)
        )
        start = delayed(_add, pure=True)(start, delayed(len, pure=True)(p))
    result: db.Bag = db.from_delayed(out)
    return result


def _add(a: int, b: int) -> int:
    return a + b


# --------------------------------------------------------------------------- futures (CLI)


def _chunks(
    records: Iterable[tuple[int, bytes]], size: int
) -> Generator[list[tuple[int, bytes]], None, None]:
    chunk: list[tuple[int, bytes]] = []
    for r in records:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _crashed(number: int, why: str) -> _batch.Result:
    return _batch.error_record(number, _batch.ENGINE_FAULT, [Problem("", why)])


def results_on_cluster(
    client: Client,
    records: Iterable[tuple[int, bytes]],
    engine: Engine,
    *,
    partition_size: int = 1000,
    replace_date: str | None = None,
    window: int | None = None,
    check: bool = True,
) -> Generator[_batch.Result, None, None]:
    """One ``Result`` per numbered record, in input order, decided on the cluster by workers
    that build ``engine``'s twin (``Engine._from_spec``) once each: the same bytes as
    ``exportrules._batch.evaluate_records(engine, records)``.

    Partitions of ``partition_size`` records go to the workers with at most ``window``
    partitions in flight (default: twice the cluster's threads, at least 4), so input of any
    length streams in bounded memory. A worker that dies takes its tasks with it and Dask runs
    them again elsewhere; a partition that keeps killing workers (Dask's ``KilledWorker``) is
    run again record by record, and a record that still kills a worker becomes an
    ``engine_fault`` error record: no record is lost. With ``check``, a worker whose engine
    differs from ``engine`` (``fingerprint``) stops the run with ``EngineMismatch``.
    """
    from collections import deque

    from distributed import KilledWorker

    spec = engine_spec(engine)
    key = _spec_key(spec)
    expect = fingerprint(engine) if check else None
    if window is None:
        threads = sum(client.nthreads().values()) or 1
        window = max(4, 2 * threads)
    # the settings go with every task (a few hundred bytes): scattered data would die with
    # the worker holding it, and with it every task that needs it

    def submit(items: list[tuple[int, bytes]]) -> Any:
        return client.submit(evaluate_partition, key, spec, items, replace_date, expect, pure=False)

    def rerun_alone(items: list[tuple[int, bytes]]) -> list[_batch.Result]:
        out = []
        for item in items:
            try:
                out.extend(submit([item]).result())
            except KilledWorker:
                out.append(_crashed(item[0], "a worker process died while evaluating this record"))
        return out

    pending: deque[tuple[list[tuple[int, bytes]], Any]] = deque()
    chunks = _chunks(records, partition_size)
    try:
        for items in chunks:
            pending.append((items, submit(items)))
            if len(pending) >= window:
                items0, fut = pending.popleft()
                yield from _collect(items0, fut, rerun_alone)
        while pending:
            items0, fut = pending.popleft()
            yield from _collect(items0, fut, rerun_alone)
    finally:
        for _, fut in pending:
            fut.cancel()


def _collect(
    items: list[tuple[int, bytes]], fut: Any, rerun_alone: Callable[..., list[_batch.Result]]
) -> list[_batch.Result]:
    from distributed import KilledWorker

    try:
        res: list[_batch.Result] = fut.result()
    except KilledWorker:
        return rerun_alone(items)
    return res
