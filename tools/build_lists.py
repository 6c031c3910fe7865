"""Regenerate the bundled restricted-party lists in exportrules/data/lists/ from shared/sources.

Usage: python tools/build_lists.py [SOURCES_DIR]   (default: ../shared/sources next to the repo)

Writes un.json.gz, us_entity_list.json.gz, us_meu.json.gz, us_dpl.json.gz and prints their sizes.
The output is deterministic: running it twice on the same sources gives identical bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exportrules._screening._importers import load_bis_json, load_un_xml  # noqa: E402
from exportrules._screening._store import dump_list  # noqa: E402


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else ROOT.parent / "shared" / "sources"
    out = ROOT / "exportrules" / "data" / "lists"
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("un", "un-consolidated-list/UN_consolidated.xml", lambda p: load_un_xml(p)),
        (
            "us_entity_list",
            "bis-entity-meu-derived/bis_entity_list.json",
            lambda p: load_bis_json(p, "us_entity_list"),
        ),
        ("us_meu", "bis-entity-meu-derived/bis_meu.json", lambda p: load_bis_json(p, "us_meu")),
        ("us_dpl", "bis-entity-meu-derived/bis_dpl.json", lambda p: load_bis_json(p, "us_dpl")),
    ]
    for list_id, rel, loader in jobs:
        rl = loader(src / rel)
        target = out / f"{list_id}.json.gz"
        dump_list(rl, target, generated_from=f"shared/sources/{rel}")
        print(
            f"{target.relative_to(ROOT)}: {len(rl.entries)} entries, as of {rl.as_of}, "
            f"{target.stat().st_size} bytes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
