"""Generate the Canadian regime's tariff-code sanctions tables from Justice Laws XML.

Usage:
    python tools/build_ca_sema_tables.py --out regimes/ca/tables XML [XML ...]

Each XML is one consolidation of the Special Economic Measures (Russia) Regulations
(SOR/2014-58) or the Special Economic Measures (Belarus) Regulations (SOR/2020-214) as the
Department of Justice publishes it (the ``eng/regulations/SOR-2014-58.xml`` file of the Justice
Laws XML, one file per point-in-time version; pass every version you have, in any order). The
tool reads the export schedules that list goods with a Harmonized System code:

========================  ==========================================  =====================
table                     schedule                                    prohibition
========================  ==========================================  =====================
``ru_sch4_oil``           SOR/2014-58, Schedule 4                      s. 3.3(1) / 3.03(1)
``ru_sch502_jet_fuel``    SOR/2014-58, Schedule 5.02                   s. 3.052(1)
``ru_sch6_luxury``        SOR/2014-58, Schedule 6, Part 1              s. 3.8(1) / 3.08(1)
``ru_sch7_industrial``    SOR/2014-58, Schedule 7                      s. 3.9(1) / 3.09(1)
``by_sch4_luxury``        SOR/2020-214, Schedule 4, Part 1             s. 3.7(1)
``by_sch5_weapons``       SOR/2020-214, Schedule 5                     s. 3.8(1)
========================  ==========================================  =====================

For every code it writes one row per period in which the code was in the schedule: the row is
valid from the in-force date the XML gives the schedule row (or its nearest dated ancestor) in
the first consolidation that contains it, and until the point-in-time date of the first later
consolidation that no longer contains it (a removal took effect on or before that date, so the
row errs on the side of the prohibition). The section that prohibits the goods is read from the
consolidation itself, so renumberings (3.9 became 3.09 on 2022-12-07) give dated rows with the
right provision.

Rows have a ``kind``:

- ``listed``: the schedule names the code; a good classified under it is prohibited (the
  schedules say the codes are given for reference and the goods descriptions govern);
- ``subset``: the schedule says "subset of" the code, so only some goods under it are listed;
- ``narrower``: a six-digit prefix under which the schedule lists only longer codes (listed or
  subset): a line
  with only six digits, or with a longer code outside the listed ones, needs a look at the
  descriptions.

A four-digit code ending in 00 is read as the whole chapter (no heading ends in 00; Schedule 7
printed "7200" for chapter 72 until SOR/2026-122). A ``subset`` or ``narrower`` row is dropped
where a ``listed`` row with a shorter code covers the whole of its period (the listed row then
decides). Every table gets ``<name>.meta.toml`` with ``verified = true``, a coverage note naming the
consolidations read and ``stale_after`` (120 days: these schedules change every few months).

The tool fails closed: an XML that is not one of the two regulations, a code it cannot read, or
a schedule that no consolidation given contains stops it before anything is written. A
consolidation in which a schedule number exists but no export prohibition refers to it (the
number then meant another list) is reported on stderr and that schedule is not read from it;
a schedule or row whose in-force date is after the consolidation's point-in-time date, and
amending text printed among the related provisions, is not read either.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LIMS = "{http://justice.gc.ca/lims}"

RUSSIA = "SOR/2014-58"
BELARUS = "SOR/2020-214"
TITLES = {
    RUSSIA: "Special Economic Measures (Russia) Regulations",
    BELARUS: "Special Economic Measures (Belarus) Regulations",
}


@dataclass(frozen=True)
class Target:
    """One export schedule to read."""

    table: str
    instrument: str
    schedule: str  # the schedule number as printed, e.g. "7" or "5.02"
    part: str | None  # "1" when only Part 1 of the schedule is an export list
    what: str


TARGETS = (
    Target("ru_sch4_oil", RUSSIA, "4", None, "goods for deep-water, Arctic or shale oil projects"),
    Target("ru_sch502_jet_fuel", RUSSIA, "5.02", None, "jet fuel and fuel additives"),
    Target("ru_sch6_luxury", RUSSIA, "6", "1", "luxury goods (export)"),
    Target("ru_sch7_industrial", RUSSIA, "7", None, "industrial goods"),
    Target("by_sch4_luxury", BELARUS, "4", "1", "luxury goods (export)"),
    Target("by_sch5_weapons", BELARUS, "5", None, "goods for the manufacture of weapons"),
)

HEADER = ("hs", "kind", "item", "goods", "provision", "valid_from", "valid_until")

# Sanctions schedules change every few months: `exportrules data status` warns after this.
STALE_AFTER_DAYS = 120


class SemaImportError(Exception):
    """The XML could not be read as the tool expects; nothing was written."""


@dataclass
class _Seen:
    """A code as one consolidation lists it."""

    kind: str
    item: str
    goods: str
    provision: str
    start: str  # in-force date of the row (or its nearest dated ancestor)
    since: str | None  # date from which the prohibiting section has this number


@dataclass
class _Version:
    instrument: str
    pit: str
    source: str
    current: str  # the date the consolidation is current to (lims:current-date, else pit)
    tables: dict[str, dict[str, _Seen]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _text(el: ET.Element) -> str:
    return " ".join(t.strip() for t in el.itertext() if t.strip())


def _date_attr(el: ET.Element, name: str = "inforce-start-date") -> str | None:
    v = el.get(LIMS + name)
    return v if v and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) else None


def _codes(cell: str) -> tuple[str, list[str]]:
    """(kind, digit codes) of a schedule code cell such as '8457.10', 'Subset of 2710.12'."""
    t = cell.strip()
    kind = "listed"
    m = re.match(r"(?i)^(subset of|ex)\s+", t)
    if m:
        kind, t = "subset", t[m.end() :]
    parts = re.split(r"\s*(?:,|\band\b)\s*", t)
    out = []
    for p in parts:
        digits = re.sub(r"[.\s]", "", p)
        if not re.fullmatch(r"\d{2,10}", digits):
            return kind, []
        if len(digits) == 4 and digits.endswith("00"):
            # No Harmonized System heading ends in 00: "7200" (as printed in Schedule 7 from
            # 2025-08-12 until SOR/2026-122 wrote "72") is the whole of chapter 72.
            digits = digits[:2]
        out.append(digits)
    return kind, out


def _schedules(root: ET.Element) -> dict[str, ET.Element]:
    out: dict[str, ET.Element] = {}
    # Only the schedules of the regulation itself: amending text that is not yet in force is
    # printed inside the RELATED PROVISIONS schedule and must not be read as the law.
    for sch in root.findall("Schedule"):
        h = sch.find(".//ScheduleFormHeading")
        if h is None:
            continue
        m = re.match(r"SCHEDULE\s+([0-9]+(?:\.[0-9]+)?)\b", _text(h))
        if m:
            out[m.group(1)] = sch
    return out


def _provision(root: ET.Element, t: Target) -> tuple[str, str | None]:
    """The provision that prohibits exporting the schedule's goods, e.g. 's. 3.09(1)', and the
    date from which the section has that number (its in-force date in this consolidation)."""
    part = rf"(?:column 1 of )?Part {t.part} (?:to|of) " if t.part else r"(?:column 1 of )?"
    pat = re.compile(
        r"export, sell, supply or ship any goods?,? (?:referred to|listed) in "
        + part
        + rf"Schedule {re.escape(t.schedule)}\b"
    )
    body = root.find("Body")
    if body is None:
        raise SemaImportError("no Body element")
    for sec in body.iter("Section"):
        lab = sec.find("Label")
        if lab is None or not lab.text:
            continue
        subs = sec.findall("Subsection") or [sec]
        for sub in subs:
            if pat.search(_text(sub)):
                sl = sub.find("Label") if sub is not sec else None
                num = (sl.text or "").strip() if sl is not None else ""
                return f"s. {lab.text.strip()}{num}", _date_attr(sec)
    raise SemaImportError(
        f"{TITLES[t.instrument]}: no section prohibits exporting the goods of Schedule "
        f"{t.schedule}{' Part ' + t.part if t.part else ''}"
    )


def _rows_of(sch: ET.Element, part: str | None) -> list[tuple[ET.Element, list[ET.Element]]]:
    """Body rows of the schedule (of the TableGroup captioned 'PART <part>' when given)."""
    groups = list(sch.iter("TableGroup"))
    if part is not None:
        groups = [
            g
            for g in groups
            if any(re.fullmatch(rf"PART\s+{part}", _text(c), re.I) for c in g.iter("Caption"))
        ]
        if len(groups) != 1:
            raise SemaImportError(f"cannot find Part {part} of the schedule")
    out: list[tuple[ET.Element, list[ET.Element]]] = []

    def walk(e: ET.Element, stack: list[ET.Element]) -> None:
        # ancestors of each row, nearest last, to find the nearest in-force date
        stack = [*stack, e]
        if e.tag == "row":
            out.append((e, stack))
            return
        for c in e:
            walk(c, stack)

    for g in groups:
        walk(g, [])
    return out


def read_version(path: Path) -> _Version:
    """Read one consolidation: the coded rows of every target schedule it contains."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise SemaImportError(f"{path}: not well-formed XML: {e}") from e
    inst_el = root.find("./Identification/InstrumentNumber")
    inst = _text(inst_el) if inst_el is not None else ""
    if inst not in TITLES:
        what = inst or "no instrument number"
        raise SemaImportError(f"{path}: {what} is not {RUSSIA} or {BELARUS}")
    pit = _date_attr(root, "pit-date") or _date_attr(root, "current-date")
    if pit is None:
        raise SemaImportError(f"{path}: no point-in-time date (lims:pit-date)")
    current = max(_date_attr(root, "current-date") or pit, pit)
    v = _Version(inst, pit, path.name, current)
    scheds = _schedules(root)
    for t in TARGETS:
        if t.instrument != inst or t.schedule not in scheds:
            continue
        sch = scheds[t.schedule]
        if (_date_attr(sch) or pit) > pit:
            continue  # registered but not yet in force at this point in time
        try:
            prov, since = _provision(root, t)
        except SemaImportError:
            # The schedule number exists but no export prohibition refers to it in this
            # consolidation: it was another list then (SOR/2014-58 Schedule 6 listed partner
            # countries before SOR/2022-102). Recorded, not read.
            v.skipped.append(f"Schedule {t.schedule}")
            continue
        seen: dict[str, _Seen] = {}
        for row, ancestors in _rows_of(sch, t.part):
            ents = row.findall("entry")
            if len(ents) < 3:
                continue
            item, goods, code = (_text(e) for e in ents[:3])
            if not re.fullmatch(r"\d+(?:\.\d+)?", item):
                continue  # header rows ("Item", "Column 1")
            if goods.startswith("[Repealed"):
                continue
            kind, codes = _codes(code)
            if not codes:
                raise SemaImportError(
                    f"{path}: Schedule {t.schedule}, item {item}: cannot read the code {code!r}"
                )
            start = next((d for a in reversed(ancestors) if (d := _date_attr(a)) is not None), pit)
            if start > pit:
                continue  # a row not yet in force at this point in time
            for c in codes:
                prev = seen.get(c)
                if prev is not None and prev.kind == "listed":
                    continue  # the code is listed outright by another item
                seen[c] = _Seen(kind, item, goods, prov, min(start, pit), since)
        v.tables[t.table] = seen
    return v


