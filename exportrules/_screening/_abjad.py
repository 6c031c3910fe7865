"""Names written in Arabic script against names written in Latin script: consonant keys.

The Arabic script writes consonants and long vowels, not short vowels, and several of its
letters have more than one usual Latin spelling (ق is q, k or g; ذ is dh, z, d or th). A Latin
romanisation writes every vowel, and some consonants two ways (``th`` is one letter or two). So
both are reduced to the same *form*:

* a *key*: the sequence of consonant classes (``_tables.ARABIC_CLASSES`` /
  ``_tables.LATIN_CLASSES``), vowels and semivowels dropped, a doubled consonant written once,
  and a leading ``V`` when the word starts with a vowel (Arabic writes a word-initial vowel with
  alef or ain: أحمد is Ahmad, never Hamid);
* a *vowel mask*: after which consonant of the key a vowel is written (bit i: after the i-th).

An Arabic word and a Latin word correspond when they share a key and every vowel the Arabic
word writes (a long vowel, or ain) has a vowel in the same place in the Latin word; the Latin
word may have more (the short vowels Arabic does not write). So حسيني (Husseini) is not
"Hassan": its final ي needs a final vowel.

* ``latin_forms(token)``: the forms of a Latin word, each digraph read as one letter and as two,
  with and without a final h (Abdullah / Abdulla), ``ou`` at the start as a vowel and as w
  (Ould), an article assimilated to a doubled letter dropped (Essabar).
* ``arabic_forms(word)``: the forms of a folded Arabic-script word, every reading of its
  letters, with and without an article (also after li-, wa-, bi-, fa-, ka-), a final ه as a
  vowel ending, t or h.
* ``lookup_keys(key, mask)``: the index keys (key and Latin vowel mask) an Arabic form matches.

The index maps ``index_key(key, mask)`` of every Latin token to the tokens, built once.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator

from ._tables import ARABIC_CLASSES, LATIN_CLASSES

__all__ = [
    "arabic_forms",
    "consonants",
    "index_key",
    "joined_forms",
    "latin_forms",
    "lookup_keys",
]

Form = tuple[str, int]  # (key, vowel mask)

_MAX_FORMS = 64  # readings of one word kept (a long word of ambiguous letters has many)
_VOWEL = "*"  # a vowel unit in a reading
_DIGRAPHS = frozenset(k for k in LATIN_CLASSES if len(k) == 2 and k[1] == "h")
_LATIN = re.compile("|".join(sorted(LATIN_CLASSES, key=len, reverse=True)) + "|.")
_VOWELS = frozenset("aeiou")
_ASSIMILATED = re.compile(r"^[ae]([tdrzsln])\1[a-z]{3,}$")  # es-Sabar, ad-Dawla, joined
# prefixes read as the article, alone or after a preposition or conjunction: al-, li-l-,
# wa-l-, bi-l-, fa-l-, ka-l- (with the shortest word left after them)
_PROCLITICS = (("ال", 4), ("لل", 4), ("وال", 5), ("بال", 5), ("فال", 5), ("كال", 5))


def consonants(key: str) -> int:
    """How many consonant classes a key holds (its initial-vowel mark aside)."""
    return len(key) - (key[:1] == "V")


def index_key(key: str, mask: int) -> str:
    """The index key of a Latin form."""
    return f"{key}:{mask}"


def _form(units: Iterable[str], initial_vowel: bool, drop_final_h: bool = False) -> Form | None:
    """Key and vowel mask of one reading (a sequence of class strings and vowel units)."""
    key: list[str] = []
    gaps: list[bool] = []
    for u in units:
        if u == _VOWEL:
            if gaps:
                gaps[-1] = True
            continue
        for c in u:
            if key and key[-1] == c:
                continue  # a doubled consonant is written once (a vowel between is lost too)
            key.append(c)
            gaps.append(False)
    if drop_final_h and len(key) > 1 and key[-1] == "h":
        key.pop()
        last = gaps.pop()
        gaps[-1] = gaps[-1] or last
    if not key:
        return None
    mask = sum(1 << i for i, g in enumerate(gaps) if g)
    return ("V" if initial_vowel else "") + "".join(key), mask


def _latin_units(token: str) -> Iterator[tuple[str, ...]]:
    """The options of each letter or digraph of a Latin word."""
    for m in _LATIN.finditer(token):
        g = m.group()
        if g in _VOWELS or g in ("y", "w"):
            yield (_VOWEL,)
        elif g == "c":  # c before e, i, y is s ("Lounici"), else k (ch is a digraph)
            yield ("s",) if token[m.end() : m.end() + 1] in ("e", "i", "y") else ("k",)
        elif g in _DIGRAPHS:  # one letter, or two ("Fathi" is f-t-h)
            yield (LATIN_CLASSES[g], LATIN_CLASSES.get(g[0], "") + "h")
        else:
            yield (LATIN_CLASSES.get(g, ""),)


def _latin(token: str, initial_vowel: bool) -> set[Form]:
    out: set[Form] = set()
    final_h = token.endswith("h") and len(token) > 3  # a final h may be no letter of its own
    for reading in itertools.product(*_latin_units(token)):
        for drop in (False, True) if final_h else (False,):
            f = _form(reading, initial_vowel, drop)
            if f is not None:
                out.add(f)
        if len(out) >= _MAX_FORMS:
            break
    return out


@functools.lru_cache(maxsize=65536)
def latin_forms(token: str) -> frozenset[Form]:
    """The forms of one Latin spelling (see the module docstring); empty for a word that is not
    plain Latin letters or has no consonant."""
    if not token.isascii() or not token.isalpha():
        return frozenset()
    out = _latin(token, token[0] in _VOWELS)
    if token.startswith("ou"):  # French ou is also w: Ould, Ouali
        out |= _latin(token, False)
    if _ASSIMILATED.match(token):  # the article written as the doubled letter: Essabar
        out |= _latin(token[2:], False)
    return frozenset(out)


def _arabic(word: str) -> Iterator[Form]:
    vowel = word[0] in "اع"
    opts: list[tuple[str, ...]] = []
    for i, c in enumerate(word):
        o = ARABIC_CLASSES.get(c, ("",))
        if c in "اويع" or (c == "ه" and i == len(word) - 1 and i >= 2):
            # a long vowel, ain, or a final ه / ة (a vowel ending, or t, or h)
            o = tuple(_VOWEL if x == "" else x for x in o)
            if c == "ه":
                o = (_VOWEL, "t", "h")
        opts.append(o)
    for reading in itertools.product(*opts):
        f = _form(reading, vowel)
        if f is not None:
            yield f


@functools.lru_cache(maxsize=16384)
def arabic_forms(word: str) -> frozenset[Form]:
    """The forms of one folded Arabic-script word (see the module docstring)."""
    words = [word]
    if word != "الله":
        for p, n in _PROCLITICS:
            if word.startswith(p) and len(word) >= n:
                words.append(word[len(p) :])
    if word.startswith("اس") and len(word) >= 4 and word[2] not in "اوي":
        words.append(word[1:])  # Persian writes an alef before s + consonant: Stanekzai
    out: set[Form] = set()
    for w in words:
        for f in _arabic(w):
            out.add(f)
            if len(out) >= _MAX_FORMS:
                return frozenset(out)
    return frozenset(out)


def joined_forms(first: str, second: str) -> frozenset[Form]:
    """The forms of two Arabic-script words written as one Latin word ("Nooruddin" for
    ``نور الدين``, "Abubakar" for ``ابو بكر``), the article of the second dropped or not; only
    those whose key neither word has alone (``يحيى حقاني`` joined has the key of ``حقاني``: the
    h of Yahya is lost as a doubled letter, so that is no reading of the two as one word)."""
    out = set(arabic_forms(first + second))
    if second.startswith("ال") and len(second) >= 4 and second != "الله":
        out |= arabic_forms(first + second[2:])
    alone = {k for k, _ in arabic_forms(first) | arabic_forms(second)}
    return frozenset(f for f in out if f[0] not in alone)


def lookup_keys(key: str, mask: int) -> Iterator[str]:
    """The index keys of the Latin forms an Arabic form (key, vowel mask) matches: the same key,
    a vowel wherever the Arabic writes one, anywhere else or not. A key of four consonants or
    more is specific enough to forgive one vowel the Latin spelling leaves out (Dabski for
    الدبيسكي)."""
    n = consonants(key)
    needs = [mask]
    if n >= 4:
        needs += [mask & ~(1 << i) for i in range(n) if mask & (1 << i)]
    seen: set[int] = set()
    for need in needs:
        free = [1 << i for i in range(n) if not need & (1 << i)]
        for r in range(len(free) + 1):
            for extra in itertools.combinations(free, r):
                m = need | sum(extra)
                if m not in seen:
                    seen.add(m)
                    yield f"{key}:{m}"
