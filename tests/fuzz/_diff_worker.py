"""Differential worker: decides each transaction read from stdin with both backends.

Run as a subprocess by test_differential.py, so that a crash of the native rete engine is seen
as this process dying, with the input that did it. Protocol: one JSON request per line,
``{"tx": {...}, "hits": [...]}``; one JSON answer per line, ``{"python": decision-or-error,
"rete": decision-or-error}`` (``evaluated_at`` and the backend name removed).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from exportrules import Engine, InvalidTransaction
from exportrules._screen import FixedScreener


def _outcome(engine: Engine, tx: Any) -> Any:
    try:
        d = engine.evaluate(tx).to_dict()
    except InvalidTransaction as e:
        return {"invalid": [list(p) for p in e.problems]}
    d.pop("evaluated_at", None)
    d["engine"] = {k: v for k, v in d["engine"].items() if k != "backend"}
    return d


def main() -> None:
    engines = {b: Engine.default(backend=b, screening=None) for b in ("python", "rete")}
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        req = json.loads(line)
        out = {}
        for b, e in engines.items():
            if req.get("hits"):
                e = e.with_screener(FixedScreener(req["hits"]))
            out[b] = _outcome(e, req["tx"])
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
