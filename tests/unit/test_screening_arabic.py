"""Names written in Arabic script: folding, tokens, consonant keys with vowel masks, and how a
name in Arabic script is screened against names listed in Latin script (a potential match at
most, explained) or in Arabic script (a match when written the same)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportrules._screening import ListEntry, RestrictedList, Screener, normalise_tokens
from exportrules._screening._abjad import (
    arabic_forms,
    consonants,
    joined_forms,
    latin_forms,
    lookup_keys,
)
from exportrules._screening._tables import ARABIC_CLASSES, ARABIC_FOLD

DAY = dt.date(2026, 11, 27)


def lst(*names: tuple[str, ...]) -> RestrictedList:
    return RestrictedList(
        id="test",
        name="test list",
        source="unit test",
        as_of="2026-10-01",
        verified=False,
        entries=tuple(
            ListEntry(
                list_id="test",
                entry_id=f"E{i}",
                names=ns,
                alias_quality=("primary",) + ("good",) * (len(ns) - 1),
                kind="individual",
            )
            for i, ns in enumerate(names, 1)
        ),
    )


# filler names so that word weights are realistic (common names weigh little)
FILLER = [
    (f"{a} {b}",)
    for a in ("Muhammad", "Ahmad", "Ali", "Hassan", "Abdallah", "Khalid")
    for b in ("Rahimi", "Karimov", "Petrov", "Smith", "Schmidt", "Novak", "Garcia", "Rossi")
]

SCR = Screener(
    [
        lst(
            ("Ahmad Hassan al-Tikriti",),  # E1
            ("Nooruddin Turabi",),  # E2
            ("Abubakar Shekau",),  # E3
            ("Abd Allah Azzam",),  # E4
            ("Yahya Haqqani",),  # E5
            ("Hassan Seifi",),  # E6
            ("Hamid Karim",),  # E7
            ("Selselat al-Thahab",),  # E8
            ("Mohammad Salim Haqqani", "محمد سليم حقاني"),  # E9: also in Arabic script
            ("Kassem Gasmi",),  # E10
            *FILLER,
        )
    ]
)


def hits(name: str, scr: Screener = SCR) -> dict[str, object]:
    return {m.entry_id: m for m in scr.screen(name, as_of=DAY)}


# ------------------------------------------------------------------ normalisation


def test_arabic_words_stay_in_arabic_script_folded() -> None:
    # hamza seats, madda, short-vowel signs, tatweel and presentation forms fold away
    assert normalise_tokens("أحمد حسن التكريتي") == ("احمد", "حسن", "التكريتي")
    assert normalise_tokens("إبراهيم آل ثاني") == normalise_tokens("ابراهيم ال ثاني")
    assert normalise_tokens("مُحَمَّد") == ("محمد",)
    assert normalise_tokens("شعبـــان") == ("شعبان",)
    assert normalise_tokens("ﺻﺍﻠﺡ") == ("صالح",)
    # ة and ه, ى and ي, Persian yeh and kaf are the same letter for comparison
    assert normalise_tokens("فاطمة مصطفى") == normalise_tokens("فاطمه مصطفي")
    assert normalise_tokens("کریمی") == normalise_tokens("كريمي")


def test_arabic_compounds_are_tokenised_as_written_apart() -> None:
    # the article inside a word makes two words; Allah joins the name before it
    assert normalise_tokens("نورالدين") == ("نور", "الدين")
    assert normalise_tokens("ابواليزيد") == ("ابو", "اليزيد")
    assert normalise_tokens("عبد الله") == ("عبدالله",)
    assert normalise_tokens("عبدالله") == ("عبدالله",)
    # ... but a word that merely contains the letters ال keeps them (Khalid, Jalal)
    assert normalise_tokens("خالد جلال") == ("خالد", "جلال")
    # the conjunction و alone, and legal forms in Arabic script, are dropped
    assert normalise_tokens("شركة الأمل و النور") == ("الامل", "النور")


def test_a_name_mixing_scripts_splits_at_the_script_edge() -> None:
    assert normalise_tokens("Haji حاجی") == ("haji", "حاجي")
    assert normalise_tokens("Rahatراحت") == ("rahat", "راحت")


# ------------------------------------------------------------------ consonant keys


def forms_match(arabic: str, latin: str) -> bool:
    wanted = {k for f in arabic_forms(arabic) for k in lookup_keys(*f)}
    return any(f"{k}:{m}" in wanted for k, m in latin_forms(latin))


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("محمد", "muhammad"),
        ("محمد", "mohamed"),
        ("احمد", "ahmad"),
        ("حسن", "hassan"),
        ("حسين", "hussein"),
        ("قاسم", "qasim"),
        ("قاسم", "kassem"),
        ("قاسمي", "gasmi"),  # ق written g (Maghreb, Gulf)
        ("خالد", "khalid"),
        ("ذهب", "thahab"),  # ذ written th
        ("ذهب", "dhahab"),
        ("ضيا", "zia"),  # ض written z (Persian)
        ("عكاشه", "akkacha"),  # ش written ch (French), a doubled letter written once
        ("فتحي", "fathi"),  # t-h, not th
        ("عبدالله", "abdullah"),
        ("عبدالله", "abdulla"),  # the final h is no letter of its own
        ("صالح", "saleh"),
        ("سلسله", "selselat"),  # ة written t
        ("ولد", "ould"),  # French ou is w
        ("الزهراني", "zahrani"),  # the article
        ("الزهراني", "alzahrani"),
        ("الصبار", "essabar"),  # the article assimilated, written as a doubled letter
        ("جواد", "javad"),  # و is v in Persian names
        ("يحيي", "yahya"),
        ("استانكزي", "stanekzai"),  # Persian alef before s + consonant
        ("الدبيسكي", "dabski"),  # four consonants: one vowel left out is forgiven
    ],
)
def test_arabic_and_latin_spellings_that_correspond(arabic: str, latin: str) -> None:
    assert forms_match(arabic, latin)


@pytest.mark.parametrize(
    ("arabic", "latin", "why"),
    [
        ("احمد", "hamid", "Arabic writes a word-initial vowel: Ahmad starts with one, Hamid not"),
        ("حسيني", "hassan", "the final ي of Husseini needs a final vowel"),
        ("رضايي", "rad", "the long vowel after ض needs a vowel after d"),
        ("حامد", "hmd", "the alef after ح needs a vowel after h"),
        ("كريم", "karimov", "v is a consonant of Karimov that كريم lacks"),
        ("عبد", "abdul", "Abdul is Abd with the article, not Abd"),
    ],
)
def test_arabic_and_latin_spellings_that_do_not(arabic: str, latin: str, why: str) -> None:
    assert not forms_match(arabic, latin), why


def test_joined_words_count_only_for_what_they_make_together() -> None:
    # نور الدين written as one Latin word
    assert any(k == "nrdn" for k, _ in joined_forms("نور", "الدين"))
    # يحيى + حقاني joined is حقاني's own key (the h of Yahya lost as a doubled letter)
    assert not any(k == "hkn" for k, _ in joined_forms("يحيي", "حقاني"))


def test_lookup_keys_allow_more_latin_vowels_never_fewer() -> None:
    keys = set(lookup_keys("hsn", 0b100))  # a vowel after n required
    assert keys == {"hsn:4", "hsn:5", "hsn:6", "hsn:7"}
    # four consonants: one required vowel may be missing
    assert "dbsk:9" in set(lookup_keys("dbsk", 0b1011))  # the vowel after b left out
    assert "dbsk:1" not in set(lookup_keys("dbsk", 0b1011))  # ... but not two of them


_ARABIC_LETTERS = sorted(set(ARABIC_CLASSES) | set(ARABIC_FOLD) - {"ء", "ـ"})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ARABIC_LETTERS, min_size=1, max_size=12))
def test_arabic_forms_are_bounded_and_well_formed(word: str) -> None:
    forms = arabic_forms(word)
    assert len(forms) <= 64
    for key, mask in forms:
        assert set(key) <= set("Vbpfvmnlrkgjzstdhcx" + "TD")
        assert 0 <= mask < (1 << consonants(key))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14))
def test_latin_forms_are_bounded_and_well_formed(token: str) -> None:
    for key, mask in latin_forms(token):
        assert 0 <= mask < (1 << consonants(key))
        assert "V" not in key[1:]


# ------------------------------------------------------------------ screening


def test_an_arabic_name_reaches_the_latin_listed_name_as_a_potential_match() -> None:
    m = hits("أحمد حسن التكريتي")["E1"]
    assert m.level == "review"  # unvocalised: never a confirmed match
    assert "matched the listed Latin spelling by its consonants" in m.explanation
    assert hits("قاسم قاسمي")["E10"].level == "review"


def test_an_arabic_name_listed_in_arabic_script_is_a_match() -> None:
    m = hits("محمد سليم حقاني")["E9"]
    assert m.level == "match" and m.score == 1.0
    assert "consonants" not in m.explanation
    # a variant writing of the same Arabic name (hamza seat, Persian yeh) is the same
    assert hits("محمد سلیم حقانی")["E9"].level == "match"


def test_compound_names_written_as_one_latin_word() -> None:
    assert "E2" in hits("نور الدين ترابي")  # Nooruddin
    assert "E2" in hits("نورالدين ترابي")
    assert "E3" in hits("ابو بكر شيكو")  # Abubakar
    assert "E4" in hits("عبدالله عزام")  # listed as "Abd Allah"


def test_a_letter_lost_in_a_join_does_not_steal_the_match() -> None:
    # the join of يحيى and حقاني must not take "Haqqani" and leave "Yahya" unmatched
    assert "E5" in hits("يحيى حقاني")


def test_vowels_the_arabic_writes_keep_other_names_apart() -> None:
    assert "E6" not in hits("يوسف حسيني")  # Yusuf Husseini is not Hassan Seifi
    assert "E7" not in hits("احمد كريم")  # Ahmad Karim is not Hamid Karim


def test_a_common_name_in_arabic_script_weighs_as_little_as_in_latin() -> None:
    # محمد alone corresponds to the common "Muhammad": no hit on the filler names
    assert not [m for m in SCR.screen("محمد", as_of=DAY) if m.level == "match"]
    idx = SCR._index
    _, query = idx.candidates(("محمد", "التكريتي"), 0.7)
    assert query.weights["محمد"] <= idx.weight("muhammad")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=_ARABIC_LETTERS, min_size=2, max_size=8), min_size=1, max_size=4)
)
def test_a_name_in_arabic_script_never_matches_a_latin_name_by_consonants(
    words: list[str],
) -> None:
    for m in SCR.screen(" ".join(words), as_of=DAY):
        if m.entry_id != "E9":  # the only entry with a name in Arabic script
            assert m.level == "review"


def test_remembered_similar_words_do_not_depend_on_earlier_queries() -> None:
    # the index remembers the similar words of each query word and shares them between queries:
    # a query whose two words join into a listed word (or an Arabic compound) must not change
    # what another query sees
    queries = [
        "نور الدين ترابي",
        "نورالدين",
        "ابو بكر شيكو",
        "abu bakar shekau",
        "abubakar",
        "Nooruddin Turabi",
        "Noor uddin",
        "عبدالله عزام",
        "Abd Allah Azzam",
        "ابو بكر ابوبكر",  # two words that join into the third
        "abu bakar abubakar",
    ]
    idx = SCR._index
    words = {w for q in queries for w in normalise_tokens(q)}
    computed = {w: idx._similar_tokens(w) for w in words}  # not remembered: computed afresh
    SCR.clear_cache()
    fresh = [SCR.screen(q, as_of=DAY) for q in queries]
    assert {w: idx.similar_tokens(w) for w in words} == computed
    SCR.clear_cache()  # results and similar words forgotten; the same queries in reverse order
    again = [SCR.screen(q, as_of=DAY) for q in reversed(queries)][::-1]
    assert again == fresh
    assert {w: idx.similar_tokens(w) for w in words} == computed
    assert "E2" in {m.entry_id for m in fresh[0]} and "E3" in {m.entry_id for m in fresh[2]}
