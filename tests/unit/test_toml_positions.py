"""The TOML position scanner: the line of every key and value, by path."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from exportrules._loader._toml import Src

ROOT = Path(__file__).resolve().parent.parent.parent


def _walk(d: object, p: tuple[str | int, ...] = ()):  # type: ignore[no-untyped-def]
    yield p
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _walk(v, (*p, k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _walk(v, (*p, i))


def _project_toml() -> list[Path]:
    found = [
        p
        for sub in ("regimes", "tests/fixtures", "exportrules")
        for p in (ROOT / sub).rglob("*.toml")
    ]
    return [*sorted(found), ROOT / "pyproject.toml"]


def test_every_key_of_every_project_file_is_found_on_its_line() -> None:
    n = 0
    for f in _project_toml():
        text = f.read_text("utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # the broken-regime corpus holds a syntax error on purpose
        lines = text.split("\n")
        src = Src(str(f), text)
        for path in _walk(data):
            if not path:
                continue
            line = src.line(*path)
            assert line is not None, (f, path)
            last = path[-1]
            if isinstance(last, str) and path in src._keys:
                assert last in lines[line - 1] or f'"{last}"' in lines[line - 1], (f, path)
                n += 1
    assert n > 5000


def test_nested_arrays_of_tables_and_dotted_keys() -> None:
    text = """
title = "x"  # comment
[[case]]
name = "a"
expect.outcome = "review"
[[case.screening]]
party = "P"
[[case.screening]]
party = "Q"
[[case]]
name = "b"
transaction = { lines = [
  { id = "1" },
  # a comment inside an array
  { id = "2", classification = { eu = "5A001" } },
] }
msg = '''
multi {line}
'''
"""
    src = Src("f.toml", text)
    assert src.line("title") == 2
    assert src.line("case", 0) == 3
    assert src.line("case", 0, "expect", "outcome") == 5
    assert src.line("case", 0, "expect") == 5  # implicit table: where first named
    assert src.line("case", 0, "screening", 1, "party") == 9
    assert src.line("case", 1, "name") == 11
    assert src.line("case", 1, "transaction", "lines", 1, "classification", "eu") == 15
    assert src.line("case", 1, "transaction", "lines", 0, "id") == 13
    assert src.line("case", 1, "msg") == 17 and src.opens_multiline("case", 1, "msg")
    # an unknown path falls back to its nearest known ancestor
    assert src.line("case", 1, "transaction", "nope") == 12


_key = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_scalar = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)


@given(
    st.lists(
        st.tuples(_key, st.lists(_scalar, max_size=4), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=12,
        unique_by=lambda t: t[0],
    )
)
def test_generated_documents(items: list[tuple[str, list[object], int, bool]]) -> None:
    """Keys and array elements written on known lines, with blank lines and comments between,
    arrays inline or one element per line, are found on those lines."""
    out: list[str] = ["[[rule]]"]
    expect: dict[tuple[str | int, ...], int] = {("rule", 0): 1}
    for key, values, blanks, spread in items:
        out.extend([""] * blanks)
        out.append("# a comment with = and [[brackets]]")
        enc = [
            json.dumps(v, ensure_ascii=False) if not isinstance(v, bool) else str(v).lower()
            for v in values
        ]
        expect[("rule", 0, key)] = len(out) + 1
        if spread and enc:
            out.append(f"{key} = [")
            for i, e in enumerate(enc):
                out.append(f"  {e},  # element {i}")
                expect[("rule", 0, key, i)] = len(out)
            out.append("]")
        else:
            out.append(f"{key} = [{', '.join(enc)}]")
            for i in range(len(enc)):
                expect[("rule", 0, key, i)] = len(out)
    text = "\n".join(out) + "\n"
    tomllib.loads(text)  # the generator writes valid TOML
    src = Src("g.toml", text)
    for path, line in expect.items():
        assert src.line(*path) == line, (path, text)
