"""The transparency report: exact counts on a small ledger, CSV, and the HTML checked at the
parser level (every chart is a decodable PNG, every table is well formed). A screenshot in
headless Chromium is taken in test_report_render.py."""

from __future__ import annotations

import base64
import csv
import io
import json
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from exportrules import Engine, Ledger, Outcome
from exportrules._report import build_report, to_csv, to_html
from exportrules._report._aggregate import category_of
from tests.conftest import ROOT
from tests.ledger.conftest import tamper, tx


def _build(url: str, engine: Engine) -> None:
    a = tx("A", quantity=5, value=100, limits={"quantity": 20})
    b = tx("B", licence=None, value=200)
    c = tx("C", licence="L2", value=300)
    c["lines"][0]["tags"] = ["cyber_surveillance"]
    c["parties"][0]["type"] = "police"
    d = tx("D", licence=None, destination="KP", value=400)
    e = tx("E", licence=None, destination="JP", value=500)
    f = tx("F", licence=None, destination="US", value=50, currency="USD")
    f["lines"][0]["classification"] = {}
    expected = {
        "A": Outcome.AUTHORISED,
        "B": Outcome.LICENSE_REQUIRED,
        "C": Outcome.REVIEW,
        "D": Outcome.PROHIBITED,
        "E": Outcome.AUTHORISED,
        "F": Outcome.NO_LICENSE_REQUIRED,
    }
    with Ledger.open(url) as led:
        for t in (a, b, c, d, e, f):
            dec = engine.evaluate(t)
            assert dec.outcome is expected[t["id"]], t["id"]
            led.record(dec, t, by="clerk")
        led.record(engine.evaluate(a), a, by="shipping", shipped=True)  # A again: it shipped


