"""Data model: the transaction and decision contracts (DESIGN.md sections 3 and 4)."""

from __future__ import annotations

import datetime as _dt
import enum
import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "Authorisation",
    "AuthorisationUse",
    "DataRef",
    "Decision",
    "Finding",
    "Line",
    "LineResult",
    "Outcome",
    "Party",
    "RegimeResult",
    "ScreeningHit",
    "Transaction",
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


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x)


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

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id}
        for k in ("description", "quantity", "value", "currency", "origin", "us_content"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        d["classification"] = dict(self.classification)
        d["tags"] = list(self.tags)
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

    @classmethod
    def from_dict(cls, data: Any) -> Transaction:
        """Validate a JSON-like mapping and build a transaction.

        Raises:
            InvalidTransaction: listing every problem with its JSON path.
        """
        from ._validate import parse_transaction

        return parse_transaction(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> Transaction:
        """Parse JSON text and validate it (see :meth:`from_dict`)."""
        from ._validate import loads_strict

        return cls.from_dict(loads_strict(text))

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
        return d

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "table": self.table,
            "source": self.source,
            "as_of": self.as_of,
            "verified": self.verified,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DataRef:
        return cls(**d)


@attrs.frozen
class RegimeResult:
    applies: bool
    outcome: Outcome


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "transaction": self.transaction,
            "as_of": self.as_of.isoformat(),
            "outcome": self.outcome.value,
            "regimes": {
                k: {"applies": r.applies, "outcome": r.outcome.value}
                for k, r in self.regimes.items()
            },
            "lines": [
                {
                    "line": lr.line,
                    "outcome": lr.outcome.value,
                    "regimes": {k: v.value for k, v in lr.regimes.items()},
                }
                for lr in self.lines
            ],
            "findings": [f.to_dict() for f in self.findings],
            "authorisations": [a.to_dict() for a in self.authorisations],
            "screening": [s.to_dict() for s in self.screening],
            "data": [d.to_dict() for d in self.data],
            "engine": dict(self.engine),
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Decision:
        """Rebuild a decision from :meth:`to_dict` output (lossless)."""
        return cls(
            transaction=d["transaction"],
            as_of=_dt.date.fromisoformat(d["as_of"]),
            outcome=Outcome(d["outcome"]),
            regimes={
                k: RegimeResult(applies=v["applies"], outcome=Outcome(v["outcome"]))
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
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Decision:
        return cls.from_dict(json.loads(text))
