"""Name normalisation: the canonical token form that the index and the scorer compare.

Steps, in order: Cyrillic transliteration; Unicode decomposition with diacritics removed; case
folding; Arabic-script letters folded (``_tables.ARABIC_FOLD``) and kept as Arabic-script words
(compared with Latin names by consonant classes: ``_abjad``); other scripts romanised with
anyascii (Chinese characters one syllable each); apostrophes dropped, hyphenated Arabic articles
removed, other punctuation to spaces;
multi-word and single-word legal forms and stop words dropped (unless nothing would be left);
spelling variants mapped to one canonical spelling (``_tables.VARIANTS``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii

from ._tables import (
    ARABIC_FOLD,
    ARABIC_LEGAL_FORMS,
    CYRILLIC,
    LEGAL_FORMS,
    LEGAL_PHRASES,
    LETTERS,
    PARTICLE_PREFIXES,
    STOP_WORDS,
    VARIANTS,
)

__all__ = [
    "has_arabic",
    "is_arabic_token",
    "normalise",
    "normalise_tokens",
    "phonetic_key",
    "raw_tokens",
    "script_segments",
]

_TRANS = str.maketrans(
    {**CYRILLIC, **{k.upper(): v for k, v in CYRILLIC.items()}, **LETTERS, **ARABIC_FOLD}
)
_APOSTROPHES = re.compile(r"['`´ʻʼ’‘ʿʾ]")
_PARTICLE = re.compile(  # also the Urdu / Persian article: "Mati-ur-Rehman", "Noor-ud-Din"
    r"\b(?:"
    + "|".join(sorted({*PARTICLE_PREFIXES, "ur", "ud", "uz"}, key=len, reverse=True))
    + r")-(?=\w)"
)
_NON_WORD = re.compile(r"[\W_]+")
_CANONICAL = frozenset(VARIANTS.values())
_NOISE = LEGAL_FORMS | STOP_WORDS | ARABIC_LEGAL_FORMS
_SLASHED = re.compile(r"\b(\w)/(\w)\b")  # "A/S", "S/A": one legal-form word
# the article after Abd, assimilated or not: Abdulrahman, Abdurrahman, Abderrahmane, Abdessalam
_ABD_ARTICLES = ("al", "el", "ul", "ur", "ar", "as", "ad", "er", "es", "ed", "en", "et", "ez")
_ABD_PREFIX = re.compile(r"^(?:abdul|abdel|abdur|abdol|abdal|abdel|abd)(?P<rest>[a-z]{4,})$")


def _is_han(c: str) -> bool:
    o = ord(c)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF


def _is_arabic(c: str) -> bool:
    return "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f"


@functools.lru_cache(maxsize=8192)
def _romanise(c: str) -> str:
    """One non-ASCII letter in Latin letters: a Chinese character as its own pinyin syllable
    (a word of its own: the joined-token rule rebuilds two-syllable words), an Arabic-script
    letter unchanged (see ``_arabic_words``), anything else as anyascii writes it."""
    if _is_arabic(c):
        return c
    r = anyascii(c).lower()
    return f" {r} " if _is_han(c) else r


# an Arabic-script run written against letters of another script is a word of its own
_SCRIPT_EDGE = re.compile(r"(?<=[\u0600-\u06ff])(?=[a-z0-9])|(?<=[a-z0-9])(?=[\u0600-\u06ff])")
_ALLAH = "الله"


def _arabic_words(tokens: list[str]) -> list[str]:
    """Arabic-script words as data entry writes them, made comparable: a word with the article
    inside it is two words (``نورالدين`` is ``نور الدين``, ``ابواليزيد`` is ``ابو اليزيد``);
    ``الله`` after a name is one word with it (``عبد الله`` is ``عبدالله``, as in Abdullah);
    single letters (the conjunction و, a stray article) are dropped."""
    out: list[str] = []
    for t in tokens:
        if not _is_arabic(t[0]):
            out.append(t)
            continue
        if len(t) < 2 or t == "ال":
            continue
        if t == _ALLAH and out and _is_arabic(out[-1][0]) and not out[-1].endswith(_ALLAH):
            out[-1] += t
            continue
        i = t.find("ال", 2)
        if i >= 2 and len(t) - i - 2 >= 2 and not t.endswith(_ALLAH):
            out += [t[:i], t[i:]]
        else:
            out.append(t)
    return out


@functools.lru_cache(maxsize=65536)
def raw_tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII-folded word tokens, before legal-form and stop-word removal."""
    if name.isascii():
        s = name.lower()
    else:
        s = name.translate(_TRANS)
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
        s = s.casefold().translate(_TRANS)
        if not s.isascii():
            s = "".join(c if c.isascii() or not c.isalpha() else _romanise(c) for c in s)
    arabic = not s.isascii() and any(map(_is_arabic, s))
    if arabic:
        s = _SCRIPT_EDGE.sub(" ", s)
    # the guards skip a regular expression pass for the many names without that character
    if not s.isascii() or "'" in s or "`" in s:
        s = _APOSTROPHES.sub("", s)
    s = s.replace(".", "").replace("&", " and ")
    if "/" in s:
        s = _SLASHED.sub(r"\1\2", s)
    if "-" in s:
        s = _PARTICLE.sub("", s)
    tokens = [t for t in _NON_WORD.split(s) if t]
    return tuple(_arabic_words(tokens) if arabic else tokens)


