"""Name normalisation: the canonical token form that the index and the scorer compare.

Steps, in order: Cyrillic transliteration; Unicode decomposition with diacritics removed; case
folding; other scripts romanised with anyascii (Chinese characters one syllable each, Arabic
letter by letter, unvocalised); apostrophes dropped, hyphenated Arabic articles removed, other
punctuation to spaces;
multi-word and single-word legal forms and stop words dropped (unless nothing would be left);
spelling variants mapped to one canonical spelling (``_tables.VARIANTS``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii

from ._tables import (
    CYRILLIC,
    LEGAL_FORMS,
    LEGAL_PHRASES,
    LETTERS,
    PARTICLE_PREFIXES,
    STOP_WORDS,
    VARIANTS,
)

__all__ = [
    "abjad_tokens",
    "has_arabic",
    "normalise",
    "normalise_tokens",
    "phonetic_key",
    "raw_tokens",
    "script_segments",
    "skeleton",
]

_TRANS = str.maketrans({**CYRILLIC, **{k.upper(): v for k, v in CYRILLIC.items()}, **LETTERS})
_APOSTROPHES = re.compile(r"['`´ʻʼ’‘ʿʾ]")
_PARTICLE = re.compile(
    r"\b(?:" + "|".join(sorted(set(PARTICLE_PREFIXES), key=len, reverse=True)) + r")-(?=\w)"
)
_NON_WORD = re.compile(r"[\W_]+")
_CANONICAL = frozenset(VARIANTS.values())
_NOISE = LEGAL_FORMS | STOP_WORDS
_SLASHED = re.compile(r"\b(\w)/(\w)\b")  # "A/S", "S/A": one legal-form word
_ABD_PREFIX = re.compile(r"^(?:abdul|abdel|abdur|abdol|abdal|abdel|abd)(?P<rest>[a-z]{4,})$")


def _is_han(c: str) -> bool:
    o = ord(c)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF


@functools.lru_cache(maxsize=8192)
def _romanise(c: str) -> str:
    """One non-ASCII character in Latin letters: a Chinese character as its own pinyin syllable
    (a word of its own: the joined-token rule rebuilds two-syllable words), anything else as
    anyascii writes it (Arabic without vowels: "محمد" is "mhmd")."""
    r = anyascii(c).lower()
    return f" {r} " if _is_han(c) else r


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
    # the guards skip a regular expression pass for the many names without that character
    if not s.isascii() or "'" in s or "`" in s:
        s = _APOSTROPHES.sub("", s)
    s = s.replace(".", "").replace("&", " and ")
    if "/" in s:
        s = _SLASHED.sub(r"\1\2", s)
    if "-" in s:
        s = _PARTICLE.sub("", s)
    return tuple(t for t in _NON_WORD.split(s) if t)


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
        if rest.startswith(("al", "el", "ul", "ur", "ar", "as", "ad")) and len(rest) > 5:
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


@functools.lru_cache(maxsize=131072)
def skeleton(token: str) -> str:
    """The consonants of a token's sound key, every vowel dropped (the first one too): what an
    unvocalised romanisation of Arabic keeps. ``muhammad`` and ``mhmd`` share ``mhmd``,
    ``hassan`` and ``hsn`` share ``hsn``."""
    k = phonetic_key(token)
    return _REPEATS.sub(r"\1", _DROP_VOWELS.sub("", k))


def has_arabic(name: str) -> bool:
    """Whether a name has letters of the Arabic script (Arabic, Persian, Urdu, Pashto)."""
    return not name.isascii() and any(
        "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" or "\ufb50" <= c <= "\ufeff"
        for c in name
    )


def abjad_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Tokens of a name romanised from Arabic script, with ``Abd`` written joined to the next
    word split off (``bdljbar``, "Abd al-Jabbar", gives ``bd``, ``jbar``)."""
    out: list[str] = []
    for t in tokens:
        if len(t) < 2:  # a lone letter: the article "al" written apart, or a stray letter
            continue
        if t == "llh" and out and len(out[-1]) >= 2:  # "Abd Allah", "Najib Allah": one name
            out[-1] += "llh"  # Abdallah, Najibullah
        elif t.startswith("bdl") and len(t) >= 6 and not t.startswith("bdll"):
            out += ["bd", t[3:]]
        elif t.startswith("bd") and len(t) >= 5 and not t.startswith("bdll"):
            out += ["bd", t[2:]]
        else:
            out.append(t)
    return tuple(out)
