"""``exportrules evaluate --batch FILE --scheduler ADDRESS|local``: options and the cluster run.

Registered on the ``evaluate`` parser without importing Dask; ``cluster_results`` imports it
when a run asks for a cluster. The records, their order, the error records, the progress bar
and the exit codes are the in-process batch's (``exportrules._batch``); only where the
per-record pipeline runs changes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._batch import Result
    from ._engine import Engine

__all__ = ["add_options", "check_args", "cluster_results"]


#: records per task by default: large enough that scheduling costs little per record, small
#: enough that a lost worker costs little work
PARTITION_SIZE = 1000


def _positive(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def add_options(ev: argparse.ArgumentParser) -> None:
    """Add ``--scheduler`` and ``--partition-size`` to the ``evaluate`` parser."""
    ev.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --batch: decide on a Dask cluster, 'tcp://host:8786' or 'local' (a local "
        "cluster of --workers processes); needs exportrules[dask]",
    )
    ev.add_argument(
        "--partition-size",
        type=_positive,
        default=None,
        metavar="N",
        help=f"with --scheduler: records per task sent to a worker (default {PARTITION_SIZE})",
    )


def check_args(args: argparse.Namespace) -> str | None:
    """A usage error in the cluster options, or None."""
    sched = getattr(args, "scheduler", None)
    if sched is None:
        if getattr(args, "partition_size", None) is not None:
            return "--partition-size applies to --scheduler only"
        return None
    if not args.batch:
        return "--scheduler applies to --batch only"
    if sched != "local" and args.workers:
        return "--workers sets the size of a local cluster; a remote cluster has its own workers"
    if sched != "local" and "://" not in sched:
        return f"--scheduler {sched!r}: give 'local' or an address such as tcp://host:8786"
    return None


def _workers(n: int) -> str:
    return f"{n} worker" + ("" if n == 1 else "s")


def cluster_results(
    args: argparse.Namespace, engine: Engine, records: Iterable[tuple[int, bytes]]
) -> Generator[Result, None, None]:
    """The batch's results decided on the cluster ``args.scheduler``, in input order.

    Raises:
        EvaluationError: the scheduler cannot be reached, or the workers' engine differs from
            ``engine`` (another library version, other regimes or lists).
    """
    from ._errors import EvaluationError

    try:
        from distributed import Client, LocalCluster

        from .distributed import results_on_cluster
    except ImportError as e:
        raise EvaluationError(
            f"--scheduler needs Dask: pip install 'exportrules[dask]' ({e})"
        ) from None
    cluster: Any = None
    try:
        if args.scheduler == "local":
            n = args.workers or 2
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            import dask

            timeout = dask.config.get("distributed.comm.timeouts.connect", "30s")
            client = Client(args.scheduler, timeout=timeout)
    except (OSError, TimeoutError) as e:
        if cluster is not None:
            cluster.close()
        raise EvaluationError(f"cannot reach the Dask scheduler {args.scheduler}: {e}") from None
    try:
        print(
            f"exportrules: deciding on the Dask cluster at "
            f"{cluster.scheduler_address if cluster is not None else args.scheduler} "
            f"({_workers(len(client.nthreads()))})",
            file=sys.stderr,
        )
        # the workers build this engine's twin from its settings (Engine._from_spec): a
        # default engine keeps its plug-ins, policy, clearances and ledger
        yield from results_on_cluster(
            client,
            records,
            engine,
            partition_size=args.partition_size or PARTITION_SIZE,
            replace_date=args.as_of,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
