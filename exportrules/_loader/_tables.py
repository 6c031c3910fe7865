"""Data tables: CSV files with provenance declared in regime.toml (docs/rules.md section 1)."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Callable, Mapping, Sequence
from importlib.abc import Traversable
from typing import Any

import attrs

from .._ir import Table
from .._regex import LinearPattern
from .._validate import countries, currencies
from ._problems import Problems, did_you_mean
from ._toml import At, Src, read_toml

__all__ = [
    "COLUMN_TYPES",
    "KEY_KINDS",
    "LoadedTable",
    "check_uses",
    "date_value",
    "load_table",
]

TABLE_KEYS = (
    "source",
    "as_of",
    "verified",
    "coverage",
    "stale_after",
    "key",
    "key_kind",
    "columns",
    "file",
)
META_KEYS = ("source", "as_of", "verified", "coverage", "stale_after")
COLUMN_TYPES = ("str", "list", "number", "bool")
# What the keys of a table are; each kind has a check (see _key_check).
KEY_KINDS = ("country", "region", "currency", "hs_code", "code", "text")
# A key column with one of these names declares its kind by its name.
_KIND_BY_COLUMN = {
    "country": "country",
    "region": "region",
    "currency": "currency",
    "hs_code": "hs_code",
}
_REGION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
_HS = re.compile(r"[0-9]{2,10}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@attrs.define
class LoadedTable:
    """A table and what the loader still checks once the rules are read."""

    table: Table
    path: str  # the CSV file as shown in messages
    lines: list[int]  # the file line of each row
    decl: At  # file:line of its [tables.<name>] entry


def date_value(v: Any, where: At, problems: Problems) -> _dt.date | None:
    if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
        return v
    if isinstance(v, str) and _DATE.fullmatch(v):
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            pass
    problems.add(where, f"{v!r} is not a date (YYYY-MM-DD)")
    return None


def _parse_cell(raw: str, typ: str, where: At, problems: Problems) -> Any:
    s = raw.strip()
    if s == "":
        return [] if typ == "list" else None
    if typ == "str":
        return s
    if typ == "list":
        return [x.strip() for x in s.split(";") if x.strip()]
    if typ == "number":
        try:
            n = float(s)
        except ValueError:
            problems.add(where, f"{s!r} is not a number")
            return None
        if n != n or n in (float("inf"), float("-inf")):
            problems.add(where, f"{s!r} is not a finite number")
            return None
        return int(n) if n.is_integer() and "." not in s and "e" not in s.lower() else n
    if typ == "bool":
        low = s.lower()
        if low in ("true", "yes", "x", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        problems.add(where, f"{s!r} is not a boolean (true/false)")
        return None
    raise AssertionError(typ)


def _key_check(
    kind: str, code_pattern: LinearPattern | None, examples: Sequence[str]
) -> Callable[[str], str | None]:
    """A function saying what is wrong with a key of this kind (None: nothing)."""
    if kind == "country":
        cc = countries()
        return lambda k: (
            None
            if k in cc
            else (
                f"{k!r} is not an ISO 3166-1 alpha-2 country code (key_kind country)"
                + (f" (did you mean {k.upper()!r}?)" if k.upper() in cc else "")
            )
        )
    if kind == "region":
        cc = countries()
        return lambda k: (
            None
            if _REGION.fullmatch(k) and k[:2] in cc
            else (f"{k!r} is not an ISO 3166-2 subdivision code like 'UA-43' (key_kind region)")
        )
    if kind == "currency":
        cur = currencies()
        return lambda k: (
            None if k in cur else (f"{k!r} is not an ISO 4217 currency code (key_kind currency)")
        )
    if kind == "hs_code":
        return lambda k: (
            None
            if _HS.fullmatch(k)
            else (f"{k!r} is not a tariff code or prefix of 2 to 10 digits (key_kind hs_code)")
        )
    if kind == "code":
        if code_pattern is None:
            return lambda k: None
        ex = f"; e.g. {', '.join(examples[:3])}" if examples else ""
        return lambda k: (
            None
            if code_pattern.fullmatch(k)
            else (
                f"{k!r} is not a classification code of this regime (code_pattern "
                f"{code_pattern.pattern!r}{ex})"
            )
        )
    return lambda k: None


def _provenance(
    name: str,
    meta: dict[str, Any],
    src: Src,
    folder: Traversable,
    label: str,
    problems: Problems,
) -> tuple[dict[str, Any], dict[str, At]]:
    """The table's declaration merged with a generated ``<name>.meta.toml``, and where each
    provenance value was written (``file:line``)."""
    where: dict[str, At] = {k: src.at("tables", name, k) for k in TABLE_KEYS}
    # An importer writes tables/<name>.meta.toml beside the CSV it generated; its provenance
    # (source, as_of, verified, coverage) overrides the hand-written entry in regime.toml.
    stem = str(meta.get("file", f"{name}.csv")).rsplit(".", 1)[0]
    mf = folder.joinpath("tables").joinpath(f"{stem}.meta.toml")
    if mf.is_file():
        doc, err = read_toml(mf, f"{label}/tables/{stem}.meta.toml")
        if err is not None:
            problems.raw(err)
        if doc is not None:
            for k in doc.data:
                if k not in META_KEYS:
                    problems.add(
                        doc.src.at(k),
                        f"unknown key {k!r} in a table's meta file{did_you_mean(k, META_KEYS)}",
                    )
            gen = {k: v for k, v in doc.data.items() if k in META_KEYS}
            meta = {**meta, **gen}
            where.update({k: doc.src.at(k) for k in gen})
    return meta, where


def load_table(
    regime_id: str,
    name: str,
    meta: Any,
    folder: Traversable,
    label: str,
    src: Src,
    problems: Problems,
    code_pattern: LinearPattern | None,
    code_examples: Sequence[str],
) -> LoadedTable | None:
    """Read ``tables/<name>.csv`` as declared by ``[tables.<name>]``; None if unusable."""
    decl = src.at("tables", name)
    if not isinstance(meta, dict):
        problems.add(decl, f"[tables.{name}] must be a table")
        return None
    for k in meta:
        if k not in TABLE_KEYS:
            problems.add(
                src.at("tables", name, k),
                f"unknown key {k!r} in [tables.{name}]{did_you_mean(k, TABLE_KEYS)}",
            )
    meta, where = _provenance(name, meta, src, folder, label, problems)
    for k in ("source", "as_of", "coverage"):
        if not isinstance(meta.get(k), str | _dt.date) or not str(meta[k]).strip():
            at = where[k] if k in meta else decl
            problems.add(at, f"[tables.{name}]: '{k}' is required (provenance of every table)")
    if not isinstance(meta.get("verified"), bool):
        problems.add(
            where["verified"] if "verified" in meta else decl,
            f"[tables.{name}]: 'verified' is required (true or false): true only if the table "
            "was generated from the official text",
        )
    stale_after = meta.get("stale_after")
    if stale_after is not None and (
        isinstance(stale_after, bool) or not isinstance(stale_after, int) or stale_after <= 0
    ):
        problems.add(
            where["stale_after"],
            f"'stale_after' is a number of days (a positive integer), not {stale_after!r}",
        )
        stale_after = None
    as_of = meta.get("as_of")
    if isinstance(as_of, _dt.date):
        as_of = as_of.isoformat()
    elif isinstance(as_of, str) and as_of.strip():
        date_value(as_of, where["as_of"], problems)
    fname = meta.get("file", f"{name}.csv")
    if not isinstance(fname, str) or "/" in fname or "\\" in fname or fname.startswith("."):
        problems.add(where["file"], f"'file' must be a file name in tables/, not {fname!r}")
        return None
    f = folder.joinpath("tables").joinpath(fname)
    fwhere = f"{label}/tables/{fname}"
    if not f.is_file():
        problems.add(where["file"] if "file" in meta else decl, f"{fwhere}: table file is missing")
        return None
    try:
        text = f.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problems.add(fwhere, f"cannot read: {e}")
        return None
    all_lines = text.splitlines()
    kept = [(n, ln) for n, ln in enumerate(all_lines, start=1) if not ln.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(ln for _, ln in kept)))
    try:
        header = next(reader)
    except StopIteration:
        problems.add(fwhere, "empty table (a header row is required)")
        return None
    except csv.Error as e:
        problems.add(f"{fwhere}:{kept[0][0] if kept else 1}", f"CSV error: {e}")
        return None
    hline = kept[0][0] if kept else 1
    header = [h.strip() for h in header]
    seen_cols: set[str] = set()
    for h in header:
        if h in seen_cols:
            problems.add(f"{fwhere}:{hline}", f"duplicate column name {h!r}")
        if not h or _CONTROL.search(h):
            problems.add(f"{fwhere}:{hline}", f"bad column name {h!r}")
        seen_cols.add(h)
    coltypes = meta.get("columns", {})
    if not isinstance(coltypes, dict):
        problems.add(where["columns"], "'columns' must map column names to types")
        coltypes = {}
    for c, t in coltypes.items():
        if c not in header:
            problems.add(
                src.at("tables", name, "columns", c),
                f"'columns' names {c!r}, which is not a column of {fname}"
                + did_you_mean(c, header),
            )
        if t not in COLUMN_TYPES:
            problems.add(
                src.at("tables", name, "columns", c),
                f"column type {t!r} is not one of {', '.join(COLUMN_TYPES)}"
                + did_you_mean(t, COLUMN_TYPES),
            )
    key = meta.get("key", header[0] if header else "")
    if key not in header:
        problems.add(
            where["key"] if "key" in meta else decl,
            f"key column {key!r} is not in {fname} (columns: {', '.join(header)})"
            + did_you_mean(key, header),
        )
        return None
    if coltypes.get(key, "str") != "str":
        problems.add(where["columns"], f"the key column {key!r} must be of type str")
    kind = meta.get("key_kind", _KIND_BY_COLUMN.get(key, "text"))
    if kind not in KEY_KINDS:
        problems.add(
            where["key_kind"],
            f"key_kind {kind!r} is not one of {', '.join(KEY_KINDS)}"
            + did_you_mean(kind, KEY_KINDS),
        )
        kind = "text"
    check = _key_check(kind, code_pattern, code_examples)
    dated = "valid_from" in header or "valid_until" in header
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    # csv may join physical lines (quoted newlines): track the line each record starts on
    consumed = reader.line_num
    for raw in reader:
        start_index = consumed
        consumed = reader.line_num
        n = kept[start_index][0] if start_index < len(kept) else kept[-1][0]
        if not raw or all(not c.strip() for c in raw):
            continue
        rw = f"{fwhere}:{n}"
        if len(raw) != len(header):
            problems.add(rw, f"has {len(raw)} cells; the header has {len(header)}")
            continue
        nul = [h for h, cell in zip(header, raw, strict=True) if "\x00" in cell]
        if nul:
            what = f"the key {raw[header.index(key)]!r}" if key in nul else f"column {nul[0]!r}"
            problems.add(rw, f"{what} contains a NUL character")
            continue
        row: dict[str, Any] = {}
        for h, cell in zip(header, raw, strict=True):
            if h in ("valid_from", "valid_until"):
                row[h] = date_value(cell.strip(), rw, problems) if cell.strip() else None
            else:
                row[h] = _parse_cell(cell, coltypes.get(h, "str"), rw, problems)
        k = row[key]
        if not isinstance(k, str) or not k:
            problems.add(rw, f"empty key in column {key!r}")
            continue
        if _CONTROL.search(k):
            problems.add(rw, f"the key {k!r} contains a control character")
            continue
        bad = check(k)
        if bad:
            problems.add(rw, bad)
        vf, vu = row.get("valid_from"), row.get("valid_until")
        if vf is not None and vu is not None and vu <= vf:
            problems.add(rw, f"valid_until {vu} is not after valid_from {vf}")
        rows.append(row)
        lines.append(n)
    table = Table(
        regime=regime_id,
        name=name,
        source=str(meta.get("source", "")),
        as_of=str(as_of or ""),
        verified=bool(meta.get("verified", False)),
        coverage=str(meta.get("coverage", "")),
        key=key,
        columns=tuple(header),
        rows=tuple(rows),
        dated=dated,
        stale_after=stale_after,
    )
    return LoadedTable(table=table, path=fwhere, lines=lines, decl=decl)


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether the validity intervals of two rows share a day (open ends are unbounded)."""
    af, au = a.get("valid_from") or _dt.date.min, a.get("valid_until") or _dt.date.max
    bf, bu = b.get("valid_from") or _dt.date.min, b.get("valid_until") or _dt.date.max
    return af < bu and bf < au


