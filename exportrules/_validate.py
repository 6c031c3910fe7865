"""Pipeline stage 1: strict validation of the transaction contract (docs/api.md).

Every problem is collected with its JSON path before anything is raised, so a caller fixes all
of them in one go.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import json
import math
import re
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from . import _model
from ._errors import InvalidJSON, InvalidTransaction, Problem
from ._ir import Regime
from ._model import Authorisation, Limits, Line, Party, Resolution, Transaction

__all__ = [
    "ACTIVITIES",
    "END_USES",
    "KNOWLEDGE",
    "MAX_DEPTH",
    "MAX_NUMBER",
    "PARTY_ROLES",
    "PARTY_TYPES",
    "RED_FLAGS",
    "check_against_regimes",
    "countries",
    "currencies",
    "loads_strict",
    "parse_transaction",
]

MAX_LINES = 10_000
MAX_PARTIES = 1_000
MAX_LIST = 1_000
MAX_TEXT = 10_000
#: JSON text may nest arrays and objects at most this deep (a transaction needs 4 levels).
MAX_DEPTH = 64
#: Numbers (quantities, values) may be at most this large. Every integer and float up to it
#: is compared exactly by both backends (beyond 2**53 a double no longer holds every integer).
MAX_NUMBER = 1e15

ACTIVITIES = frozenset(
    {"export", "reexport", "transfer", "brokering", "technical_assistance", "transit"}
)
PARTY_ROLES = frozenset(
    {"exporter", "consignee", "intermediate_consignee", "end_user", "purchaser", "broker"}
)
PARTY_TYPES = frozenset(
    {
        "government",
        "military",
        "police",
        "security_service",
        "intelligence",
        "prison_authority",
        "telecom_operator",
        "internet_service_provider",
        "commercial",
        "academic",
        "ngo",
        "individual",
        "unknown",
    }
)
END_USES = frozenset(
    {
        "civil",
        "military",
        "military_end_use",
        "wmd",
        "law_enforcement",
        "lawful_interception",
        "mass_surveillance",
        "internal_repression",
        "critical_infrastructure",
        "research",
        "unknown",
    }
)
KNOWLEDGE = frozenset(
    {
        "informed_wmd",
        "aware_wmd",
        "informed_military_end_use",
        "informed_cyber_surveillance",
        "aware_cyber_surveillance_misuse",
        "us_is_informed",
    }
)
AUTHORISATION_TYPES = frozenset({"individual", "global", "general", "exception"})

# Red flags: a documented vocabulary. "kyc.*" paraphrase the know-your-customer indicators of
# 15 CFR Part 732, Supp. 3; "cs.*" the cyber-surveillance due-diligence indicators of
# Commission Recommendation (EU) 2024/2659. Meanings are in docs/index.md.
RED_FLAGS = frozenset(
    {
        "kyc.reluctant_end_use",
        "kyc.capability_mismatch",
        "kyc.unusual_payment",
        "kyc.little_business_background",
        "kyc.unfamiliar_with_product",
        "kyc.declines_installation_or_training",
        "kyc.vague_delivery",
        "kyc.freight_forwarder_as_destination",
        "kyc.unusual_shipping_route",
        "kyc.packaging_inconsistent",
        "kyc.evasive_answers",
        "kyc.name_similar_to_listed_party",
        "cs.end_user_human_rights_record",
        "cs.legal_framework_lacks_safeguards",
        "cs.item_enables_mass_monitoring",
        "cs.end_user_conceals_identity",
        "cs.customisation_for_targeting",
        "cs.deployment_against_journalists_or_activists",
        "cs.no_oversight_of_end_user",
    }
)

# Always used with fullmatch: "$" would also match before a trailing newline.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}")
_REGIME_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
_REGION = re.compile(r"([A-Z]{2})-[A-Z0-9]{1,3}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# A lone surrogate is not Unicode text: it cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")

_TX_KEYS = frozenset(
    {
        "id",
        "date",
        "export_from",
        "destination",
        "destination_region",
        "transit",
        "activity",
        "parties",
        "end_use",
        "knowledge",
        "lines",
        "authorisations",
        "resolutions",
    }
)
_PARTY_KEYS = frozenset({"role", "name", "country", "type", "address"})
_LINE_KEYS = frozenset(
    {
        "id",
        "description",
        "quantity",
        "value",
        "currency",
        "origin",
        "us_content",
        "classification",
        "tags",
        "hs_code",
    }
)
_AUTH_KEYS = frozenset(
    {
        "regime",
        "id",
        "type",
        "lines",
        "destinations",
        "valid_from",
        "valid_until",
        "reasons",
        "limits",
    }
)
_LIMIT_KEYS = frozenset({"quantity", "value", "currency"})
_RESOLUTION_KEYS = frozenset({"rule", "line", "party", "by", "at", "basis", "valid_until"})
_RULE_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
# RFC 3339 date-time: a time zone (Z or an offset) is required
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_TAG = re.compile(r"[a-z][a-z0-9_]{0,63}")
# a customs tariff code: HS (6 digits), EU CN (8), TARIC / US HTS (10)
_HS_CODE = re.compile(r"[0-9]{6,10}")


def _read_codes(name: str) -> frozenset[str]:
    text = resources.files("exportrules").joinpath("data", name).read_text("utf-8")
    rows = csv.reader(io.StringIO(text))
    out = set()
    header_seen = False
    for row in rows:
        if not row or row[0].startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        out.add(row[0])
    return frozenset(out)


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes accepted in transactions (see data/countries.csv)."""
    return _read_codes("countries.csv")


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes accepted in transactions (see data/currencies.csv)."""
    return _read_codes("currencies.csv")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class _DupKeys(dict[str, Any]):
    """A parsed JSON object that repeated some of its keys (``dups``)."""

    __slots__ = ("dups",)
    dups: list[str]


def _deeper_than(v: Any, room: int) -> bool:
    """Whether the parsed JSON value ``v`` nests more than ``room`` levels of arrays and
    objects (recursion is bounded by ``room``)."""
    if room == 0:
        return True
    for x in v.values() if type(v) is dict else v:
        if (type(x) is dict or type(x) is list) and _deeper_than(x, room - 1):
            return True
    return False


_TOO_DEEP = f"JSON nested deeper than {MAX_DEPTH} levels (the limit)"


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON, refusing NaN/Infinity, duplicate keys and nesting deeper than MAX_DEPTH.

    Raises:
        InvalidJSON: the text is not JSON (an ``InvalidTransaction``).
        InvalidTransaction: duplicate keys (at their paths), or nesting too deep.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode(json.detect_encoding(text))
        except UnicodeDecodeError as e:
            raise InvalidJSON([Problem("", f"not valid JSON text: {_decode_error(e)}")]) from None
    dups = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(items)
        if len(d) == len(items):
            return d
        nonlocal dups
        dups = True
        out = _DupKeys(items)
        seen: set[str] = set()
        out.dups = []
        for k, _ in items:
            if k in seen and k not in out.dups:
                out.dups.append(k)
            seen.add(k)
        return out

    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=pairs)
    except RecursionError:  # the parser's own guard, far beyond MAX_DEPTH
        raise InvalidTransaction([Problem("", _TOO_DEEP)]) from None
    except ValueError as e:
        msg = str(e)
        if "integer string conversion" in msg:
            msg = "a number has too many digits"
        raise InvalidJSON([Problem("", f"not valid JSON: {msg}")]) from None
    # nesting is checked on the parsed value (the parser itself stops at the interpreter's
    # recursion limit, above); it cannot be deeper than the text has brackets
    if (
        text.count("[") + text.count("{") > MAX_DEPTH
        and isinstance(data, dict | list)
        and _deeper_than(data, MAX_DEPTH)
    ):
        raise InvalidTransaction([Problem("", _TOO_DEEP)])
    if dups:
        raise InvalidTransaction(_duplicate_keys(data))
    return data


def _duplicate_keys(data: Any) -> list[Problem]:
    """Every repeated key in parsed JSON, at its path (depth is bounded by MAX_DEPTH)."""
    out: list[Problem] = []
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        v, path = stack.pop()
        if isinstance(v, dict):
            if isinstance(v, _DupKeys):
                out.extend(
                    Problem(_join(path, k), f"duplicate key {_show(k)} in JSON object")
                    for k in v.dups
                )
            stack.extend((x, _join(path, k)) for k, x in reversed(v.items()))
        elif isinstance(v, list):
            stack.extend((x, _join(path, i)) for i, x in reversed(list(enumerate(v))))
    return out


def _decode_error(e: UnicodeDecodeError) -> str:
    bad = e.object[e.start : e.start + 1]
    return f"byte 0x{bad.hex()} at offset {e.start} is not valid {e.encoding.upper()} ({e.reason})"


def _show(v: Any, limit: int = 60) -> str:
    """A value for a message: short, printable, and never an expensive conversion."""
    if isinstance(v, str):
        if len(v) > limit:
            return repr(v[:limit]) + f"... ({len(v)} characters)"
        return repr(v)  # escapes control characters and lone surrogates
    if v is None or isinstance(v, bool | float):
        return repr(v)
    if isinstance(v, int):
        return repr(v) if -(10**18) < v < 10**18 else "a very large number"
    return _tname(v)


def _surrogate(s: str) -> str | None:
    """The first lone surrogate in ``s``, as U+XXXX, or None."""
    if s.isascii():
        return None
    m = _SURROGATE.search(s)
    return f"U+{ord(m.group()):04X}" if m else None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._countries = countries()

    def add(self, path: str, msg: str) -> None:
        self.problems.append(Problem(path, msg))

    def obj(self, v: Any, path: str, keys: frozenset[str]) -> Mapping[str, Any] | None:
        if type(v) is not dict and not isinstance(v, Mapping):
            self.add(path, f"must be an object, not {_tname(v)}")
            return None
        for k in v:
            if not isinstance(k, str):
                self.add(path, f"keys must be strings, not {_tname(k)}")
            elif k not in keys:
                self.add(_join(path, k), "unknown field")
        return v

    def text(self, v: Any, path: str, *, required: bool = True) -> str | None:
        if v is None:
            if required:
                self.add(path, "is required")
            return None
        if not isinstance(v, str):
            self.add(path, f"must be a string, not {_tname(v)}")
            return None
        if len(v) > MAX_TEXT:
            self.add(path, f"is {len(v)} characters long; at most {MAX_TEXT} are allowed")
            return None
        bad = _surrogate(v)
        if bad is not None:
            self.add(path, f"contains a lone surrogate ({bad}), which is not Unicode text")
            return None
        if required and not v.strip():
            self.add(path, "must not be empty")
            return None
        return v

    def ident(self, v: Any, path: str) -> str | None:
        s = self.text(v, path)
        if s is not None and not _ID.fullmatch(s):
            self.add(
                path,
                f"{_show(s)} is not a valid id (letters, digits and . _ : / # -, at most 128)",
            )
            return None
        return s

    def country(self, v: Any, path: str, *, required: bool = True) -> str | None:
        s = self.text(v, path, required=required)
        if s is None:
            return None
        if s not in self._countries:
            if s.upper() in self._countries:
                self.add(path, f"{s!r} must be upper case ({s.upper()!r})")
            else:
                self.add(path, f"{_show(s)} is not an ISO 3166-1 alpha-2 country code")
            return None
        return s

    def vocab(self, v: Any, path: str, allowed: frozenset[str], what: str) -> str | None:
        s = self.text(v, path)
        if s is not None and s not in allowed:
            self.add(
                path, f"{_show(s)} is not a known {what} (one of: {', '.join(sorted(allowed))})"
            )
            return None
        return s

    def array(self, v: Any, path: str, *, limit: int = MAX_LIST) -> list[Any]:
        if v is None:
            return []
        if not isinstance(v, list | tuple):
            self.add(path, f"must be an array, not {_tname(v)}")
            return []
        if len(v) > limit:
            self.add(path, f"has {len(v)} entries; at most {limit} are allowed")
            return []
        return list(v)

    def number(
        self, v: Any, path: str, *, lo: float = 0.0, hi: float = MAX_NUMBER
    ) -> int | float | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.add(path, f"must be a number, not {_tname(v)}")
            return None
        if isinstance(v, float) and not math.isfinite(v):
            self.add(path, "must be a finite number (NaN and infinity are not allowed)")
            return None
        if v < lo:
            self.add(path, f"must be >= {lo:g}")
            return None
        if v > hi:
            if hi == MAX_NUMBER:
                self.add(path, f"is too large: numbers may be at most {MAX_NUMBER:,.0f} (10^15)")
            else:
                self.add(path, f"must be <= {hi:g}")
            return None
        return v

    def date(self, v: Any, path: str) -> _dt.date | None:
        if v is None:
            return None
        if not isinstance(v, str) or not _DATE.fullmatch(v):
            hint = (
                " (remove the surrounding white space)"
                if isinstance(v, str) and v.strip() != v and _DATE.fullmatch(v.strip())
                else ""
            )
            self.add(path, f"must be a date in the form YYYY-MM-DD, not {_show(v)}{hint}")
            return None
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            self.add(path, f"{v!r} is not a calendar date")
            return None


def _tname(v: Any) -> str:
    if v is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(v), type(v).__name__)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not (isinstance(key, str) and key.isidentifier() and key.isascii()):
        # a key that is not a plain name: quoted, with anything unprintable escaped
        return f"{path}[{json.dumps(str(key))}]"
    return f"{path}.{key}" if path else key


def parse_transaction(data: Any) -> Transaction:
    """Validate ``data`` (a JSON-like mapping or a Transaction) and build a Transaction.

    Raises:
        InvalidTransaction: with every problem found and its JSON path.
    """
    if isinstance(data, Transaction):
        return data
    c = _Checker()
    d = c.obj(data, "", _TX_KEYS)
    if d is None:
        raise InvalidTransaction(c.problems)

    tx_id = c.ident(d["id"], "id") if "id" in d and d["id"] is not None else None
    date = c.date(d.get("date"), "date")
    export_from = c.country(d.get("export_from"), "export_from")
    destination = c.country(d.get("destination"), "destination")
    region = None
    if d.get("destination_region") is not None:
        region = c.text(d["destination_region"], "destination_region")
        if region is not None:
            m = _REGION.fullmatch(region)
            if not m:
                c.add(
                    "destination_region", f"{_show(region)} is not an ISO 3166-2 code like 'UA-43'"
                )
                region = None
            elif destination is not None and m.group(1) != destination:
                c.add(
                    "destination_region",
                    f"{region!r} is not a subdivision of the destination {destination!r}",
                )
                region = None
    transit = [
        c.country(x, _join("transit", i))
        for i, x in enumerate(c.array(d.get("transit"), "transit"))
    ]
    activity = "export"
    if d.get("activity") is not None:
        activity = c.vocab(d["activity"], "activity", ACTIVITIES, "activity") or "export"

    parties: list[Party] = []
    for i, p in enumerate(c.array(d.get("parties"), "parties", limit=MAX_PARTIES)):
        fast = _fast_party(p, c._countries)
        if fast is not None:
            parties.append(fast)
            continue
        pp = _join("parties", i)
        pd = c.obj(p, pp, _PARTY_KEYS)
        if pd is None:
            continue
        role = c.vocab(pd.get("role"), _join(pp, "role"), PARTY_ROLES, "party role")
        name = c.text(pd.get("name"), _join(pp, "name"))
        country = c.country(pd.get("country"), _join(pp, "country"), required=False)
        ptype = "unknown"
        if pd.get("type") is not None:
            ptype = c.vocab(pd["type"], _join(pp, "type"), PARTY_TYPES, "party type") or "unknown"
        address = c.text(pd.get("address"), _join(pp, "address"), required=False)
        if role is not None and name is not None:
            parties.append(
                Party(role=role, name=name, country=country, type=ptype, address=address)
            )

    end_use = []
    for i, x in enumerate(c.array(d.get("end_use"), "end_use")):
        v = c.vocab(x, _join("end_use", i), END_USES, "end use")
        if v is not None:
            end_use.append(v)
    knowledge = []
    for i, x in enumerate(c.array(d.get("knowledge"), "knowledge")):
        path = _join("knowledge", i)
        s = c.text(x, path)
        if s is None:
            continue
        if s.startswith("red_flag:"):
            if s[len("red_flag:") :] not in RED_FLAGS:
                c.add(path, f"{_show(s)} is not a documented red flag (see docs/index.md)")
                continue
        elif s not in KNOWLEDGE:
            c.add(
                path,
                f"{_show(s)} is not a known knowledge flag (one of: {', '.join(sorted(KNOWLEDGE))},"
                " or red_flag:<code>)",
            )
            continue
        knowledge.append(s)

    lines: list[Line] = []
    raw_lines = d.get("lines")
    if raw_lines is None:
        c.add("lines", "is required (at least one line)")
    else:
        items = c.array(raw_lines, "lines", limit=MAX_LINES)
        if isinstance(raw_lines, list) and not raw_lines:
            c.add("lines", "must have at least one line")
        seen: dict[str, int] = {}
        for i, ln in enumerate(items):
            raw_id = ln.get("id") if isinstance(ln, Mapping) else None
            if isinstance(raw_id, str):
                if raw_id in seen:
                    c.add(
                        _join(_join("lines", i), "id"),
                        f"duplicate line id {_show(raw_id)} (also lines[{seen[raw_id]}])",
                    )
                    continue
                seen[raw_id] = i
            line = _fast_line(ln, c._countries) or _parse_line(c, ln, _join("lines", i))
            if line is not None:
                lines.append(line)

    auths: list[Authorisation] = []
    for i, a in enumerate(c.array(d.get("authorisations"), "authorisations")):
        ap = _join("authorisations", i)
        ad = c.obj(a, ap, _AUTH_KEYS)
        if ad is None:
            continue
        regime = c.text(ad.get("regime"), _join(ap, "regime"))
        if regime is not None and not _REGIME_ID.fullmatch(regime):
            c.add(_join(ap, "regime"), f"{_show(regime)} is not a regime id")
            regime = None
        aid = c.text(ad.get("id"), _join(ap, "id"))
        atype = "individual"
        if ad.get("type") is not None:
            atype = (
                c.vocab(ad["type"], _join(ap, "type"), AUTHORISATION_TYPES, "authorisation type")
                or "individual"
            )
        alines = [
            c.text(x, _join(_join(ap, "lines"), j))
            for j, x in enumerate(c.array(ad.get("lines"), _join(ap, "lines")))
        ]
        adest = [
            c.country(x, _join(_join(ap, "destinations"), j))
            for j, x in enumerate(c.array(ad.get("destinations"), _join(ap, "destinations")))
        ]
        areasons = []
        for j, x in enumerate(c.array(ad.get("reasons"), _join(ap, "reasons"))):
            rp = _join(_join(ap, "reasons"), j)
            rs = c.text(x, rp)
            if rs is not None and not _TAG.fullmatch(rs):
                c.add(rp, f"{_show(rs)} is not a reason code (lower-case letters, digits and _)")
            elif rs is not None:
                areasons.append(rs)
        vf = c.date(ad.get("valid_from"), _join(ap, "valid_from"))
        vu = c.date(ad.get("valid_until"), _join(ap, "valid_until"))
        if vf and vu and vu < vf:
            c.add(_join(ap, "valid_until"), "is before valid_from")
        limits = _parse_limits(c, ad.get("limits"), _join(ap, "limits"))
        if regime is not None and aid is not None:
            auths.append(
                Authorisation(
                    regime=regime,
                    id=aid,
                    type=atype,
                    lines=[x for x in alines if x is not None],
                    destinations=[x for x in adest if x is not None],
                    valid_from=vf,
                    valid_until=vu,
                    reasons=areasons,
                    limits=limits,
                )
            )

    resolutions: list[Resolution] = []
    for i, r in enumerate(c.array(d.get("resolutions"), "resolutions")):
        res = _parse_resolution(c, r, _join("resolutions", i))
        if res is not None:
            resolutions.append(res)

    if c.problems:
        raise InvalidTransaction(c.problems)
    assert export_from is not None
    assert destination is not None
    return Transaction(
        id=tx_id,
        date=date,
        export_from=export_from,
        destination=destination,
        destination_region=region,
        transit=[t for t in transit if t is not None],
        activity=activity,
        parties=parties,
        end_use=end_use,
        knowledge=knowledge,
        lines=lines,
        authorisations=auths,
        resolutions=resolutions,
    )


def _parse_limits(c: _Checker, v: Any, path: str) -> Limits | None:
    if v is None:
        return None
    ld = c.obj(v, path, _LIMIT_KEYS)
    if ld is None:
        return None
    n0 = len(c.problems)
    qty = c.number(ld.get("quantity"), _join(path, "quantity"))
    value = c.number(ld.get("value"), _join(path, "value"))
    currency = None
    if ld.get("currency") is not None:
        currency = c.text(ld["currency"], _join(path, "currency"))
        if currency is not None and currency not in currencies():
            c.add(_join(path, "currency"), f"{_show(currency)} is not an ISO 4217 currency code")
    if ld.get("value") is not None and ld.get("currency") is None:
        c.add(_join(path, "currency"), "is required when value is given")
    if ld.get("currency") is not None and ld.get("value") is None:
        c.add(_join(path, "value"), "is required when currency is given")
    if ld.get("quantity") is None and ld.get("value") is None:
        c.add(path, "must state a quantity and/or a value")
    if len(c.problems) != n0:
        return None
    return Limits(quantity=qty, value=value, currency=currency)


def _parse_resolution(c: _Checker, v: Any, path: str) -> Resolution | None:
    rd = c.obj(v, path, _RESOLUTION_KEYS)
    if rd is None:
        return None
    n0 = len(c.problems)
    rule = c.text(rd.get("rule"), _join(path, "rule"))
    if rule is not None and not _RULE_ID.fullmatch(rule):
        c.add(_join(path, "rule"), f"{_show(rule)} is not a rule id (like 'eu.hr.cyber_end_user')")
    line = c.ident(rd["line"], _join(path, "line")) if rd.get("line") is not None else None
    party = c.text(rd.get("party"), _join(path, "party"), required=False)
    by = c.text(rd.get("by"), _join(path, "by"))
    basis = c.text(rd.get("basis"), _join(path, "basis"))
    at = None
    raw_at = rd.get("at")
    if raw_at is None:
        c.add(_join(path, "at"), "is required (when the resolution was made, RFC 3339)")
    elif not isinstance(raw_at, str) or not _DATETIME.fullmatch(raw_at):
        c.add(
            _join(path, "at"),
            f"must be an RFC 3339 date-time with a time zone, like '2026-11-30T10:00:00Z', "
            f"not {_show(raw_at)}",
        )
    else:
        try:
            at = _dt.datetime.fromisoformat(raw_at.upper().replace("Z", "+00:00"))
        except ValueError:
            c.add(_join(path, "at"), f"{_show(raw_at)} is not a calendar date-time")
    vu = c.date(rd.get("valid_until"), _join(path, "valid_until"))
    if len(c.problems) != n0 or rule is None or by is None or basis is None or at is None:
        return None
    return Resolution(rule=rule, by=by, at=at, basis=basis, line=line, party=party, valid_until=vu)


# Fast paths. Most input is valid, and building a JSON path for every field costs more than
# the checks themselves. These accept only what the full checker accepts, building the same
# objects; anything else (including every error) goes to the full checker, which reports it
# with its path. tests/unit/test_validate.py checks the two agree on random input.


def _ok_text(v: Any, required: bool) -> bool:
    if v is None:
        return not required
    return (
        type(v) is str
        and len(v) <= MAX_TEXT
        and (not required or bool(v.strip()))
        and (v.isascii() or not _SURROGATE.search(v))
    )


def _ok_number(v: Any, hi: float = MAX_NUMBER) -> bool:
    if v is None:
        return True
    t = type(v)
    if t is int or t is float:
        return bool(0 <= v <= hi)  # NaN fails every comparison; infinity exceeds hi
    return False


def _fast_party(p: Any, countries: frozenset[str]) -> Party | None:
    if type(p) is not dict or not p.keys() <= _PARTY_KEYS:
        return None
    role, name, country, address = p.get("role"), p.get("name"), p.get("country"), p.get("address")
    ptype = p.get("type")
    if ptype is None:
        ptype = "unknown"
    if (
        type(role) is not str
        or role not in PARTY_ROLES
        or type(ptype) is not str
        or ptype not in PARTY_TYPES
        or not _ok_text(name, True)
        or not (country is None or (type(country) is str and country in countries))
        or not _ok_text(address, False)
    ):
        return None
    return Party(role=role, name=str(name), country=country, type=ptype, address=address)


def _fast_line(ln: Any, countries: frozenset[str]) -> Line | None:
    if type(ln) is not dict or not ln.keys() <= _LINE_KEYS:
        return None
    lid = ln.get("id")
    if type(lid) is not str or not _ID.fullmatch(lid):
        return None
    currency, origin, value = ln.get("currency"), ln.get("origin"), ln.get("value")
    if (
        not _ok_text(ln.get("description"), False)
        or not _ok_number(ln.get("quantity"))
        or not _ok_number(value)
        or not _ok_number(ln.get("us_content"), 1.0)
        or not (currency is None or (type(currency) is str and currency in currencies()))
        or (value is not None and currency is None)
        or not (origin is None or (type(origin) is str and origin in countries))
    ):
        return None
    cl = ln.get("classification")
    if cl is not None:
        if type(cl) is not dict:
            return None
        for k, v in cl.items():
            if type(k) is not str or not _REGIME_ID.fullmatch(k):
                return None
            if v is not None and (
                type(v) is not str
                or not v
                or v != v.strip()
                or len(v) > MAX_TEXT
                or not (v.isascii() or not _SURROGATE.search(v))
            ):
                return None
    tags = ln.get("tags")
    if tags is not None:
        if type(tags) is not list or len(tags) > MAX_LIST:
            return None
        for t in tags:
            if type(t) is not str or not _TAG.fullmatch(t):
                return None
    hs = ln.get("hs_code")
    if hs is not None and (type(hs) is not str or not _HS_CODE.fullmatch(hs)):
        return None
    return Line(
        id=lid,
        description=ln.get("description"),
        quantity=ln.get("quantity"),
        value=value,
        currency=currency,
        origin=origin,
        us_content=ln.get("us_content"),
        classification=dict(cl) if cl else {},
        tags=tags or (),
        hs_code=hs,
    )


def _parse_line(c: _Checker, ln: Any, lp: str) -> Line | None:
    ld = c.obj(ln, lp, _LINE_KEYS)
    if ld is None:
        return None
    n0 = len(c.problems)
    lid = c.ident(ld.get("id"), _join(lp, "id"))
    desc = c.text(ld.get("description"), _join(lp, "description"), required=False)
    qty = c.number(ld.get("quantity"), _join(lp, "quantity"))
    value = c.number(ld.get("value"), _join(lp, "value"))
    currency = None
    if ld.get("currency") is not None:
        currency = c.text(ld["currency"], _join(lp, "currency"))
        if currency is not None and currency not in currencies():
            c.add(_join(lp, "currency"), f"{_show(currency)} is not an ISO 4217 currency code")
    if value is not None and ld.get("currency") is None:
        c.add(_join(lp, "currency"), "is required when value is given")
    origin = c.country(ld.get("origin"), _join(lp, "origin"), required=False)
    usc = c.number(ld.get("us_content"), _join(lp, "us_content"), lo=0.0, hi=1.0)
    classification: dict[str, str | None] = {}
    cl = ld.get("classification")
    if cl is not None:
        cp = _join(lp, "classification")
        if not isinstance(cl, Mapping):
            c.add(cp, f"must be an object, not {_tname(cl)}")
        else:
            for k, v in cl.items():
                kp = _join(cp, str(k))
                if not isinstance(k, str) or not _REGIME_ID.fullmatch(k):
                    c.add(kp, f"{_show(k)} is not a regime id")
                    continue
                if v is None:
                    classification[k] = None
                    continue
                s = c.text(v, kp)
                if s is not None:
                    if s != s.strip() or not s:
                        c.add(kp, f"{_show(s)} has surrounding white space")
                    else:
                        classification[k] = s
    tags = []
    for j, t in enumerate(c.array(ld.get("tags"), _join(lp, "tags"))):
        tp = _join(_join(lp, "tags"), j)
        s = c.text(t, tp)
        if s is not None:
            if not _TAG.fullmatch(s):
                c.add(tp, f"{_show(s)} is not a tag (lower-case letters, digits and _)")
            else:
                tags.append(s)
    hs_code = None
    if ld.get("hs_code") is not None:
        hp = _join(lp, "hs_code")
        hs_code = c.text(ld["hs_code"], hp)
        if hs_code is not None and not _HS_CODE.fullmatch(hs_code):
            c.add(
                hp,
                f"{_show(hs_code)} is not a tariff code: write the HS / CN / HTS code as 6 to 10 "
                "digits, without dots or spaces (e.g. '84713000')",
            )
            hs_code = None
    if len(c.problems) != n0 or lid is None:
        return None
    return Line(
        id=lid,
        description=desc,
        quantity=qty,
        value=value,
        currency=currency,
        origin=origin,
        us_content=usc,
        classification=classification,
        tags=tags,
        hs_code=hs_code,
    )


def _no_regime(rid: str, loaded: Mapping[str, Regime], known: frozenset[str]) -> str:
    close = difflib.get_close_matches(rid, sorted(known), n=1, cutoff=0.6)
    other = sorted(known - set(loaded))
    return (
        f"{rid!r} names no regime"
        + (f" (did you mean {close[0]!r}?)" if close else "")
        + f" (loaded: {', '.join(sorted(loaded)) or 'none'}"
        + (f"; not loaded here: {', '.join(other)}" if other else "")
        + ")"
    )


def _expected_form(r: Regime) -> str:
    """How a regime's classification codes look: its examples, else its pattern."""
    if r.code_examples:
        return f"; expected a code like {', '.join(repr(x) for x in r.code_examples[:3])}"
    if r.code_pattern is not None:
        return f"; expected a code matching {r.code_pattern.pattern!r}"
    return ""


