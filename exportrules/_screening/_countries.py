"""Country names as restricted-party lists write them -> ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

from ._normalise import raw_tokens

__all__ = ["country_code"]

# Spellings used by the UN and BIS lists that differ from the short names in countries.csv.
_ALIASES: dict[str, str] = {
    "burma": "MM", "myanmar": "MM", "russian federation": "RU", "iran islamic republic of": "IR",
    "syrian arab republic": "SY", "democratic peoples republic of korea": "KP",
    "north korea": "KP", "south korea": "KR", "republic of korea": "KR",
    "korea republic of": "KR", "united kingdom": "GB",
    "united kingdom of great britain and northern ireland": "GB", "great britain": "GB",
    "united states of america": "US", "usa": "US", "turkiye": "TR", "state of palestine": "PS",
    "united republic of tanzania": "TZ", "democratic republic of the congo": "CD",
    "congo": "CG", "republic of the congo": "CG", "lao peoples democratic republic": "LA",
    "viet nam": "VN", "czechia": "CZ", "crimea region of ukraine": "UA",
    "bolivia plurinational state of": "BO", "venezuela bolivarian republic of": "VE",
    "republic of moldova": "MD", "cote divoire": "CI", "hong kong": "HK", "macau": "MO",
    "east timor": "TL", "timor leste": "TL", "cabo verde": "CV", "holy see": "VA",
    "swaziland": "SZ", "eswatini": "SZ", "the gambia": "GM", "the bahamas": "BS",
    "brunei darussalam": "BN", "taiwan province of china": "TW", "uae": "AE",
    "china peoples republic of": "CN", "peoples republic of china": "CN", "korea north": "KP",
    "korea democratic peoples republic of": "KP", "korea south": "KR", "russia": "RU",
    "west bank": "PS", "gaza": "PS", "palestinian": "PS", "bosnia herzegovina": "BA",
    "burma myanmar": "MM", "netherlands antilles": "CW", "kosovo": "XK",
    "central african republic": "CF", "cote d ivoire": "CI", "macedonia": "MK",
    "north macedonia": "MK", "the former yugoslav republic of macedonia": "MK",
    "saint kitts and nevis": "KN", "saint vincent and the grenadines": "VC",
    "british virgin islands": "VG", "virgin islands british": "VG", "isle of man": "IM",
    "man isle of": "IM", "saint lucia": "LC",
}  # fmt: skip


@functools.cache
def _table() -> dict[str, str]:
    text = resources.files("exportrules").joinpath("data/countries.csv").read_text("utf-8")
    rows = csv.reader(io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#"))))
    next(rows)
    out: dict[str, str] = {}
    for code, name in rows:
        out[" ".join(raw_tokens(name))] = code
        short = name.split("(")[0]  # "Korea (North)" is ambiguous alone; aliases cover it
        if "(" in name and short.strip() not in {"Korea", "Congo"}:
            out.setdefault(" ".join(raw_tokens(short)), code)
    for k, v in _ALIASES.items():
        out[k] = v
    return out


def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code for a country as written in a list, or None when it is not known."""
    if not name:
        return None
    s = name.strip()
    if len(s) == 2 and s.isalpha() and s.isupper():
        return s
    table = _table()
    code = table.get(" ".join(raw_tokens(s)))
    if code is None and "," in s:  # "Congo, Democratic Republic of the", "Korea, North"
        head, _, tail = s.partition(",")
        code = table.get(" ".join(raw_tokens(f"{tail} {head}")))
    return code