@dataclass
class _Row:
    hs: str
    kind: str
    item: str
    goods: str
    provision: str
    valid_from: str
    valid_until: str = ""


def build(versions: Sequence[_Version]) -> dict[str, tuple[list[_Row], list[_Version]]]:
    """Per table: dated rows and the consolidations that contained the schedule."""
    out: dict[str, tuple[list[_Row], list[_Version]]] = {}
    for t in TARGETS:
        vs = sorted((v for v in versions if v.instrument == t.instrument), key=lambda v: v.pit)
        present = [v for v in vs if t.table in v.tables]
        rows: list[_Row] = []
        open_: dict[str, _Row] = {}
        prev: _Version | None = None
        for v in vs:
            now = v.tables.get(t.table, {})
            for c in list(open_):
                r, s = open_[c], now.get(c)
                if s is None:  # removed on or before this consolidation's date
                    r.valid_until = v.pit
                    del open_[c]
                elif (s.kind, s.provision) != (r.kind, r.provision):
                    # renumbered section or changed kind: split the period
                    r.valid_until = max(s.since or s.start, r.valid_from)
                    del open_[c]
            for c, s in now.items():
                if c in open_:
                    continue
                earlier = [x for x in rows if x.hs == c]
                if earlier:
                    start = max(s.since or s.start, max(x.valid_until for x in earlier))
                elif prev is not None and t.table in prev.tables:
                    # added after the previous consolidation read
                    start = max(s.start, _next_day(prev.pit))
                else:
                    start = s.start
                r = _Row(c, s.kind, s.item, s.goods, s.provision, start)
                rows.append(r)
                open_[c] = r
            prev = v
        rows = _add_narrower(rows)
        rows = _drop_shadowed(rows)
        rows.sort(key=lambda r: (r.hs, r.valid_from))
        out[t.table] = (rows, present)
    return out


