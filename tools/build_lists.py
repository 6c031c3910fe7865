"""Regenerate the bundled restricted-party lists in exportrules/data/lists/ from source files.

Usage: python tools/build_lists.py SOURCES_DIR
       EXPORTRULES_SOURCES=SOURCES_DIR python tools/build_lists.py

SOURCES_DIR holds the source files in these places (see exportrules/data/lists/PROVENANCE.md
for where each comes from):

    un-consolidated-list/UN_consolidated.xml
    bis-entity-meu-derived/bis_entity_list.json, bis_meu.json, bis_dpl.json
    ofac-sdn-2022/sdn.csv, alt.csv, add.csv

Writes un.json.gz, us_entity_list.json.gz, us_meu.json.gz, us_dpl.json.gz and us_sdn.json.gz and
prints their sizes. The output is deterministic: the same sources give identical bytes (the
regeneration test relies on it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exportrules._screening._importers import load_bis_json, load_un_xml  # noqa: E402
from exportrules._screening._model import RestrictedList  # noqa: E402
from exportrules._screening._ofac import load_ofac_sdn_csv  # noqa: E402
from exportrules._screening._store import dump_list  # noqa: E402

# alt.csv rows of the bundled SDN copy that are not OFAC data: alias "Another name" (alt_num
# 234234, far outside OFAC's numbering, empty remarks where OFAC writes -0-) added to entry 34111
SDN_CORRUPT_ALIASES = (("34111", "234234"),)
SDN_AS_OF = "2022-01-31"  # highest entity number 34488, assigned by OFAC in January 2022

_UN = "UN Security Council consolidated list XML (moov-io/watchman test data, 612b2174)"
_BIS = "phagehunter/nsfreg JSON parse (f77a4b98)"
_SDN = "OFAC SDN legacy CSV files (edu777art/ListLookup, 6903d86a)"

JOBS: list[tuple[str, str, str, Callable[[Path], RestrictedList]]] = [
    ("un", "un-consolidated-list/UN_consolidated.xml", _UN, load_un_xml),
    (
        "us_entity_list",
        "bis-entity-meu-derived/bis_entity_list.json",
        _BIS,
        lambda p: load_bis_json(p, "us_entity_list"),
    ),
    ("us_meu", "bis-entity-meu-derived/bis_meu.json", _BIS, lambda p: load_bis_json(p, "us_meu")),
    ("us_dpl", "bis-entity-meu-derived/bis_dpl.json", _BIS, lambda p: load_bis_json(p, "us_dpl")),
    (
        "us_sdn",
        "ofac-sdn-2022",
        _SDN,
        lambda p: load_ofac_sdn_csv(
            p, as_of=SDN_AS_OF, drop_aliases=SDN_CORRUPT_ALIASES, verified=False
        ),
    ),
]


def build(src: Path, out: Path) -> list[Path]:
    """Write every bundled list from ``src`` into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for list_id, rel, origin, loader in JOBS:
        rl = loader(src / rel)
        target = out / f"{list_id}.json.gz"
        dump_list(rl, target, generated_from=origin)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    given = argv[0] if argv else os.environ.get("EXPORTRULES_SOURCES")
    if not given:
        print(
            "usage: python tools/build_lists.py SOURCES_DIR (or set EXPORTRULES_SOURCES)",
            file=sys.stderr,
        )
        return 2
    src = Path(given)
    if not src.is_dir():
        print(f"error: {src} is not a folder", file=sys.stderr)
        return 2
    for target in build(src, ROOT / "exportrules" / "data" / "lists"):
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
