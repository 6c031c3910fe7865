"""The persisted index of the default screener: used when valid, never when stale or corrupt."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest

from exportrules._cachedir import cache_dir
from exportrules._screening import Screener, _cache, dump_list, load_bundled
from exportrules._screening._cache import load_lists_and_index


def _file(folder: Path) -> Path:
    [f] = list(folder.glob("screening-index-*.bin"))
    return f


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("EXPORTRULES_CACHE_DIR", str(d))
    monkeypatch.delenv("EXPORTRULES_LISTS_DIR", raising=False)
    return d


def test_the_cache_is_written_then_used_with_the_same_results(folder: Path) -> None:
    lists, index, how = load_lists_and_index()
    assert how == "built" and _file(folder).stat().st_size > 1_000_000
    lists2, index2, how2 = load_lists_and_index()
    assert how2 == "cache"
    assert lists2 == lists
    assert index2.postings == index.postings and index2.deletes == index.deletes
    a, b = Screener(lists, _index=index), Screener(lists2, _index=index2)
    for name in ("Ramezan Oladi", "Hengda Trading Co., Ltd.", "Emal Bilal Mangal", "Nobody Here"):
        assert a.screen(name) == b.screen(name)


def test_a_changed_list_gives_another_key_and_a_rebuild(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_lists_and_index()
    first = _file(folder).name
    ud = tmp_path / "lists"
    ud.mkdir()
    meu = {rl.id: rl for rl in load_bundled()}["us_meu"]
    smaller = type(meu)(
        id=meu.id,
        name=meu.name,
        source=meu.source,
        as_of="2026-11-30",
        verified=meu.verified,
        entries=meu.entries[:5],
        coverage=meu.coverage,
    )
    dump_list(smaller, ud / "us_meu.json.gz", generated_from="test")
    monkeypatch.setenv("EXPORTRULES_LISTS_DIR", str(ud))
    lists, _, how = load_lists_and_index()
    assert how == "built"
    assert {rl.id: len(rl.entries) for rl in lists}["us_meu"] == 5
    files = sorted(f.name for f in folder.glob("screening-index-*.bin"))
    assert len(files) == 2 and first in files  # a recent file of another key is kept a day


def test_a_corrupt_or_foreign_file_is_never_loaded(folder: Path) -> None:
    load_lists_and_index()
    f = _file(folder)
    raw = bytearray(f.read_bytes())
    raw[-100] ^= 0xFF  # one flipped bit in the payload: the hash no longer matches
    f.write_bytes(bytes(raw))
    _, _, how = load_lists_and_index()
    assert how == "built"
    # a payload with a correct hash that asks for another class (code execution) is refused
    good = _file(folder).read_bytes()
    head = len(_cache._MAGIC) + 32
    evil = pickle.dumps(((), Path("/")), protocol=5)
    _file(folder).write_bytes(good[:head] + hashlib.sha256(evil).digest() + evil)
    _, _, how = load_lists_and_index()
    assert how == "built"
    # a truncated file, and one of another format, too
    _file(folder).write_bytes(good[:50])
    assert load_lists_and_index()[2] == "built"
    assert load_lists_and_index()[2] == "cache"


def test_cache_can_be_switched_off_and_survives_an_unwritable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTRULES_CACHE_DIR", "off")
    assert cache_dir() is None
    assert load_lists_and_index()[2] == "built, cache off"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # a file where the folder should be: nothing can be written
    monkeypatch.setenv("EXPORTRULES_CACHE_DIR", str(blocker / "sub"))
    lists, index, how = load_lists_and_index()
    assert how == "built" and len(index) == sum(len(rl.entries) for rl in lists)


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EXPORTRULES_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "exportrules"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "exportrules"


def test_with_options_shares_the_index() -> None:
    s = Screener(load_bundled()[:1])
    t = s.with_options(review_threshold=0.6)
    assert t._index is s._index
    with pytest.raises(ValueError, match="same lists"):
        Screener(load_bundled()[1:2], _index=s._index)
