"""Parsed regime TOML files remembered across processes: same documents, never a bad entry."""

from __future__ import annotations

import hashlib
import pickle
import tomllib
from pathlib import Path

import pytest

from exportrules._loader import _tomlcache, bundled_regimes, load_regime
from exportrules._loader._toml import read_toml


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("EXPORTRULES_CACHE_DIR", str(d))
    return d


def _bundled_toml() -> list[Path]:
    out: list[Path] = []
    for _, d in bundled_regimes():
        out += sorted(Path(str(d)).rglob("*.toml"))
    assert len(out) > 10
    return out


def test_a_remembered_document_is_the_parsed_one_exactly(folder: Path) -> None:
    for f in _bundled_toml():
        text = f.read_text("utf-8")
        first, err = read_toml(f, str(f))
        assert err is None and first is not None
        again, _ = read_toml(f, str(f))
        assert again is not None
        # repr tells 1, 1.0 and True apart, and dates from datetimes
        assert repr(again.data) == repr(first.data) == repr(tomllib.loads(text))
        assert again.data is not first.data  # nothing shared between loads
    assert len(list((folder / "toml").glob("*.bin"))) == len(
        {f.read_bytes() for f in _bundled_toml()}
    )


def test_regimes_load_the_same_from_the_cache(folder: Path) -> None:
    def rules(regimes: list) -> list:  # type: ignore[type-arg]
        return [(r.id, r.version, r.rules, sorted(r.tables)) for r in regimes]

    built = [load_regime(d, label=f"regimes/{n}") for n, d in bundled_regimes()]
    cached = [load_regime(d, label=f"regimes/{n}") for n, d in bundled_regimes()]
    assert rules(cached) == rules(built)


def test_an_edited_file_is_parsed_again(folder: Path, tmp_path: Path) -> None:
    f = tmp_path / "x.toml"
    f.write_text('a = 1\nb = "two"\n')
    assert read_toml(f, "x.toml")[0].data == {"a": 1, "b": "two"}  # type: ignore[union-attr]
    f.write_text('a = 1\nb = "three"\n')
    assert read_toml(f, "x.toml")[0].data == {"a": 1, "b": "three"}  # type: ignore[union-attr]
    f.write_text("a = [\n")
    doc, err = read_toml(f, "x.toml")
    assert doc is None and err is not None and "TOML syntax error" in err


def test_a_damaged_or_planted_entry_is_never_used(folder: Path, tmp_path: Path) -> None:
    text = 'when = 2026-01-01\nn = 1.0\n'
    f = tmp_path / "x.toml"
    f.write_text(text)
    read_toml(f, "x.toml")
    [entry] = list((folder / "toml").glob("*.bin"))
    good = entry.read_bytes()
    entry.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # payload no longer matches its hash
    assert _tomlcache.get(text) is None
    evil = pickle.dumps({"x": Path("/")})  # a class outside the allowed date and time types
    head = good[: len(_tomlcache._MAGIC)]
    entry.write_bytes(head + hashlib.sha256(evil).digest() + evil)
    assert _tomlcache.get(text) is None
    entry.write_bytes(b"junk")
    assert _tomlcache.get(text) is None
    doc, _ = read_toml(f, "x.toml")  # parsed again, and remembered again
    assert doc is not None and repr(doc.data) == repr(tomllib.loads(text))
    assert _tomlcache.get(text) == tomllib.loads(text)


def test_no_cache_when_switched_off_or_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "x.toml"
    f.write_text("a = 1\n")
    monkeypatch.setenv("EXPORTRULES_CACHE_DIR", "off")
    assert read_toml(f, "x.toml")[0] is not None and _tomlcache.get("a = 1\n") is None
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("EXPORTRULES_CACHE_DIR", str(blocker / "sub"))
    assert read_toml(f, "x.toml")[0] is not None