def _rows(rows: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def test_report_counts(ledger_url: str, engine: Engine) -> None:
    _build(ledger_url, engine)
    with Ledger.open(ledger_url) as led:
        rep = build_report(led, "2000-01-01", "2100-12-31")
    t = rep["totals"]
    # A counts once (its last record), though recorded twice
    assert (t["records"], t["transactions"], t["lines"], t["shipments"]) == (7, 6, 6, 1)
    assert t["values"] == {"EUR": "1500", "USD": "50"}
    assert t["shipped_values"] == {"EUR": "100"}
    assert rep["ledger"]["verification"]["ok"] is True
    by_out = {r["outcome"]: r["transactions"] for r in rep["by_outcome"]}
    assert by_out == {
        "prohibited": 1,
        "license_required": 1,
        "review": 1,
        "authorised": 2,
        "no_license_required": 1,
    }
    # most severe first
    assert next(r["outcome"] for r in rep["by_outcome"]) == "prohibited"
    cn = {r["outcome"]: r["lines"] for r in _rows(rep["by_destination"], destination="CN")}
    assert cn == {"license_required": 1, "review": 1, "authorised": 1}
    assert _rows(rep["by_destination"], destination="KP")[0]["values"] == {"EUR": "400"}
    assert _rows(rep["by_destination"], destination="US")[0]["values"] == {"USD": "50"}
    # CN has the most lines, so it comes first
    assert rep["by_destination"][0]["destination"] == "CN"
    cyber = rep["cyber_surveillance"]
    assert [(r["destination"], r["outcome"], r["lines"]) for r in cyber] == [("CN", "review", 1)]
    eut = {(r["end_user_type"], r["outcome"]): r["lines"] for r in rep["by_end_user_type"]}
    assert eut[("police", "review")] == 1
    assert sum(eut.values()) == 6
    regime = {r["outcome"]: r["lines"] for r in _rows(rep["by_regime"], regime="tl")}
    assert regime == {
        "prohibited": 1,
        "license_required": 1,
        "review": 1,
        "authorised": 2,
        "no_license_required": 1,
    }
    reasons = {(r["rule"], r["outcome"]): r for r in rep["by_reason"]}
    assert reasons[("tl.embargo", "prohibited")]["lines"] == 1
    assert reasons[("tl.listed", "license_required")]["reason"] == "listed"
    assert reasons[("tl.listed", "authorised")]["lines"] == 3  # A, C (licences) and E (TG1)
    assert reasons[("tl.cyber_review", "review")]["citation"] == "Testland Export Act 2020, s. 5(3)"
    assert reasons[("tl.held_licence", "authorised")]["lines"] == 2
    assert reasons[("tl.tg1", "authorised")]["lines"] == 1
    # licence usage: L1 debited by the shipment of A
    lic = {r["authorisation"]: r for r in rep["licences"]}
    assert lic["L1"]["period"] == {"shipments": 1, "quantity": "5", "values": {"EUR": "100"}}
    assert lic["L1"]["balance"]["used"]["quantity"] == "5"
    assert lic["L1"]["balance"]["remaining"]["quantity"] == "15"
    assert "L2" not in lic  # recorded, never shipped
    assert rep["art26_cyber_surveillance"] == []  # the EU regime was not involved
    assert json.loads(json.dumps(rep)) == rep  # plain JSON


def test_report_period_bounds(ledger_url: str, engine: Engine) -> None:
    _build(ledger_url, engine)
    with Ledger.open(ledger_url) as led:
        empty = build_report(led, "2000-01-01", "2000-12-31", verify=False)
        assert empty["ledger"]["verification"] is None
    assert empty["totals"]["records"] == 0 and empty["by_outcome"] == []
    html = to_html(empty)  # an empty period still renders
    assert "No records in this period" in html


def test_report_says_when_the_ledger_is_broken(ledger_url: str, engine: Engine) -> None:
    _build(ledger_url, engine)
    tamper(ledger_url, ["UPDATE ledger_records SET recorded_by = 'x' WHERE seq = 2"])
    with Ledger.open(ledger_url) as led:
        rep = build_report(led)
    v = rep["ledger"]["verification"]
    assert v["ok"] is False and v["first_bad"] == 2
    assert "Ledger check FAILED at record 2" in to_html(rep)


def test_art26_table_for_eu_cyber_surveillance_items(tmp_path: Path) -> None:
    eng = Engine.default(screening=None)
    base = json.loads((ROOT / "examples" / "surveillance-to-police.json").read_text())
    held = json.loads(json.dumps(base))
    held["id"] = "SO-2"
    held["parties"] = [p for p in held["parties"] if p["role"] != "end_user"] + [
        {"role": "end_user", "name": "Telco Ltd", "country": "CN", "type": "telecom_operator"}
    ]
    held["knowledge"] = []
    held["authorisations"] = [
        {
            "regime": "eu",
            "id": "DE-2026-1",
            "type": "individual",
            "lines": ["10"],
            "destinations": ["CN"],
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
        }
    ]
    d1, d2 = eng.evaluate(base), eng.evaluate(held)
    assert d1.regimes["eu"].outcome is Outcome.LICENSE_REQUIRED
    assert d2.regimes["eu"].outcome is Outcome.AUTHORISED
    with Ledger.open(f"sqlite:///{tmp_path}/l.db") as led:
        led.record(d1, base)
        led.record(d2, held)
        rep = build_report(led)
    rows = rep["art26_cyber_surveillance"]
    assert len(rows) == 1
    r = rows[0]
    assert (r["member_state"], r["item"], r["destination"]) == ("DE", "5A001.j", "CN")
    assert r["lines"] == 2 and r["transactions"] == 2
    assert r["outcomes"] == {"license_required": 1, "authorised": 1}
    assert r["authorisation_types"] == {"individual": 1}
    assert r["values"] == {"EUR": "240000"}
    cat = _rows(rep["by_item_category"], regime="eu", category="5")
    assert sum(x["lines"] for x in cat) == 2
    assert cat[0]["label"] == "Category 5: Telecommunications and information security"


@pytest.mark.parametrize(
    ("regime", "code", "key"),
    [
        ("eu", "5A001.j", "5"),
        ("us", "0Y521", "0"),
        ("us", "EAR99", "EAR99"),
        ("eu", None, "unlisted"),
        ("ca", "1-5.A.1.j", "1-5"),
        ("ca", "2-1", "2"),
        ("tl", "T100", "other"),
    ],
)
def test_item_categories(regime: str, code: str | None, key: str) -> None:
    assert category_of(regime, code)[0] == key


def test_csv_is_tidy(ledger_url: str, engine: Engine) -> None:
    _build(ledger_url, engine)
    with Ledger.open(ledger_url) as led:
        rep = build_report(led)
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert rows[0]["table"] == "totals"
    assert {r["table"] for r in rows} >= {
        "by_outcome",
        "by_regime",
        "by_destination",
        "by_item_category",
        "cyber_surveillance",
        "by_end_user_type",
        "by_reason",
        "licences",
    }
    kp = [r for r in rows if r["table"] == "by_destination" and r["destination"] == "KP"]
    assert kp == [
        {
            **dict.fromkeys(rows[0], ""),
            "table": "by_destination",
            "destination": "KP",
            "outcome": "prohibited",
            "transactions": "1",
            "lines": "1",
            "value": "400",
            "currency": "EUR",
        }
    ]
    totals = [r for r in rows if r["table"] == "totals"]
    assert {(r["value"], r["currency"]) for r in totals} == {("1500", "EUR"), ("50", "USD")}
    lic = [r for r in rows if r["table"] == "licences"]
    assert lic[0]["licence"] == "L1" and lic[0]["quantity"] == "5" and lic[0]["shipments"] == "1"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.tables: list[dict[str, Any]] = []
        self._t: dict[str, Any] | None = None
        self._row: list[str] | None = None
        self._in_head = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        elif tag == "table":
            self._t = {"head": [], "rows": []}
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "tr" and self._t is not None and self._row is not None:
            (self._t["head"] if self._in_head else self._t["rows"]).append(self._row)
            self._row = None
        elif tag == "table" and self._t is not None:
            self.tables.append(self._t)
            self._t = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def test_html_is_standalone_with_valid_charts_and_tables(ledger_url: str, engine: Engine) -> None:
    _build(ledger_url, engine)
    with Ledger.open(ledger_url) as led:
        html = to_html(build_report(led, "2000-01-01", "2100-12-31"))
    page = _Page()
    page.feed(html)
    # every chart is embedded (no external file, no network) and decodes as a PNG
    # outcomes, time, regimes, destinations, categories, cyber, end users, licence limits
    assert len(page.images) == 8
    for img in page.images:
        src = img["src"] or ""
        assert src.startswith("data:image/png;base64,")
        w, h = _png_size(base64.b64decode(src.split(",", 1)[1]))
        assert w >= 500 and h >= 100
        assert img.get("alt")
    for needle in ("http://", "https://", "<script", 'src="/', "src='/"):
        assert needle not in html
    # every table has a header and rows of the header's width
    assert len(page.tables) >= 8
    for t in page.tables:
        assert len(t["head"]) == 1 and t["rows"]
        width = len(t["head"][0])
        assert all(len(r) == width for r in t["rows"])
    text = " ".join(page.text)
    assert "Ledger intact: all 7 records verified" in text
    assert "Licence usage" in text and "Art. 26(2)-style table" in text
    assert "Held for review" in text and "not legal advice" in text


def test_resolved_reviews_are_counted_as_such(tmp_path: Path, engine: Engine) -> None:
    c = tx("C", licence="L2", value=300)
    c["lines"][0]["tags"] = ["cyber_surveillance"]
    c["parties"][0]["type"] = "police"
    held = engine.evaluate(c)
    assert held.outcome is Outcome.REVIEW
    c2 = {
        **c,
        "resolutions": [
            {
                "rule": "tl.cyber_review",
                "line": "1",
                "by": "a.weber",
                "at": "2026-03-02T09:00:00Z",
                "basis": "due diligence file DD-1",
            }
        ],
    }
    cleared = engine.evaluate(c2)
    assert cleared.outcome is Outcome.AUTHORISED
    with Ledger.open(f"sqlite:///{tmp_path}/l.db") as led:
        led.record(held, c)
        led.record(cleared, c2)
        rep = build_report(led)
    assert rep["totals"]["transactions"] == 1 and rep["totals"]["resolutions_applied"] == 1
    assert [r["outcome"] for r in rep["by_outcome"]] == ["authorised"]
    reasons = {(r["rule"], r["outcome"]) for r in rep["by_reason"]}
    assert ("tl.cyber_review", "resolved") in reasons
    assert ("tl.cyber_review", "review") not in reasons  # the last record counts
    assert "Review resolved by a person" in to_html(rep)