def check_against_regimes(
    t: Transaction,
    regimes: Mapping[str, Regime],
    tags: frozenset[str],
    known: Callable[[], frozenset[str]] | None = None,
) -> None:
    """What the contract alone cannot check: item tags some loaded regime declares,
    classification keys that name a regime, and classification codes in the form each regime
    states (``code_pattern``, with its ``code_examples`` in the message).

    ``known`` gives the ids a classification may name besides the loaded regimes (bundled and
    installed ones this engine was built without); it is called only when a key is not loaded.

    Raises:
        InvalidTransaction: every problem, with its JSON path.
    """
    problems = []
    for i, ln in enumerate(t.lines):
        for j, tag in enumerate(ln.tags):
            if tag not in tags:
                problems.append(
                    Problem(
                        f"lines[{i}].tags[{j}]",
                        f"{tag!r} is not an item tag any loaded regime knows "
                        f"(known: {', '.join(sorted(tags)) or 'none'})",
                    )
                )
        for rid, code in ln.classification.items():
            r = regimes.get(rid)
            if r is None:
                ids = known() if known is not None else frozenset(regimes)
                if rid not in ids:
                    # a classification for no regime at all is a typo: it would be ignored
                    problems.append(
                        Problem(f"lines[{i}].classification.{rid}", _no_regime(rid, regimes, ids))
                    )
                continue
            if code is None or r.code_pattern is None:
                continue
            if not r.code_pattern.fullmatch(code):
                problems.append(
                    Problem(
                        f"lines[{i}].classification.{rid}",
                        f"{_show(code)} is not a well-formed {r.name} classification code"
                        + _expected_form(r),
                    )
                )
    if problems:
        raise InvalidTransaction(problems)


_model._VALIDATOR.update(transaction=parse_transaction, json=loads_strict)
