"""OFAC's Specially Designated Nationals and Blocked Persons List, legacy CSV files.

OFAC publishes the SDN list as three related CSV files without a header row (see
docs/screening.md, "OFAC SDN"):

* ``sdn.csv``: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks
* ``alt.csv``: ent_num, alt_num, alt_type (``aka``, ``fka``, ``nka``), alt_name, alt_remarks
* ``add.csv``: ent_num, add_num, address, city/state/postal code, country, add_remarks
* optionally ``sdn_comments.csv``: ent_num, remarks overflow (appended to the remarks)

``-0-`` (often followed by a space) means empty. Individuals are written ``LAST, First``;
several programs are joined as ``A] [B``. Fields may be quoted or not (standard CSV either way),
rows may come in any order, and the official files end with a DOS end-of-file byte (0x1A).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

from ._countries import country_code
from ._model import ListEntry, RestrictedList

__all__ = ["load_ofac_sdn_csv", "sdn_files"]

PathLike = str | os.PathLike[str]

_KIND = {"individual": "individual", "vessel": "vessel", "aircraft": "aircraft"}
_AKA_IN_REMARKS = re.compile(r"\b(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'([^']+)'", re.IGNORECASE)
_NATIONALITY = re.compile(
    r"^(?:alt\.\s+)?(?:nationality|citizen)\s+(?:of\s+registration\s+)?(.+?)\.?$", re.IGNORECASE
)
_LINKED = re.compile(r"^Linked To:\s*(.+?)\.?$", re.IGNORECASE)


def _v(cell: str | None) -> str | None:
    """A cell's value: None for ``-0-`` or blank, else the text with whitespace collapsed."""
    if cell is None:
        return None
    s = " ".join(cell.split())
    if not s or s == "-0-":
        return None
    return s


def _read_rows(path: Path, width: int) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # older OFAC files are Windows-1252
    out = []
    for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
        if not row or all(not c.strip() or c.strip() == "\x1a" for c in row):
            continue  # blank line or the DOS end-of-file marker
        if len(row) != width:
            raise ValueError(
                f"{path}:{n}: {len(row)} fields where an OFAC {path.name} row has {width}; "
                "is this the legacy SDN CSV layout?"
            )
        out.append(row)
    return out


def sdn_files(path: PathLike) -> tuple[Path, Path | None, Path | None, Path | None]:
    """(sdn.csv, alt.csv, add.csv, sdn_comments.csv) for a folder or for the sdn.csv file
    itself; the companions are looked up beside it (any letter case), None when absent."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    names = {c.name.casefold(): c for c in folder.iterdir()} if folder.is_dir() else {}
    sdn = p if p.is_file() else names.get("sdn.csv")
    if sdn is None:
        raise ValueError(f"{path}: no sdn.csv there (give the folder of the OFAC files or sdn.csv)")
    return sdn, names.get("alt.csv"), names.get("add.csv"), names.get("sdn_comments.csv")


def _numbered(row: list[str]) -> tuple[int, int, str]:
    """Sort key of an alt.csv/add.csv row: entity number, then the row's own number."""
    a, b = row[0].strip(), row[1].strip()
    return (int(a) if a.isdigit() else -1, int(b) if b.isdigit() else -1, b)


def _programs(cell: str | None) -> tuple[str, ...]:
    """OFAC's program column, ``SDGT] [IFSR``, as ('SDGT', 'IFSR'), spelt as OFAC writes them."""
    if not cell:
        return ()
    return tuple(p for p in (" ".join(x.split()) for x in cell.strip("[] ").split("] [")) if p)


def _remark_parts(remarks: str) -> Iterable[str]:
    for part in remarks.split(";"):
        part = part.strip()
        if part:
            yield part


