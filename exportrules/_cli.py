"""The ``exportrules`` command line.

Exit codes: 0 decided (or success), 1 golden-case failures (or a broken ledger), 2 invalid
transaction or usage, 3 rule-set error, 4 engine fault, 5 ledger error (cannot open it, a record
or a licence debit refused), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, TextIO

from . import _dask_cli
from ._errors import EvaluationError, InvalidTransaction, RuleSetError
from ._ledger import cli as ledger_cli
from ._ledger._errors import LedgerError
from ._version import __version__

if TYPE_CHECKING:  # the engine, batch and validation code load when a command needs them,
    # so ``--help`` and ``--version`` answer quickly
    from ._engine import Engine
    from ._model import Decision

EXIT_OK, EXIT_FAIL, EXIT_INVALID, EXIT_RULESET, EXIT_FAULT = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

DISCLAIMER = "Decision support, not legal advice."


def _engine(args: argparse.Namespace, ledger: Any = None) -> Engine:
    from ._engine import Engine

    screening: Any = "default" if not getattr(args, "no_screening", False) else None
    if getattr(args, "regime", None):
        regimes = args.regime
        return Engine.from_paths(
            regimes,
            backend=args.backend,
            screening=screening,
            strict_data=args.strict_data,
            ledger=ledger,
        )
    return Engine.default(
        backend=args.backend,
        screening=screening,
        strict_data=args.strict_data,
        plugins=not getattr(args, "no_plugins", False),
        strict_plugins=getattr(args, "strict_plugins", False),
        ledger=ledger,
    )


def _with_date(tx: Any, as_of: str | None) -> Any:
    if as_of and isinstance(tx, dict):
        tx = {**tx, "date": as_of}
    return tx


def _print_problems(e: InvalidTransaction, out: TextIO, prefix: str = "") -> None:
    for p in e.problems:
        out.write(f"{prefix}{p}\n")


def _text(d: Decision) -> str:
    rows = [f"Transaction {d.transaction or '(no id)'} as of {d.as_of}: {d.outcome.value.upper()}"]
    regs = sorted(d.regimes)
    header = ["line", "outcome", *regs]
    table = [header]
    for lr in d.lines:
        table.append([lr.line, lr.outcome.value, *(lr.regimes[r].value for r in regs)])
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for r in table:
        rows.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    if d.findings:
        rows.append("Findings:")
        for f in d.findings:
            where = f"line {f.line}" if f.line else "transaction"
            who = f", party {f.party}" if f.party else ""
            rows.append(f"  [{f.outcome.value}] {f.regime} {where}{who}: {f.message}")
            rows.append(
                f"      rule {f.rule}; {f.citation}" + (f"; policy: {f.policy}" if f.policy else "")
            )
    if d.authorisations:
        rows.append("Authorisations:")
        for a in d.authorisations:
            rows.append(f"  {a.regime} {a.id} ({a.kind}) lines {', '.join(a.lines)}; {a.citation}")
            for c in a.conditions:
                rows.append(f"      condition: {c}")
    if d.screening:
        rows.append("Screening hits:")
        for h in d.screening:
            rows.append(
                f"  {h.party} ({h.role}) ~ {h.entry_name} [{h.list} {h.entry_id}] "
                f"score {h.score:.2f} {h.level}: {h.explanation}"
            )
    unverified = [x.table for x in d.data if not x.verified]
    if unverified:
        rows.append(f"Curated (unverified) data used: {', '.join(unverified)}")
    rows.append(DISCLAIMER)
    return "\n".join(rows)


def _open_input(path: str) -> IO[bytes]:
    """The input as bytes: decoding is part of each record's pipeline."""
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")  # closed by the caller


