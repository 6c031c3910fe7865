"""Nothing the project ships refers to files outside it: the team's design notes and shared
folders are not part of the package, so no code, message, citation, schema, document, data or
test file may name them (cite docs/... instead)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = ["exportrules", "regimes", "docs", "tests", "examples", "benchmarks", "tools"]
TOP = ["README.md", "CHANGELOG.md", "pyproject.toml", "LICENSE", "NOTICE"]
SKIP = {"__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# built from parts so that this file does not match itself
_FORBIDDEN = re.compile(
    "|".join(
        [
            r"\b" + "DESIGN" + r"\.md\b",
            r"\b" + "STYLE" + r"\.md\b",
            r"(?<![\w.-])" + "shared" + r"/",
            "/" + "work" + "/",
        ]
    )
)


def _text(p: Path) -> str | None:
    data = p.read_bytes()
    if p.suffix == ".gz":
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # binary: nothing a reader would follow


def _files() -> list[Path]:
    out = [ROOT / t for t in TOP if (ROOT / t).is_file()]
    for d in SHIPPED:
        for p in (ROOT / d).rglob("*"):
            if p.is_file() and not SKIP & set(p.relative_to(ROOT).parts):
                out.append(p)
    return out


def test_no_shipped_file_names_the_teams_files() -> None:
    files = _files()
    assert len(files) > 100
    bad = []
    for p in files:
        text = _text(p)
        if text is None:
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            m = _FORBIDDEN.search(line)
            if m:
                bad.append(f"{p.relative_to(ROOT)}:{n}: {m.group()!r}")
    assert not bad, "\n".join(bad)


def test_the_check_would_catch_a_reference() -> None:
    for s in ("see " + "DESIGN" + ".md s. 5", "../" + "shared" + "/sources", "/" + "work" + "/x"):
        assert _FORBIDDEN.search(s)
    assert not _FORBIDDEN.search("findings are shared and immutable; see docs/plugins.md")
