"""Importers: official and third-party list formats -> ``RestrictedList``.

Each importer keeps the source's entry ids, the list's as-of date and, where the format has
them, the programme, licence requirement, licence review policy and Federal Register citation.
A field the format lacks is None (unknown), never a permissive default.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dateutil import parser as _dateparser

from ._countries import country_code
from ._model import ListEntry, RestrictedList

__all__ = [
    "CSL_SOURCES",
    "first_citation_date",
    "load_bis_json",
    "load_csl_csv",
    "load_csl_json",
    "load_ecfr_entity_list",
    "load_ftm_jsonl",
    "load_un_xml",
    "strip_footnotes",
]

PathLike = str | os.PathLike[str]

# CSL "source" column (prefix before " - ") -> list id used in facts and rules.
CSL_SOURCES: dict[str, str] = {
    "Entity List (EL)": "us_entity_list",
    "Military End User (MEU) List": "us_meu",
    "Denied Persons List (DPL)": "us_dpl",
    "Unverified List (UVL)": "us_uvl",
    "Specially Designated Nationals (SDN)": "us_sdn",
    "Foreign Sanctions Evaders (FSE)": "us_fse",
    "Sectoral Sanctions Identifications List (SSI)": "us_ssi",
    "Nonproliferation Sanctions (ISN)": "us_isn",
    "ITAR Debarred (DTC)": "us_dtc",
    "Palestinian Legislative Council List (PLC)": "us_plc",
    "Non-SDN Menu-Based Sanctions List (NS-MBS List)": "us_mbs",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC)": "us_cmic",
    "Correspondent Account or Payable-Through Account Sanctions (CAPTA)": "us_capta",
    "Capta List (CAP)": "us_capta",
}


def _clean(v: object) -> str | None:
    if v is None:
        return None
    s = " ".join(str(v).split())
    return s or None


def _dedupe(xs: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for x in xs:
        if x and x not in seen:
            seen[x] = None
    return tuple(seen)


def _names(primary: str, aliases: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], ...]:
    """(names, qualities) with the primary first and duplicate spellings dropped."""
    names = [primary]
    quals = ["primary"]
    seen = {primary.casefold()}
    for name, q in aliases:
        key = name.casefold()
        if name and key not in seen:
            seen.add(key)
            names.append(name)
            quals.append(q)
    return tuple(names), tuple(quals)


def _date(v: object) -> _dt.date | None:
    """An ISO date (or the date part of an ISO timestamp); None when absent or not a date."""
    s = _clean(v)
    if not s:
        return None
    try:
        return _dt.date.fromisoformat(s[:10])
    except ValueError:
        return None


# A Federal Register citation's date: "84 FR 22963, 5/21/19", "61 F.R. 12734 3/28/1996".
_FR_DATE = re.compile(r"(?<![\d/])(\d{1,2}/\d{1,2}/(?:\d{4}|\d{2}))(?![\d/])")


def first_citation_date(citation: str | None) -> _dt.date | None:
    """The date a listing took effect, read from its Federal Register citations.

    Every ``month/day/year`` date in the text is parsed (python-dateutil, month first; a
    two-digit year is put in the century that brings it within 50 years of today, so ``5/21/19``
    is 2019 and ``3/28/97`` is 1997); the earliest is returned, which is the first citation (the
    rule that added the entry) unless the citations are out of order. None when no date can be
    read. This is the Federal Register *publication* date: a rule may take effect on another
    day (see docs/screening.md).
    """
    if not citation:
        return None
    found: list[_dt.date] = []
    for m in _FR_DATE.finditer(citation):
        try:
            found.append(_dateparser.parse(m.group(1), dayfirst=False).date())
        except (ValueError, OverflowError):
            continue
    return min(found) if found else None


# Footnote markers of the printed CFR that leaked into licence-requirement texts: a digit after a
# section reference ("734.9(e) 1 and", "734.9(g),3 746.8") or at the very end ("of the EAR 2",
# "of the EAR) 4"); and "744.2l(b)" with a letter l for the digit 1.
_FOOTNOTE_AFTER_SECTION = re.compile(
    r"(\d+\.\d+[a-z]?(?:\([a-z0-9]+\))+)\s*(,?)\s*[1-9](?=[\s,;)]|$)"
)
_FOOTNOTE_AT_END = re.compile(r"(\bEAR\b\)?\.?\)?)\s*[1-9]\s*$")
_ELL_FOR_ONE = re.compile(r"(\d\.\d+)l(\()")


def strip_footnotes(text: str | None) -> str | None:
    """``text`` without CFR footnote markers (see above); None stays None."""
    if not text:
        return text
    t = _FOOTNOTE_AFTER_SECTION.sub(lambda m: m.group(1) + m.group(2), text)
    t = _FOOTNOTE_AT_END.sub(r"\1", t)
    return _ELL_FOR_ONE.sub(r"\g<1>1\2", t)


def _stable_id(prefix: str, *parts: str | None) -> str:
    h = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{h[:12]}"


# ------------------------------------------------------------------ UN consolidated list XML

_UN_QUALITY = {"good": "good", "low": "low", "a.k.a.": "good", "f.k.a.": "good"}


def _text(el: ET.Element | None) -> str | None:
    return _clean(el.text) if el is not None else None


def load_un_xml(path: PathLike) -> RestrictedList:
    """The UN Security Council consolidated list (official XML, ``CONSOLIDATED_LIST``).

    Entry ids are the UN reference numbers (e.g. ``CDi.001``). Alias quality ``Low`` is kept as
    ``low``; ``a.k.a.``/``f.k.a.``/``Good`` as ``good``; names in original script are ``good``.
    """
    root = ET.parse(path).getroot()
    if root.tag != "CONSOLIDATED_LIST":
        raise ValueError(f"{path}: not a UN consolidated list (root <{root.tag}>)")
    generated = root.get("dateGenerated")
    if not generated:
        raise ValueError(f"{path}: no dateGenerated attribute; the list's as-of date is unknown")
    as_of = generated[:10]
    entries: list[ListEntry] = []
    for kind, tag, alias_tag, addr_tag in (
        ("individual", "INDIVIDUAL", "INDIVIDUAL_ALIAS", "INDIVIDUAL_ADDRESS"),
        ("entity", "ENTITY", "ENTITY_ALIAS", "ENTITY_ADDRESS"),
    ):
        for el in root.iter(tag):
            parts = [
                _text(el.find(t))
                for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
            ]
            primary = " ".join(p for p in parts if p)
            ref = _text(el.find("REFERENCE_NUMBER")) or _text(el.find("DATAID"))
            if not primary or not ref:
                raise ValueError(f"{path}: a {tag} record without a name or reference number")
            aliases: list[tuple[str, str]] = []
            for a in el.iter(alias_tag):
                name = _text(a.find("ALIAS_NAME"))
                q = (_text(a.find("QUALITY")) or "good").casefold()
                if name:
                    aliases.append((name, _UN_QUALITY.get(q, "good")))
            original = _text(el.find("NAME_ORIGINAL_SCRIPT"))
            if original:
                aliases.append((original, "good"))
            countries = [country_code(_text(v)) for n in el.iter("NATIONALITY") for v in n]
            countries += [country_code(_text(a.find("COUNTRY"))) for a in el.iter(addr_tag)]
            names, quals = _names(primary, aliases)
            programme = _text(el.find("UN_LIST_TYPE"))
            entries.append(
                ListEntry(
                    list_id="un",
                    entry_id=ref,
                    names=names,
                    alias_quality=quals,
                    countries=_dedupe(c for c in countries if c),
                    kind=kind,
                    programs=(programme,) if programme else (),
                    citation=f"UN Security Council Consolidated List, {ref}",
                    listed_on=_date(_text(el.find("LISTED_ON"))),
                )
            )
    return RestrictedList(
        id="un",
        name="UN Security Council Consolidated List",
        source=f"UN Security Council consolidated list XML, dateGenerated {generated}",
        as_of=as_of,
        verified=True,
        entries=tuple(entries),
        coverage="All individuals and entities on the UN Security Council consolidated list.",
    )


# ------------------------------------------------------------------ US Consolidated Screening List

_SUCCESSOR = re.compile(r";\s*and any successor.*$", re.IGNORECASE)
_ADDR_CC = re.compile(r",\s*([A-Z]{2})\s*$")
_KIND = {"individual": "individual", "entity": "entity", "vessel": "vessel"}


def _split(v: object) -> list[str]:
    if v is None:
        return []
    parts = v if isinstance(v, list) else str(v).split(";")
    out = []
    for x in parts:
        s = _clean(x)
        if s and s.casefold().startswith("and "):  # "...; and Alias" in CSL alt_names
            s = s[4:].strip()
        if s:
            out.append(s)
    return out


def _csl_list_id(source: str) -> str:
    key = source.split(" - ")[0].strip()
    return CSL_SOURCES.get(key, "us_" + re.sub(r"[^a-z0-9]+", "_", key.casefold()).strip("_"))


def _csl_entry(row: Mapping[str, Any]) -> ListEntry | None:
    source = _clean(row.get("source")) or ""
    name = _clean(row.get("name"))
    if not name:
        return None
    name = _SUCCESSOR.sub("", name).strip()
    list_id = _csl_list_id(source)
    countries: list[str | None] = []
    for field in ("citizenships", "nationalities"):
        countries += [country_code(c) for c in _split(row.get(field))]
    addresses = row.get("addresses")
    if isinstance(addresses, list):  # JSON form: a list of address objects
        for a in addresses:
            if isinstance(a, Mapping):
                countries.append(country_code(_clean(a.get("country"))))
    else:
        for a in str(addresses or "").split(";"):
            m = _ADDR_CC.search(a.strip())
            if m:
                countries.append(m.group(1))
    entry_id = (
        _clean(row.get("_id"))
        or _clean(row.get("id"))
        or _clean(row.get("entity_number"))
        or _stable_id(list_id, name, _clean(row.get("start_date")), str(addresses or ""))
    )
    names, quals = _names(name, ((a, "good") for a in _split(row.get("alt_names"))))
    kind = _KIND.get((_clean(row.get("type")) or "").casefold(), "unknown")
    return ListEntry(
        list_id=list_id,
        entry_id=entry_id,
        names=names,
        alias_quality=quals,
        countries=_dedupe(c for c in countries if c),
        kind=kind,
        programs=tuple(_split(row.get("programs"))),
        license_requirement=_clean(row.get("license_requirement")),
        license_policy=_clean(row.get("license_policy")),
        citation=_clean(row.get("federal_register_notice")),
        listed_on=_date(row.get("start_date")),
        expires=_date(row.get("end_date")),
    )


def _csl_list(
    entries: list[ListEntry], as_of: str | None, path: PathLike, form: str
) -> RestrictedList:
    coverage = "Every entry of the file, each under the list named in its source column."
    if as_of is None:
        starts = [e.listed_on for e in entries if e.listed_on]
        if not starts:
            raise ValueError(f"{path}: no as-of date given and none can be inferred")
        as_of = max(starts).isoformat()
        coverage += " As-of inferred as the latest start_date in the file (a lower bound)."
    return RestrictedList(
        id="us_csl",
        name="US Consolidated Screening List",
        source=f"trade.gov Consolidated Screening List ({form}), file {os.path.basename(path)}",
        as_of=as_of,
        verified=True,
        entries=tuple(_unique(entries)),
        coverage=coverage,
    )


def _unique(entries: Iterable[ListEntry]) -> Iterator[ListEntry]:
    seen: set[tuple[str, str]] = set()
    for e in entries:
        key = (e.list_id, e.entry_id)
        if key in seen:
            continue
        seen.add(key)
        yield e


def load_csl_csv(path: PathLike, *, as_of: str | None = None) -> RestrictedList:
    """The US Consolidated Screening List, CSV form (current 29-column and older layouts).

    The list id of each entry follows its ``source`` column (``us_entity_list``, ``us_meu``,
    ``us_dpl``, ``us_uvl``, ``us_sdn``, ...). The CSV carries no publication date: pass
    ``as_of``; otherwise the latest ``start_date`` in the file is used and the coverage says so.
    """
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and ("source" not in rows[0] or "name" not in rows[0]):
        raise ValueError(f"{path}: not a CSL CSV (no source/name columns)")
    entries = [e for e in (_csl_entry(r) for r in rows) if e is not None]
    return _csl_list(entries, as_of, path, "CSV")


def load_csl_json(path: PathLike, *, as_of: str | None = None) -> RestrictedList:
    """The US Consolidated Screening List, JSON form (``{"results": [...]}`` or a bare array).

    Multi-valued fields are JSON arrays; addresses are objects with a ``country`` code.
    """
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rows = data.get("results") if isinstance(data, Mapping) else data
    if not isinstance(rows, list):
        raise ValueError(f"{path}: not a CSL JSON document (no results array)")
    entries = [e for e in (_csl_entry(r) for r in rows if isinstance(r, Mapping)) if e]
    return _csl_list(entries, as_of, path, "JSON")


# ------------------------------------------------------------------ BIS JSON parse (third party)

_BIS_NAMES = {
    "us_entity_list": "BIS Entity List (15 CFR Part 744, Supp. No. 4)",
    "us_meu": "BIS Military End-User List (15 CFR Part 744, Supp. No. 7)",
    "us_dpl": "BIS Denied Persons List",
}
_DPL_FILE_DATE = re.compile(r"(\d{2})(\d{2})(\d{4})")
_EXPIRES = re.compile(r"Expires:\s*(\d{4}-\d{2}-\d{2})")


def load_bis_json(path: PathLike, list_id: str) -> RestrictedList:
    """A third-party JSON parse of the Entity List, MEU List or Denied Persons List.

    The licence review policy was lost in that parse, so ``license_policy`` is None (unknown).
    Entry ids are derived from country and name (the parse has none), stable across snapshots.
    The list is marked unverified: it was not produced from the official text by this package.
    """
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    raw = data.get("entities")
    if not isinstance(raw, list):
        raise ValueError(f"{path}: no 'entities' array")
    as_of = _clean(data.get("extracted"))
    m = _DPL_FILE_DATE.search(str(data.get("source_file", "")))
    if m:
        as_of = f"{m.group(3)}-{m.group(1)}-{m.group(2)}"
    if not as_of:
        raise ValueError(f"{path}: no date in the file; the list's as-of date is unknown")
    entries: list[ListEntry] = []
    used: dict[str, int] = {}
    prefix = {"us_entity_list": "EL", "us_meu": "MEU", "us_dpl": "DPL"}.get(list_id, list_id)
    for e in raw:
        name = _clean(e.get("name"))
        if not name:
            continue
        country = _clean(e.get("country"))
        eid = _stable_id(prefix, country, name)
        used[eid] = used.get(eid, 0) + 1
        if used[eid] > 1:
            eid = f"{eid}-{used[eid]}"
        notes = _clean(e.get("notes"))
        names, quals = _names(name, ((a, "good") for a in _split(e.get("aliases"))))
        expires = _EXPIRES.search(notes or "")
        code = country_code(country)
        citation = _clean(e.get("federal_register"))
        entries.append(
            ListEntry(
                list_id=list_id,
                entry_id=eid,
                names=names,
                alias_quality=quals,
                countries=(code,) if code else (),
                kind="unknown",
                license_requirement=strip_footnotes(notes) if list_id == "us_entity_list" else None,
                license_policy=None,
                citation=citation,
                # the DPL carries the order's effective date; the Entity List and the MEU List
                # only their Federal Register citations
                listed_on=_date(e.get("effective_date")) or first_citation_date(citation),
                expires=expires.group(1) if expires else None,
            )
        )
    return RestrictedList(
        id=list_id,
        name=_BIS_NAMES.get(list_id, list_id),
        source=f"third-party JSON parse of {data.get('source_file')}, extracted "
        f"{data.get('extracted')}",
        as_of=as_of,
        verified=False,
        entries=tuple(entries),
        coverage=f"{len(entries)} entries as parsed; licence review policy not preserved "
        "(unknown, not approval); names and aliases split heuristically by the third party.",
    )


# ------------------------------------------------------------------ eCFR Entity List (XML)

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_AKA = re.compile(r",?\s*(?:a\.k\.a\.|f\.k\.a\.)\s*,?\s*(?:the following[^:]*:)?", re.IGNORECASE)
_ALIAS_ITEM = re.compile(r"[—–]\s*([^;—–]+?)\s*(?:;\s*(?:and\s*)?|\.\s+(?=[—–])|\.?\s*$)")
_LEGAL_AFTER_COMMA = re.compile(
    r"^\s*(?:ltd|limited|inc|llc|co|corp|s\.?a|gmbh|jsc|ooo|plc|l\.?l\.?c|s\.?r\.?l)\b\.?",
    re.IGNORECASE,
)


def _parse_us_date(s: str) -> str | None:
    s = s.strip()
    try:
        return _dt.date.fromisoformat(s[:10]).isoformat()
    except ValueError:
        pass
    m = re.match(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),\s*(\d{4})", s)
    if m and m.group(1).casefold() in _MONTHS:
        return _dt.date(
            int(m.group(3)), _MONTHS[m.group(1).casefold()], int(m.group(2))
        ).isoformat()
    return None


def _cell_text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _split_entity_cell(text: str) -> tuple[str, list[str]]:
    """Name and aliases from an Entity List entity cell (name, a.k.a. list, address)."""
    m = _AKA.search(text)
    if m:
        name = text[: m.start()].strip(" ,")
        rest = text[m.end() :]
        aliases = [a.strip(" .") for a in _ALIAS_ITEM.findall(rest.split("\n")[0])]
        # the address follows the last alias, after its closing full stop
        return name, [a.split(". ")[0] for a in aliases if a]
    # no alias list: the name ends at the first comma not followed by a legal-form word
    pos = 0
    while True:
        i = text.find(",", pos)
        if i < 0:
            return text.strip(" ."), []
        if not _LEGAL_AFTER_COMMA.match(text[i + 1 :]):
            return text[:i].strip(), []
        pos = i + 1


def load_ecfr_entity_list(xml_path: PathLike, *, as_of: str | None = None) -> RestrictedList:
    """The Entity List from eCFR Title 15 XML (``DIV9`` ``Supplement No. 4 to Part 744``).

    Columns: country, entity (name, aliases, address), licence requirement, licence review
    policy, Federal Register citation; a blank country cell continues the previous country. The
    as-of date is ``as_of`` if given, else the document's ``AMDDATE``; with neither the import
    fails (a list without a date cannot be cited).
    """
    root = ET.parse(xml_path).getroot()
    if as_of is None:
        amd = root.find(".//AMDDATE")
        as_of = _parse_us_date(amd.text or "") if amd is not None else None
        if as_of is None:
            raise ValueError(f"{xml_path}: no AMDDATE; pass as_of (the eCFR 'up to date as of')")
    supp = None
    for div in root.iter("DIV9"):
        if (div.get("N") or "").startswith("Supplement No. 4 to Part 744"):
            supp = div
            break
    if supp is None:
        raise ValueError(f"{xml_path}: no DIV9 'Supplement No. 4 to Part 744' (Entity List)")
    entries: list[ListEntry] = []
    used: dict[str, int] = {}
    country: str | None = None
    for table in supp.iter("TABLE"):
        header: list[str] | None = None
        for tr in table.iter("TR"):
            ths = tr.findall("TH")
            if ths:
                header = [_cell_text(th).casefold() for th in ths]
                continue
            tds = [_cell_text(td) for td in tr.findall("TD")]
            if header is None or len(tds) != len(header):
                raise ValueError(
                    f"{xml_path}: Entity List row with {len(tds)} cells under a "
                    f"{len(header or [])}-column header"
                )
            if tds[0]:
                country = tds[0].rstrip(" .")
            name, aliases = _split_entity_cell(tds[1])
            if not name:
                continue
            eid = _stable_id("EL", country, name)
            used[eid] = used.get(eid, 0) + 1
            if used[eid] > 1:
                eid = f"{eid}-{used[eid]}"
            names, quals = _names(name, ((a, "good") for a in aliases))
            code = country_code(country)
            entries.append(
                ListEntry(
                    list_id="us_entity_list",
                    entry_id=eid,
                    names=names,
                    alias_quality=quals,
                    countries=(code,) if code else (),
                    kind="unknown",
                    license_requirement=strip_footnotes(tds[2]) or None,
                    license_policy=tds[3] or None,
                    citation=tds[4] or None,
                    listed_on=first_citation_date(tds[4]),
                )
            )
    return RestrictedList(
        id="us_entity_list",
        name=_BIS_NAMES["us_entity_list"],
        source=f"eCFR Title 15, Part 744, Supp. No. 4, as of {as_of}",
        as_of=as_of,
        verified=True,
        entries=tuple(entries),
        coverage="Every row of Supplement No. 4 to Part 744; aliases split from the entity "
        "column at its a.k.a. list.",
    )


# ------------------------------------------------------------------ OpenSanctions FtM JSON lines

_FTM_KIND = {"Person": "individual", "Vessel": "vessel", "Airplane": "vessel"}
_FTM_PARTY = frozenset(
    {"Person", "Organization", "Company", "LegalEntity", "PublicBody", "Vessel", "Airplane"}
)


def load_ftm_jsonl(
    path: PathLike,
    list_id: str = "opensanctions",
    *,
    name: str = "OpenSanctions",
    as_of: str | None = None,
) -> RestrictedList:
    """OpenSanctions FollowTheMoney entities, one JSON object per line.

    Only party schemata are screened (Person, Organization, Company, LegalEntity, PublicBody,
    Vessel, Airplane). ``name`` is primary/good, ``alias`` and ``previousName`` good,
    ``weakAlias`` weak; ``topics`` become programmes. The as-of date is ``as_of`` or the latest
    ``last_change``.
    """
    entries: list[ListEntry] = []
    latest = ""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON: {exc.msg}") from None
            if obj.get("schema") not in _FTM_PARTY:
                continue
            props: Mapping[str, list[str]] = obj.get("properties") or {}
            pnames = [s for s in (_clean(x) for x in props.get("name", [])) if s]
            if not pnames or not obj.get("id"):
                continue
            aliases = [(x, "good") for x in pnames[1:]]
            aliases += [(x, "good") for x in props.get("alias", []) + props.get("previousName", [])]
            aliases += [(x, "weak") for x in props.get("weakAlias", [])]
            names, quals = _names(pnames[0], ((_clean(a) or "", q) for a, q in aliases))
            countries = [
                country_code(c.upper())
                for k in ("country", "nationality", "citizenship", "jurisdiction")
                for c in props.get(k, [])
            ]
            latest = max(latest, str(obj.get("last_change") or obj.get("last_seen") or "")[:10])
            entries.append(
                ListEntry(
                    list_id=list_id,
                    entry_id=str(obj["id"]),
                    names=names,
                    alias_quality=quals,
                    countries=_dedupe(c for c in countries if c),
                    kind=_FTM_KIND.get(str(obj.get("schema")), "entity"),
                    programs=tuple(props.get("topics", [])),
                    # first_seen is when OpenSanctions first saw the entity, not when it was
                    # listed (often later): it is no listing date, so the date stays unknown
                )
            )
    as_of = as_of or latest or None
    if not as_of:
        raise ValueError(f"{path}: no as-of date given and no last_change in the file")
    return RestrictedList(
        id=list_id,
        name=name,
        source=f"OpenSanctions FollowTheMoney JSON lines, file {os.path.basename(path)}",
        as_of=as_of,
        verified=False,
        entries=tuple(entries),
        coverage="Party entities of the file (Person, Organization, Company, LegalEntity, "
        "PublicBody, Vessel, Airplane); other schemata skipped.",
    )