_PHRASE_STARTS = frozenset(ph[0] for ph in LEGAL_PHRASES)


def _drop_phrases(tokens: list[str]) -> list[str]:
    if _PHRASE_STARTS.isdisjoint(tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for ph in LEGAL_PHRASES:
            if tuple(tokens[i : i + len(ph)]) == ph:
                i += len(ph)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _canonical(tok: str) -> tuple[str, ...]:
    v = VARIANTS.get(tok)
    if v is not None:
        return (v,)
    if tok in _CANONICAL or not tok.startswith("abd"):
        return (tok,)
    m = _ABD_PREFIX.match(tok)  # "Abdulrahman" is "Abd al-Rahman" written as one word
    if m is not None:
        rest = m.group("rest")
        if rest.startswith(_ABD_ARTICLES) and len(rest) > 5:
            rest = rest[2:]
        return ("abd", VARIANTS.get(rest, rest))
    return (tok,)


@functools.lru_cache(maxsize=65536)
def normalise_tokens(name: str) -> tuple[str, ...]:
    """Canonical tokens of a name (see the module docstring). Empty only for an empty name."""
    raw = list(raw_tokens.__wrapped__(name))
    kept = [t for t in _drop_phrases(raw) if t not in _NOISE]
    if not kept:  # a name made only of legal-form or stop words keeps them
        kept = raw
    out: list[str] = []
    for t in kept:
        v = VARIANTS.get(t)
        if v is not None:
            out.append(v)
        elif t.startswith("abd"):
            out.extend(_canonical(t))
        else:
            out.append(t)
    return tuple(out)


def normalise(name: str) -> str:
    """The canonical form of a name as one string (tokens joined by single spaces)."""
    return " ".join(normalise_tokens(name))


_SCRIPT_OF = (
    ("latin", lambda c: c.isascii() or "LATIN" in unicodedata.name(c, "")),
    ("cyrillic", lambda c: "CYRILLIC" in unicodedata.name(c, "")),
    ("arabic", lambda c: "ARABIC" in unicodedata.name(c, "")),
    ("han", _is_han),
)


def _script(c: str) -> str:
    for label, test in _SCRIPT_OF:
        if test(c):
            return label
    return "other"


def script_segments(name: str) -> list[str]:
    """The parts of a name written in different scripts, in order ("Huawei Technologies Co., Ltd.
    华为技术有限公司" gives the Latin and the Chinese part); one part for a single-script name.
    Spaces, digits and punctuation stay with the part they follow."""
    if name.isascii():
        return [name]
    parts: list[list[str]] = []
    current = ""
    for c in name:
        sc = _script(c) if c.isalpha() else current
        if not parts or (sc != current and c.isalpha() and current):
            parts.append([])
        if c.isalpha():
            current = sc
        parts[-1].append(c)
    out = ["".join(p).strip() for p in parts]
    return [p for p in out if any(c.isalpha() for c in p)] or [name]


# Digraphs and letters folded before vowels are dropped (longest first, one pass).
_PHON_MAP: dict[str, str] = {
    "shch": "s", "sch": "s", "tch": "k", "dzh": "i", "zh": "i", "dj": "i", "kh": "h", "gh": "g",
    "ph": "f", "th": "t", "dh": "d", "sh": "s", "ch": "k", "ck": "k", "ts": "k", "tz": "k",
    "q": "k", "x": "ks", "w": "v", "z": "s", "c": "k", "y": "i", "j": "i",
}  # fmt: skip
_PHON_ITEMS = tuple(sorted(_PHON_MAP.items(), key=lambda kv: -len(kv[0])))
_DROP_VOWELS = re.compile(r"[aeiou]+")
_REPEATS = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=131072)
def phonetic_key(token: str) -> str:
    """A coarse sound key for romanisation variants: digraphs folded, later vowels dropped.

    ``yusuf`` and ``youssef`` share one key, and so do ``tschernow`` and ``chernov``.
    """
    if len(token) > 3 and token[-1] == "h" and token[-2] in "aeiou":
        token = token[:-1]  # a final h after a vowel is often not written (Abdullah/Abdulla)
    s = token
    for a, b in _PHON_ITEMS:  # longest first; the same folding for the index and the query
        if a in s:
            s = s.replace(a, b)
    if not s:
        return s
    return _REPEATS.sub(r"\1", s[:1] + _DROP_VOWELS.sub("", s[1:]))


def has_arabic(name: str) -> bool:
    """Whether a name has letters of the Arabic script (Arabic, Persian, Urdu, Pashto)."""
    return not name.isascii() and any(
        "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" or "\ufb50" <= c <= "\ufeff"
        for c in name
    )


def is_arabic_token(token: str) -> bool:
    """Whether a canonical token is an Arabic-script word (every other script is romanised)."""
    return _is_arabic(token[0])
