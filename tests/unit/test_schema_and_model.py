"""JSON contracts: schemas validate the examples and real decisions; round trips are lossless."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from exportrules import Decision, Engine, Outcome, Transaction
from exportrules._engine import FixedScreener
from tests.conftest import ROOT, TL


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("exportrules").joinpath("schemas", name).read_text("utf-8")
    s: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(s)
    return s


EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_against_schema_and_library(path: Path) -> None:
    data = json.loads(path.read_text())
    jsonschema.validate(data, _schema("transaction-v1.json"))
    Transaction.from_dict(data)


def test_batch_example_lines_validate() -> None:
    for line in (ROOT / "examples" / "batch.jsonl").read_text().splitlines():
        jsonschema.validate(json.loads(line), _schema("transaction-v1.json"))


def test_decisions_validate_against_schema() -> None:
    e = Engine.from_paths(
        [TL], screening=FixedScreener([{"party": "Bad Co", "list": "un", "score": 0.97}])
    )
    tx = {
        "id": "X",
        "date": "2026-01-01",
        "export_from": "DE",
        "destination": "US",
        "parties": [{"role": "consignee", "name": "Bad Co"}],
        "lines": [{"id": "1", "classification": {"tl": "T100"}}, {"id": "2"}],
    }
    d = e.evaluate(tx)
    jsonschema.validate(d.to_dict(), _schema("decision-v1.json"))
    assert Decision.from_json(d.to_json()) == d


def test_transaction_round_trip_is_lossless() -> None:
    data = json.loads((ROOT / "examples" / "surveillance-to-police.json").read_text())
    t = Transaction.from_dict(data)
    assert Transaction.from_dict(t.to_dict()) == t
    assert Transaction.from_json(t.to_json()) == t
    assert t.to_dict() == data


def test_outcome_order() -> None:
    order = [
        "not_applicable",
        "no_license_required",
        "authorised",
        "review",
        "license_required",
        "prohibited",
    ]
    assert sorted(Outcome, key=lambda o: o.severity) == [Outcome(x) for x in order]
    assert max(Outcome.REVIEW, Outcome.AUTHORISED) is Outcome.REVIEW
    assert Outcome.PROHIBITED > Outcome.LICENSE_REQUIRED >= Outcome.LICENSE_REQUIRED
    assert str(Outcome.REVIEW) == "review"
