"""Matching: scores, explanations, thresholds, qualifiers, cache, thread safety, properties."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportrules._screening import (
    DEFAULT_MATCH_THRESHOLD,
    DEFAULT_REVIEW_THRESHOLD,
    ListEntry,
    RestrictedList,
    Screener,
    load_bundled,
)

DAY = dt.date(2026, 11, 27)


def entry(eid: str, *names: str, quality: tuple[str, ...] | None = None, **kw: object) -> ListEntry:
    q = quality or ("primary",) + ("good",) * (len(names) - 1)
    return ListEntry(
        list_id=str(kw.pop("list_id", "test")), entry_id=eid, names=names, alias_quality=q, **kw
    )  # type: ignore[arg-type]


def small_list(
    *entries: ListEntry, list_id: str = "test", as_of: str = "2026-10-01"
) -> RestrictedList:
    return RestrictedList(
        id=list_id,
        name=f"{list_id} list",
        source="unit test",
        as_of=as_of,
        verified=False,
        entries=entries,
    )


@pytest.fixture(scope="module")
def scr() -> Screener:
    return Screener(
        [
            small_list(
                entry(
                    "E1",
                    "Hengda Trading Co., Ltd.",
                    countries=("CN",),
                    license_policy="Presumption of denial.",
                    license_requirement="For all items subject to the EAR.",
                    citation="89 FR 1",
                ),
                entry(
                    "E2",
                    "Frank Kakolele Bwambale",
                    "Frank Kakorere",
                    countries=("CD",),
                    kind="individual",
                ),
                entry("E3", "Emal Bilal Construction Company (EBCC)", countries=("AF",)),
                entry("E4", "Zenit Optronics", "Rumuli", quality=("primary", "low")),
                entry("E5", "Ivan Sidorov", expires="2026-06-30", kind="individual"),
                entry("E6", "Mohammed Abu Jheisheh", kind="individual"),
            )
        ]
    )


def ids(ms: list) -> list[str]:  # type: ignore[type-arg]
    return [m.entry_id for m in ms]


def test_exact_name_is_a_match_with_full_features(scr: Screener) -> None:
    [m] = scr.screen("Hengda Trading Co., Ltd.", as_of=DAY)
    assert (m.entry_id, m.level, m.score) == ("E1", "match", 1.0)
    assert m.features == {
        "token_set": 1.0,
        "edit": 1.0,
        "phonetic": 1.0,
        "country": 0.0,
        "quality": 1.0,
    }
    assert m.list_id == "test" and m.list_as_of == "2026-10-01"
    assert m.license_policy == "Presumption of denial."
    assert m.citation == "89 FR 1"
    assert m.explanation.startswith("Match 1.00 on test (as of 2026-10-01), entry E1")
    assert "its primary name" in m.explanation


def test_legal_form_case_and_punctuation_do_not_matter(scr: Screener) -> None:
    for q in ("HENGDA TRADING", "hengda trading limited", "Hengda-Trading LLC", "Trading Hengda"):
        [m] = scr.screen(q, as_of=DAY)
        assert (m.entry_id, m.score) == ("E1", 1.0), q


def test_joined_and_split_tokens(scr: Screener) -> None:
    [m] = scr.screen("Heng Da Trading", as_of=DAY)
    assert m.entry_id == "E1" and m.level == "match"


def test_typo_scores_below_exact_and_says_so(scr: Screener) -> None:
    [m] = scr.screen("Frank Kakolele Bwambalr", as_of=DAY)
    assert m.entry_id == "E2" and m.level == "match"
    assert 0.9 < m.score < 1.0
    assert m.features["token_set"] < m.features["edit"]
    assert "spelling/typo tolerance" in m.explanation


def test_alias_hit_names_the_alias(scr: Screener) -> None:
    [m] = scr.screen("Frank Kakorere", as_of=DAY)
    assert m.matched_name == "Frank Kakorere" and m.entry_name == "Frank Kakolele Bwambale"
    assert "its alias 'Frank Kakorere'" in m.explanation


def test_dropped_middle_name_is_held_for_review(scr: Screener) -> None:
    [m] = scr.screen("Frank Bwambale", as_of=DAY)
    assert m.entry_id == "E2"
    assert m.level == "review"  # a word of the listed name is missing: identity not established


def test_generic_name_is_not_a_confirmed_match_for_a_specific_listed_one() -> None:
    # The bundled Entity List has many '<city> Municipal Public Security Bureau' entries: the
    # generic name alone may be any of them, so it is held for review, never a match.
    hits = Screener.default().screen("Municipal Public Security Bureau", "CN", as_of=DAY)
    assert hits and all(h.level == "review" for h in hits)
    assert any("of the listed name" in h.explanation for h in hits)
    full = Screener.default().screen("Urumqi Municipal Public Security Bureau", "CN", as_of=DAY)
    assert full[0].level == "match" and full[0].entry_name.startswith("Urumqi")


def test_transliteration_variant(scr: Screener) -> None:
    [m] = scr.screen("Muhammad Abou Jheisha", as_of=DAY)
    assert m.entry_id == "E6" and m.score >= DEFAULT_MATCH_THRESHOLD


def test_unscreenable_names_are_recognisable(scr: Screener) -> None:
    assert scr.screen("--- / ...", as_of=DAY) == []
    assert not Screener.can_screen("--- / ...")
    assert Screener.can_screen("Co. Ltd.")  # legal-form words alone are kept, so screenable


def test_unrelated_names_have_no_hits(scr: Screener) -> None:
    for q in ("Siemens AG", "John Smith", "Trading Company", "Acme Sensors GmbH"):
        assert scr.screen(q, as_of=DAY) == [], q


def test_country_is_a_qualifier(scr: Screener) -> None:
    [same] = scr.screen("Hengda Trading Co", "CN", as_of=DAY)
    [other] = scr.screen("Hengda Trading Co", "DE", as_of=DAY)
    assert same.features["country"] > 0 > other.features["country"]
    assert same.score == 1.0 and other.score == pytest.approx(0.95)
    assert other.level == "match"  # a different country alone does not clear a listed name
    assert "not among the entry's (CN)" in other.explanation


def test_low_quality_alias_and_acronym_never_match_alone(scr: Screener) -> None:
    [low] = scr.screen("Rumuli", as_of=DAY)
    assert low.entry_id == "E4" and low.level == "review"
    assert "low-quality alias" in low.explanation and "alone is not a match" in low.explanation
    [acr] = scr.screen("EBCC", as_of=DAY)
    assert acr.entry_id == "E3" and acr.level == "review"
    assert "acronym" in acr.explanation


def test_parenthesised_acronym_is_optional(scr: Screener) -> None:
    [m] = scr.screen("Emal Bilal Construction", as_of=DAY)
    assert m.entry_id == "E3" and m.score == 1.0
    assert "without its parenthesised acronym" in m.explanation


def test_expired_listing_is_review_not_match(scr: Screener) -> None:
    [before] = scr.screen("Ivan Sidorov", as_of=dt.date(2026, 6, 1))
    [after] = scr.screen("Ivan Sidorov", as_of=dt.date(2026, 7, 1))
    assert before.level == "match"
    assert after.level == "review" and "2026-06-30 has passed" in after.explanation


def test_thresholds_decide_the_level() -> None:
    lst = small_list(entry("E2", "Frank Kakolele Bwambale"))
    strict = Screener([lst], match_threshold=0.99, review_threshold=0.95)
    loose = Screener([lst], match_threshold=0.6, review_threshold=0.5)
    q = "Frank Kakolele Bwambalr"
    assert strict.screen(q) == []
    [m] = loose.screen(q)
    assert m.level == "match"
    [r] = Screener([lst], match_threshold=0.99, review_threshold=0.5).screen(q)
    assert r.level == "review"
    assert (Screener([lst]).review_threshold, Screener([lst]).match_threshold) == (
        DEFAULT_REVIEW_THRESHOLD,
        DEFAULT_MATCH_THRESHOLD,
    )


@pytest.mark.parametrize(("match", "review"), [(0.7, 0.8), (1.1, 0.5), (0.8, 0.0)])
def test_bad_thresholds_are_rejected(match: float, review: float) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        Screener([small_list()], match_threshold=match, review_threshold=review)


def test_list_selection(scr: Screener) -> None:
    two = Screener(
        [
            small_list(entry("A", "Hengda Trading", list_id="un"), list_id="un"),
            small_list(
                entry("B", "Hengda Trading", list_id="us_entity_list"), list_id="us_entity_list"
            ),
        ]
    )
    assert {m.list_id for m in two.screen("Hengda Trading")} == {"un", "us_entity_list"}
    assert [m.list_id for m in two.screen("Hengda Trading", lists=["un"])] == ["un"]
    with pytest.raises(ValueError, match="unknown list id"):
        two.screen("Hengda Trading", lists=["nope"])


def test_best_hit_per_entry_sorted_by_score() -> None:
    s = Screener(
        [
            small_list(
                entry("A", "Hengda Trading", "Hengda Trading Shenzhen"),
                entry("B", "Hengda Tradinq"),
            )
        ]
    )
    ms = s.screen("Hengda Trading")
    assert ids(ms) == ["A", "B"]
    assert ms[0].score >= ms[1].score
    assert ms[0].matched_name == "Hengda Trading"


def test_results_are_cached_and_cache_is_bounded(scr: Screener) -> None:
    s = Screener(scr.lists)
    a = s.screen("Hengda Trading", "CN", as_of=DAY)
    b = s.screen("HENGDA TRADING LTD", "CN", as_of=DAY)  # same normalised key
    assert a == b
    assert s.cache_info()["size"] == 1
    for i in range(50):
        s.screen(f"Party number {i}", as_of=DAY)
    assert 1 < s.cache_info()["size"] <= s.cache_info()["maxsize"]


def test_list_versions(scr: Screener) -> None:
    [v] = scr.list_versions()
    assert v["id"] == "test" and v["as_of"] == "2026-10-01" and v["entries"] == 6
    assert v["verified"] is False and v["source"] == "unit test"


def test_duplicate_list_ids_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate list ids"):
        Screener([small_list(), small_list()])


def test_screen_is_thread_safe(scr: Screener) -> None:
    names = [
        "Hengda Trading",
        "Frank Bwambale",
        "John Smith",
        "Heng Da Trading",
        "EBCC",
        "Zenit Optronics",
        "Mohamed Abu Jheisheh",
    ] * 20
    s = Screener(scr.lists)
    expected = {n: Screener(scr.lists).screen(n, as_of=DAY) for n in set(names)}
    errors: list[str] = []

    def work(offset: int) -> None:
        for n in names[offset:] + names[:offset]:
            if s.screen(n, as_of=DAY) != expected[n]:
                errors.append(n)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ------------------------------------------------------------------ properties on the real lists


@pytest.fixture(scope="module")
def bundled() -> Screener:
    return Screener(load_bundled())


_entries = [(rl.as_of, e) for rl in load_bundled() for e in rl.entries]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_entries), st.booleans())
def test_an_exact_listed_name_is_always_a_match(
    bundled: Screener, item: tuple[str, ListEntry], with_country: bool
) -> None:
    as_of, e = item
    country = e.countries[0] if with_country and e.countries else None
    hits = [
        m
        for m in bundled.screen(e.names[0], country, as_of=dt.date.fromisoformat(as_of))
        if m.entry_id == e.entry_id
    ]
    assert hits, e.names[0]
    expired = e.expires is not None and e.expires.isoformat() < as_of
    assert hits[0].level == ("review" if expired else "match")
    assert hits[0].score >= 0.95


_suffix = st.sampled_from(["", " Ltd.", " GmbH", " LLC", " Co., Ltd.", " JSC", " OOO"])


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(_entries),
    _suffix,
    st.sampled_from(["upper", "lower", "title"]),
    st.sampled_from(["", ",", "."]),
)
def test_screening_is_invariant_to_case_punctuation_and_legal_forms(
    bundled: Screener, item: tuple[str, ListEntry], suffix: str, case: str, punct: str
) -> None:
    _as_of, e = item
    name = e.names[0]
    variant = getattr(name, case)().replace(" ", punct + " ") + suffix

    def key(ms: list) -> list:  # type: ignore[type-arg]
        return [(m.list_id, m.entry_id, m.level, m.score) for m in ms]

    assert key(bundled.screen(variant, as_of=DAY)) == key(bundled.screen(name, as_of=DAY))


_un = next(rl for rl in load_bundled() if rl.id == "un")
_queries = [e.names[0] for e in _un.entries[::25]] + ["Ali Hassan", "Muhammad Khan", "Kim Chol"]


@settings(max_examples=5, deadline=None)
@given(st.randoms(use_true_random=False))
def test_hits_do_not_depend_on_the_order_of_entries(rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    shuffled = RestrictedList(
        id=_un.id,
        name=_un.name,
        source=_un.source,
        as_of=_un.as_of,
        verified=_un.verified,
        entries=tuple(rnd.sample(_un.entries, len(_un.entries))),
        coverage=_un.coverage,
    )
    a, b = Screener([_un]), Screener([shuffled])
    for q in _queries:
        assert [m.to_dict() for m in a.screen(q, as_of=DAY)] == [
            m.to_dict() for m in b.screen(q, as_of=DAY)
        ], q


def test_repeated_tokens_are_counted_on_both_sides() -> None:
    # regression: a listed name repeating a token must have both occurrences counted when
    # candidates are bounded (the UN lists an alias "Hambali Ending Hambali")
    s = Screener(
        [
            small_list(
                entry("R1", "Hambali Ending Hambali"),
                entry("R2", "Nurjaman Riduan"),
                entry("R3", "Ending Story Ltd"),
                entry("R4", "Hambali Trading"),
            )
        ]
    )
    hits = {m.entry_id: m for m in s.screen("Hambali Hambali", as_of=DAY)}
    assert "R1" in hits and hits["R1"].score >= DEFAULT_REVIEW_THRESHOLD
    [m, *_] = s.screen("Hambali Ending Hambali", as_of=DAY)
    assert (m.entry_id, m.score, m.level) == ("R1", 1.0, "match")


def test_every_bundled_primary_name_finds_its_own_entry(bundled: Screener) -> None:
    missing = []
    for rl in load_bundled():
        day = dt.date.fromisoformat(rl.as_of)
        for e in rl.entries:
            hits = bundled.screen(e.names[0], as_of=day)
            if not any(m.entry_id == e.entry_id and m.score >= 0.95 for m in hits):
                missing.append((rl.id, e.entry_id, e.names[0]))
    assert missing == []


def test_hits_are_returned_whatever_the_listing_dates() -> None:
    """The screener never drops a listing by date: the engine decides whether it was in force."""
    rl = RestrictedList(
        id="us_entity_list",
        name="t",
        source="unit test",
        as_of="2026-07-09",
        verified=False,
        entries=(
            ListEntry(
                list_id="us_entity_list",
                entry_id="LATER",
                names=("Zenit Optronics Works",),
                alias_quality=("primary",),
                listed_on="2026-05-01",
            ),
            ListEntry(
                list_id="us_entity_list",
                entry_id="ENDED",
                names=("Zenit Optronics Works",),
                alias_quality=("primary",),
                listed_on=dt.date(2019, 1, 2),
                delisted_on=dt.date(2021, 3, 4),
            ),
        ),
    )
    before = dt.date(2020, 6, 1)
    hits = {m.entry_id: m for m in Screener([rl]).screen("Zenit Optronics Works", as_of=before)}
    assert set(hits) == {"LATER", "ENDED"}
    later, ended = hits["LATER"], hits["ENDED"]
    assert later.listed_on == dt.date(2026, 5, 1) and later.in_force_on(before) is False
    assert later.in_force_on(dt.date(2026, 5, 1)) is True
    assert ended.in_force_on(before) is True and ended.in_force_on(dt.date(2021, 3, 4)) is False
    assert later.list_id == "us_entity_list" and later.list_as_of == "2026-07-09"
    assert "listed on 2026-05-01" in later.explanation
    assert "delisted on 2021-03-04" in ended.explanation
    assert later.to_dict()["listed_on"] == "2026-05-01"
    assert ended.to_dict()["delisted_on"] == "2021-03-04"