def load_ofac_sdn_csv(
    path: PathLike,
    *,
    as_of: str,
    drop_aliases: Iterable[tuple[str, str]] = (),
    verified: bool = True,
) -> RestrictedList:
    """The OFAC SDN list from its legacy CSV files (a folder, or ``sdn.csv`` with siblings).

    Args:
        path: the folder holding sdn.csv, alt.csv and add.csv (any letter case), or sdn.csv.
        as_of: the list's date. The files carry none: give the date OFAC published them (the
            "last updated" date of the download page), never a guess.
        drop_aliases: (ent_num, alt_num) pairs of alt.csv rows to leave out (rows known to be
            corrupt in a copy); each one must exist.
        verified: false for a copy that is not OFAC's own publication (a re-saved file).

    Entries keep OFAC's entity number as id and OFAC's program tags as programmes
    (``SDGT``, ``HRIT-SY``, ``NPWMD``, ``IRAN-HR``, ``GLOMAG``, ``DPRK3``, ...). Names in
    alt.csv are good aliases; ``a.k.a. '...'`` names in the remarks are OFAC's *weak* aliases
    (at most a potential match alone). Countries come from nationality and citizenship in the
    remarks and from the address countries; ``Linked To:`` names go to ``linked_to``. The legacy
    files carry no designation dates: ``listed_on`` is None (unknown).

    Anomalies do not stop the import but are stated in the list's coverage: a repeated entity
    number keeps the later record as ``<ent_num>-2`` (aliases and addresses stay with the
    first), and alias or address rows of unknown entity numbers are counted and skipped.
    """
    _dt.date.fromisoformat(as_of)
    sdn_path, alt_path, add_path, comments_path = sdn_files(path)
    if alt_path is None or add_path is None:
        missing = [n for n, q in (("alt.csv", alt_path), ("add.csv", add_path)) if q is None]
        raise ValueError(
            f"{sdn_path.parent}: {' and '.join(missing)} not found beside sdn.csv; the SDN "
            "list's aliases and addresses are in those files (download all three)"
        )
    records: dict[str, list[str]] = {}
    order: list[str] = []
    dup_ids: list[str] = []
    for row in _read_rows(sdn_path, 12):
        ent = row[0].strip()
        if not ent.isdigit():
            raise ValueError(f"{sdn_path}: entity number {ent!r} is not a number")
        key = ent
        n = 2
        while key in records:
            key = f"{ent}-{n}"
            n += 1
        if key != ent:
            dup_ids.append(ent)
        records[key] = row
        order.append(key)
    aliases: dict[str, list[str]] = {}
    orphans = {"alt.csv": 0, "add.csv": 0}
    drop = {(str(a), str(b)) for a, b in drop_aliases}
    dropped: set[tuple[str, str]] = set()
    # aliases and addresses in OFAC's numbering order, whatever the order of the rows
    for row in sorted(_read_rows(alt_path, 5), key=_numbered):
        ent, num = row[0].strip(), row[1].strip()
        if (ent, num) in drop:
            dropped.add((ent, num))
            continue
        name = _v(row[3])
        if ent not in records:
            orphans["alt.csv"] += 1
        elif name:
            aliases.setdefault(ent, []).append(name)
    if drop - dropped:
        raise ValueError(f"{alt_path}: alias rows to drop not found: {sorted(drop - dropped)}")
    addr_countries: dict[str, list[str]] = {}
    unknown_countries: set[str] = set()
    for row in sorted(_read_rows(add_path, 6), key=_numbered):
        ent = row[0].strip()
        if ent not in records:
            orphans["add.csv"] += 1
            continue
        c = _v(row[4])
        if c:
            code = country_code(c)
            if code:
                addr_countries.setdefault(ent, []).append(code)
            elif not c.startswith("Region:"):
                unknown_countries.add(c)
    extra_remarks: dict[str, str] = {}
    if comments_path is not None:
        for row in _read_rows(comments_path, 2):
            if _v(row[1]):
                extra_remarks[row[0].strip()] = " ".join(row[1].split())
    entries: list[ListEntry] = []
    for key in order:
        row = records[key]
        ent = row[0].strip()
        first = key == ent  # a repeated number's later record gets no companion rows
        name = _v(row[1])
        if not name:
            raise ValueError(f"{sdn_path}: entry {key} has no name")
        remarks = " ".join(x for x in (_v(row[11]), extra_remarks.get(ent) if first else None) if x)
        weak: list[str] = []
        countries: list[str] = []
        linked: list[str] = []
        for part in _remark_parts(remarks):
            weak += _AKA_IN_REMARKS.findall(part)
            m = _NATIONALITY.match(part)
            if m:
                code = country_code(m.group(1))
                if code:
                    countries.append(code)
                else:
                    unknown_countries.add(m.group(1))
                continue
            m = _LINKED.match(part)
            if m:
                linked.append(m.group(1).strip())
        countries += addr_countries.get(ent, []) if first else []
        names = [name]
        quals = ["primary"]
        seen = {name.casefold()}
        for a, q in [(a, "good") for a in (aliases.get(ent, []) if first else [])] + [
            (w.strip(), "weak") for w in weak
        ]:
            if a and a.casefold() not in seen:
                seen.add(a.casefold())
                names.append(a)
                quals.append(q)
        programs = _programs(_v(row[3]))
        entries.append(
            ListEntry(
                list_id="us_sdn",
                entry_id=key,
                names=tuple(names),
                alias_quality=tuple(quals),
                countries=tuple(dict.fromkeys(countries)),
                kind=_KIND.get((_v(row[2]) or "").casefold(), "entity"),
                programs=programs,
                citation=f"OFAC SDN List, entry {ent}"
                + (f" ({'; '.join(programs)})" if programs else ""),
                listed_on=None,  # the legacy files carry no designation date
                linked_to=tuple(dict.fromkeys(linked)),
                remarks=remarks or None,
            )
        )
    notes = []
    if dup_ids:
        notes.append(
            f"entity number(s) {', '.join(sorted(set(dup_ids), key=int))} appear more than once "
            "in sdn.csv: the later record is kept as <number>-2 without aliases or addresses"
        )
    for f, n in orphans.items():
        if n:
            notes.append(f"{n} row(s) of {f} name an entity number not in sdn.csv: skipped")
    if dropped:
        notes.append(
            f"{len(dropped)} alt.csv row(s) left out as known corrupt: "
            + ", ".join(f"{a}/{b}" for a, b in sorted(dropped))
        )
    if unknown_countries:
        notes.append(
            f"{len(unknown_countries)} country name(s) not recognised (not used as qualifiers): "
            + ", ".join(sorted(unknown_countries)[:10])
        )
    coverage = (
        f"{len(entries)} SDN records with {sum(len(e.names) - 1 for e in entries)} aliases "
        "(alt.csv aliases good, a.k.a. names in the remarks weak). Designation dates are not in "
        "the legacy files: every listing is treated as in force."
    )
    if notes:
        coverage += " Import notes: " + "; ".join(notes) + "."
    return RestrictedList(
        id="us_sdn",
        name="OFAC Specially Designated Nationals and Blocked Persons List",
        source=f"OFAC SDN legacy CSV files (sdn.csv, alt.csv, add.csv) as of {as_of}",
        as_of=as_of,
        verified=verified,
        entries=tuple(entries),
        coverage=coverage,
    )
