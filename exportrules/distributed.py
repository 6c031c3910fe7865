"""Distributed batch evaluation on Dask (extra ``exportrules[dask]``).

One function, the library's own per-record pipeline (``exportrules._batch.process_record``:
decode, parse, validate, evaluate, encode; any failure becomes an error record with its record
number), mapped over partitions. Each worker process builds one engine per set of engine
options, once, and keeps it. Nothing here decides anything.

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

import json
import threading
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

try:
    import dask.bag as db
    from dask.base import tokenize
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
    "evaluate_bag",
    "evaluate_partition",
    "fingerprint",
    "results_on_cluster",
]

#: the keyword arguments ``evaluate_bag`` passes on to the engine
ENGINE_OPTIONS = frozenset(
    {"regimes", "backend", "as_of", "screening", "strict_data", "plugins", "strict_plugins"}
)


def engine_from_options(options: Mapping[str, Any]) -> Engine:
    """The engine that ``evaluate_bag(..., **options)`` builds on each worker.

    ``regimes`` (regime folder paths) selects ``Engine.from_paths``; without it the engine is
    ``Engine.default`` (bundled regimes, plus installed plug-ins unless ``plugins=False``).
    ``screening`` is True (default lists, the default), False, or a picklable screener.

    Raises:
        TypeError: an option that is not an engine option.
        RuleSetError: a regime fails to load.
    """
    unknown = sorted(set(options) - ENGINE_OPTIONS)
    if unknown:
        allowed = ", ".join(sorted(ENGINE_OPTIONS))
        raise TypeError(f"unknown engine option(s) {', '.join(unknown)}; use {allowed}")
    scr = options.get("screening", True)
    screening: Any = "default" if scr is True else (None if scr is False or scr is None else scr)
    common: dict[str, Any] = {
        "backend": options.get("backend", "python"),
        "as_of": options.get("as_of"),
        "screening": screening,
        "strict_data": bool(options.get("strict_data", False)),
    }
    regimes = options.get("regimes")
    if regimes:
        return Engine.from_paths([str(p) for p in regimes], **common)
    return Engine.default(
        plugins=bool(options.get("plugins", True)),
        strict_plugins=bool(options.get("strict_plugins", False)),
        **common,
    )


def _options_key(options: Mapping[str, Any]) -> str:
    """A key for the worker-local engine cache: equal options, one engine."""
    return str(tokenize(sorted(options.items())))


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _engine(key: str, options: Mapping[str, Any]) -> Engine:
    """This worker process's engine for ``options``: built on first use, then reused."""
    e = _ENGINES.get(key)
    if e is None:
        with _ENGINES_LOCK:
            e = _ENGINES.get(key)
            if e is None:
                e = _ENGINES[key] = engine_from_options(options)
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
    options: Mapping[str, Any],
    records: Sequence[tuple[int, bytes | str | Mapping[str, Any]]],
    replace_date: str | None = None,
    expect: Mapping[str, Any] | None = None,
) -> list[_batch.Result]:
    """Decide numbered records on this worker: exactly one ``Result`` per record, in order.

    Raises:
        EngineMismatch: ``expect`` (a ``fingerprint``) differs from this worker's engine.
    """
    engine = _engine(key, options)
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
    options: Mapping[str, Any],
    replace_date: str | None,
    output: str,
) -> list[Any]:
    numbered: list[tuple[int, Any]] = []
    for j, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):
            numbered.append((item[0], item[1]))
        else:
            numbered.append((start + j + 1, item))
    results = evaluate_partition(key, options, numbered, replace_date)
    if output == "json":
        return [r.data.decode("utf-8") for r in results]
    if output == "result":
        return list(results)
    return [json.loads(r.data) for r in results]


def evaluate_bag(
    bag: db.Bag,
    *,
    replace_date: str | None = None,
    output: Literal["dict", "json", "result"] = "dict",
    **engine_options: Any,
) -> db.Bag:
    """Decide every transaction of a Dask bag: one output item per input item, in order.

    Args:
        bag: items are transactions (mappings), JSON text or bytes of one transaction, or
            ``(record_number, record)`` pairs. Unnumbered items are numbered by their 1-based
            position in the bag; error records carry that number.
        replace_date: evaluate under the law of this date (YYYY-MM-DD) instead of each
            transaction's own (the CLI's ``--as-of``).
        output: ``"dict"`` (decision or error record as a dict), ``"json"`` (one JSON line as
            text, for ``Bag.to_textfiles``) or ``"result"`` (``exportrules._batch.Result``).
        **engine_options: ``regimes``, ``backend``, ``as_of``, ``screening``, ``strict_data``,
            ``plugins``, ``strict_plugins`` (see ``engine_from_options``); each worker builds
            one engine for them, once.

    The result is lazy, like any bag. Invalid input never raises: it becomes an error record
    (``{"record": n, "error": code, "problems": [...]}``, docs/api.md).
    """
    if output not in ("dict", "json", "result"):
        raise ValueError(f"output must be 'dict', 'json' or 'result', not {output!r}")
    unknown = sorted(set(engine_options) - ENGINE_OPTIONS)
    if unknown:
        raise TypeError(f"unknown engine option(s): {', '.join(unknown)}")
    key = _options_key(engine_options)
    parts = bag.to_delayed(optimize_graph=True)
    # each partition's first record number: a lazy running sum of the partition lengths
    start: Any = 0
    out = []
    for p in parts:
        out.append(
            delayed(_bag_partition, pure=True)(
                p, start, key, dict(engine_options), replace_date, output
            )
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
    options: Mapping[str, Any],
    *,
    partition_size: int = 1000,
    replace_date: str | None = None,
    window: int | None = None,
    expect: Mapping[str, Any] | None = None,
    on_check: Callable[[Mapping[str, Any]], None] | None = None,
) -> Generator[_batch.Result, None, None]:
    """One ``Result`` per numbered record, in input order, decided on the cluster.

    Partitions of ``partition_size`` records go to the workers with at most ``window``
    partitions in flight (default: twice the cluster's threads, at least 4), so input of any
    length streams in bounded memory. A worker that dies takes its tasks with it and Dask runs
    them again elsewhere; a partition that keeps killing workers (Dask's ``KilledWorker``) is
    run again record by record, and a record that still kills a worker becomes an
    ``engine_fault`` error record: no record is lost. ``expect`` is the driver's
    ``fingerprint``: a worker whose engine differs stops the run with ``EngineMismatch``.
    """
    from collections import deque

    from distributed import KilledWorker

    key = _options_key(options)
    opts = dict(options)
    if window is None:
        threads = sum(client.nthreads().values()) or 1
        window = max(4, 2 * threads)
    # the options go with every task (a few hundred bytes): scattered data would die with the
    # worker holding it, and with it every task that needs it
    expect_d = dict(expect) if expect is not None else None

    def submit(items: list[tuple[int, bytes]]) -> Any:
        return client.submit(
            evaluate_partition, key, opts, items, replace_date, expect_d, pure=False
        )

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
