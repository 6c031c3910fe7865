"""The command line: outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportrules._cli import main
from tests.conftest import TL

TX = {
    "id": "C-1",
    "date": "2026-01-01",
    "export_from": "DE",
    "destination": "CN",
    "lines": [{"id": "1", "classification": {"tl": "T100"}}],
}


def _write(tmp_path: Path, data: object, name: str = "tx.json") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return str(p)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _untimed(jsonl: str) -> list[dict[str, object]]:
    """Batch output records without ``evaluated_at`` (when, not what, was decided)."""
    out = []
    for line in jsonl.splitlines():
        rec = json.loads(line)
        rec.pop("evaluated_at", None)
        out.append(rec)
    return out


def test_evaluate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "evaluate", _write(tmp_path, TX), "--regime", str(TL), "--no-screening"
    )
    assert code == 0
    assert json.loads(out)["outcome"] == "license_required"


def test_evaluate_text_has_citations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "evaluate",
        _write(tmp_path, TX),
        "--regime",
        str(TL),
        "--no-screening",
        "--format",
        "text",
    )
    assert code == 0
    assert "LICENSE_REQUIRED" in out and "Testland Export Act 2020, s. 4(1)" in out
    assert "not legal advice" in out


def test_as_of_replaces_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "evaluate",
        _write(tmp_path, TX),
        "--regime",
        str(TL),
        "--no-screening",
        "--as-of",
        "2019-01-01",
    )
    assert json.loads(out)["outcome"] == "review" and code == 0


def test_invalid_transaction_exit_2_with_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {**TX, "destination": "cn", "lines": [{"id": "1", "quantity": -3}]}
    code, out, err = _run(
        capsys, "evaluate", _write(tmp_path, bad), "--regime", str(TL), "--no-screening"
    )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert "destination: 'cn' must be upper case ('CN')" in lines
    assert "lines[0].quantity: must be >= 0" in lines


def test_not_json_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "x.json"
    p.write_text("{nope")
    code, _, err = _run(capsys, "evaluate", str(p), "--regime", str(TL), "--no-screening")
    assert code == 2 and "not valid JSON" in err


def test_ruleset_error_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r").mkdir()
    code, _, err = _run(capsys, "evaluate", _write(tmp_path, TX), "--regime", str(tmp_path / "r"))
    assert code == 3 and "no regime.toml" in err


def test_batch_keeps_order_and_reports_bad_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "b.jsonl"
    recs = [TX, {**TX, "id": "C-2", "destination": "XX"}, {**TX, "id": "C-3", "destination": "US"}]
    p.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    code, out, err = _run(
        capsys, "evaluate", "--batch", str(p), "--regime", str(TL), "--no-screening", "--progress"
    )
    assert code == 2
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r.get("transaction", r.get("record")) for r in rows] == ["C-1", 2, "C-3"]
    assert rows[1]["error"] == "invalid_transaction"
    assert f"{p}:2: destination" in err and "3/3" in err


def test_batch_with_workers_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "b.jsonl"
    p.write_text("\n".join(json.dumps({**TX, "id": f"C-{i}"}) for i in range(20)) + "\n")
    _, out1, _ = _run(capsys, "evaluate", "--batch", str(p), "--regime", str(TL), "--no-screening")
    code, out2, _ = _run(
        capsys,
        "evaluate",
        "--batch",
        str(p),
        "--regime",
        str(TL),
        "--no-screening",
        "--workers",
        "2",
    )
    assert code == 0 and _untimed(out1) == _untimed(out2) and len(out1.splitlines()) == 20


def test_regimes_validate_and_test(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "regimes", "validate", str(TL))
    assert code == 0 and "ok" in out
    code, out, _ = _run(capsys, "regimes", "test", str(TL))
    assert code == 0 and "passed, 0 failed" in out


def test_regimes_test_reports_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    c = d / "cases" / "basic.toml"
    c.write_text(
        c.read_text().replace('expect.outcome = "authorised"', 'expect.outcome = "prohibited"', 1)
    )
    code, out, err = _run(capsys, "regimes", "test", str(d))
    assert code == 1 and "1 failed" in out and "expected prohibited, got authorised" in err


def test_regimes_validate_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    d = tmp_path / "tl"
    shutil.copytree(TL, d)
    (d / "rules" / "x.toml").write_text('[[rule]]\nid = "tl.bad"\n')
    code, _, err = _run(capsys, "regimes", "validate", str(d))
    assert code == 3 and "rules/x.toml:1" in err


def test_lists_update_replaces_a_bundled_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import FIXTURES

    dest = tmp_path / "lists"
    code, _out, err = _run(
        capsys,
        "lists",
        "update",
        str(FIXTURES / "screening" / "csl_fixture.json"),
        "--format",
        "csl-json",
        "--dest",
        str(dest),
    )
    assert code == 0, err
    assert list(dest.iterdir())
    code, _, err = _run(
        capsys,
        "lists",
        "update",
        str(tmp_path / "missing.xml"),
        "--format",
        "un-xml",
        "--dest",
        str(dest),
    )
    assert code == 2 and "error" in err


def test_screen_command_explains(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "screen", "Huawei Technologies", "--country", "CN")
    assert code == 0
    assert "MATCH" in out and "us_entity_list" in out and "primary name" in out


def test_batch_streams_many_records_in_order_with_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # more records than the workers' in-flight window (2 workers x 4 chunks x 64), a line that
    # is not JSON, and --as-of applied in the workers
    p = tmp_path / "b.jsonl"
    rows = [json.dumps({**TX, "id": f"C-{i}"}) for i in range(700)]
    rows[350] = "{not json"
    p.write_text("\n".join(rows) + "\n")
    code, out, err = _run(
        capsys,
        "evaluate",
        "--batch",
        str(p),
        "--regime",
        str(TL),
        "--no-screening",
        "--workers",
        "2",
        "--as-of",
        "2019-01-01",
    )
    got = [json.loads(x) for x in out.splitlines()]
    assert code == 2 and len(got) == 700
    assert got[350] == {
        "record": 351,
        "error": "invalid_json",
        "problems": got[350]["problems"],
    }
    assert f"{p}:351: " in err and "not valid JSON" in err
    ids = [g.get("transaction") for g in got]
    assert ids[:3] == ["C-0", "C-1", "C-2"] and ids[699] == "C-699"
    assert all(
        g["as_of"] == "2019-01-01" and g["outcome"] == "review"
        for i, g in enumerate(got)
        if i != 350
    )
