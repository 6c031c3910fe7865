"""Importer for the official eCFR XML of 15 CFR (Export Administration Regulations).

Reads the XML that the eCFR versioner serves for Title 15 (whole title or parts 738, 740, 774)
and writes the US regime's tables from the official text:

- ``country_chart.csv`` from Supplement No. 1 to Part 738 (Commerce Country Chart),
- ``country_groups.csv`` from Supplements No. 1 and No. 3 to Part 740,
- ``ccl.csv`` from the ECCN entries of Supplement No. 1 to Part 774.

Every CSV starts with ``#`` comment lines saying it is generated, from which file and as of
which date (the loader skips comment lines), and each table gets a ``<name>.meta.toml`` with
``source``, ``as_of``, ``verified = true`` and ``coverage``. The regime loader is expected to
let a ``.meta.toml`` beside a CSV override the table's metadata in ``regime.toml``.

The importer fails closed: a country name it cannot map to an ISO code, a chart row with the
wrong number of cells, or a missing supplement raises :class:`EcfrImportError` and nothing is
written. A CCL control line it cannot interpret marks the entry ``unparsed`` (the regime then
holds such lines for review) instead of being dropped.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = ["CHART_COLUMNS", "EcfrImportError", "import_ecfr", "main"]

CHART_COLUMNS = (
    "cb1", "cb2", "cb3", "np1", "np2", "ns1", "ns2", "mt1",
    "rs1", "rs2", "fc1", "cc1", "cc2", "cc3", "at1", "at2",
)  # fmt: skip
GROUP_COLUMNS = (
    "a1", "a2", "a3", "a4", "a5", "a6", "b", "d1", "d2", "d3", "d4", "d5", "e1", "e2", "enc_supp3",
)  # fmt: skip
CCL_SPECIAL = ("ei", "sl", "cc_world", "cc_world_ca", "ac")
CCL_HEADER = (
    "eccn", "title", *CHART_COLUMNS, *CCL_SPECIAL,
    "lvs", "gbs", "enc", "no_exceptions", "partial", "valid_from", "valid_until",
)  # fmt: skip

# Hong Kong: since 85 FR 83765 (effective 2020-12-23) the EAR treat Hong Kong as China; the
# official chart and group tables then carry no Hong Kong row, so the importer gives Hong Kong
# China's row from that date (an older XML that still prints a Hong Kong row keeps it).
HK_AS_CHINA_FROM = "2020-12-23"

# ECCNs (or paragraphs) that did not exist before a known date. The XML only says what the CCL is
# as of its date, so these first-effective dates are kept here and written to ``valid_from``:
# before them the code is unknown to the regime and the line is held for review.
CCL_KNOWN_START = {
    "0A501": "2020-03-09",  # firearms transferred from the USML (85 FR 4136, eff. 9 Mar 2020)
    "0A502": "2020-03-09",
    "0A503": "2020-03-09",
    "4A005": "2022-03-07",  # cybersecurity items (86 FR 58205; delayed by 87 FR 1670)
    "4D004": "2022-03-07",
    "4A003.z": "2022-10-21",  # advanced computing .z paragraphs (87 FR 62186)
    "3A001.z": "2022-10-21",
}

_SUPP_CHART = "supplement no. 1 to part 738"
_SUPP_GROUPS = "supplement no. 1 to part 740"
_SUPP_ENC = "supplement no. 3 to part 740"
_SUPP_CCL = "supplement no. 1 to part 774"

_ECCN = re.compile(r"^\s*([0-9][A-E][0-9]{3})\b[\s.:\u2014-]*(.*)$")
_COLUMN_REF = re.compile(r"\b(CB|NP|NS|MT|RS|FC|CC|AT)\s*Column\s*([1-3])\b", re.I)
_HEADER_COL = re.compile(r"^(CB|NP|NS|MT|RS|FC|CC|AT)\s*([1-3])$")
_GROUP_REF = re.compile(r"\b([ADE])\s*:\s*([1-7])\b")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"]
    )
}  # fmt: skip

# Country names as the EAR prints them that differ from the ISO short names in
# exportrules/data/countries.csv (after normalisation).
_ALIASES = {
    "bahamas the": "BS",
    "the bahamas": "BS",
    "burma": "MM",
    "cabo verde": "CV",
    "congo democratic republic of the": "CD",
    "congo republic of the": "CG",
    "cote d ivoire": "CI",
    "czechia": "CZ",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "gambia the": "GM",
    "the gambia": "GM",
    "holy see": "VA",
    "vatican city": "VA",
    "korea north": "KP",
    "korea south": "KR",
    "korea democratic people s republic of": "KP",
    "korea republic of": "KR",
    "kosovo": "XK",
    "laos": "LA",
    "macau": "MO",
    "macao": "MO",
    "micronesia federated states of": "FM",
    "north macedonia": "MK",
    "macedonia": "MK",
    "palestinian territories": "PS",
    "russia": "RU",
    "saint kitts and nevis": "KN",
    "st kitts and nevis": "KN",
    "saint lucia": "LC",
    "st lucia": "LC",
    "saint vincent and the grenadines": "VC",
    "st vincent and the grenadines": "VC",
    "sao tome and principe": "ST",
    "sint maarten": "SX",
    "timor leste": "TL",
    "east timor": "TL",
    "turkey": "TR",
    "turkiye": "TR",
    "united kingdom": "GB",
    "united states": "US",
    "vietnam": "VN",
    "antigua and barbuda": "AG",
    "bosnia and herzegovina": "BA",
    "trinidad and tobago": "TT",
    "central african republic": "CF",
    "samoa": "WS",
}


class EcfrImportError(ValueError):
    """The XML is not in the expected eCFR structure, or a value cannot be mapped."""


def _norm(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.lower().replace("&", " and ")
    s = re.sub(r"[^a-z]+", " ", s)  # footnote digits and punctuation go
    return " ".join(s.split())


def _iso_names() -> dict[str, str]:
    path = Path(__file__).resolve().parent.parent / "data" / "countries.csv"
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        rows = csv.reader(ln for ln in fh if not ln.startswith("#"))
        for row in rows:
            if len(row) >= 2 and row[0] != "code":
                out[_norm(row[1])] = row[0]
    out.update(_ALIASES)
    return out


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _cell_text(el: ET.Element) -> str:
    """Cell text without footnote markers (SU elements) and without surrounding space."""
    parts: list[str] = []

    def walk(e: ET.Element) -> None:
        if e.text and _tag(e) != "su":
            parts.append(e.text)
        for ch in e:
            if _tag(ch) != "su":
                walk(ch)
            if ch.tail:
                parts.append(ch.tail)

    walk(el)
    return " ".join("".join(parts).split())


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""


def _find_supplement(root: ET.Element, name: str) -> ET.Element | None:
    for el in root.iter():
        if _tag(el) == "div9" and " ".join(el.get("N", "").lower().split()) == name:
            return el
    return None


def _rows(table: ET.Element) -> Iterator[tuple[str, list[str]]]:
    """(kind, cells) for each row: kind 'th' when the row holds header cells.

    Reads HTML-like tables (TR/TH/TD) and, for robustness, GPO tables as printed in the CFR
    (BOXHD/CHED header, ROW/ENT body).
    """
    for tr in table.iter():
        t = _tag(tr)
        if t == "boxhd":
            yield "th", [_cell_text(c) for c in tr if _tag(c) == "ched"]
            continue
        if t not in ("tr", "row"):
            continue
        cells = [c for c in tr if _tag(c) in ("th", "td", "ent")]
        kind = "th" if cells and all(_tag(c) == "th" for c in cells) else "td"
        yield kind, [_cell_text(c) for c in cells]


def _tables(el: ET.Element) -> list[ET.Element]:
    return [t for t in el.iter() if _tag(t) in ("table", "gpotable")]


def _country(name: str, names: dict[str, str], where: str) -> str:
    key = _norm(name)
    code = names.get(key)
    if code is None:
        raise EcfrImportError(f"{where}: country {name!r} cannot be mapped to an ISO code")
    return code


# --------------------------------------------------------------------------- as-of date


def _as_of(root: ET.Element, explicit: str | None) -> str:
    if explicit is not None:
        try:
            return _dt.date.fromisoformat(explicit).isoformat()
        except ValueError as e:
            raise EcfrImportError(f"as_of {explicit!r} is not an ISO date") from e
    for attr in ("DATE", "date", "AMDDATE", "up_to_date_as_of"):
        v = root.get(attr)
        if v:
            try:
                return _dt.date.fromisoformat(v[:10]).isoformat()
            except ValueError:
                pass
    for el in root.iter():
        if _tag(el) == "amddate":
            m = re.match(r"^([A-Za-z]+)\.?\s+(\d{1,2}),\s*(\d{4})$", _text(el))
            months = {k[:3]: v for k, v in _MONTHS.items()}
            if m and m.group(1).lower()[:3] in months:
                month = months[m.group(1).lower()[:3]]
                return _dt.date(int(m.group(3)), month, int(m.group(2))).isoformat()
    raise EcfrImportError(
        "the XML does not say which date it is up to date as of (no DATE attribute or AMDDATE); "
        "pass as_of explicitly"
    )


# --------------------------------------------------------------------------- Country Chart


def parse_country_chart(root: ET.Element, names: dict[str, str]) -> list[dict[str, str]]:
    """Rows of the Commerce Country Chart: country code, printed name and 16 X/'' cells."""
    supp = _find_supplement(root, _SUPP_CHART)
    if supp is None:
        raise EcfrImportError("Supplement No. 1 to Part 738 (Country Chart) not found")
    out: dict[str, dict[str, str]] = {}
    for t in _tables(supp):
        header: list[str | None] | None = None
        for kind, cells in _rows(t):
            ids = [_chart_col(c) for c in cells]
            if kind == "th" or (header is None and sum(i is not None for i in ids) >= 8):
                if sum(i is not None for i in ids) >= 8:
                    header = ids
                continue
            if header is None or not cells or not cells[0]:
                continue
            if len(cells) != len(header):
                raise EcfrImportError(
                    f"Country Chart row {cells[0]!r} has {len(cells)} cells; "
                    f"the header has {len(header)}"
                )
            code = _country(cells[0], names, "Country Chart")
            row = {"country": code, "name": cells[0]}
            for col, val in zip(header, cells):
                if col is None:
                    continue
                v = val.strip().upper()
                if v not in ("", "X"):
                    raise EcfrImportError(f"Country Chart {cells[0]!r} {col}: unexpected {val!r}")
                row[col] = v
            missing = [c for c in CHART_COLUMNS if c not in row]
            if missing:
                raise EcfrImportError(f"Country Chart header lacks columns {missing}")
            out[code] = row
    if not out:
        raise EcfrImportError("Country Chart: no table with CB 1 ... AT 2 columns found")
    return [out[k] for k in sorted(out)]


def _chart_col(cell: str) -> str | None:
    m = _HEADER_COL.match(cell.strip().upper())
    return f"{m.group(1).lower()}{m.group(2)}" if m else None


# --------------------------------------------------------------------------- Country Groups


def _group_col(cell: str) -> str | None:
    c = cell.strip()
    m = _GROUP_REF.search(c)
    if m:
        return f"{m.group(1).lower()}{m.group(2)}"
    if re.search(r"(\[B\]|\bGroup B\b|^B$)", c):
        return "b"
    return None


def parse_country_groups(
    root: ET.Element, names: dict[str, str]
) -> tuple[list[dict[str, str]], list[str]]:
    """Country Group membership by country, and the group columns actually found."""
    supp = _find_supplement(root, _SUPP_GROUPS)
    if supp is None:
        raise EcfrImportError("Supplement No. 1 to Part 740 (Country Groups) not found")
    rows: dict[str, dict[str, str]] = {}
    found: set[str] = set()
    for t in _tables(supp):
        header: list[str | None] | None = None
        for kind, cells in _rows(t):
            if kind == "th":
                cols = [_group_col(c) for c in cells]
                if any(cols):
                    header = cols
                continue
            if header is None or not cells or not cells[0]:
                continue
            if len(cells) != len(header):
                raise EcfrImportError(
                    f"Country Groups row {cells[0]!r} has {len(cells)} cells; "
                    f"the header has {len(header)}"
                )
            code = _country(cells[0], names, "Country Groups")
            row = rows.setdefault(code, {"country": code})
            for col, val in zip(header, cells):
                if col is None or col not in GROUP_COLUMNS:
                    continue
                found.add(col)
                if val.strip().upper() == "X":
                    row[col] = "X"
    if not rows:
        raise EcfrImportError("Country Groups: no table with group columns found")
    enc = _find_supplement(root, _SUPP_ENC)
    if enc is not None:
        found.add("enc_supp3")
        for code in _countries_in_text(enc, names):
            rows.setdefault(code, {"country": code})["enc_supp3"] = "X"
    out = []
    for code in sorted(rows):
        r = rows[code]
        out.append({"country": code, **{c: r.get(c, "") for c in GROUP_COLUMNS}})
    return out, sorted(found)


def _countries_in_text(supp: ET.Element, names: dict[str, str]) -> list[str]:
    """Country names listed in a supplement (table cells or one paragraph per country)."""
    out: list[str] = []
    cells = [c for c in supp.iter() if _tag(c) in ("td", "li")]
    items = [_cell_text(c) for c in cells] or [_text(p) for p in supp.iter() if _tag(p) == "p"]
    for item in items:
        for part in re.split(r"[;\n]", item):
            code = names.get(_norm(part))
            if code is not None:
                out.append(code)
    return sorted(set(out))


# --------------------------------------------------------------------------- CCL


class _Entry:
    def __init__(self, eccn: str, title: str) -> None:
        self.eccn = eccn
        self.title = title
        self.whole: set[str] = set()
        self.paragraphs: dict[str, set[str]] = {}
        self.lvs = ""
        self.gbs = ""
        self.no_exceptions = False
        self.notes: list[str] = []
        self.unparsed: list[str] = []


def _blocks(el: ET.Element) -> Iterator[ET.Element]:
    """Block elements (headings, paragraphs, tables) in document order, tables not entered."""
    for ch in el:
        t = _tag(ch)
        if t in ("table", "gpotable", "p", "fp") or t.startswith("hd"):
            yield ch
        else:
            yield from _blocks(ch)


def _heading(el: ET.Element) -> tuple[str, str] | None:
    t = _tag(el)
    if t in ("table", "gpotable"):
        return None
    lead_bold = len(el) > 0 and _tag(el[0]) in ("b", "e") and not (el.text or "").strip()
    bold = t.startswith("hd") or lead_bold
    if not bold:
        return None
    m = _ECCN.match(_text(el))
    if not m or "applies to" in m.group(2).lower():
        return None
    return m.group(1), m.group(2).strip().rstrip(".")


def _paragraph_codes(eccn: str, spec: str) -> list[str] | None:
    """'3A001.e.2, e.3 and b.5' -> full codes; None when the text is not a plain list."""
    spec = re.sub(r"\band\b|\bor\b", ",", spec)
    out: list[str] = []
    for tok in (x.strip(" .;") for x in spec.split(",")):
        if not tok:
            continue
        m = re.match(r"^([0-9][A-E][0-9]{3})((?:\.[a-z0-9]+)+)$", tok)
        if m:
            if m.group(1) != eccn:
                return None
            out.append(tok)
            continue
        m2 = re.match(r"^(?:\.)?([a-z])((?:\.[a-z0-9]+)*)$", tok)
        if m2:
            out.append(f"{eccn}.{m2.group(1)}{m2.group(2)}")
            continue
        return None
    return out or None


def _control_row(entry: _Entry, first: str, second: str) -> None:
    """Interpret one row of the 'Control(s) | Country chart' table."""
    m = re.match(r"^([A-Z]{2,3})\s+applies\s+to\s+(.*)$", first.strip(), re.S)
    if not m:
        if re.match(r"^control\(s\)", first.strip(), re.I):
            return
        entry.unparsed.append(f"{first} | {second}")
        return
    reason, scope = m.group(1), m.group(2).strip().rstrip(".")
    cols: set[str] = set()
    col = _COLUMN_REF.search(second)
    low = second.lower()
    if col and col.group(1).upper() == reason:
        cols.add(f"{reason.lower()}{col.group(2)}")
    elif reason == "EI":
        cols.add("ei")
    elif reason == "SL" or "742.13" in second:
        cols.add("sl")
    elif reason == "CC" and "all destinations" in low:
        cols.add("cc_world_ca" if "including canada" in low else "cc_world")
    elif reason == "RS" and "742.6(a)(6)" in second:
        cols.add("ac")
    else:
        entry.unparsed.append(f"{first} | {second}")
        return
    if re.match(r"^(the\s+)?entire\s+entry", scope, re.I):
        entry.whole |= cols
        return
    # "applies to 3A001.e.2 ... when ..." : the condition is not modelled; apply the control to
    # the named paragraphs unconditionally (more licences, never fewer) and say so.
    cond = re.split(r"\s+(?:when|that|if|except|which|for)\s+", scope, maxsplit=1)
    codes = _paragraph_codes(entry.eccn, cond[0])
    if codes is None:
        entry.whole |= cols
        entry.notes.append(f"{reason} scope '{scope}' read as the entire entry")
        return
    if len(cond) > 1:
        entry.notes.append(
            f"{reason} condition '{cond[1]}' not modelled; applied to {', '.join(codes)}"
        )
    for c in codes:
        entry.paragraphs.setdefault(c, set()).update(cols)


def _exception_text(entry: _Entry, text: str) -> None:
    m = re.search(r"\bLVS\s*:\s*(.*?)(?=\bGBS\b|\bCIV\b|\bSTA\b|$)", text)
    if m:
        v = m.group(1).strip().rstrip(".;")
        money = re.fullmatch(r"\$\s*([0-9][0-9,]*)(?:\.00)?", v)
        if money:
            entry.lvs = money.group(1).replace(",", "")
        elif not re.match(r"^N/?A$", v, re.I):
            entry.notes.append(f"LVS '{v}' is qualified; not offered")
    g = re.search(r"\bGBS\s*:\s*(.*?)(?=\bLVS\b|\bCIV\b|\bSTA\b|$)", text)
    if g:
        v = g.group(1).strip().rstrip(".;")
        if re.fullmatch(r"Yes", v, re.I):
            entry.gbs = "Yes"
        elif not re.match(r"^N/?A$", v, re.I):
            entry.notes.append(f"GBS '{v}' is qualified; not offered")
    if re.search(r"no license exceptions? (?:may be used|apply|are available)", text, re.I):
        entry.no_exceptions = True


def parse_ccl(root: ET.Element) -> list[dict[str, str]]:
    """CCL rows: one per ECCN, plus one per paragraph whose controls differ."""
    supp = _find_supplement(root, _SUPP_CCL)
    if supp is None:
        raise EcfrImportError("Supplement No. 1 to Part 774 (Commerce Control List) not found")
    entries: list[_Entry] = []
    cur: _Entry | None = None
    for b in _blocks(supp):
        h = _heading(b)
        if h is not None:
            cur = _Entry(*h)
            entries.append(cur)
            continue
        if cur is None:
            continue
        if _tag(b) in ("table", "gpotable"):
            for _kind, cells in _rows(b):
                if len(cells) >= 2 and cells[0]:
                    _control_row(cur, cells[0], cells[1])
            continue
        _exception_text(cur, _text(b))
    if not entries:
        raise EcfrImportError("Commerce Control List: no ECCN entries found")
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for e in entries:
        if e.eccn in seen:
            raise EcfrImportError(f"ECCN {e.eccn} appears twice")
        seen.add(e.eccn)
        out.append(_ccl_row(e, e.eccn, e.whole, e.title))
        for code in sorted(e.paragraphs):
            cols = set(e.whole)
            for anc, extra in e.paragraphs.items():
                if code == anc or code.startswith(anc + "."):
                    cols |= extra
            out.append(_ccl_row(e, code, cols, f"{e.eccn} paragraph {code[len(e.eccn) + 1 :]}"))
    return out


def _ccl_row(e: _Entry, code: str, cols: set[str], title: str) -> dict[str, str]:
    row = {"eccn": code, "title": title}
    for c in (*CHART_COLUMNS, *CCL_SPECIAL):
        row[c] = "X" if c in cols else ""
    no_exc = e.no_exceptions
    notes = list(e.notes)
    if e.unparsed:
        notes.append("uninterpreted control lines: " + " / ".join(e.unparsed))
        # A control line we cannot read may hide a licence requirement: no exceptions, and the
        # regime reviews the line (partial starts with 'UNPARSED').
        no_exc = True
    row.update(
        lvs=e.lvs,
        gbs=e.gbs,
        enc="Yes" if "ei" in cols else "",
        no_exceptions="X" if no_exc else "",
        partial=("UNPARSED: " if e.unparsed else "") + "; ".join(notes),
        valid_from="",
        valid_until="",
    )
    return row


# --------------------------------------------------------------------------- writing


def _write_csv(
    path: Path, header: Sequence[str], rows: Iterable[dict[str, str]], banner: str
) -> int:
    buf = io.StringIO()
    for line in banner.splitlines():
        buf.write(f"# {line}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    n = 0
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
        n += 1
    path.write_text(buf.getvalue(), encoding="utf-8")
    return n


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _write_meta(path: Path, source: str, as_of: str, coverage: str) -> None:
    path.write_text(
        "# Generated by exportrules._importers.ecfr; do not edit.\n"
        f"source = {_toml_str(source)}\n"
        f"as_of = {_toml_str(as_of)}\n"
        "verified = true\n"
        f"coverage = {_toml_str(coverage)}\n",
        encoding="utf-8",
    )


def import_ecfr(
    xml_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, as_of: str | None = None
) -> dict[str, int]:
    """Regenerate the US regime tables from eCFR Title 15 XML.

    Args:
        xml_path: eCFR versioner XML containing parts 738, 740 and 774 (or the whole title).
        out_dir: the regime's ``tables`` folder (written in place).
        as_of: the date the XML is up to date as of (ISO); read from the XML when omitted.

    Returns:
        Table name -> number of rows written.

    Raises:
        EcfrImportError: the XML lacks a supplement, a row is malformed or a country cannot
            be mapped; nothing is written in that case.
    """
    src = Path(xml_path)
    try:
        root = ET.parse(src).getroot()
    except ET.ParseError as e:
        raise EcfrImportError(f"{src}: not well-formed XML: {e}") from e
    date = _as_of(root, as_of)
    names = _iso_names()
    chart = parse_country_chart(root, names)
    groups, group_cols = parse_country_groups(root, names)
    ccl = parse_ccl(root)
    _hong_kong_as_china(chart, "country_chart")
    _hong_kong_as_china(groups, "country_groups")
    for row in ccl:
        start = CCL_KNOWN_START.get(row["eccn"])
        if start and not row.get("valid_from"):
            row["valid_from"] = start

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = f"eCFR Title 15 XML ({src.name}), up to date as of {date}"
    banner = (
        "GENERATED by exportrules._importers.ecfr from {what} of " + base + ".\n"
        "Do not edit: re-run `exportrules import-ecfr FILE --out DIR` instead."
    )
    counts: dict[str, int] = {}
    counts["country_chart"] = _write_csv(
        out / "country_chart.csv",
        ("country", "name", *CHART_COLUMNS, "note", "valid_from", "valid_until"),
        chart,
        banner.format(what="Supp. No. 1 to Part 738"),
    )
    _write_meta(
        out / "country_chart.meta.toml",
        f"15 CFR Supp. No. 1 to Part 738 (Commerce Country Chart), {base}",
        date,
        f"All {len(chart)} destinations printed in the chart, 16 columns; footnotes not encoded.",
    )
    counts["country_groups"] = _write_csv(
        out / "country_groups.csv",
        ("country", *GROUP_COLUMNS, "valid_from", "valid_until"),
        groups,
        banner.format(what="Supps. No. 1 and 3 to Part 740"),
    )
    missing = [c for c in GROUP_COLUMNS if c not in group_cols]
    _write_meta(
        out / "country_groups.meta.toml",
        f"15 CFR Supps. No. 1 and 3 to Part 740 (Country Groups), {base}",
        date,
        f"{len(groups)} destinations; groups found: {', '.join(group_cols)}"
        + (f"; not in the XML, left empty: {', '.join(missing)}" if missing else ""),
    )
    counts["ccl"] = _write_csv(
        out / "ccl.csv", CCL_HEADER, ccl, banner.format(what="Supp. No. 1 to Part 774")
    )
    unparsed = sum(1 for r in ccl if r["partial"].startswith("UNPARSED"))
    _write_meta(
        out / "ccl.meta.toml",
        f"15 CFR Supp. No. 1 to Part 774 (Commerce Control List), {base}",
        date,
        f"{len(ccl)} rows (ECCNs and paragraphs with their own controls); "
        f"{unparsed} rows with control lines the importer could not interpret (no exceptions, "
        "see the partial column). Conditions inside paragraph controls are applied "
        "unconditionally.",
    )
    return counts


def _hong_kong_as_china(rows: list[dict[str, str]], table: str) -> None:
    """Give Hong Kong China's row from 2020-12-23 when the XML has no Hong Kong row."""
    if any(r["country"] == "HK" for r in rows):
        return
    china = next((r for r in rows if r["country"] == "CN"), None)
    if china is None:
        return
    hk = {**china, "country": "HK", "valid_from": HK_AS_CHINA_FROM, "valid_until": ""}
    if "name" in hk:
        hk["name"] = "Hong Kong"
    if table == "country_chart":
        hk["note"] = f"treated as China from {HK_AS_CHINA_FROM} (85 FR 83765)"
    rows.append(hk)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``exportrules import-ecfr FILE --out DIR [--as-of DATE]``."""
    ap = argparse.ArgumentParser(
        prog="exportrules import-ecfr",
        description="Regenerate the US regime tables (Country Chart, Country Groups, CCL) "
        "from eCFR Title 15 XML.",
    )
    ap.add_argument("file", help="eCFR versioner XML of Title 15 (parts 738, 740, 774)")
    ap.add_argument("--out", required=True, help="output folder, e.g. regimes/us/tables")
    ap.add_argument("--as-of", dest="as_of", help="date the XML is up to date as of (ISO)")
    ns = ap.parse_args(argv)
    try:
        counts = import_ecfr(ns.file, ns.out, as_of=ns.as_of)
    except (EcfrImportError, OSError) as e:
        print(f"import-ecfr: {e}", file=sys.stderr)
        return 1
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
