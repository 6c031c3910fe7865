"""`matches` and `code_pattern` run on RE2: linear time, one semantics on both backends."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exportrules._regex import LinearPattern, PatternError

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "broken_regimes"


def test_whole_value_must_match() -> None:
    p = LinearPattern(r"5A001\.[fj].*")
    assert p.fullmatch("5A001.j") and p.fullmatch("5A001.f.1")
    assert p.fullmatch("x5A001.j") is None and p.fullmatch("5A001") is None
    assert p.fullmatch("5A001.j\n") is None  # '.' does not match a line break
    assert LinearPattern(r"T[0-9]{3}").fullmatch("T100\n") is None


def test_answers_are_stable_when_remembered() -> None:
    p = LinearPattern("[A-Z]{2}")
    for _ in range(3):
        assert p.fullmatch("DE") is True and p.fullmatch("de") is None


def test_ascii_classes() -> None:
    # RE2's \d is ASCII: Arabic-Indic digits are not digits in a code pattern
    assert LinearPattern(r"\d+").fullmatch("١٢") is None
    assert LinearPattern(r"\d+").fullmatch("12")


@pytest.mark.parametrize(
    ("pattern", "needle"),
    [
        (r"(a)\1", "invalid escape sequence"),
        (r"(?=a)a", "invalid perl operator"),
        (r"(?<!a)b", "invalid perl operator"),
        ("a" * 1001, "at most 1000"),
        ("a\x00", "NUL"),
        (r"(", "missing )"),
    ],
)
def test_refused(pattern: str, needle: str) -> None:
    with pytest.raises(PatternError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        LinearPattern(pattern)


def test_pickles_by_pattern() -> None:
    import pickle

    p = pickle.loads(pickle.dumps(LinearPattern("T[0-9]+")))
    assert p.pattern == "T[0-9]+" and p.fullmatch("T1")


_HOSTILE = ["(a+)+$", "(a|a)*b", "(.*)*x", ".*.*.*.*.*x", "(a|aa)+$", "(\\w+\\s?)+$"]


def _regime_with_patterns(tmp_path: Path) -> Path:
    d = tmp_path / "redos"
    shutil.copytree(CORPUS / "_valid", d)
    rules = "".join(
        textwrap.dedent(
            f"""
            [[rule]]
            id = "br.hostile_{i}"
            citation = "Testland Export Act 2020, s. {i + 10}"
            when = {{ fact = "line.description", matches = '{p}' }}
            then = {{ effect = "review" }}
            message = "The description matches a hostile pattern."
            """
        )
        for i, p in enumerate(_HOSTILE)
    )
    (d / "rules" / "hostile.toml").write_text(rules)
    return d


_SCRIPT = """
import json, sys
from exportrules import Engine
eng = Engine([sys.argv[1]], backend=sys.argv[2], screening=None)
text = "a" * 9999 + "!"
tx = {"date": "2026-01-05", "export_from": "TL", "destination": "CN",
      "lines": [{"id": "1", "description": text}, {"id": "2", "description": "a" * 9999}]}
d = eng.evaluate(tx)
print(json.dumps(sorted({f.rule for f in d.findings})))
"""


@pytest.mark.parametrize("backend", ["python", pytest.param("rete", marks=pytest.mark.rete)])
def test_hostile_patterns_cannot_stall_evaluation(tmp_path: Path, backend: str) -> None:
    """Against 10,000 characters each of these patterns would backtrack for longer than the
    age of the universe; with RE2 the evaluation finishes (the timeout is a hang guard, not a
    performance target)."""
    if backend == "rete":
        pytest.importorskip("durable.engine")
    d = _regime_with_patterns(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(d), backend],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    fired = json.loads(out.stdout)
    # line 2 ("a" * 9999) matches the patterns anchored on a's; line 1 ends in "!" and does not
    assert "br.hostile_0" in fired and "br.hostile_4" in fired and "br.hostile_5" in fired
    assert "br.hostile_1" not in fired and "br.hostile_2" not in fired
