"""The default engine against a released exportrules, installed beside it, in the same run.

``Engine.default()`` (the bundled EU, US and Canadian regimes, screening on with the bundled
lists) decides the same transactions (``default_workload.py``: three screened parties, 1-4
lines) in two child processes driven in turn by this one:

- ``release``: an installed exportrules (a wheel built from a git commit, installed with
  ``pip install --target`` into a folder that goes first on the child's PYTHONPATH);
- ``current``: the working tree;
- ``current nocache``: the working tree with the line-result cache off
  (``EXPORTRULES_LINE_CACHE=0``): every pass after the first repeats the same transactions, so
  ``current`` answers them from its cache, and this child shows the cost of deciding them;
- and, with ``--rete``, the working tree with ``backend="rete"`` (line-result cache off: the
  ratio python/rete compares ``current nocache`` with it, matcher against matcher).

Passes are interleaved (release, current, release, current, ...): a slow moment of the shared
machine hits both. The best pass of each is kept; the ratio current/release is the figure.
Both children also report their resident set size (before import, after import, after
``Engine.default()`` decided the workload once), and ``--soak N`` runs N more evaluations in
the current child and prints its RSS every N/10 (memory must not grow).

``--callgrind K`` counts instructions per evaluation instead (machine-independent): each
installation runs under ``valgrind --tool=callgrind`` twice, deciding K and 0 transactions
after the same warm-up; (Ir(K) - Ir(0)) / K is the cost of one evaluation.

    python benchmarks/bench_default.py --build-release 5906b3a          # build + run
    python benchmarks/bench_default.py --release .bench/release-5906b3a  # reuse the build
    python benchmarks/bench_default.py --release DIR --soak 100000
    python benchmarks/bench_default.py --release DIR --callgrind 300

Exit status 1 when current/release < 3x (or, with --rete, current/rete < 10x).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))

TARGET_RELEASE = 3.0
TARGET_RETE = 10.0


def build_release(commit: str, dest: Path) -> Path:
    """Build a wheel of ``commit`` and install it with ``pip --target`` into ``dest``."""
    if (dest / "exportrules").is_dir():
        return dest
    with tempfile.TemporaryDirectory(prefix="exportrules-release-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        wheels = Path(tmp) / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(wheels)],
            check=True,
        )
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(dest)]
            + [str(w) for w in wheels.glob("*.whl")],
            check=True,
        )
    return dest


NOCACHE = {"EXPORTRULES_LINE_CACHE": "0"}


class Child:
    def __init__(
        self, label: str, pythonpath: str, env_extra: dict[str, str] | None = None
    ) -> None:
        self.label = label
        env = dict(os.environ, PYTHONPATH=pythonpath, **(env_extra or {}))
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "_driver.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),  # never pick up ./exportrules by accident
        )

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.label}: child exited")
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, BrokenPipeError, ValueError):
            self.ask(cmd="quit")
        self.proc.wait(timeout=30)


def callgrind_ir(
    pythonpath: str,
    workload: Path,
    n: int,
    backend: str = "python",
    env_extra: dict[str, str] | None = None,
) -> int:
    env = dict(os.environ, PYTHONPATH=pythonpath, **(env_extra or {}))
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/cg.out",
                sys.executable,
                str(HERE / "_driver.py"),
                "--count",
                str(workload),
                str(n),
                backend,
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
    m = re.search(r"Collected : (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"callgrind failed: {r.stderr[-2000:]}")
    return int(m.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--release", type=Path, help="folder with a release installed (--target)")
    ap.add_argument("--build-release", metavar="COMMIT", help="build COMMIT into .bench/")
    ap.add_argument("--n", type=int, default=400, help="transactions per pass")
    ap.add_argument("--repeats", type=int, default=5, help="timed passes each (best is kept)")
    ap.add_argument("--rete", action="store_true", help="also time the current rete backend")
    ap.add_argument("--soak", type=int, default=0, help="evaluations for the memory check")
    ap.add_argument("--callgrind", type=int, default=0, help="instruction counts, K evaluations")
    args = ap.parse_args(argv)

    release = args.release
    if args.build_release:
        release = build_release(
            args.build_release, ROOT / ".bench" / f"release-{args.build_release}"
        )
    if release is None:
        ap.error("give --release DIR or --build-release COMMIT")
    release = release.resolve()

    import default_workload as dw

    codes = dw.regime_codes()
    txs = dw.transactions(codes, args.n)
    nlines = sum(len(t["lines"]) for t in txs)
    tmpdir = tempfile.mkdtemp(prefix="exportrules-default-")
    workload = Path(tmpdir) / "workload.json"
    workload.write_text(json.dumps(txs))
    print(
        f"default engine workload: {len(txs)} transactions, {nlines / len(txs):.2f} lines and "
        f"3 screened parties each; codes from the bundled tables "
        f"({', '.join(f'{k} {len(v)}' for k, v in codes.items())})"
    )
    paths = {"release": str(release), "current": str(ROOT)}

    if args.callgrind:
        k = args.callgrind
        print(f"instructions per evaluation (callgrind, ({k} evaluations - 0) / {k}):")
        runs = [(label, pp, None) for label, pp in paths.items()]
        runs.append(("current nocache", str(ROOT), NOCACHE))
        for label, pp, extra in runs:
            hi = callgrind_ir(pp, workload, k, env_extra=extra)
            lo = callgrind_ir(pp, workload, 0, env_extra=extra)
            print(f"  {label:>15}: {(hi - lo) / k:>12,.0f}   (Ir {hi:,} - {lo:,})")
        return 0

    children = {label: Child(label, pp) for label, pp in paths.items()}
    children["current nocache"] = Child("current nocache", str(ROOT), NOCACHE)
    if args.rete:
        children["current rete"] = Child("current rete", str(ROOT), NOCACHE)
    ok = True
    try:
        info = {}
        for label, ch in children.items():
            info[label] = ch.ask(
                cmd="init", workload=str(workload), backend="rete" if "rete" in label else "python"
            )
            i = info[label]
            print(
                f"{label:>15}: {i['file']}\n{'':>17}RSS {i['rss_start_kib'] / 1024:.1f} MiB at "
                f"start, {i['rss_imported_kib'] / 1024:.1f} MiB after import, "
                f"{i['rss_warm_kib'] / 1024:.1f} MiB after Engine.default() decided the workload"
                f" once ({(i['rss_warm_kib'] - i['rss_imported_kib']) / 1024:.1f} MiB for the "
                "engine, its rules, tables and screening lists)"
            )
        diff = sum(a != b for a, b in zip(info["release"]["outcomes"], info["current"]["outcomes"]))
        print(
            f"outcomes: {diff} of {len(txs)} differ between release and current "
            "(non-zero only where the bundled regimes changed since the release)"
        )
        if "current rete" in info:
            d2 = sum(
                a != b
                for a, b in zip(info["current rete"]["outcomes"], info["current"]["outcomes"])
            )
            print(f"outcomes: {d2} of {len(txs)} differ between the current python and rete")
            if d2:
                ok = False
        best = dict.fromkeys(children, 0.0)
        best_cpu = dict.fromkeys(children, 0.0)
        med: dict[str, float] = {}
        for _ in range(args.repeats):
            for label, ch in children.items():
                a = ch.ask(cmd="pass")
                rate = a["n"] / a["seconds"]
                best_cpu[label] = max(best_cpu[label], a["n"] / a["cpu"])
                if rate > best[label]:
                    best[label] = rate
                    med[label] = a["median"]
        for label, rate in best.items():
            print(
                f"{label:>15}: {rate:>9,.0f} transactions/s  ({rate * nlines / len(txs):,.0f} "
                f"lines/s), median latency {med[label] * 1e6:,.0f} us; "
                f"{best_cpu[label]:,.0f} transactions per CPU second"
            )
        r = best["current"] / best["release"]
        rc = best_cpu["current"] / best_cpu["release"]
        print(
            f"current / release: {r:.2f}x wall clock, {rc:.2f}x CPU time "
            f"(target >= {TARGET_RELEASE:g}x) {'ok' if r >= TARGET_RELEASE else 'MISS'}"
        )
        ok = ok and r >= TARGET_RELEASE
        rn = best["current nocache"] / best["release"]
        rnc = best_cpu["current nocache"] / best_cpu["release"]
        print(f"current nocache / release: {rn:.2f}x wall clock, {rnc:.2f}x CPU time")
        if "current rete" in best:
            r2 = best["current nocache"] / best["current rete"]
            r2c = best_cpu["current nocache"] / best_cpu["current rete"]
            print(
                "current python / current rete (both without the line-result cache): "
                f"{r2:.2f}x wall clock, {r2c:.2f}x CPU time "
                f"(target >= {TARGET_RETE:g}x) "
                f"{'ok' if r2 >= TARGET_RETE else 'MISS'}"
            )
            ok = ok and r2 >= TARGET_RETE
        if args.soak:
            a = children["current"].ask(cmd="soak", n=args.soak)
            marks = a["rss_kib"]
            print(
                f"soak: {args.soak:,} more evaluations, current RSS every "
                f"{args.soak // 10:,} (MiB): "
                + " ".join(f"{m / 1024:.1f}" for m in marks)
                + f"; growth {(marks[-1] - marks[1]) / 1024:+.1f} MiB after the first tenth"
            )
    finally:
        for ch in children.values():
            ch.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
