"""Command-line parts of the ledger: ``evaluate --record``, ``ledger ...`` and ``report``.

Registered from ``exportrules._cli`` with :func:`add_evaluate_options` and :func:`register`.
Exit codes added here: 1 the ledger check found a bad record, 5 a ledger error (cannot open
it, a licence limit would be overdrawn, a record refused).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import getpass
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._errors import LedgerError

if TYPE_CHECKING:  # imported where used, so registering the commands stays cheap
    from decimal import Decimal

    from ._api import Ledger

__all__ = ["EXIT_LEDGER", "add_evaluate_options", "record_decision", "register"]

EXIT_OK, EXIT_BROKEN, EXIT_USAGE, EXIT_LEDGER = 0, 1, 2, 5

URL_HELP = (
    "the ledger: sqlite:///relative/file.db, sqlite:////absolute/file.db, a file path, or "
    "postgresql://user@host:port/database (needs exportrules[postgres])"
)


def _date(s: str) -> str:
    try:
        _dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date (YYYY-MM-DD)") from None
    return s


def _login() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


# --------------------------------------------------------------------------- evaluate --record


def add_evaluate_options(ev: argparse.ArgumentParser) -> None:
    """``--record URL``, ``--shipped`` and ``--by NAME`` on ``exportrules evaluate``."""
    g = ev.add_argument_group("recording in a ledger")
    g.add_argument(
        "--record",
        metavar="URL",
        help="append the transaction and its decision to this ledger (created if absent): "
        + URL_HELP,
    )
    g.add_argument(
        "--shipped",
        action="store_true",
        help="with --record: the goods ship now; debit the held licences that cover the lines, "
        "refused (exit 5, nothing written) if a licence limit would be overdrawn or the "
        "decision does not clear the export",
    )
    g.add_argument(
        "--by",
        metavar="NAME",
        help="with --record: who records it (default: the login name)",
    )


def check_evaluate_options(args: argparse.Namespace) -> str | None:
    """A usage problem with the recording options, or None."""
    if (args.shipped or args.by) and not args.record:
        return "--shipped and --by need --record URL"
    return None


def open_for_record(args: argparse.Namespace) -> Ledger:
    from ._api import Ledger

    return Ledger.open(args.record)


def record_decision(
    ledger: Ledger,
    args: argparse.Namespace,
    tx: Any,
    decision: Any,
    where: str = "",
    quiet: bool = False,
) -> int:
    """Record one decision; report the result on stderr (failures only when quiet)."""
    by = args.by if args.by else _login()
    try:
        rec = ledger.record(decision, tx, by=by, shipped=bool(args.shipped))
    except LedgerError as e:
        print(f"{where}not recorded: {e}", file=sys.stderr)
        return EXIT_LEDGER
    if quiet:
        return EXIT_OK
    what = "shipment" if rec.shipped else "decision"
    debits = ""
    if rec.debits:
        parts = sorted({f"{d.regime} {d.authorisation}" for d in rec.debits})
        debits = f"; debited {', '.join(parts)}"
    print(
        f"{where}recorded {what} as record {rec.id} ({rec.hash[:12]}…) in "
        f"{ledger._store.display}{debits}",
        file=sys.stderr,
    )
    return EXIT_OK


class BatchRecorder:
    """Records a batch's decisions in chunks (one database commit per chunk). A chunk that is
    refused is recorded again one record at a time, so each refusal is reported on its own and
    the others are still recorded, in input order."""

    def __init__(self, ledger: Ledger, args: argparse.Namespace, chunk: int = 200) -> None:
        self.ledger, self.args, self.chunk = ledger, args, chunk
        self.by = args.by if args.by else _login()
        self.pending: list[tuple[str, Any, Any]] = []
        self.recorded = self.refused = 0

    def add(self, where: str, tx: Any, decision: Any) -> None:
        self.pending.append((where, tx, decision))
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        items, self.pending = self.pending, []
        if not items:
            return
        try:
            self.ledger.record_many(
                [(d, t) for _, t, d in items], by=self.by, shipped=bool(self.args.shipped)
            )
            self.recorded += len(items)
            return
        except LedgerError:
            pass
        for where, t, d in items:
            code = record_decision(self.ledger, self.args, t, d, where, quiet=True)
            self.recorded += code == EXIT_OK
            self.refused += code != EXIT_OK

    def close(self) -> int:
        self.flush()
        print(
            f"recorded {self.recorded:,} decisions in {self.ledger._store.display}"
            + (f"; {self.refused:,} not recorded (see above)" if self.refused else ""),
            file=sys.stderr,
        )
        self.ledger.close()
        return EXIT_LEDGER if self.refused else EXIT_OK


# --------------------------------------------------------------------------- ledger ...


def fmt(x: Decimal | None) -> str:
    from ._depletion import fmt as plain

    return plain(x)


def _units(x: Any) -> str:
    return f"{fmt(x)} unit{'' if x == 1 else 's'}"


def _open_existing(url: str) -> Ledger:
    from ._api import Ledger

    return Ledger.open(url, create=False)


def cmd_verify(args: argparse.Namespace) -> int:
    if args.jsonl:
        from ._chain import verify_lines

        with open(args.url, encoding="utf-8") as fh:
            v = verify_lines(fh, anchor=args.anchor)
        where = args.url
    else:
        with _open_existing(args.url) as led:
            v = led.verify(anchor=args.anchor)
            where = led._store.display
    if args.json:
        print(json.dumps({"ledger": where, **v.to_dict()}, indent=2))
    elif v.ok:
        print(f"{where}: intact, {v.checked:,} records checked")
        print(f"anchor (keep it elsewhere, check with --anchor): {v.anchor}")
    else:
        print(f"{where}: BROKEN, first bad record {v.first_bad}: {v.reason}")
        print(f"{v.checked:,} records checked, {len(v.problems)} problem(s):")
        for p in v.problems:
            print(f"  record {p.seq}: {p.reason}")
    return EXIT_OK if v.ok else EXIT_BROKEN


def cmd_export(args: argparse.Namespace) -> int:
    with _open_existing(args.url) as led:
        if args.out and args.out != "-":
            n = led.export_jsonl(args.out)
            print(f"exported {n:,} records to {args.out}", file=sys.stderr)
        else:
            for line in led.export_jsonl():
                sys.stdout.write(line)
            sys.stdout.flush()
    return EXIT_OK


def cmd_balance(args: argparse.Namespace) -> int:
    with _open_existing(args.url) as led:
        rows = [b for b in led.balances() if not args.regime or b.regime == args.regime]
    if args.json:
        print(json.dumps([b.to_dict() for b in rows], indent=2))
        return EXIT_OK
    if not rows:
        print("no shipment has debited a held licence yet")
        return EXIT_OK
    table = [["regime", "licence", "shipments", "limit", "used", "remaining", "status"]]
    for b in rows:
        lim = b.limits
        limit = (
            " + ".join(
                x
                for x in (
                    _units(lim.quantity) if lim and lim.quantity is not None else "",
                    f"{fmt(lim.value)} {lim.currency}" if lim and lim.value is not None else "",
                )
                if x
            )
            or "none stated"
        )
        used = " + ".join(
            [_units(b.used.quantity)] + [f"{fmt(v)} {c}" for c, v in sorted(b.used.values.items())]
        )
        rq, rv = b.remaining_quantity, b.remaining_value
        remaining = (
            " + ".join(
                x
                for x in (
                    _units(rq) if rq is not None else "",
                    f"{fmt(rv)} {lim.currency if lim else ''}" if rv is not None else "",
                )
                if x
            )
            or "-"
        )
        table.append(
            [
                b.regime,
                b.authorisation,
                str(b.used.shipments),
                limit,
                used,
                remaining,
                "USED UP" if b.exhausted else "ok",
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with _open_existing(args.url) as led:
        rec = led.get(args.id)
    print(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK


# --------------------------------------------------------------------------- report


def cmd_report(args: argparse.Namespace) -> int:
    from .._report import build_report, to_csv

    if args.date_from and args.date_to and args.date_to < args.date_from:
        print("exportrules report: --to is before --from", file=sys.stderr)
        return EXIT_USAGE
    render: Any
    if args.format == "html":
        try:
            from .._report._html import to_html as render
        except ImportError as e:
            print(f"exportrules report: {e}", file=sys.stderr)
            return EXIT_USAGE
    with _open_existing(args.url) as led:
        report = build_report(led, args.date_from, args.date_to, verify=not args.no_verify)
    if args.format == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "csv":
        text = to_csv(report)
    else:
        text = render(report)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    _summary(report, args.out)
    v = report["ledger"]["verification"]
    return EXIT_BROKEN if v is not None and not v["ok"] else EXIT_OK


def _summary(report: Mapping[str, Any], out: str) -> None:
    t, p = report["totals"], report["period"]
    v = report["ledger"]["verification"]
    check = (
        "ledger not checked"
        if v is None
        else ("ledger intact" if v["ok"] else f"LEDGER BROKEN at record {v['first_bad']}")
    )
    dest = "stdout" if out == "-" else out
    print(
        f"report {p['from'] or 'start'} to {p['to'] or 'end'}: {t['transactions']:,} "
        f"transactions, {t['lines']:,} lines, {t['records']:,} records, {t['shipments']:,} "
        f"shipments; {check}; written to {dest}",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------- registration


def register(sub: Any) -> None:
    """Add ``ledger`` and ``report`` to the top-level subcommands."""
    lg = sub.add_parser("ledger", help="check, export and show balances of a decision ledger")
    lsub = lg.add_subparsers(dest="ledger_command", required=True)

    v = lsub.add_parser(
        "verify", help="re-hash every record and name the first edited, deleted or reordered one"
    )
    v.add_argument("url", help=URL_HELP + "; with --jsonl a file written by 'ledger export'")
    v.add_argument(
        "--anchor",
        metavar="SEQ:HASH",
        help="an anchor printed by an earlier verify: the record SEQ must still have HASH "
        "(catches a ledger rewritten from the start)",
    )
    v.add_argument(
        "--jsonl", action="store_true", help="URL is an export file (JSON lines), not a database"
    )
    v.add_argument("--json", action="store_true", help="print the result as JSON")
    v.set_defaults(func=cmd_verify)

    e = lsub.add_parser("export", help="every record as JSON lines, in ledger order")
    e.add_argument("url", help=URL_HELP)
    e.add_argument(
        "--out", "-o", default="-", metavar="FILE", help="write to FILE (default: stdout)"
    )
    e.set_defaults(func=cmd_export)

    b = lsub.add_parser(
        "balance", help="each held licence debited by shipments: limit, used, remaining"
    )
    b.add_argument("url", help=URL_HELP)
    b.add_argument("--regime", help="only licences of this regime (e.g. eu)")
    b.add_argument("--json", action="store_true", help="print the balances as JSON")
    b.set_defaults(func=cmd_balance)

    s = lsub.add_parser("show", help="one record, exactly as recorded, with its hash")
    s.add_argument("url", help=URL_HELP)
    s.add_argument("id", type=int, help="the record's sequence number")
    s.set_defaults(func=cmd_show)

    r = sub.add_parser(
        "report",
        help="transparency report over a ledger: counts, values, charts and the Art. 26(2)-style "
        "table for cyber-surveillance items",
    )
    r.add_argument("url", help=URL_HELP)
    r.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        metavar="DATE",
        help="first day (YYYY-MM-DD, UTC) of records to include (default: the first record)",
    )
    r.add_argument(
        "--to",
        dest="date_to",
        type=_date,
        metavar="DATE",
        help="last day (YYYY-MM-DD, UTC, inclusive) of records to include (default: the last)",
    )
    r.add_argument(
        "--format",
        choices=["html", "csv", "json"],
        default="html",
        help="html: one standalone page with charts (needs exportrules[report]); csv: one tidy "
        "table; json: every table (default: html)",
    )
    r.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="FILE",
        help="where to write the report (- for stdout)",
    )
    r.add_argument(
        "--no-verify",
        action="store_true",
        help="do not check the ledger's hash chain first (faster on very large ledgers)",
    )
    r.set_defaults(func=cmd_report)
