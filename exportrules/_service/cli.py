"""``exportrules serve``: argparse registration (no web imports) and the command.

Flags override the ``EXPORTRULES_*`` environment; the merged settings go back into the
environment so every uvicorn worker process builds the same engine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from typing import Any

__all__ = ["add_parser"]

EXIT_OK, EXIT_USAGE, EXIT_RULESET = 0, 2, 3

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_parser(sub: Any) -> None:
    """Register ``serve`` on the main parser's subparsers."""
    sv = sub.add_parser(
        "serve",
        help="run the HTTP service (needs exportrules[service]); see docs/deployment.md",
        description="Run the reference HTTP service. Every option can also be set in the "
        "environment (EXPORTRULES_*; flags win). Decision support, not legal advice.",
    )
    sv.add_argument("--host", help="address to listen on (default 127.0.0.1; env EXPORTRULES_HOST)")
    sv.add_argument("--port", type=int, help="port (default 8080; env EXPORTRULES_PORT)")
    sv.add_argument(
        "--workers",
        type=int,
        help="worker processes, each with its own engine (default 1; env EXPORTRULES_WORKERS)",
    )
    sv.add_argument(
        "--regime",
        action="append",
        metavar="PATH",
        help="serve only these regime folders (repeatable; env EXPORTRULES_REGIMES)",
    )
    sv.add_argument(
        "--no-plugins",
        action="store_true",
        default=None,
        help="do not load regimes installed as plug-ins (env EXPORTRULES_PLUGINS=0)",
    )
    sv.add_argument("--backend", choices=["python", "rete"], help="env EXPORTRULES_BACKEND")
    sv.add_argument(
        "--strict-data",
        action="store_true",
        default=None,
        help="results resting on curated tables become review (env EXPORTRULES_STRICT_DATA=1)",
    )
    sv.add_argument(
        "--no-screening",
        action="store_true",
        default=None,
        help="do not screen parties in decisions (env EXPORTRULES_SCREENING=0)",
    )
    sv.add_argument(
        "--api-key-file",
        metavar="FILE",
        help="require the key in this file on /v1/* and /metrics (env EXPORTRULES_API_KEY)",
    )
    sv.add_argument(
        "--ledger",
        metavar="URL",
        help="an existing ledger whose shipments use up licence limits (sqlite:///path or "
        "postgresql://...; env EXPORTRULES_LEDGER_URL)",
    )
    sv.add_argument(
        "--other-jurisdiction",
        choices=["review", "note", "off"],
        help="a confirmed match on a list no applying regime implements: hold for review "
        "(default), note it, or nothing (env EXPORTRULES_SCREENING_OTHER_JURISDICTION)",
    )
    sv.add_argument(
        "--potential-other-jurisdiction",
        choices=["review", "note", "off"],
        help="the same for a potential match (default note; env "
        "EXPORTRULES_SCREENING_POTENTIAL_OTHER_JURISDICTION)",
    )
    sv.add_argument(
        "--max-request-bytes",
        type=int,
        help="largest single request and batch line (default 1 MiB)",
    )
    sv.add_argument("--max-batch-bytes", type=int, help="largest batch body (default 256 MiB)")
    sv.add_argument(
        "--graceful-timeout",
        type=float,
        default=30.0,
        help="seconds to let running requests finish on SIGTERM/SIGINT (default 30)",
    )
    sv.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server and exportrules log level (default info)",
    )
    sv.set_defaults(func=cmd_serve)


def _settings(args: argparse.Namespace) -> Any:
    import attrs

    from ._settings import Settings

    s = Settings.from_env()
    changes: dict[str, Any] = {}
    if args.regime:
        changes["regimes"] = tuple(args.regime)
    if args.no_plugins:
        changes["plugins"] = False
    if args.backend:
        changes["backend"] = args.backend
    if args.strict_data:
        changes["strict_data"] = True
    if args.no_screening:
        changes["screening"] = False
    if args.ledger:
        changes["ledger_url"] = args.ledger
    for name in ("other_jurisdiction", "potential_other_jurisdiction"):
        if getattr(args, name):
            changes[name] = getattr(args, name)
    if args.api_key_file:
        with open(args.api_key_file, encoding="utf-8") as fh:
            key = fh.read().strip()
        if not key:
            raise ValueError(f"{args.api_key_file}: the API key file is empty")
        changes["api_key"] = key
    for name in ("max_request_bytes", "max_batch_bytes"):
        v = getattr(args, name)
        if v is not None:
            if v <= 0:
                raise ValueError(f"--{name.replace('_', '-')} must be greater than 0")
            changes[name] = v
    return attrs.evolve(s, **changes)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ._state import build_engine
    except ImportError as e:
        print(
            f"exportrules serve needs the service extra: pip install 'exportrules[service]' ({e})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    import attrs

    from .._errors import RuleSetError
    from .._ledger import LedgerError

    try:
        settings = _settings(args)
    except (OSError, ValueError) as e:
        print(f"exportrules serve: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        host, port, workers = _listen(args)
    except ValueError as e:
        print(f"exportrules serve: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:  # refuse a broken regime set or ledger before any worker starts
        build_engine(attrs.evolve(settings, screening=False))
    except RuleSetError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return EXIT_RULESET
    except LedgerError as e:
        print(f"exportrules serve: ledger: {e}", file=sys.stderr)
        return EXIT_USAGE
    os.environ.update(settings.to_env())
    tmp: str | None = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        tmp = tempfile.mkdtemp(prefix="exportrules-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tmp
    # uvicorn stops gracefully on SIGTERM/SIGINT and then raises the signal again; with these
    # handlers in place that second delivery is a no-op, so a graceful stop exits 0 and the
    # metrics folder is removed.
    stopped: list[int] = []
    previous = {sig: signal.signal(sig, lambda n, _f: stopped.append(n)) for sig in _SIGNALS}
    try:
        uvicorn.run(
            "exportrules._service._app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=args.log_level,
            timeout_graceful_shutdown=args.graceful_timeout,
            server_header=False,
            log_config=_log_config(args.log_level),
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return EXIT_OK


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging set-up, with the library's own messages (start, faults) added."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    cfg: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    cfg["loggers"]["exportrules"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return cfg


def _listen(args: argparse.Namespace) -> tuple[str, int, int]:
    """Host, port and worker count from the flags, else the environment, else defaults."""
    host = args.host or os.environ.get("EXPORTRULES_HOST") or "127.0.0.1"
    vals = []
    for flag, env, default, lo, hi in (
        ("port", "EXPORTRULES_PORT", 8080, 1, 65535),
        ("workers", "EXPORTRULES_WORKERS", 1, 1, 1024),
    ):
        v = getattr(args, flag)
        if v is None:
            raw = os.environ.get(env)
            try:
                v = int(raw) if raw else default
            except ValueError:
                raise ValueError(f"{env}={raw!r}: expected a whole number") from None
        if not lo <= v <= hi:
            raise ValueError(f"--{flag} must be in {lo}..{hi}, got {v}")
        vals.append(v)
    return host, vals[0], vals[1]
