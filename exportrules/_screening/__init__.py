"""Restricted-party screening: list importers, a fuzzy name index with explained scores.

Private package; the engine uses ``Screener.default()`` and the CLI calls ``cli``. See
docs/screening.md for the score, the thresholds and the bundled lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from ._model import STALE_AFTER, ClearedMatch, ListEntry, Match, RestrictedList, ScreenResult
from ._normalise import normalise, normalise_tokens, phonetic_key
from ._screener import (
    DEFAULT_MATCH_THRESHOLD,
    DEFAULT_REVIEW_THRESHOLD,
    DeltaResult,
    Screener,
)
from ._store import dump_list, load_bundled, load_list

if TYPE_CHECKING:
    from ._importers import (
        CSL_SOURCES,
        first_citation_date,
        load_bis_json,
        load_csl_csv,
        load_csl_json,
        load_ecfr_entity_list,
        load_ftm_jsonl,
        load_un_xml,
        strip_footnotes,
    )
    from ._ofac import load_ofac_sdn_csv

# the importers (XML, CSV, date parsing) are needed to build or update a list, not to screen:
# they are imported on first use, so that screening starts faster
_LAZY = {
    "CSL_SOURCES": "._importers",
    "first_citation_date": "._importers",
    "load_bis_json": "._importers",
    "load_csl_csv": "._importers",
    "load_csl_json": "._importers",
    "load_ecfr_entity_list": "._importers",
    "load_ftm_jsonl": "._importers",
    "load_un_xml": "._importers",
    "strip_footnotes": "._importers",
    "load_ofac_sdn_csv": "._ofac",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())

__all__ = [
    "CSL_SOURCES",
    "DEFAULT_MATCH_THRESHOLD",
    "DEFAULT_REVIEW_THRESHOLD",
    "STALE_AFTER",
    "ClearedMatch",
    "DeltaResult",
    "ListEntry",
    "Match",
    "RestrictedList",
    "ScreenResult",
    "Screener",
    "dump_list",
    "first_citation_date",
    "load_bis_json",
    "load_bundled",
    "load_csl_csv",
    "load_csl_json",
    "load_ecfr_entity_list",
    "load_ftm_jsonl",
    "load_list",
    "load_ofac_sdn_csv",
    "load_un_xml",
    "normalise",
    "normalise_tokens",
    "phonetic_key",
    "strip_footnotes",
]