def _write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from . import _batch
    from ._validate import loads_strict

    if args.workers and not args.batch:
        print(
            "exportrules: --workers applies to --batch only (one transaction is decided in this "
            "process)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    problem = ledger_cli.check_evaluate_options(args) or _dask_cli.check_args(args)
    if problem:
        print(f"exportrules evaluate: {problem}", file=sys.stderr)
        return EXIT_INVALID
    if args.batch:
        return _run_batch(args)
    # with --record, the engine reads the licences' balances from the same ledger
    ledger = ledger_cli.open_for_record(args) if args.record else None
    engine = _engine(args, ledger)
    fh = _open_input(args.file)
    try:
        raw = fh.read()
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()
    try:
        d = _batch.decide(engine, raw, replace_date=args.as_of)
        if args.format == "text":
            out = (_text(d) + "\n").encode(
                sys.stdout.encoding or "utf-8", errors="backslashreplace"
            )
        else:
            out = _batch.encode_decision(d, indent=2) + b"\n"
    except _batch.RecordError as e:
        if e.code in _batch.INPUT_ERRORS:
            for p in e.problems:
                print(p, file=sys.stderr)
            return EXIT_INVALID
        print(f"engine fault: {'; '.join(str(p) for p in e.problems)}", file=sys.stderr)
        return EXIT_FAULT
    _write_bytes(out)
    if ledger is not None:
        sys.stdout.flush()
        with ledger:
            tx = _with_date(loads_strict(raw), args.as_of)
            return ledger_cli.record_decision(ledger, args, tx, d)
    return EXIT_OK


class _Progress:
    def __init__(self, out: TextIO, total: int | None, enabled: bool) -> None:
        self.out, self.total, self.enabled = out, total, enabled
        self.n = 0
        self.start = self.last = time.monotonic()

    def step(self) -> None:
        self.n += 1
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.2):
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.n / max(now - self.start, 1e-9)
        if self.total:
            frac = self.n / self.total
            bar = "#" * int(frac * 30)
            self.out.write(f"\r[{bar:<30}] {self.n}/{self.total} {rate:,.0f}/s ")
        else:
            self.out.write(f"\r{self.n} evaluated {rate:,.0f}/s ")
        self.out.flush()

    def done(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.out.write("\n")


class _StopOnInterrupt:
    """While active, Ctrl-C asks the batch to stop after the record in hand (a second Ctrl-C
    interrupts at once)."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _StopOnInterrupt:
        with contextlib.suppress(ValueError):  # not the main thread: Ctrl-C stays as it is
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _run_batch(args: argparse.Namespace) -> int:
    """Stream a JSON-lines file: exactly one decision or error record per record, in input
    order; a bad record never stops the run (see ``_batch``)."""
    from . import _batch
    from ._validate import loads_strict

    recorder = (
        ledger_cli.BatchRecorder(ledger_cli.open_for_record(args), args) if args.record else None
    )
    # with --record, evaluations read the licences' balances from the same ledger
    engine = _engine(args, recorder.ledger if recorder is not None else None)
    raws: dict[int, bytes] = {}  # with --record: each record's input, until it is recorded

    def kept(records: Any) -> Any:
        for number, raw in records:
            if recorder is not None:
                raws[number] = raw
            yield number, raw

    total = None
    if args.file != "-":
        with open(args.file, "rb") as counting:
            total = sum(1 for ln in counting if ln.strip())
    enabled = args.progress if args.progress is not None else sys.stderr.isatty()
    prog = _Progress(sys.stderr, total, enabled)
    bad_input = faults = written = 0
    last = 0
    sys.stdout.flush()
    out = sys.stdout.buffer
    fh = _open_input(args.file)
    try:
        with _StopOnInterrupt() as stop:
            if args.scheduler:  # the same records, decided on a Dask cluster
                results = _dask_cli.cluster_results(args, engine, kept(_batch.read_records(fh)))
            else:
                results = _batch.evaluate_records(
                    engine,
                    kept(_batch.read_records(fh)),
                    workers=args.workers,
                    replace_date=args.as_of,
                )
            try:
                for res in results:
                    if res.error is not None:
                        if res.error in _batch.INPUT_ERRORS:
                            bad_input += 1
                        else:
                            faults += 1
                        for p in res.problems:
                            sys.stderr.write(f"{args.file}:{res.number}: {p}\n")
                    out.write(res.data + b"\n")
                    if recorder is not None:
                        raw = raws.pop(res.number, b"")
                        if res.error is None:
                            recorder.add(
                                f"{args.file}:{res.number}: ",
                                _with_date(loads_strict(raw), args.as_of),
                                json.loads(res.data),
                            )
                    written += 1
                    last = res.number
                    prog.step()
                    if stop.requested:
                        break
            finally:
                results.close()  # stops the workers
                out.flush()
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()
    if stop.requested:
        if enabled:
            sys.stderr.write("\n")
        where = f" (input up to line {last})" if written else ""
        sys.stderr.write(
            f"exportrules: interrupted; {written} complete records written{where}\n"
        )
        return EXIT_INTERRUPTED
    prog.done()
    recorded = recorder.close() if recorder is not None else EXIT_OK
    if faults:
        return EXIT_FAULT
    return EXIT_INVALID if bad_input else recorded


def cmd_regimes_list(args: argparse.Namespace) -> int:
    regimes = _installed(args).values()
    rows = [r.describe() for r in sorted(regimes, key=lambda r: r.id)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for r in rows:
        plugin = r["plugin"]
        via = ""
        if plugin:
            dist = plugin.get("distribution") or "unknown distribution"
            via = f" [plug-in {plugin['name']!r}: {dist} {plugin.get('version') or ''}]".rstrip()
        if r["status"] == "broken":
            print(f"{r['id']:<6} BROKEN{via} — answers review until fixed:")
            for prob in r["problems"]:
                print(f"       {prob}")
            continue
        print(f"{r['id']:<6} {r['name']} — {r['rules']} rules, tables: {', '.join(r['tables'])}")
        print(f"       from {r['origin']}, sha256 {str(r['sha256'])[:12]}{via}")
    return EXIT_OK


def cmd_regimes_validate(args: argparse.Namespace) -> int:
    from ._loader import load_regime

    status = EXIT_OK
    for p in args.path:
        try:
            r = load_regime(p)
        except RuleSetError as e:
            for prob in e.problems:
                print(prob, file=sys.stderr)
            status = EXIT_RULESET
            continue
        print(f"{p}: ok — regime {r.id!r}, {len(r.rules)} rules, {len(r.tables)} tables")
    return status


def _installed(args: argparse.Namespace) -> dict[str, Any]:
    """The bundled and installed regimes by id (broken plug-ins included)."""
    from ._engine import Engine

    eng = Engine.default(
        screening=None,
        plugins=not getattr(args, "no_plugins", False),
        strict_plugins=getattr(args, "strict_plugins", False),
    )
    return {r.id: r for r in eng.regimes}


def cmd_regimes_test(args: argparse.Namespace) -> int:
    import os

    from ._cases import run_cases

    status = EXIT_OK
    installed: dict[str, Any] | None = None
    for p in args.path:
        source: Any = p
        if not os.path.exists(p):
            if installed is None:
                installed = _installed(args)
            if p not in installed:
                print(
                    f"exportrules: {p!r} is neither a regime folder nor the id of a bundled or "
                    f"installed regime (known: {', '.join(sorted(installed)) or 'none'})",
                    file=sys.stderr,
                )
                return EXIT_INVALID
            source = installed[p]
            if source.broken:
                for prob in source.problems:
                    print(prob, file=sys.stderr)
                return EXIT_RULESET
        try:
            results = run_cases(source, backend=args.backend)
        except RuleSetError as e:
            for prob in e.problems:
                print(prob, file=sys.stderr)
            return EXIT_RULESET
        failed = [r for r in results if not r.ok]
        for r in failed:
            print(f"FAIL {r.case.source} {r.case.name}", file=sys.stderr)
            for f in r.failures:
                print(f"     {f}", file=sys.stderr)
        print(f"{p}: {len(results) - len(failed)} passed, {len(failed)} failed")
        if failed:
            status = EXIT_FAIL
    return status


def cmd_regimes_new(args: argparse.Namespace) -> int:
    from ._scaffold import ScaffoldError, write_scaffold

    try:
        taken = tuple(_installed(args))
    except RuleSetError:
        taken = ()
    try:
        files = write_scaffold(args.name, args.out, taken=taken)
    except ScaffoldError as e:
        print(f"exportrules: {e}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {len(files)} files to {args.out}:")
    for f in files:
        print(f"  {f}")
    print(
        f"next: python -m pip install -e '{args.out}[test]' && exportrules regimes test "
        f"{args.name} && python -m pytest {args.out}"
    )
    return EXIT_OK


def cmd_data_status(args: argparse.Namespace) -> int:
    from ._datastatus import data_status, render_text

    if args.regime:
        from ._engine import Engine

        regimes: Any = Engine.from_paths(args.regime, screening=None).regimes
    else:
        regimes = _installed(args).values()
    lists: list[Any] = []
    if not args.no_screening:
        from ._screening import Screener

        lists = list(Screener.default().list_versions())
    today = _dt.date.fromisoformat(args.as_of) if args.as_of else _dt.date.today()
    status = data_status(regimes, lists, today)
    if args.format == "json":
        print(json.dumps(status, indent=2))
    else:
        print(render_text(status))
    return EXIT_FAIL if status["attention"] else EXIT_OK


def cmd_screen(args: argparse.Namespace) -> int:
    from ._screening import cli as scli

    return int(
        scli.cli_screen(
            args.name,
            country=args.country,
            lists=args.list,
            threshold=args.threshold,
            as_json=args.json,
        )
        or 0
    )


def cmd_lists_update(args: argparse.Namespace) -> int:
    from ._screening import cli as scli

    return int(
        scli.cli_update_list(
            args.file, fmt=args.format, list_id=args.list_id, as_of=args.as_of, dest=args.dest
        )
        or 0
    )


def cmd_import_ecfr(args: argparse.Namespace) -> int:
    from ._importers.ecfr import main as ecfr_main

    return ecfr_main(args.rest)


def cmd_lists(args: argparse.Namespace) -> int:
    from ._screening import cli as scli

    return int(scli.cli_lists(as_json=args.json) or 0)


def _workers_arg(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a number of processes") from None
    if n < 0:
        raise argparse.ArgumentTypeError("the number of worker processes cannot be negative")
    return n


def _plugin_options(sp: argparse.ArgumentParser) -> None:
    """Options choosing whether installed plug-in regimes are loaded (docs/plugins.md)."""
    g = sp.add_mutually_exclusive_group()
    g.add_argument(
        "--no-plugins",
        action="store_true",
        help="only the bundled regimes: ignore regimes installed by other packages",
    )
    g.add_argument(
        "--strict-plugins",
        action="store_true",
        help="fail (exit 3) when an installed plug-in regime does not load, instead of "
        "answering review for it",
    )


def _date_arg(s: str) -> str:
    try:
        _dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date (YYYY-MM-DD)") from None
    return s


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="exportrules",
        description="What export-control law requires for a transaction, and why. " + DISCLAIMER,
        epilog="Exit codes: 0 done, 1 golden-case failures, 2 invalid input or usage, "
        "3 rule-set error, 4 engine fault.",
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"exportrules {__version__}",
        help="print the version and exit",
    )
    sub = p.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="decide a transaction (JSON file, or - for stdin)")
    ev.add_argument("file", help="transaction JSON file, '-' for stdin; with --batch a JSONL file")
    ev.add_argument(
        "--format",
        choices=["json", "text"],
        default="json",
        help="json: the decision contract (default); text: a readable summary",
    )
    ev.add_argument(
        "--as-of",
        type=_date_arg,
        help="evaluate under the law of this date (replaces the transaction's date)",
    )
    ev.add_argument(
        "--backend",
        choices=["python", "rete"],
        default="python",
        help="rule engine backend (default python; rete needs exportrules[rete])",
    )
    ev.add_argument(
        "--regime",
        action="append",
        metavar="PATH",
        help="use only this regime folder, not the bundled and installed ones (repeatable)",
    )
    _plugin_options(ev)
    ev.add_argument(
        "--strict-data",
        action="store_true",
        help="results resting on curated (unverified) tables become review",
    )
    ev.add_argument(
        "--no-screening",
        action="store_true",
        help="do not screen parties against the bundled lists",
    )
    ev.add_argument(
        "--batch", action="store_true", help="FILE is JSON lines: one decision per line on stdout"
    )
    ev.add_argument(
        "--workers",
        type=_workers_arg,
        default=0,
        help="with --batch only: worker processes (default 0: in this process)",
    )
    _dask_cli.add_options(ev)  # --scheduler, --partition-size
    ev.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    ev.set_defaults(func=cmd_evaluate)

    rg = sub.add_parser("regimes", help="list, validate, test and create regimes")
    rsub = rg.add_subparsers(dest="regimes_command", required=True)
    rl = rsub.add_parser(
        "list", help="the bundled and installed regimes; broken plug-ins with their errors"
    )
    rl.add_argument("--json", action="store_true", help="print JSON instead of text")
    _plugin_options(rl)
    rl.set_defaults(func=cmd_regimes_list)
    rv = rsub.add_parser("validate", help="load a regime folder and report every problem")
    rv.add_argument("path", nargs="+", help="regime folder(s): each holds a regime.toml")
    rv.set_defaults(func=cmd_regimes_validate)
    rt = rsub.add_parser("test", help="run a regime's golden cases (cases/*.toml)")
    rt.add_argument(
        "path",
        nargs="+",
        metavar="ID|PATH",
        help="a regime folder, or the id of a bundled or installed regime (e.g. eu)",
    )
    rt.add_argument(
        "--backend",
        choices=["python", "rete"],
        default="python",
        help="rule engine backend (default python)",
    )
    rt.set_defaults(func=cmd_regimes_test)
    rn = rsub.add_parser(
        "new",
        help="write an installable plug-in package for a new regime (docs/plugins.md)",
    )
    rn.add_argument("name", help="the regime id: lower case letters, digits and _")
    rn.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder to write the package into (created; must be empty)",
    )
    rn.set_defaults(func=cmd_regimes_new)

    da = sub.add_parser("data", help="the data behind decisions: tables and screening lists")
    dsub = da.add_subparsers(dest="data_command", required=True)
    ds = dsub.add_parser(
        "status",
        help="source, as-of date, verified and age of every table and list; exit 1 when "
        "something is stale (past its stale_after), undated or broken",
    )
    ds.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default) or json",
    )
    ds.add_argument(
        "--as-of",
        type=_date_arg,
        help="measure ages on this date (default: today)",
    )
    ds.add_argument(
        "--regime",
        action="append",
        metavar="PATH",
        help="only this regime folder, not the bundled and installed ones (repeatable)",
    )
    ds.add_argument("--no-screening", action="store_true", help="leave out the screening lists")
    _plugin_options(ds)
    ds.set_defaults(func=cmd_data_status)
    from ._compile_cli import add_cli as add_compile_cli

    add_compile_cli(rsub)

    sc = sub.add_parser("screen", help="screen a name against the restricted-party lists")
    sc.add_argument("name", help="the name to screen (a person, company or vessel)")
    sc.add_argument("--country", help="ISO alpha-2 country, a qualifier of the score")
    sc.add_argument("--list", action="append", help="only this list id (repeatable)")
    sc.add_argument("--threshold", type=float, help="report hits at or above this score")
    sc.add_argument("--json", action="store_true", help="print JSON instead of text")
    sc.set_defaults(func=cmd_screen)

    ie = sub.add_parser(
        "import-ecfr",
        help="regenerate the US tables (Country Chart, Country Groups, CCL) from eCFR XML",
        add_help=False,
    )
    ie.add_argument(
        "rest", nargs=argparse.REMAINDER, help="the importer's own arguments (see its --help)"
    )
    ie.set_defaults(func=cmd_import_ecfr)

    ls = sub.add_parser("lists", help="the restricted-party lists in use: sources, dates, sizes")
    ls.add_argument("--json", action="store_true", help="print JSON instead of text")
    ls.set_defaults(func=cmd_lists)
    lsub = ls.add_subparsers(dest="lists_command")
    lu = lsub.add_parser(
        "update",
        help="import a newer list file; it replaces the bundled list of the same id",
    )
    lu.add_argument("file", help="the list file (for ofac-sdn-csv: sdn.csv or its folder)")
    lu.add_argument(
        "--format",
        required=True,
        choices=[
            "un-xml", "csl-csv", "csl-json", "bis-json", "ecfr-xml", "ftm-jsonl", "ofac-sdn-csv"
        ],
        help="the file's format (docs/screening.md)",
    )
    lu.add_argument("--list", dest="list_id", help="list id (needed for bis-json)")
    lu.add_argument("--as-of", type=_date_arg, help="the list's as-of date, if the file lacks it")
    lu.add_argument("--dest", help="folder for updated lists (default: $EXPORTRULES_LISTS_DIR)")
    lu.set_defaults(func=cmd_lists_update)

    from ._service.cli import add_parser as add_serve  # argparse only: no web imports

    add_serve(sub)
    ledger_cli.add_evaluate_options(ev)
    ledger_cli.register(sub)
    return p


class _OneLine(logging.Formatter):
    """Log records as one line each: the command line shows no tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        return f"exportrules: {record.levelname.lower()}: {record.getMessage()}"


def _setup_logging() -> None:
    log = logging.getLogger("exportrules")
    if not log.handlers and not logging.getLogger().handlers:  # the host configured none
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(_OneLine())
        log.addHandler(h)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        sys.stderr.write("\nexportrules: interrupted\n")
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["import-ecfr"]:  # the importer owns its own options (and --help)
        from ._importers.ecfr import main as ecfr_main

        return ecfr_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging()
    try:
        return int(args.func(args))
    except InvalidTransaction as e:
        _print_problems(e, sys.stderr)
        return EXIT_INVALID
    except RuleSetError as e:
        for prob in e.problems:
            print(prob, file=sys.stderr)
        return EXIT_RULESET
    except EvaluationError as e:
        print(f"engine fault: {e}", file=sys.stderr)
        return EXIT_FAULT
    except LedgerError as e:
        print(f"exportrules: {e}", file=sys.stderr)
        return ledger_cli.EXIT_LEDGER
    except FileNotFoundError as e:
        print(f"exportrules: {e}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        return EXIT_OK
