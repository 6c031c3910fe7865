"""``exportrules regimes compile``: print a regime's compiled decision function."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ir import Regime

__all__ = ["add_cli"]


def add_cli(regimes_sub: Any) -> None:
    """Register ``exportrules regimes compile`` on the ``regimes`` sub-command parser."""
    rc = regimes_sub.add_parser(
        "compile",
        help="compile a regime to its decision function; --show prints the generated source",
        description="Compile a regime (a bundled or installed regime's id, or a regime folder) "
        "into the Python decision function the default backend runs, for the rules in force on "
        "a date, and report its intervals and indexes; --show prints the source.",
    )
    rc.add_argument("regime", help="regime id (e.g. eu) or path to a regime folder")
    rc.add_argument(
        "--date",
        type=_dt.date.fromisoformat,
        default=None,
        help="the date whose rules in force are compiled (default: today)",
    )
    rc.add_argument("--show", action="store_true", help="print the generated Python source")
    rc.set_defaults(func=_cmd_compile)


def _cmd_compile(args: Any) -> int:
    import os
    import sys

    from ._compile import compile_regime, intervals  # here, so ``--help`` stays quick
    from ._errors import RuleSetError
    from ._loader import bundled_regimes, load_regime

    ref = str(args.regime)
    regime: Regime | None = None
    if os.path.isdir(ref):
        regime = load_regime(ref)
    else:
        for n, d in bundled_regimes():
            if n == ref:
                regime = load_regime(d, label=f"regimes/{n}")
        if regime is None:
            from ._engine import discover_entry_points

            for r in discover_entry_points():
                if r.id == ref:
                    regime = r
    if regime is None:
        raise RuleSetError(f"no regime {ref!r}: give a bundled or installed id, or a folder")
    date = args.date or _dt.date.today()
    prog = compile_regime(regime, date)
    if args.show:
        sys.stdout.write(prog.source)
        return 0
    breaks = intervals(regime)
    print(
        f"regime {regime.id!r}: {len(regime.rules)} rules; the rules in force change on "
        f"{len(breaks)} dates, so up to {len(breaks) + 1} decision functions are compiled "
        "(each on first use)"
    )
    print(
        f"{date}: rules in force from {prog.span[0] or 'the beginning'} until "
        f"{prog.span[1] or 'further notice'}; {len(prog.source.splitlines())} lines of Python "
        "(--show prints them)"
    )
    for line in prog.source.splitlines():
        s = line.strip()
        if s.startswith("# ") and " entries keyed on " in s:
            print("  " + s[2:])
        elif s.startswith("for e in _A") and "  # " in s:
            print("  " + s.split("  # ", 1)[1])
    return 0
