"""Command-line actions for screening, argparse-free: ``exportrules screen`` / ``lists``.

The main CLI parses the arguments and calls these functions with plain values. Each returns the
process exit code (0 success, 2 invalid usage) and writes to ``out`` (default: stdout).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from ._importers import (
    load_bis_json,
    load_csl_csv,
    load_csl_json,
    load_ecfr_entity_list,
    load_ftm_jsonl,
    load_un_xml,
)
from ._model import RestrictedList
from ._ofac import load_ofac_sdn_csv
from ._screener import Screener
from ._store import dump_list, user_dir

__all__ = ["FORMATS", "cli_lists", "cli_screen", "cli_update_list", "split_by_list"]

EXIT_OK, EXIT_INVALID = 0, 2

# --format values of `exportrules lists update`
FORMATS: dict[str, str] = {
    "un-xml": "UN Security Council consolidated list XML",
    "csl-csv": "US Consolidated Screening List CSV",
    "csl-json": "US Consolidated Screening List JSON",
    "bis-json": "third-party JSON parse of a BIS list (needs --list)",
    "ecfr-xml": "eCFR Title 15 XML with Supplement No. 4 to Part 744 (Entity List)",
    "ftm-jsonl": "OpenSanctions FollowTheMoney JSON lines",
    "ofac-sdn-csv": "OFAC SDN legacy CSV files: a folder with sdn.csv, alt.csv and add.csv, or "
    "sdn.csv with them beside it (needs --as-of)",
}


def _fmt_policy(p: str | None) -> str:
    return p if p else "unknown (the source does not carry it; not an approval)"


def cli_screen(
    name: str,
    *,
    country: str | None = None,
    lists: Sequence[str] | None = None,
    threshold: float | None = None,
    as_json: bool = False,
    screener: Screener | None = None,
    out: TextIO | None = None,
) -> int:
    """Screen one name and print its hits with explanations.

    ``threshold`` lowers or raises the review threshold (hits at or above it are shown); the
    match threshold is raised with it when it is higher.
    """
    out = out or sys.stdout
    err = sys.stderr if out is sys.stdout else out
    scr = screener or Screener.default()
    if threshold is not None:
        if not 0.0 < threshold <= 1.0:
            print(f"error: --threshold must be in (0, 1], got {threshold}", file=err)
            return EXIT_INVALID
        scr = scr.with_options(
            review_threshold=threshold, match_threshold=max(threshold, scr.match_threshold)
        )
    if country is not None and not (len(country) == 2 and country.isalpha() and country.isupper()):
        print(f"error: --country must be an upper-case ISO alpha-2 code, got {country!r}", file=err)
        return EXIT_INVALID
    try:
        hits = scr.screen(name, country, lists=lists)
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    everything = scr.list_versions()
    versions = [v for v in everything if not lists or v["id"] in lists] or everything
    if as_json:
        doc = {
            "query": name,
            "country": country,
            "thresholds": {"match": scr.match_threshold, "review": scr.review_threshold},
            "lists": versions,
            "hits": [m.to_dict() for m in hits],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    where = ", ".join(f"{v['id']} (as of {v['as_of']})" for v in versions)
    print(
        f"Screening {name!r}" + (f" [{country}]" if country else "") + f" against {where}", file=out
    )
    if not hits:
        print(f"No hits at or above {scr.review_threshold:.2f}.", file=out)
        return EXIT_OK
    for m in hits:
        print(
            f"{m.level.upper():6} {m.score:.2f}  {m.list_id}  {m.entry_id}  {m.entry_name}",
            file=out,
        )
        print(f"       {m.explanation}", file=out)
        if m.programs:
            print(f"       programmes: {', '.join(m.programs)}", file=out)
        if m.license_requirement:
            print(f"       licence requirement: {m.license_requirement}", file=out)
        if m.list_id.startswith("us_"):
            print(f"       licence review policy: {_fmt_policy(m.license_policy)}", file=out)
        if m.citation:
            print(f"       citation: {m.citation}", file=out)
    return EXIT_OK


def cli_lists(
    *,
    as_json: bool = False,
    screener: Screener | None = None,
    out: TextIO | None = None,
    today: _dt.date | None = None,
) -> int:
    """Print the lists in use: id, entries, as-of date and age, verified, source, and a warning
    for each list older than its ``stale_after``."""
    out = out or sys.stdout
    scr = screener or Screener.default()
    versions = scr.list_versions(today)
    if as_json:
        print(json.dumps(versions, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    ud = user_dir()
    if ud is not None:
        print(f"(lists in {ud} replace bundled lists of the same id)", file=out)
    stale = 0
    for v in versions:
        flag = "verified" if v["verified"] else "unverified"
        age = f"{v['age_days']} days old" if "age_days" in v else ""
        mark = "  STALE" if v.get("stale") else ""
        print(
            f"{v['id']:16} {v['entries']:>7} entries  as of {v['as_of']} ({age})  {flag}{mark}",
            file=out,
        )
        print(f"{'':16} {v['name']}; source: {v['source']}", file=out)
        if v.get("warning"):
            stale += 1
            print(f"{'':16} warning: {v['warning']}", file=out)
    if stale:
        print(
            f"{stale} of {len(versions)} lists are stale: a clear screening result against them "
            "does not show that a party is not listed today.",
            file=out,
        )
    return EXIT_OK


def split_by_list(rl: RestrictedList) -> list[RestrictedList]:
    """One list per list id of the entries (a consolidated list split into its parts)."""
    ids = sorted({e.list_id for e in rl.entries})
    if ids == [rl.id]:
        return [rl]
    return [
        RestrictedList(
            id=i,
            name=f"{rl.name}: {i}",
            source=rl.source,
            as_of=rl.as_of,
            verified=rl.verified,
            entries=tuple(e for e in rl.entries if e.list_id == i),
            coverage=f"The {i} entries of: {rl.coverage}",
        )
        for i in ids
    ]


def cli_update_list(
    path: str,
    *,
    fmt: str,
    list_id: str | None = None,
    as_of: str | None = None,
    dest: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Import a newer list file and store it where ``Screener.default()`` will use it.

    The file is converted to the compact format in ``dest`` (default: ``EXPORTRULES_LISTS_DIR``),
    one file per list id; it replaces the bundled list of the same id from then on. A
    consolidated file (CSL) is split into its lists; ``list_id`` keeps only that one.
    """
    out = out or sys.stdout
    err = sys.stderr if out is sys.stdout else out
    target = Path(dest) if dest else user_dir()
    if target is None:
        print("error: give a destination folder or set EXPORTRULES_LISTS_DIR", file=err)
        return EXIT_INVALID
    loaders: dict[str, Callable[[], RestrictedList]] = {
        "un-xml": lambda: load_un_xml(path),
        "csl-csv": lambda: load_csl_csv(path, as_of=as_of),
        "csl-json": lambda: load_csl_json(path, as_of=as_of),
        "bis-json": lambda: load_bis_json(path, list_id or ""),
        "ecfr-xml": lambda: load_ecfr_entity_list(path, as_of=as_of),
        "ftm-jsonl": lambda: load_ftm_jsonl(path, list_id or "opensanctions", as_of=as_of),
        "ofac-sdn-csv": lambda: load_ofac_sdn_csv(path, as_of=as_of or ""),
    }
    if fmt not in loaders:
        print(f"error: unknown format {fmt!r}; one of {', '.join(FORMATS)}", file=err)
        return EXIT_INVALID
    if fmt == "ofac-sdn-csv" and not as_of:
        print(
            "error: the OFAC SDN CSV files carry no date: give --as-of (the date OFAC published "
            "them, shown as 'last updated' where you downloaded them)",
            file=err,
        )
        return EXIT_INVALID
    if fmt == "bis-json" and not list_id:
        print("error: --list is needed for bis-json (us_entity_list, us_meu or us_dpl)", file=err)
        return EXIT_INVALID
    try:
        parts = split_by_list(loaders[fmt]())
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    if list_id and fmt in ("csl-csv", "csl-json"):
        parts = [p for p in parts if p.id == list_id]
        if not parts:
            print(f"error: the file has no entries of list {list_id!r}", file=err)
            return EXIT_INVALID
    target.mkdir(parents=True, exist_ok=True)
    for rl in parts:
        file = target / f"{rl.id}.json.gz"
        dump_list(rl, file, generated_from=os.path.basename(path))
        print(f"{rl.id}: {len(rl.entries)} entries as of {rl.as_of} -> {file}", file=out)
    return EXIT_OK