def check_uses(lt: LoadedTable, relation: bool, problems: Problems) -> None:
    """Duplicate keys.

    A table's keys are unique on every date, unless the table is a relation: every rule that
    reads it names a ``column`` and ``eq_value`` (e.g. a destination listed under several
    general authorisations), and no ``[[lookup]]`` reads it. Even then, two rows with the same
    cells in force on the same day are refused.
    """
    t = lt.table
    first: dict[str, list[int]] = {}
    for i, row in enumerate(t.rows):
        first.setdefault(row[t.key], []).append(i)
    for k, idxs in first.items():
        if len(idxs) < 2:
            continue
        for a_pos, i in enumerate(idxs):
            for j in idxs[:a_pos]:
                a, b = t.rows[j], t.rows[i]
                if not _overlap(a, b):
                    continue
                same = all(
                    a.get(c) == b.get(c)
                    for c in t.columns
                    if c not in ("valid_from", "valid_until")
                )
                if same or not relation:
                    what = "the same row as" if same else "the same key as"
                    problems.add(
                        f"{lt.path}:{lt.lines[i]}",
                        f"duplicate key {k!r}: {what} line {lt.lines[j]}, in force on the same "
                        "days"
                        + (
                            ""
                            if same
                            else " (keys are unique unless every rule reading the table names a "
                            "column and eq_value, and no [[lookup]] reads it)"
                        ),
                    )
                    break
