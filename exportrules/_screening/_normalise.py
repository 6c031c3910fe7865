"""Name normalisation: the canonical token form that the index and the scorer compare.

Steps, in order: Cyrillic transliteration; Unicode decomposition with diacritics removed; case
folding; apostrophes dropped, hyphenated Arabic articles removed, other punctuation to spaces;
multi-word and single-word legal forms and stop words dropped (unless nothing would be left);
spelling variants mapped to one canonical spelling (``_tables.VARIANTS``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ._tables import (
    CYRILLIC,
    LEGAL_FORMS,
    LEGAL_PHRASES,
    LETTERS,
    PARTICLE_PREFIXES,
    STOP_WORDS,
    VARIANTS,
)

__all__ = ["normalise", "normalise_tokens", "phonetic_key", "raw_tokens"]

_TRANS = str.maketrans({**CYRILLIC, **{k.upper(): v for k, v in CYRILLIC.items()}, **LETTERS})
_APOSTROPHES = re.compile(r"['`´ʻʼ’‘ʿʾ]")
_PARTICLE = re.compile(r"\b(?:" + "|".join(sorted(set(PARTICLE_PREFIXES), key=len,
                                                     reverse=True)) + r")-(?=\w)")
_NON_WORD = re.compile(r"[\W_]+")
_ABD_PREFIX = re.compile(r"^(?:abdul|abdel|abdur|abdol|abdal|abdel|abd)(?P<rest>[a-z]{4,})$")


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
    s = _APOSTROPHES.sub("", s)
    s = s.replace(".", "").replace("&", " and ")
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
    raw = list(raw_tokens(name))
    kept = [t for t in _drop_phrases(raw) if t not in LEGAL_FORMS and t not in STOP_WORDS]
    if not kept:  # a name made only of legal-form or stop words keeps them
        kept = raw
    out: list[str] = []
    for t in kept:
        out.extend(_canonical(t))
    return tuple(out)


def normalise(name: str) -> str:
    """The canonical form of a name as one string (tokens joined by single spaces)."""
    return " ".join(normalise_tokens(name))


_PHON_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "s"), ("sch", "s"), ("tch", "c"), ("dzh", "j"), ("zh", "j"), ("dj", "j"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("sh", "s"), ("ch", "c"),
    ("ck", "k"), ("ts", "c"), ("tz", "c"), ("q", "k"), ("x", "ks"), ("w", "v"), ("z", "s"),
    ("c", "k"), ("y", "i"), ("j", "i"),
)  # fmt: skip
_VOWELS = frozenset("aeiou")


@functools.lru_cache(maxsize=131072)
def phonetic_key(token: str) -> str:
    """A coarse sound key for romanisation variants: digraphs folded, later vowels dropped.

    ``yusuf`` and ``youssef`` share one key, and so do ``tschernow`` and ``chernov``.
    """
    s = token
    for a, b in _PHON_RULES:
        if a in s:
            s = s.replace(a, b)
    if not s:
        return s
    out = [s[0]]
    prev = s[0]
    for ch in s[1:]:
        if ch not in _VOWELS and ch != prev:
            out.append(ch)
        prev = ch
    return "".join(out)
