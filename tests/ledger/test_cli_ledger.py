"""The command line: evaluate --record, ledger verify|export|balance|show, report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from exportrules import Ledger
from exportrules._cli import build_parser, main
from tests.conftest import TL
from tests.ledger.conftest import tamper, tx

ENGINE = ["--regime", str(TL), "--no-screening"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def test_evaluate_record_and_ship(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _write(tmp_path / "a.json", tx("A", limits={"quantity": 20}))
    code, out, err = _run(capsys, "evaluate", f, *ENGINE, "--record", ledger_url, "--by", "j.doe")
    assert code == 0 and json.loads(out)["outcome"] == "authorised"
    assert "recorded decision as record 1" in err
    code, out, err = _run(
        capsys, "evaluate", f, *ENGINE, "--record", ledger_url, "--shipped", "--by", "dock"
    )
    assert code == 0 and "recorded shipment as record 2" in err and "debited tl L1" in err
    # the same order shipped again would debit twice: refused, nothing written
    code, out, err = _run(capsys, "evaluate", f, *ENGINE, "--record", ledger_url, "--shipped")
    assert code == 5 and "already recorded as shipped (record 2)" in err
    with Ledger.open(ledger_url) as led:
        assert len(led) == 2
        assert [r.by for r in led.query()] == ["j.doe", "dock"]
        assert led.used("tl", "L1").quantity == 5
    code, out, _ = _run(capsys, "ledger", "balance", ledger_url)
    assert code == 0
    assert "L1" in out and "20 units" in out and "15 units" in out  # limit 20, 15 remaining


def test_evaluate_record_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/l.db"
    f = _write(tmp_path / "n.json", tx("N", licence=None))
    code, out, err = _run(capsys, "evaluate", f, *ENGINE, "--record", db, "--shipped")
    assert code == 5 and "license_required, which does not clear the export" in err
    assert json.loads(out)["outcome"] == "license_required"  # the decision is still printed
    code, _, err = _run(capsys, "evaluate", f, *ENGINE, "--shipped")
    assert code == 2 and "need --record" in err
    big = _write(tmp_path / "b.json", tx("B", quantity=9, limits={"quantity": 8}))
    code, out, err = _run(capsys, "evaluate", big, *ENGINE, "--record", db, "--shipped")
    assert code == 5 and "license_required, which does not clear" in err
    assert json.loads(out)["outcome"] == "license_required"  # the engine saw the limit
    with Ledger.open(db) as led:
        assert len(led) == 0


def test_evaluate_with_record_sees_the_ledger_balance(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path / "a.json", tx("A", quantity=5, limits={"quantity": 8}))
    b = _write(tmp_path / "b.json", tx("B", quantity=4, limits={"quantity": 8}))
    assert _run(capsys, "evaluate", a, *ENGINE, "--record", ledger_url, "--shipped")[0] == 0
    # alone, B fits the licence; after A shipped, 3 of 8 remain
    code, out, _ = _run(capsys, "evaluate", b, *ENGINE)
    assert code == 0 and json.loads(out)["outcome"] == "authorised"
    code, out, err = _run(capsys, "evaluate", b, *ENGINE, "--record", ledger_url, "--shipped")
    assert "not recorded" in err
    d = json.loads(out)
    assert code == 5 and d["outcome"] == "license_required"
    (note,) = [f for f in d["findings"] if f["rule"] == "tl.licence_limit"]
    assert "quantity left 3 of 8" in note["message"]
    with Ledger.open(ledger_url) as led:
        assert len(led) == 1 and led.used("tl", "L1").quantity == 5


def test_batch_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/l.db"
    lines = [json.dumps(tx(f"B-{i}")) for i in range(5)]
    lines.insert(2, '{"id": "bad"}')
    src = tmp_path / "b.jsonl"
    src.write_text("\n".join(lines) + "\n")
    code, out, err = _run(capsys, "evaluate", "--batch", str(src), *ENGINE, "--record", db)
    assert code == 2  # one invalid record
    assert len(out.splitlines()) == 6 and "recorded 5 decisions" in err
    with Ledger.open(db) as led:
        assert [r.transaction_id for r in led.query()] == [f"B-{i}" for i in range(5)]
        assert led.verify().ok


def test_batch_record_with_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/l.db"
    src = tmp_path / "b.jsonl"
    src.write_text(json.dumps(tx("D")) + "\n")
    code, _, err = _run(
        capsys, "evaluate", "--batch", str(src), *ENGINE, "--as-of", "2025-06-01", "--record", db
    )
    assert code == 0, err
    with Ledger.open(db) as led:
        rec = led.get(1)
    assert rec.transaction.date is not None and rec.transaction.date.isoformat() == "2025-06-01"


def test_verify_export_show(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(3):
        f = _write(tmp_path / f"{i}.json", tx(f"V-{i}"))
        assert _run(capsys, "evaluate", f, *ENGINE, "--record", ledger_url)[0] == 0
    code, out, _ = _run(capsys, "ledger", "verify", ledger_url)
    assert code == 0 and "intact, 3 records checked" in out
    anchor = out.split("--anchor): ")[1].strip()
    assert anchor.startswith("3:")
    code, out, _ = _run(capsys, "ledger", "verify", ledger_url, "--anchor", anchor, "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    export = tmp_path / "e.jsonl"
    code, _, err = _run(capsys, "ledger", "export", ledger_url, "--out", str(export))
    assert code == 0 and "exported 3 records" in err
    code, out, _ = _run(capsys, "ledger", "export", ledger_url)
    assert out == export.read_text()
    code, out, _ = _run(capsys, "ledger", "verify", str(export), "--jsonl", "--anchor", anchor)
    assert code == 0 and "intact" in out
    code, out, _ = _run(capsys, "ledger", "show", ledger_url, "2")
    assert code == 0 and json.loads(out)["record"]["transaction"]["id"] == "V-1"
    code, _, err = _run(capsys, "ledger", "show", ledger_url, "9")
    assert code == 5 and "no record 9" in err
    tamper(ledger_url, ["UPDATE ledger_records SET recorded_by = 'x' WHERE seq = 2"])
    code, out, _ = _run(capsys, "ledger", "verify", ledger_url)
    assert code == 1 and "BROKEN, first bad record 2" in out


def test_missing_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/none.db"
    for argv in (
        ["ledger", "verify", db],
        ["ledger", "balance", db],
        ["ledger", "export", db],
        ["report", db, "--out", str(tmp_path / "r.html")],
    ):
        code, _, err = _run(capsys, *argv)
        assert code == 5 and "there is no ledger file here" in err
    assert not (tmp_path / "none.db").exists()


def test_report_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/l.db"
    f = _write(tmp_path / "a.json", tx("A"))
    assert _run(capsys, "evaluate", f, *ENGINE, "--record", db)[0] == 0
    for fmt in ("html", "csv", "json"):
        out = tmp_path / f"r.{fmt}"
        code, _, err = _run(
            capsys,
            "report",
            db,
            "--from",
            "2000-01-01",
            "--to",
            "2100-12-31",
            "--format",
            fmt,
            "--out",
            str(out),
        )
        assert code == 0 and "1 transactions" in err and "ledger intact" in err
        text = out.read_text()
        assert text
    assert json.loads((tmp_path / "r.json").read_text())["totals"]["transactions"] == 1
    assert (tmp_path / "r.csv").read_text().startswith("table,regime,")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    code, _, err = _run(
        capsys, "report", db, "--from", "2026-02-01", "--to", "2026-01-01", "--out", "x"
    )
    assert code == 2 and "--to is before --from" in err
    with pytest.raises(SystemExit):
        main(["report", db, "--from", "1 Jan", "--out", "x"])


def _options(p: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    out = []
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sp in a.choices.items():
                out += [(f"{name} {n}", x) for n, x in _options(sp)]
        elif not isinstance(a, argparse._HelpAction):
            out.append((a.dest, a))
    return out


def test_every_ledger_and_report_option_has_help() -> None:
    opts = _options(build_parser())
    ours = [
        (n, a)
        for n, a in opts
        if n.startswith(("ledger ", "report ")) or a.dest in ("record", "shipped", "by")
    ]
    assert len(ours) >= 15
    missing = [n for n, a in ours if not a.help]
    assert missing == []


def test_batch_shipments_stop_at_the_limit_one_by_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path}/l.db"
    src = tmp_path / "s.jsonl"
    src.write_text(
        "".join(
            json.dumps(tx(f"S-{i}", quantity=3, limits={"quantity": 10})) + "\n" for i in range(5)
        )
    )
    code, out, err = _run(
        capsys, "evaluate", "--batch", str(src), *ENGINE, "--record", db, "--shipped"
    )
    assert code == 5 and len(out.splitlines()) == 5
    assert f"{src}:4: not recorded" in err and f"{src}:5: not recorded" in err
    assert "recorded 3 decisions" in err and "2 not recorded" in err
    with Ledger.open(db) as led:
        assert [r.transaction_id for r in led.query()] == ["S-0", "S-1", "S-2"]
        assert led.used("tl", "L1").quantity == 9
