"""The broken-regime corpus: each folder breaks a valid regime in one way, and loading it (and
``exportrules regimes validate``) must refuse it at the file and line of the fault."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from exportrules import RuleSetError
from exportrules._cli import main
from exportrules._loader import load_regime

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "broken_regimes"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _expected(name: str) -> tuple[str, str]:
    exp = tomllib.loads((CORPUS / name / "expected.toml").read_text("utf-8"))
    return f"{CORPUS / name}/{exp['file']}:{exp['line']}: ", exp["contains"]


def test_the_base_regime_is_valid() -> None:
    r = load_regime(CORPUS / "_valid")
    assert r.id == "br" and len(r.rules) == 1


def test_the_corpus_covers_every_class() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", CASES)
def test_load_refuses_at_file_and_line(name: str) -> None:
    where, needle = _expected(name)
    with pytest.raises(RuleSetError) as ei:
        load_regime(CORPUS / name)
    hits = [p for p in ei.value.problems if p.startswith(where)]
    assert hits, f"no problem at {where}; got:\n" + "\n".join(ei.value.problems)
    assert any(needle in p for p in hits), hits


@pytest.mark.parametrize("name", CASES)
def test_cli_validate_refuses(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    where, needle = _expected(name)
    assert main(["regimes", "validate", str(CORPUS / name)]) == 3
    err = capsys.readouterr().err
    assert any(ln.startswith(where) and needle in ln for ln in err.splitlines()), err


def test_each_break_is_the_only_problem(tmp_path: Path) -> None:
    """Each case differs from the valid base in one fault, so it reports one problem (a plug-in
    or pattern fault may not hide others, and the base must not contribute any)."""
    for name in CASES:
        with pytest.raises(RuleSetError) as ei:
            load_regime(CORPUS / name)
        assert len(ei.value.problems) == 1, (name, ei.value.problems)


def test_corpus_folder_outside_the_tree_keeps_real_paths(tmp_path: Path) -> None:
    d = tmp_path / "somewhere" / "regime"
    shutil.copytree(CORPUS / "unknown_fact_path", d)
    with pytest.raises(RuleSetError) as ei:
        load_regime(d)
    assert ei.value.problems[0].startswith(f"{d}/rules/main.toml:5: ")
