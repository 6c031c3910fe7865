"""Data model: the transaction and decision contracts (docs/api.md)."""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "AppliedClearance",
    "Authorisation",
    "AuthorisationUse",
    "DataRef",
    "Decision",
    "Finding",
    "Limits",
    "Line",
    "LineResult",
    "Outcome",
    "Party",
    "RegimeResult",
    "Resolution",
    "ResolutionResult",
    "ScreeningHit",
    "Transaction",
    "rfc3339",
]

Number = int | float


class Outcome(enum.Enum):
    """Decision outcomes, ordered by severity (``max`` gives the most severe)."""

    NOT_APPLICABLE = "not_applicable"
    NO_LICENSE_REQUIRED = "no_license_required"
    AUTHORISED = "authorised"
    REVIEW = "review"
    LICENSE_REQUIRED = "license_required"
    PROHIBITED = "prohibited"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return _SEVERITY[self] < _SEVERITY[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return _SEVERITY[self] <= _SEVERITY[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return _SEVERITY[self] > _SEVERITY[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return _SEVERITY[self] >= _SEVERITY[other]

    def __str__(self) -> str:
        return self.value


_SEVERITY = {o: i for i, o in enumerate(Outcome)}


# Transaction.from_dict and from_json delegate to the validator (exportrules._validate), which
# builds these classes: it registers its entry points here when imported (the package imports
# it first), so imports run one way, validate -> model.
_VALIDATOR: dict[str, Callable[[Any], Any]] = {}

# One encoder for every canonical form: sorted keys, "," and ":", no ASCII escaping, no NaN.
# json.dumps would build an encoder per call; where CPython's C encoder is available it is
# built once here (no circular-reference markers: to_dict() output is a tree), else the
# standard encoder is used. Both write the same text (tests/unit/test_contract_additions.py).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _no_default(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _make_canonical() -> Callable[[Any], str]:
    from json import encoder as _je

    c_make = getattr(_je, "c_make_encoder", None)
    c_str = getattr(_je, "c_encode_basestring", None)
    if c_make is None or c_str is None:
        return _CANONICAL.encode
    enc = c_make(None, _no_default, c_str, None, ":", ",", True, False, False)

    def encode(o: Any) -> str:
        if isinstance(o, str):  # the C encoder takes containers; strings go the standard way
            return _CANONICAL.encode(o)
        return "".join(enc(o, 0))

    return encode


_canonical = _make_canonical()


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x)


def rfc3339(t: _dt.datetime) -> str:
    """An aware datetime as RFC 3339 in UTC with a ``Z``, to the second."""
    return t.astimezone(_dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


# --------------------------------------------------------------------------- transaction


@attrs.frozen
class Party:
    """A party to the transaction (exporter, consignee, end user, ...)."""

    role: str
    name: str
    country: str | None = None
    type: str = "unknown"
    address: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role, "name": self.name}
        if self.country is not None:
            d["country"] = self.country
        d["type"] = self.type
        if self.address is not None:
            d["address"] = self.address
        return d


@attrs.frozen
class Line:
    """One order line."""

    id: str
    description: str | None = None
    quantity: Number | None = None
    value: Number | None = None
    currency: str | None = None
    origin: str | None = None
    us_content: Number | None = None
    classification: Mapping[str, str | None] = attrs.field(factory=dict, hash=False)
    tags: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    hs_code: str | None = None  # customs tariff code, 6 to 10 digits

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id}
        for k in ("description", "quantity", "value", "currency", "origin", "us_content"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        d["classification"] = dict(self.classification)
        d["tags"] = list(self.tags)
        if self.hs_code is not None:
            d["hs_code"] = self.hs_code
        return d


@attrs.frozen
class Limits:
    """What a licence allows in all: a quantity and/or a value in a currency."""

    quantity: Number | None = None
    value: Number | None = None
    currency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.quantity is not None:
            d["quantity"] = self.quantity
        if self.value is not None:
            d["value"] = self.value
        if self.currency is not None:
            d["currency"] = self.currency
        return d


@attrs.frozen
class Authorisation:
    """A licence the exporter holds (individual, global, ...)."""

    regime: str
    id: str
    type: str = "individual"
    lines: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    destinations: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    valid_from: _dt.date | None = None
    valid_until: _dt.date | None = None
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    limits: Limits | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "regime": self.regime,
            "id": self.id,
            "type": self.type,
            "lines": list(self.lines),
            "destinations": list(self.destinations),
        }
        if self.reasons:
            d["reasons"] = list(self.reasons)
        if self.valid_from is not None:
            d["valid_from"] = self.valid_from.isoformat()
        if self.valid_until is not None:
            d["valid_until"] = self.valid_until.isoformat()
        if self.limits is not None:
            d["limits"] = self.limits.to_dict()
        return d

    def covers(self, line_id: str, destination: str, date: _dt.date) -> bool:
        """Whether this licence covers a line to a destination on a date.

        An empty ``lines`` or ``destinations`` list means the licence names none, so it covers
        nothing: a licence is read narrowly (fail closed).
        """
        if line_id not in self.lines or destination not in self.destinations:
            return False
        if self.valid_from is not None and date < self.valid_from:
            return False
        return not (self.valid_until is not None and date > self.valid_until)


@attrs.frozen
class Resolution:
    """A named person's resolution of a ``review`` finding (never of a requirement).

    It matches the findings of rule ``rule``, narrowed to one line and/or one party when
    given, and applies on transaction dates up to ``valid_until`` (inclusive) when given.
    """

    rule: str
    by: str
    at: _dt.datetime  # aware
    basis: str
    line: str | None = None
    party: str | None = None
    valid_until: _dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"rule": self.rule}
        if self.line is not None:
            d["line"] = self.line
        if self.party is not None:
            d["party"] = self.party
        d["by"] = self.by
        d["at"] = rfc3339(self.at)
        d["basis"] = self.basis
        if self.valid_until is not None:
            d["valid_until"] = self.valid_until.isoformat()
        return d


