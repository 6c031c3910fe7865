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
_PARTICLE = re.compile(
    r"\b(?:" + "|".join(sorted(set(PARTICLE_PREFIXES), key=len, reverse=True)) + r")-(?=\w)"
)
_NON_WORD = re.compile(r"[\W_]+")
_CANONICAL = frozenset(VARIANTS.values())
_NOISE = LEGAL_FORMS | STOP_WORDS
_SLASHED = re.compile(r"\b(\w)/(\w)\b")  # "A/S", "S/A": one legal-form word
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
