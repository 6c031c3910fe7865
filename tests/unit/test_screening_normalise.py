"""Name normalisation: legal forms, diacritics, punctuation, transliteration variants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportrules._screening import normalise, phonetic_key
from exportrules._screening._index import edit_ratio, token_sim
from exportrules._screening._tables import LEGAL_FORMS, STOP_WORDS, VARIANTS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hengda Trading Co., Ltd.", "hengda trading"),
        ("HENGDA TRADING CO LTD", "hengda trading"),
        ("Zenit Optronics LLC", "zenit optronics"),
        ("Zenit Optronics L.L.C.", "zenit optronics"),
        ("Müller Maschinenbau GmbH", "muller maschinenbau"),
        ('OOO "Zenit"', "zenit"),
        ("JSC Rosneft", "rosneft"),
        ("Joint Stock Company Rosneft", "rosneft"),
        ("Open Joint Stock Company Rosneft", "rosneft"),
        ("Rosneft PAO", "rosneft"),
        ("Société Générale S.A.", "societe generale"),
        ("Ørsted A/S", "orsted"),
        ("Straße & Söhne", "strasse sohne"),
        ("Fathi Mohammed QAR'AWI", "fathi muhammad qarawi"),
        ("Abdul-Rahman al-Zawahiri", "abd rahman zawahiri"),
        ("Abdulrahman", "abd rahman"),
        ("AL-QAIDA", "qaida"),
        ("Bank of the East", "bank east"),
        ("Co. Ltd.", "co ltd"),  # nothing but legal-form words: kept rather than emptied
    ],
)
def test_normalise_examples(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "group",
    [
        ["Mohammed", "Muhammad", "Mohamad", "Mohamed", "Muhammed", "Mohammad"],
        ["Yusuf", "Youssef", "Yousef", "Yousuf"],
        ["Hussein", "Husayn", "Hussain", "Husein"],
        ["Abdullah", "Abdallah", "Abdulla"],
        ["Aleksandr", "Alexander", "Oleksandr"],
        ["Tsinghua", "Qinghua"],
        ["Hsin", "Xin"],
        ["Kuo", "Guo"],
    ],
)
def test_transliteration_variants_normalise_alike(group: list[str]) -> None:
    assert len({normalise(x) for x in group}) == 1


def test_cyrillic_is_romanised() -> None:
    assert normalise("Сергей Иванов") == "sergey ivanov"
    assert normalise("ООО Зенит Оптроника") == "zenit optronika"
    assert normalise("Олександр Шевченко") == "aleksandr shevchenko"


def test_abbreviations_expand() -> None:
    assert normalise("Beijing Inst. of Tech.") == normalise("Beijing Institute of Technology")
    assert normalise("Natl Univ of Defense Tech") == normalise(
        "National University of Defense Technology"
    )


def test_phonetic_key_groups_romanisations() -> None:
    assert phonetic_key("tschernow") == phonetic_key("chernov")
    assert phonetic_key("jheisheh") == phonetic_key("jheisha")
    assert phonetic_key("smith") != phonetic_key("schmidt")


def test_edit_ratio_counts_a_transposition_once() -> None:
    assert edit_ratio("wings", "winsg") == pytest.approx(0.8)
    assert edit_ratio("abc", "abc") == 1.0
    assert edit_ratio("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert edit_ratio("a", "") == 0.0


def test_token_similarity_rules() -> None:
    assert token_sim("bwambale", "bwambalr") == pytest.approx(0.875)
    assert token_sim("mohamma", "muhammad") >= 0.85  # a typo of a variant spelling
    assert token_sim("li", "ri") == 0.0  # short tokens: no fuzzy match
    assert token_sim("jean", "yan") == 0.0  # same sound key but too far apart in spelling


def test_tables_are_consistent() -> None:
    # a canonical spelling is never itself a variant (one step reaches the canonical form)
    assert not set(VARIANTS.values()) & set(VARIANTS)
    assert not LEGAL_FORMS & set(VARIANTS.values())
    assert all(w == w.lower() and w.isascii() for w in LEGAL_FORMS | STOP_WORDS)


_names = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéçñ", min_size=2, max_size=9),
    min_size=1,
    max_size=4,
).map(" ".join)


@given(_names)
def test_normalise_is_idempotent(name: str) -> None:
    once = normalise(name)
    assert normalise(once) == once


@given(
    _names,
    st.sampled_from(["", ".", ",", "-", "'", "  "]),
    st.sampled_from(["", " Ltd.", " GmbH", " LLC", " Co., Ltd.", " JSC"]),
)
def test_normalise_ignores_case_punctuation_and_legal_forms(
    name: str, punct: str, legal: str
) -> None:
    base = normalise(name)
    if not base or set(base.split()) & (LEGAL_FORMS | STOP_WORDS):
        return  # a name made of legal-form words keeps them (tested above)
    variant = name.upper().replace(" ", punct + " ") + legal
    assert normalise(variant) == base


def test_fast_distance_path_agrees_with_token_sim() -> None:
    """similar_tokens derives distances from the deletion index; they must equal token_sim's."""
    import random

    from exportrules._screening import load_bundled
    from exportrules._screening._index import NameIndex

    idx = NameIndex([rl for rl in load_bundled() if rl.id in ("un", "us_meu")])
    rnd = random.Random(7)
    vocab = sorted(t for t in idx.idf if len(t) >= 3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    checked = 0
    for _ in range(400):
        w = list(rnd.choice(vocab))
        i = rnd.randrange(len(w))
        op = rnd.choice("sdit")
        if op == "s":
            w[i] = rnd.choice(letters)
        elif op == "d" and len(w) > 4:
            del w[i]
        elif op == "i":
            w.insert(i, rnd.choice(letters))
        elif op == "t" and i < len(w) - 1:
            w[i], w[i + 1] = w[i + 1], w[i]
        q = "".join(w)
        # the spelling part (similar_tokens adds article and script relations on top)
        for t, s in idx._similar(q).items():
            assert s == pytest.approx(token_sim(q, t), abs=1e-12), (q, t)
            checked += 1
    assert checked > 300