@attrs.frozen
class Transaction:
    """A validated transaction. Build one with :meth:`from_dict`."""

    export_from: str
    destination: str
    lines: tuple[Line, ...] = attrs.field(converter=_tuple)
    id: str | None = None
    date: _dt.date | None = None
    destination_region: str | None = None
    transit: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    activity: str = "export"
    parties: tuple[Party, ...] = attrs.field(default=(), converter=_tuple)
    end_use: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    knowledge: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    authorisations: tuple[Authorisation, ...] = attrs.field(default=(), converter=_tuple)
    resolutions: tuple[Resolution, ...] = attrs.field(default=(), converter=_tuple)

    @classmethod
    def from_dict(cls, data: Any) -> Transaction:
        """Validate a JSON-like mapping and build a transaction.

        Raises:
            InvalidTransaction: listing every problem with its JSON path.
        """
        return _VALIDATOR["transaction"](data)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, text: str | bytes) -> Transaction:
        """Parse JSON text and validate it (see :meth:`from_dict`)."""
        return cls.from_dict(_VALIDATOR["json"](text))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.id is not None:
            d["id"] = self.id
        if self.date is not None:
            d["date"] = self.date.isoformat()
        d["export_from"] = self.export_from
        d["destination"] = self.destination
        if self.destination_region is not None:
            d["destination_region"] = self.destination_region
        d["transit"] = list(self.transit)
        d["activity"] = self.activity
        d["parties"] = [p.to_dict() for p in self.parties]
        d["end_use"] = list(self.end_use)
        d["knowledge"] = list(self.knowledge)
        d["lines"] = [ln.to_dict() for ln in self.lines]
        d["authorisations"] = [a.to_dict() for a in self.authorisations]
        if self.resolutions:
            d["resolutions"] = [r.to_dict() for r in self.resolutions]
        return d

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)

    def canonical_json(self) -> bytes:
        """The canonical form of :meth:`to_dict`: sorted keys, separators ``,`` and ``:``, no
        ASCII escaping, UTF-8. Decisions carry its SHA-256 as ``input_sha256``."""
        return _canonical(self.to_dict()).encode("utf-8")

    def sha256(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_json`."""
        return hashlib.sha256(self.canonical_json()).hexdigest()


# --------------------------------------------------------------------------- decision


@attrs.frozen
class ScreeningHit:
    """A restricted-party list hit for one party of the transaction."""

    party: str
    role: str
    list: str
    list_as_of: str
    entry_id: str
    entry_name: str
    matched_name: str
    score: float
    level: str  # "match" | "review"
    explanation: str = ""
    features: Mapping[str, float] = attrs.field(factory=dict, hash=False)
    programs: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    license_requirement: str | None = None
    license_policy: str | None = None
    citation: str | None = None
    listed_on: str | None = None  # ISO date the entry was listed, when the list says
    delisted_on: str | None = None  # ISO date it was removed, when known
    # whether the listing is in force on the transaction date: a listing that starts after it
    # (or ended before it) is shown but is not a hit for the decision
    in_force: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "role": self.role,
            "list": self.list,
            "list_as_of": self.list_as_of,
            "entry_id": self.entry_id,
            "entry_name": self.entry_name,
            "matched_name": self.matched_name,
            "score": self.score,
            "level": self.level,
            "explanation": self.explanation,
            "features": dict(self.features),
            "programs": list(self.programs),
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "citation": self.citation,
            "listed_on": self.listed_on,
            "delisted_on": self.delisted_on,
            "in_force": self.in_force,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScreeningHit:
        return cls(**{**d, "features": dict(d.get("features", {}))})


@attrs.frozen
class Finding:
    """One rule firing: what it found, under which provision."""

    rule: str
    regime: str
    line: str | None
    party: str | None
    effect: str
    outcome: Outcome
    citation: str
    message: str
    policy: str | None = None
    reason: str | None = None
    authorisation: str | None = None
    report: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    resolved_by: str | None = None  # a review finding discharged by a person's resolution

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "regime": self.regime,
            "line": self.line,
            "party": self.party,
            "effect": self.effect,
            "outcome": self.outcome.value,
            "citation": self.citation,
            "message": self.message,
            "policy": self.policy,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        if self.authorisation is not None:
            d["authorisation"] = self.authorisation
        if self.report is not None:
            d["report"] = dict(self.report)
        if self.resolved_by is not None:
            d["resolved_by"] = self.resolved_by
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return cls(
            rule=d["rule"],
            regime=d["regime"],
            line=d["line"],
            party=d["party"],
            effect=d["effect"],
            outcome=Outcome(d["outcome"]),
            citation=d["citation"],
            message=d["message"],
            policy=d.get("policy"),
            reason=d.get("reason"),
            authorisation=d.get("authorisation"),
            report=d.get("report"),
            resolved_by=d.get("resolved_by"),
        )


@attrs.frozen
class AuthorisationUse:
    """An authorisation that discharged requirements on some lines."""

    regime: str
    id: str
    kind: str
    lines: tuple[str, ...] = attrs.field(converter=_tuple)
    covers: tuple[str, ...] = attrs.field(converter=_tuple)
    citation: str = ""
    conditions: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "id": self.id,
            "kind": self.kind,
            "lines": list(self.lines),
            "covers": list(self.covers),
            "citation": self.citation,
            "conditions": list(self.conditions),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuthorisationUse:
        return cls(**d)


@attrs.frozen
class DataRef:
    """A data table (or list) a decision rested on, with its provenance."""

    regime: str
    table: str
    source: str
    as_of: str
    verified: bool
    # set when the data is older than its stale_after allows on the transaction date
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "regime": self.regime,
            "table": self.table,
            "source": self.source,
            "as_of": self.as_of,
            "verified": self.verified,
        }
        if self.warning is not None:
            d["warning"] = self.warning
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DataRef:
        return cls(**d)


@attrs.frozen
class RegimeResult:
    applies: bool
    outcome: Outcome
    version: str = ""  # the regime's version string


@attrs.frozen
class ResolutionResult:
    """A resolution given with the transaction: whether it applied, and why not."""

    resolution: Resolution
    applied: bool
    why: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = self.resolution.to_dict()
        d["applied"] = self.applied
        if self.why is not None:
            d["why"] = self.why
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ResolutionResult:
        return cls(
            resolution=Resolution(
                rule=d["rule"],
                by=d["by"],
                at=_dt.datetime.fromisoformat(d["at"].replace("Z", "+00:00")),
                basis=d["basis"],
                line=d.get("line"),
                party=d.get("party"),
                valid_until=_dt.date.fromisoformat(d["valid_until"])
                if d.get("valid_until")
                else None,
            ),
            applied=d["applied"],
            why=d.get("why"),
        )


@attrs.frozen
class AppliedClearance:
    """A screening match a person cleared as a false positive, applied to this decision."""

    party: str
    role: str
    list: str
    entry_id: str
    entry_name: str
    cleared_by: str
    basis: str
    expires: str  # ISO date, exclusive
    cleared_at: str | None = None  # RFC 3339 or ISO date, when known

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "role": self.role,
            "list": self.list,
            "entry_id": self.entry_id,
            "entry_name": self.entry_name,
            "cleared_by": self.cleared_by,
            "cleared_at": self.cleared_at,
            "basis": self.basis,
            "expires": self.expires,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AppliedClearance:
        return cls(**d)


@attrs.frozen
class LineResult:
    line: str
    outcome: Outcome
    regimes: Mapping[str, Outcome] = attrs.field(hash=False)


@attrs.frozen
class Decision:
    """The answer for one transaction. ``outcome`` is the most severe line outcome."""

    transaction: str | None
    as_of: _dt.date
    outcome: Outcome
    regimes: Mapping[str, RegimeResult] = attrs.field(hash=False)
    lines: tuple[LineResult, ...] = attrs.field(converter=_tuple)
    findings: tuple[Finding, ...] = attrs.field(converter=_tuple)
    authorisations: tuple[AuthorisationUse, ...] = attrs.field(default=(), converter=_tuple)
    screening: tuple[ScreeningHit, ...] = attrs.field(default=(), converter=_tuple)
    data: tuple[DataRef, ...] = attrs.field(default=(), converter=_tuple)
    engine: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    # when the decision was made: a record of the evaluation, not part of what was decided, so
    # two decisions of the same input compare equal whenever they were made
    evaluated_at: _dt.datetime | None = attrs.field(default=None, eq=False)
    input_sha256: str | None = None
    resolutions: tuple[ResolutionResult, ...] = attrs.field(default=(), converter=_tuple)
    cleared: tuple[AppliedClearance, ...] = attrs.field(default=(), converter=_tuple)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"transaction": self.transaction, "as_of": self.as_of.isoformat()}
        if self.evaluated_at is not None:
            d["evaluated_at"] = rfc3339(self.evaluated_at)
        if self.input_sha256 is not None:
            d["input_sha256"] = self.input_sha256
        d["outcome"] = self.outcome.value
        d["regimes"] = {
            k: {"applies": r.applies, "outcome": r.outcome.value, "version": r.version}
            for k, r in self.regimes.items()
        }
        d["lines"] = [
            {
                "line": lr.line,
                "outcome": lr.outcome.value,
                "regimes": {k: v.value for k, v in lr.regimes.items()},
            }
            for lr in self.lines
        ]
        d["findings"] = [f.to_dict() for f in self.findings]
        d["authorisations"] = [a.to_dict() for a in self.authorisations]
        d["screening"] = [s.to_dict() for s in self.screening]
        d["data"] = [x.to_dict() for x in self.data]
        d["engine"] = dict(self.engine)
        d["resolutions"] = [r.to_dict() for r in self.resolutions]
        d["cleared"] = [c.to_dict() for c in self.cleared]
        return d

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Decision:
        """Rebuild a decision from :meth:`to_dict` output (lossless)."""
        at = d.get("evaluated_at")
        return cls(
            transaction=d["transaction"],
            as_of=_dt.date.fromisoformat(d["as_of"]),
            evaluated_at=_dt.datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None,
            input_sha256=d.get("input_sha256"),
            outcome=Outcome(d["outcome"]),
            regimes={
                k: RegimeResult(
                    applies=v["applies"],
                    outcome=Outcome(v["outcome"]),
                    version=v.get("version", ""),
                )
                for k, v in d["regimes"].items()
            },
            lines=[
                LineResult(
                    line=x["line"],
                    outcome=Outcome(x["outcome"]),
                    regimes={k: Outcome(v) for k, v in x["regimes"].items()},
                )
                for x in d["lines"]
            ],
            findings=[Finding.from_dict(f) for f in d["findings"]],
            authorisations=[AuthorisationUse.from_dict(a) for a in d["authorisations"]],
            screening=[ScreeningHit.from_dict(s) for s in d["screening"]],
            data=[DataRef.from_dict(x) for x in d["data"]],
            engine=d["engine"],
            resolutions=[ResolutionResult.from_dict(r) for r in d.get("resolutions", [])],
            cleared=[AppliedClearance.from_dict(c) for c in d.get("cleared", [])],
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Decision:
        return cls.from_dict(json.loads(text))
