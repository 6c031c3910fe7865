"""The packed word map of the name index: same answers as the dict it replaces, before and after
it builds its own dict, through pickling, and a damaged pickled state is refused."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportrules._screening import _packed
from exportrules._screening._packed import PackedIds, PackedMap

WORDS = st.text(alphabet="abcdeşجم", min_size=1, max_size=5)
MAPS = st.dictionaries(WORDS, st.lists(WORDS, min_size=1, max_size=4), max_size=40)


@settings(max_examples=80, deadline=None)
@given(MAPS, st.lists(WORDS, max_size=20))
def test_answers_like_the_dict(content: dict[str, list[str]], probes: list[str]) -> None:
    pm = PackedMap(content)
    again = pickle.loads(pickle.dumps(pm))
    assert again == pm and len(again) == len(content) and sorted(again) == sorted(content)
    for m in (pm, again):
        for k in [*content, *probes]:
            assert list(m.get(k)) == content.get(k, [])
            assert (k in m) == (k in content)
            assert list(m.getter()(k, ())) == content.get(k, [])
    assert {k: list(v) for k, v in pm.items()} == content


def test_many_look_ups_build_the_dict_with_the_same_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_packed, "_PROMOTE", 5)
    content = {f"w{i}": [f"v{i}", f"x{i}"] for i in range(50)}
    pm = PackedMap(content)
    first = [list(pm.get(k)) for k in content]  # promoted after 5 look-ups
    assert pm._dict is not None and pm.getter() == pm._dict.get
    assert first == [list(pm.get(k)) for k in content] == list(content.values())
    assert pm.size("w1") == 2 and pm.size("nope") == 0
    assert pm.get("nope") == () and pm.getter()("nope", ()) == ()
    # a pickled promoted map loads packed again, with the same content
    again = pickle.loads(pickle.dumps(pm))
    assert again._dict is None and again == pm


def test_a_damaged_state_is_refused() -> None:
    order, keys, off, vals = PackedMap({"ab": ["abc"], "cd": ["cde", "cdf"]}).__getstate__()
    bad = PackedMap.__new__(PackedMap)
    with pytest.raises(ValueError, match="offsets"):
        bad.__setstate__((order, keys, off[:-4], vals))  # an offset missing
    with pytest.raises(ValueError, match="offsets"):
        bad.__setstate__((order, keys, off, vals + "\x1fextra"))  # a value too many
    with pytest.raises(ValueError, match="byte order"):
        bad.__setstate__(("big" if order == "little" else "little", keys, off, vals))


def test_empty_map_and_separator() -> None:
    pm = pickle.loads(pickle.dumps(PackedMap({})))
    assert len(pm) == 0 and pm.get("a") == () and "a" not in pm
    with pytest.raises(ValueError, match="separator"):
        PackedMap({"a\x1fb": ["c"]})


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(WORDS, st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5)),
    st.lists(WORDS, max_size=10),
)
def test_ids_answer_like_the_dict(content: dict[str, list[int]], probes: list[str]) -> None:
    pm = PackedIds(content)
    again = pickle.loads(pickle.dumps(pm))
    assert again == pm
    for m in (pm, again):
        for k in [*content, *probes]:
            assert list(m.get(k)) == content.get(k, [])
            assert (k in m) == (k in content)
            assert m.size(k) == len(content.get(k, ()))
            if k in content:
                assert list(m[k]) == content[k]
            else:
                with pytest.raises(KeyError):
                    m[k]
    with pytest.raises(OverflowError):
        PackedIds({"a": [2**32]})
    assert PackedIds({"a": [1]}) != PackedMap({"a": ["1"]})


def test_promoted_ids_are_plain_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_packed, "_PROMOTE", 2)
    content = {f"w{i}": [i, i + 70000] for i in range(10)}
    pm = PackedIds(content)
    got = [pm.get(k) for k in content]
    assert [list(g) for g in got] == list(content.values())
    assert isinstance(pm.get("w3"), tuple) and pm.size("w3") == 2 and "w3" in pm