def _next_day(d: str) -> str:
    return (_dt.date.fromisoformat(d) + _dt.timedelta(days=1)).isoformat()


def _add_narrower(rows: list[_Row]) -> list[_Row]:
    """A six-digit 'narrower' row for every longer listed or subset code (same period)."""
    extra: list[_Row] = []
    for r in rows:
        if len(r.hs) > 6 and r.kind in ("listed", "subset"):
            six = r.hs[:6]
            extra.append(
                _Row(six, "narrower", r.item, r.goods, r.provision, r.valid_from, r.valid_until)
            )
    merged: dict[tuple[str, str, str], _Row] = {}
    for r in extra:
        k = (r.hs, r.valid_from, r.valid_until)
        if k in merged:
            merged[k].item += f"; {r.item}"
        else:
            merged[k] = r
    exact = {(r.hs, r.valid_from, r.valid_until) for r in rows}
    return rows + [r for k, r in merged.items() if k not in exact]


def _covers(outer: _Row, inner: _Row) -> bool:
    end_o = outer.valid_until or "9999-12-31"
    end_i = inner.valid_until or "9999-12-31"
    return outer.valid_from <= inner.valid_from and end_i <= end_o


def _drop_shadowed(rows: list[_Row]) -> list[_Row]:
    """Drop subset/narrower rows whose whole period a shorter listed code covers."""
    listed = [r for r in rows if r.kind == "listed"]
    keep = []
    for r in rows:
        if r.kind != "listed" and any(
            len(x.hs) < len(r.hs) and r.hs.startswith(x.hs) and _covers(x, r) for x in listed
        ):
            continue
        keep.append(r)
    return keep


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(out_dir: Path, built: dict[str, tuple[list[_Row], list[_Version]]]) -> dict[str, int]:
    """Write every table (CSV and .meta.toml); returns rows written per table."""
    for t in TARGETS:
        if not built[t.table][1]:
            raise SemaImportError(
                f"no consolidation given contains {TITLES[t.instrument]} Schedule {t.schedule}"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for t in TARGETS:
        rows, present = built[t.table]
        first, last = present[0].pit, max(v.current for v in present)
        part = f", Part {t.part}" if t.part else ""
        src = f"{TITLES[t.instrument]} ({t.instrument}), Schedule {t.schedule}{part}"
        buf = io.StringIO()
        buf.write(
            f"# GENERATED by tools/build_ca_sema_tables.py from {len(present)} Justice Laws XML "
            f"consolidations of {src}, from {first}, current to {last}.\n"
            "# Do not edit: re-run the tool with the consolidations instead.\n"
        )
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.hs, r.kind, r.item, r.goods, r.provision, r.valid_from, r.valid_until])
        (out_dir / f"{t.table}.csv").write_text(buf.getvalue(), encoding="utf-8")
        provs = sorted({r.provision for r in rows})
        coverage = (
            f"Every Harmonized System code in {src} ({t.what}), generated from the official "
            f"Justice Laws XML: {len(present)} consolidations from the point-in-time date {first} "
            f"to one current to {last}, so the table is complete for dates from {first} to {last} "
            f"(a code added and removed between two consolidations read would be missed). "
            f"Prohibiting provision(s): {', '.join(provs)}. Rows of kind 'listed' name the "
            "code; 'subset' rows cover only some goods under the code; 'narrower' rows mark "
            "six-digit codes under which only longer codes are listed. The schedule gives the "
            "codes for reference only: the goods descriptions govern."
        )
        meta = (
            f"source = {_toml_str(src + ', Justice Laws XML consolidations')}\n"
            f'as_of = "{last}"\n'
            "verified = true\n"
            f"coverage = {_toml_str(coverage)}\n"
            f"stale_after = {STALE_AFTER_DAYS}\n"
        )
        (out_dir / f"{t.table}.meta.toml").write_text(meta, encoding="utf-8")
        counts[t.table] = len(rows)
    return counts


def run(paths: Iterable[Path], out_dir: Path) -> dict[str, int]:
    """Read every consolidation, then write the tables (nothing is written on error)."""
    versions = [read_version(p) for p in paths]
    if not versions:
        raise SemaImportError("no XML files given")
    for v in versions:
        for what in v.skipped:
            print(
                f"build_ca_sema_tables: {v.source} ({v.pit}): {what} is not an export list "
                "in this consolidation; not read",
                file=sys.stderr,
            )
    return write(out_dir, build(versions))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("xml", nargs="+", help="Justice Laws XML consolidations (any versions)")
    ap.add_argument("--out", required=True, help="output folder, e.g. regimes/ca/tables")
    ns = ap.parse_args(argv)
    try:
        counts = run([Path(p) for p in ns.xml], Path(ns.out))
    except (SemaImportError, OSError) as e:
        print(f"build_ca_sema_tables: {e}", file=sys.stderr)
        return 1
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
