"""The in-memory name index and the documented score.

Index: every name of every entry is normalised to canonical tokens. Three maps lead from a query
token to index tokens, so a query touches only candidates: exact token, one-deletion
neighbourhood (edit distance up to 2, SymSpell style) and phonetic key. Postings lead from index
tokens, and from the concatenation of adjacent tokens ("Heng Da" -> "hengda"), to names.

Score of a query against one name (all in 0..1):

* token similarity ``s(q, n)``: 1 for equal tokens; the edit ratio ``1 - lev / max(len)`` when
  it is at least 0.7 (optimal string alignment: a transposition costs 1; the best over the
  token's known variant spellings); at least 0.85 when the phonetic keys agree and the edit
  ratio is at least 0.6; a query token equal to two adjacent name tokens joined (or the
  reverse) counts 0.95.
* candidates: every name whose upper bound (from the weights of the similar tokens it shares
  with the query) reaches the review threshold is scored, so no hit depends on the order of
  lists or entries.
* (query token, name token) pairs are aligned greedily, most similar first, each token used
  once; ``cov_q`` is the
  IDF-weighted share of the query covered, ``cov_n`` the IDF-weighted share of the name
  covered (common words such as "trading" weigh little, rare ones much).
* ``name score = sqrt(cov_q * cov_n)``: both names must be mostly present in each other, so
  dropping one middle name of four costs little while a shared first name alone costs much.
* country qualifier: +0.02 when the party's country is one of the entry's, -0.05 when the entry
  names countries and the party's is not among them, 0 when either is unknown.
* alias quality: ``low`` x0.95, ``weak`` x0.9 and neither can reach the match level alone.
* a word written in Arabic script and a Latin index token with the same consonant key and
  vowels where the Arabic writes them (``_abjad``): 0.75, 0.85 or 0.9 for a key of one, two, or
  three or more consonants; such a pair is marked
  (``Scored.transliterated``) and the hit is at most a potential match. The query word then
  weighs what the Latin token it found weighs (``محمد`` as little as ``muhammad``).

Features reported per hit: ``token_set`` (the name score with exact tokens only), ``edit`` (with
edit similarity), ``phonetic`` (share of query tokens whose phonetic key the name shares),
``country`` (the adjustment) and ``quality`` (the factor).
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import attrs

from ._abjad import (
    Form,
    arabic_forms,
    consonants,
    index_key,
    joined_forms,
    latin_forms,
    lookup_keys,
)
from ._model import ListEntry, RestrictedList
from ._normalise import is_arabic_token, normalise_tokens, phonetic_key
from ._packed import PackedIds, PackedMap
from ._tables import (
    COMPOUND_HEADS,
    COMPOUND_TAILS,
    LATIN_COMPOUND_HEADS,
    LATIN_COMPOUND_TAILS,
    PARTICLE_PREFIXES,
    VARIANTS,
)

__all__ = ["NameIndex", "Query", "Scored", "edit_ratio"]

_MIN_EDIT = 0.7
_PHON_FLOOR = 0.85
_PHON_MIN_EDIT = 0.6
_PHON_MIN_EDIT_LONG = 0.5
_JOIN_SIM = 0.95
_PARTICLE_SIM = 0.95  # "alkawari" for "al-Kawari" (the article written joined)
# an Arabic-script word and a Latin word with the same consonant key (_abjad), by the number of
# consonants in the key: one (علي for "Ali"), two (عمر for "Umar"), three or more (محمد for
# "Muhammad"); the more consonants agree, the likelier the same name
_ABJAD_SIM = (0.0, 0.75, 0.85, 0.9)
_CONTAIN_SCORE = 0.8  # a listed name found whole inside a longer party name: a review
_SIMILAR_CACHE = 16384  # query tokens whose similar index tokens are remembered
_PARTICLES = tuple(sorted(set(PARTICLE_PREFIXES), key=len, reverse=True))


def _particle_rest(tok: str) -> str | None:
    """``kawari`` for ``alkawari``: the word after a joined Arabic article: 4 letters or more,
    or 3 after ``al``/``el``/``ul`` (``aldin``, "al-Din"; not ``aslam``, a name); in Arabic
    script, 2 letters or more after ال (not الله)."""
    if tok.startswith("ال"):
        return tok[2:] if len(tok) >= 4 and tok != "الله" else None
    for p in _PARTICLES:
        if tok.startswith(p) and len(tok) - len(p) >= (3 if p in _SHORT_OK else 4):
            return tok[len(p) :]
    return None


_SHORT_OK = frozenset({"al", "el", "ul"})


def _levenshtein(a: str, b: str) -> int:
    """Levenshtein distance, bit-parallel (Myers 1999 / Hyyrö 2001) over Python ints."""
    m = len(a)
    peq: dict[str, int] = {}
    for i, c in enumerate(a):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask = (1 << m) - 1
    last = 1 << (m - 1)
    pv, mv, dist = mask, 0, m
    for c in b:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & mask
        mh = pv & xh
        if ph & last:
            dist += 1
        elif mh & last:
            dist -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
    return dist


def _osa(a: str, b: str) -> int:
    """Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), by DP."""
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        ca = a[i - 1]
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cb = b[j - 1]
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


def _has_swap(a: str, b: str) -> bool:
    """Whether two equal-length strings differ somewhere by two swapped neighbours."""
    return any(a[i] != b[i] and a[i] == b[i + 1] and a[i + 1] == b[i] for i in range(len(a) - 1))


@functools.lru_cache(maxsize=262144)
def edit_ratio(a: str, b: str) -> float:
    """``1 - d(a, b) / max(len)`` in 0..1, where ``d`` is the optimal-string-alignment distance
    (insertions, deletions, substitutions and adjacent transpositions each cost 1).

    Pairs whose length difference alone puts them below 0.5 return that upper bound unrefined.
    The transposition refinement runs only for equal lengths (a swapped pair keeps the length).
    """
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    longest = max(la, lb)
    bound = 1 - abs(la - lb) / longest
    if bound < 0.5:
        return bound
    d = _levenshtein(a, b)
    if d >= 2 and la == lb and 1 - (d - 1) / longest >= 0.6 and _has_swap(a, b):
        d = _osa(a, b)
    return 1 - d / longest


@functools.lru_cache(maxsize=262144)
def token_sim(q: str, t: str) -> float:
    """Similarity of two canonical tokens (see the module docstring).

    The edit ratio is taken against every known spelling of ``t`` (``muhammad`` is also
    ``mohammed``, ``mohamad``...), so a typo in a variant spelling still comes close.
    """
    if q == t:
        return 1.0
    if len(q) <= 2 or len(t) <= 2:
        return 0.0
    e, best = max((edit_ratio(q, s), s) for s in spellings(t))
    if _sounds_alike(e, q, t):
        return max(e, _PHON_FLOOR)
    if len(q) <= 3 or len(best) <= 3:
        return 0.0  # short tokens: a one-letter change makes another word
    return e if e >= _MIN_EDIT else 0.0


def _sounds_alike(e: float, q: str, t: str) -> bool:
    """Same sound key, and an edit ratio of at least 0.6 (0.5 for a key of three letters or
    more: "Dzhafar" for "Jafar", "Youssef" for "Yusuf" differ mostly in how a sound is
    spelt)."""
    if e < _PHON_MIN_EDIT_LONG:
        return False
    k = phonetic_key(q)
    return k == phonetic_key(t) and (e >= _PHON_MIN_EDIT or len(k) >= 3)


def _same_length_distance(a: str, b: str) -> int:
    """OSA distance of two different equal-length strings known to share a one-letter
    deletion: 1 for one substitution or one swap of neighbours, else 2."""
    h = sum(map(operator.ne, a, b))
    if h == 1 or (h == 2 and _has_swap(a, b)):
        return 1
    return 2


def _sim_from_distance(q: str, t: str, dist: int) -> float:
    """``token_sim`` for a token without variant spellings whose distance is known."""
    lq, lt = len(q), len(t)
    if lq <= 2 or lt <= 2:
        return 0.0
    e = 1 - dist / max(lq, lt)
    if _sounds_alike(e, q, t):
        return max(e, _PHON_FLOOR)
    if lq <= 3 or lt <= 3:
        return 0.0
    return e if e >= _MIN_EDIT else 0.0


def _put(out: dict[str, float], q: str, t: str, dist: int) -> None:
    sv = _sim_from_distance(q, t, dist)
    if sv > 0:
        out[t] = sv


def spellings(t: str) -> tuple[str, ...]:
    """``t`` and the variant spellings that normalise to it."""
    return _SPELLINGS.get(t, (t,))


_SPELLINGS: dict[str, tuple[str, ...]] = {}
for _v, _k in VARIANTS.items():
    _SPELLINGS[_k] = (*_SPELLINGS.get(_k, (_k,)), _v)


def _latin_token_forms(t: str) -> set[Form]:
    """Consonant keys and vowel masks of an index token (``_abjad``): of its spellings, and of
    the word after a joined article."""
    if not t.isascii() or not t.isalpha():
        return set()
    forms = latin_forms.__wrapped__  # each token once: skip the cache
    fs = set(forms(t))
    sizes = {consonants(k) for k, _ in fs}
    for v in _SPELLINGS.get(t, ())[1:]:  # spellings with as many consonants: not "Abdul"
        fs.update(f for f in forms(v) if consonants(f[0]) in sizes)  # for "Abd", "Mohd" for
    rest = _particle_rest(t)  # "Muhammad"
    if rest is not None:
        fs.update(forms(rest))
    return fs


def _deletes(tok: str) -> set[str]:
    return {tok[:i] + tok[i + 1 :] for i in range(len(tok))}


_tokens_uncached = normalise_tokens.__wrapped__  # index names are seen once: skip the cache
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*")


def _name_forms(name: str, quality: str) -> list[tuple[tuple[str, ...], str, str]]:
    """Token forms indexed for one listed name: (tokens, quality, form).

    ``form`` is ``full`` for the name as listed. A name with a parenthesised acronym ("Emal
    Bilal Construction Company (EBCC)") is also indexed without it (``outer``) and as the acronym
    alone (``acronym``); other parenthesised parts ("Huawei Technologies (Bolivia)") stay, since
    they tell apart entries. A bare acronym (one token of at most 4 letters, as an alias or
    form) is ``weak``: it identifies nobody on its own.
    """
    forms: list[tuple[tuple[str, ...], str, str]] = []
    toks = _tokens_uncached(name)
    if toks:
        forms.append((toks, quality, "full"))
    if "(" in name:
        for inner in _PAREN.findall(name):
            word = inner.strip()
            if not (word.isupper() and len(word.split()) == 1 and 2 < len(word) <= 8):
                continue
            outer = _tokens_uncached(_PAREN.sub(" ", name))
            if outer and outer != toks:
                forms.append((outer, quality, "outer"))
            it = normalise_tokens(word)
            if it and it != toks:
                forms.append((it, quality, "acronym"))
    out = []
    for t, q, f in forms:
        if (
            q in ("primary", "good", "low")
            and len(t) == 1
            and len(t[0]) <= 4
            and (q != "primary" or f == "acronym")
        ):
            q = "weak"
        out.append((t, q, f))
    return out


@attrs.frozen
class Scored:
    """Score of one name for a query, with its features."""

    score: float
    token_set: float
    edit: float
    phonetic: float
    listed_coverage: float = 1.0  # share (by weight) of the listed name the query accounts for
    contained: bool = False  # the whole listed name is in a longer query (score lifted to 0.8)
    transliterated: bool = False  # a word matched across scripts by its consonants (_abjad)


class Query(NamedTuple):
    """What ``candidates`` learnt about a query, for ``score``: its tokens, the index tokens
    similar to each (and to two adjacent query tokens joined), each token's weight, and for
    each query token the similar index keys that are two adjacent listed tokens joined."""

    tokens: tuple[str, ...]
    sims: dict[str, dict[str, float]]
    weights: dict[str, float]
    splits: dict[str, frozenset[str]]


class _Name(NamedTuple):
    entry: int
    position: int  # index into the entry's names
    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    total: float
    quality: str
    form: str  # full | outer | acronym (see _name_forms)


class NameIndex:
    """Token / deletion / phonetic index over all names of some lists. Immutable once built.

    Pickles compactly (names as plain tuples), for the persisted index (``_cache``).
    """

    def __init__(self, lists: Sequence[RestrictedList]) -> None:
        self.lists = tuple(lists)
        self.entries: list[tuple[RestrictedList, ListEntry]] = []
        raw: list[tuple[int, int, tuple[str, ...], str, str]] = []
        df: Counter[str] = Counter()
        for rl in self.lists:
            for e in rl.entries:
                ei = len(self.entries)
                self.entries.append((rl, e))
                for pos, name in enumerate(e.names):
                    q = e.alias_quality[pos]
                    for toks, vq, form in _name_forms(name, q):
                        raw.append((ei, pos, toks, vq, form))
                        df.update(set(toks))
        n = max(len(raw), 1)
        log = math.log
        self.max_weight = log((n + 1) / 0.5)
        self.idf: dict[str, float] = {t: log((n + 1) / (c + 0.5)) for t, c in df.items()}
        idf = self.idf
        vocab = set(df)
        joins: dict[str, tuple[str, str]] = {}
        for _ei, _pos, toks, _q, _form in raw:
            for a, b in itertools.pairwise(toks):
                joins.setdefault(a + b, (a, b))
        self._build_abjad(vocab, joins)
        self.names: list[_Name] = []
        postings: dict[str, list[int]] = {}
        for nid, (ei, pos, toks, q, form) in enumerate(raw):
            w = tuple([idf[t] for t in toks])
            self.names.append(_Name(ei, pos, toks, w, sum(w), q, form))
            for k in toks:
                p = postings.get(k)
                if p is None:
                    postings[k] = [nid]
                elif p[-1] != nid:
                    p.append(nid)
            for a, b in itertools.pairwise(toks):
                k = a + b
                p = postings.get(k)
                if p is None:
                    postings[k] = [nid]
                elif p[-1] != nid:
                    p.append(nid)
        # postings sorted by the name's total weight: a query can bound the heaviest name it
        # could still match, and stop reading a posting list there
        totals = [nm.total for nm in self.names]
        for p in postings.values():
            if len(p) > 1:
                p.sort(key=totals.__getitem__)
        self.totals = totals
        self.postings = PackedIds(postings)  # (no per-word objects: quick to load)
        self.joins = frozenset(joins)  # keys of postings that are two adjacent tokens joined
        deletes: defaultdict[str, list[str]] = defaultdict(list)
        phonetic: defaultdict[str, list[str]] = defaultdict(list)
        key = phonetic_key.__wrapped__  # the build sees each token once: skip the cache
        for t in vocab:  # joined pairs are looked up exactly, not through typos or sound
            lt = len(t)
            if lt >= 4:
                for i in range(lt):
                    deletes[t[:i] + t[i + 1 :]].append(t)
            if lt >= 3:
                phonetic[key(t)].append(t)
            sp = _SPELLINGS.get(t)
            if sp is not None:
                for v in sp[1:]:  # typos of a variant spelling find the canonical token
                    deletes[v].append(t)
                    for d in _deletes(v):
                        deletes[d].append(t)
        # read only for query words not seen before (similar_tokens remembers): packed
        self.deletes = PackedMap(deletes)
        self.phonetic = PackedMap(phonetic)
        particle: defaultdict[str, list[str]] = defaultdict(list)
        for t in vocab:
            rest = _particle_rest(t)
            if rest is not None:
                particle[rest].append(t)
        self.particle = PackedMap(particle)
        # a name can be found inside a longer query when one of its words is this rare: in at
        # most about n / sqrt(2n) of the n indexed names (~140 of the bundled 38,000)
        self.distinct_weight = 0.5 * self.max_weight
        # similar index tokens per query token, remembered (the same words recur in names)
        self._similar_cache: dict[str, dict[str, float]] = {}

    def _build_abjad(self, vocab: set[str], joins: dict[str, tuple[str, str]]) -> None:
        """The consonant keys of every Latin token, and of two Latin tokens of a compound
        written as one word in Arabic script ("Abu Bakr", "Abd Allah"), for words in Arabic
        script (``_abjad``); and the weight of every Arabic-script token brought down to that of
        the lightest Latin token it corresponds to (``محمد`` is as common as ``muhammad``, not
        as rare as the few names the lists write in Arabic script)."""
        abjad: defaultdict[str, list[str]] = defaultdict(list)
        token_keys: dict[str, set[str]] = {}
        for t in vocab:
            fs = _latin_token_forms(t)
            if fs:
                token_keys[t] = {k for k, _ in fs}
                for k, m in fs:
                    abjad[index_key(k, m)].append(t)
        forms = latin_forms.__wrapped__
        for t, (a, b) in joins.items():
            if t in vocab or not (a in LATIN_COMPOUND_HEADS or b in LATIN_COMPOUND_TAILS):
                continue
            # only what the two words make together ("abubakar" for "abu bakr"), not a key of
            # one of them whose neighbour's letters were lost as a doubled consonant
            e: set[str] = set()
            alone = token_keys.get(a, e) | token_keys.get(b, e)
            for k, m in forms(t):
                if k not in alone:
                    abjad[index_key(k, m)].append(t)
        self.abjad = PackedMap(abjad)
        idf = self.idf
        for t in vocab:
            if is_arabic_token(t):
                found: dict[str, float] = {}
                self._abjad_similar(t, found)
                for lt in found:
                    w = idf.get(lt)
                    if w is not None and w < idf[t]:
                        idf[t] = w

    def __len__(self) -> int:
        return len(self.entries)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["names"] = [tuple(n) for n in self.names]
        del state["_similar_cache"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        raw = state.pop("names")
        assert isinstance(raw, list)
        self.__dict__.update(state)
        # tuple.__new__ makes each _Name in C (``_Name._make`` is a Python call per name)
        self.names = list(map(tuple.__new__, itertools.repeat(_Name), raw))
        self._similar_cache = {}

    def clear_caches(self) -> None:
        """Forget the similar tokens remembered per query token."""
        self._similar_cache = {}

    def weight(self, tok: str) -> float:
        return self.idf.get(tok, self.max_weight)

    def similar_tokens(self, q: str) -> dict[str, float]:
        """Index tokens similar to ``q`` (see ``_similar``), the tokens it matches through an
        Arabic article written joined or split (``alkawari`` / ``kawari``, 0.95) and, for a word
        in Arabic script, the Latin tokens that correspond to it (``_abjad``).

        Remembered per token (up to _SIMILAR_CACHE tokens, then started afresh); the result is
        shared: callers must not change it."""
        cache = self._similar_cache
        out = cache.get(q)
        if out is None:
            out = self._similar_tokens(q)
            if len(cache) >= _SIMILAR_CACHE:
                cache.clear()
            cache[q] = out
        return out

    def _similar_tokens(self, q: str) -> dict[str, float]:
        out = self._similar(q)
        rest = _particle_rest(q)
        if rest is not None and q not in self.postings:
            for t, sv in self._similar(rest).items():
                if sv * _PARTICLE_SIM > out.get(t, 0.0):
                    out[t] = sv * _PARTICLE_SIM
        for t in self.particle.get(q, ()):
            if out.get(t, 0.0) < _PARTICLE_SIM:
                out[t] = _PARTICLE_SIM
        if is_arabic_token(q):
            self._abjad_similar(q, out)
        return out

    def _abjad_similar(
        self, word: str, out: dict[str, float], forms: frozenset[Form] | None = None
    ) -> None:
        """Add to ``out`` the Latin tokens that correspond to an Arabic-script word (or to
        ``forms``): same consonant key, a vowel wherever the Arabic writes one (``_abjad``);
        similarity by the number of consonants (``_ABJAD_SIM``)."""
        abjad = self.abjad
        for k, m in arabic_forms(word) if forms is None else forms:
            sv = _ABJAD_SIM[min(consonants(k), 3)]
            for lk in lookup_keys(k, m):
                found = abjad.get(lk)
                if found:
                    for t in found:
                        if sv > out.get(t, 0.0):
                            out[t] = sv

    def query_weights(
        self, qtoks: tuple[str, ...], sims: dict[str, dict[str, float]]
    ) -> dict[str, float]:
        """Weight of each query token: its IDF (an unknown token weighs the most); a word in
        Arabic script weighs no more than the lightest Latin token it corresponds to, so that
        ``محمد`` counts as little as ``muhammad``."""
        idf, top = self.idf, self.max_weight
        wq: dict[str, float] = {}
        for q in qtoks:
            w = idf.get(q, top)
            if is_arabic_token(q):
                for t in sims.get(q, ()):
                    wt = idf.get(t)
                    if wt is not None and wt < w and t.isascii():
                        w = wt
            wq[q] = w
        return wq

    def _similar(self, q: str) -> dict[str, float]:
        """Index tokens similar to ``q`` with their similarity (``q`` itself when present).

        Tokens reached through the deletion neighbourhood have a distance known from how they
        were reached (one letter more or less: 1; same length: 1 for one substitution or one
        swap, else 2), so no edit distance is computed for them; tokens with variant spellings
        and sound-alikes go through ``token_sim``.
        """
        out: dict[str, float] = {}
        # (the maps' own dicts once built: see _packed; a posting list is never empty)
        postings, deletes = self.postings.getter(), self.deletes.getter()
        if postings(q, ()):
            out[q] = 1.0
        lq = len(q)
        general: set[str] = set()
        if lq >= 4:
            for t in deletes(q, ()):  # q is t with one letter deleted
                if t not in out:
                    if t in _SPELLINGS:
                        general.add(t)
                    else:
                        _put(out, q, t, 1)
            for d in _deletes(q):
                if postings(d, ()) and d not in out:  # t is q with one letter deleted
                    if d in _SPELLINGS:
                        general.add(d)
                    else:
                        _put(out, q, d, 1)
                for t in deletes(d, ()):  # q and t share a deletion: same length
                    if t in out or t in general:
                        continue
                    if t in _SPELLINGS or len(t) != lq:
                        general.add(t)
                    else:
                        _put(out, q, t, _same_length_distance(q, t))
        if lq >= 3:
            general.update(self.phonetic.get(phonetic_key(q), ()))
        for t in general:
            if t not in out and abs(len(t) - lq) <= 0.4 * max(len(t), lq):
                sv = token_sim(q, t)
                if sv > 0:
                    out[t] = sv
        return out

    def candidates(
        self, qtoks: tuple[str, ...], floor: float
    ) -> tuple[list[tuple[int, float]], Query]:
        """Every name whose score can reach ``floor``, with an upper bound of its name score
        (unsorted), and what ``score`` needs of the query (``Query``).

        Posting lists of the query tokens' similar tokens are read rarest first, until the
        query weight left could not lift an unseen name to ``floor``; each list is sorted by
        name weight and read only up to the heaviest name the query could still cover to
        ``floor**2``. Each candidate is then bounded, first from the query weight it was seen
        with, then from its own tokens (a name token aligns with at most one query token, so it
        adds at most the best query weight and similarity it has). Every step only drops names
        that cannot score ``floor``, so the result does not depend on the order of lists or
        entries.
        """
        sims: dict[str, dict[str, float]] = {q: self.similar_tokens(q) for q in set(qtoks)}
        joined = [a + b for a, b in itertools.pairwise(qtoks)]
        for j, a, b in zip(joined, qtoks, qtoks[1:]):
            extra: dict[str, float] = {}
            if j in self.postings:  # two query words written as one listed word
                extra[j] = 1.0
            if (
                is_arabic_token(a)
                and is_arabic_token(b)
                and (a in COMPOUND_HEADS or b in COMPOUND_TAILS)
            ):  # ... also across scripts, for a compound name ("Nooruddin")
                self._abjad_similar(j, extra, joined_forms(a, b))
            if extra:  # a new map (the similar tokens of a query token are shared)
                have = sims.get(j)
                if have:  # the better similarity of each token, as if added to ``have``
                    extra = {**have, **{t: v for t, v in extra.items() if v > have.get(t, 0.0)}}
                sims[j] = extra
        joined = [j for j in joined if sims.get(j)]
        wq = self.query_weights(qtoks, sims)
        joins = self.joins
        splits = {q: frozenset(t for t in sims[q] if t in joins) for q in dict.fromkeys(qtoks)}
        query = Query(qtoks, sims, wq, {q: v for q, v in splits.items() if v})
        total_q = sum(wq[q] for q in qtoks)
        need = floor * floor * total_q  # cov_q >= floor**2 is necessary for score >= floor
        idf = self.idf
        pair_bound = 2 * self.max_weight  # name-side weight of two joined name tokens, at most
        acc: dict[int, float] = {}  # name id -> query weight seen (an upper bound)
        # joined pairs first (rare, exact), then tokens from the rarest: once the tokens left
        # weigh less than `need`, a name sharing none of the tokens seen so far cannot reach
        # the floor, so the common tokens left generate no candidates and are not scanned.
        order = sorted(
            dict.fromkeys(qtoks),
            key=lambda q: sum(map(self.postings.size, sims[q])),
        )
        # the most name-side weight each query token could add to a name, and in all: a name
        # heavier than all / floor**2 cannot reach the floor (cov_n < floor**2), so posting
        # lists, sorted by name weight, are read only up to that weight
        def name_weight(t: str) -> float:  # a key that is two listed tokens joined weighs both
            return pair_bound if t in joins else idf.get(t, pair_bound)

        best_n = {
            q: max((sv * name_weight(t) for t, sv in sims[q].items()), default=0.0)
            for q in order
        }
        joins_n = sum(max(sv * name_weight(t) for t, sv in sims[j].items()) for j in joined)
        cap = (sum(best_n[q] * qtoks.count(q) for q in order) + joins_n) / (floor * floor)
        totals = self.totals
        pget = self.postings.getter()
        for a, b in itertools.pairwise(qtoks):
            j = a + b
            if j in sims and j in joined:
                add = wq[a] + wq[b]
                for t, sv in sims[j].items():
                    for nid in pget(t, ()):
                        if totals[nid] > cap:
                            break
                        acc[nid] = acc.get(nid, 0.0) + sv * add
        rest = total_q
        for q in order:
            if rest < need:
                break
            w = wq[q] * qtoks.count(q)
            for t, sv in sims[q].items():
                add = sv * w
                for nid in pget(t, ()):
                    if totals[nid] > cap:
                        break
                    acc[nid] = acc.get(nid, 0.0) + add
            rest -= w
        if not acc:
            return [], query
        names = self.names
        out: list[tuple[int, float]] = []
        floor2 = floor * floor
        rest = max(rest, 0.0)
        # second, tighter bound over the name's own tokens: each name token aligns with at most
        # one query token, so it adds at most the best query weight (and similarity) it has
        best_q: dict[str, float] = {}
        best_s: dict[str, float] = {}
        for q, sm in sims.items():
            wqq = wq.get(q, 0.0)
            for t, sv in sm.items():
                wv = sv * wqq
                if wv > best_q.get(t, 0.0):
                    best_q[t] = wv
                if sv > best_s.get(t, 0.0):
                    best_s[t] = sv
        for a, b in itertools.pairwise(qtoks):
            j = a + b
            if j in sims and j in joined:  # a query pair written as one name token
                for t, sv in sims[j].items():
                    best_q[t] = max(best_q.get(t, 0.0), sv * (wq[a] + wq[b]))
                    best_s[t] = max(best_s.get(t, 0.0), sv)
        contain = floor <= _CONTAIN_SCORE and len(qtoks) >= 3
        distinct = self.distinct_weight
        pairs = not joins.isdisjoint(best_q)  # may two listed words be one query word?
        for nid, aq in acc.items():
            # query side first (cheap), then both sides from the name's own tokens
            b2 = min(1.0, (aq + rest) / total_q)
            nm = names[nid]
            toks, ws = nm.tokens, nm.weights
            # a name found whole inside a longer query may score _CONTAIN_SCORE whatever the
            # query coverage: it is kept when its own tokens are all (nearly) covered
            maybe_inside = contain and len(toks) >= 2 and len(toks) < len(qtoks)
            if b2 < floor2 and not maybe_inside:
                continue
            tq = tn = 0.0
            for t, wt in zip(toks, ws):
                bq = best_q.get(t)
                if bq is not None:
                    tq += bq
                    tn += best_s[t] * wt
            if pairs:
                for i in range(len(toks) - 1):  # two name tokens written as one query token
                    pair = toks[i] + toks[i + 1]
                    pw = best_q.get(pair)
                    if pw is not None:
                        tq += pw
                        tn += best_s[pair] * (ws[i] + ws[i + 1])
            b2 = min(b2, min(1.0, tq / total_q) * min(1.0, tn / nm.total))
            if b2 >= floor2:
                out.append((nid, math.sqrt(b2)))
            elif maybe_inside and tn >= 0.95 * nm.total and max(ws) >= distinct:
                out.append((nid, _CONTAIN_SCORE))
        return out, query

    def score(self, query: Query, nid: int) -> Scored:
        """The name score of a query (from ``candidates``) against name ``nid`` (see the module
        docstring)."""
        qtoks, sims, weights, splits = query
        name = self.names[nid]
        ntoks = name.tokens
        nw = name.weights
        used = [False] * len(ntoks)
        wq = [weights[q] for q in qtoks]
        total_q = sum(wq)
        got_q = exact_q = 0.0
        got_n = exact_n = 0.0
        phon = 0
        across = False  # a word matched across scripts (Arabic script to Latin)
        # every similar pair, best first, assigned greedily; a pair is (query token, name
        # token), or one query token for two adjacent name tokens joined, or the reverse (the
        # joins count at most _JOIN_SIM: exact, or through a typo or consonants across scripts)
        pairs: list[tuple[float, int, int, int]] = []  # (similarity, kind, query i, name j)
        for qi, q in enumerate(qtoks):
            sm = sims.get(q)
            if not sm:
                continue
            for j, t in enumerate(ntoks):
                sv = sm.get(t)
                if sv:
                    pairs.append((sv, 0, qi, j))
            sp = splits.get(q)
            if sp:  # one query token for two listed tokens
                for j in range(len(ntoks) - 1):
                    t = ntoks[j] + ntoks[j + 1]
                    if t in sp:
                        pairs.append((min(sm[t], _JOIN_SIM), 1, qi, j))
        for qi in range(len(qtoks) - 1):  # two query tokens for one listed token
            sm = sims.get(qtoks[qi] + qtoks[qi + 1])
            if sm:
                for j, t in enumerate(ntoks):
                    sv = sm.get(t)
                    if sv:
                        pairs.append((min(sv, _JOIN_SIM), 2, qi, j))
        pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))  # a join first, when as good
        done_q = [False] * len(qtoks)
        for sv, kind, qi, j in pairs:
            if kind == 0:
                if done_q[qi] or used[j]:
                    continue
                done_q[qi] = used[j] = True
                got_q += sv * wq[qi]
                got_n += sv * nw[j]
                q, t = qtoks[qi], ntoks[j]
                if sv == 1.0:
                    exact_q += wq[qi]
                    exact_n += nw[j]
                elif is_arabic_token(q) != is_arabic_token(t):
                    across = True
                if len(q) >= 3 and phonetic_key(q) == phonetic_key(t):
                    phon += 1
            elif kind == 1:
                if done_q[qi] or used[j] or used[j + 1]:
                    continue
                done_q[qi] = used[j] = used[j + 1] = True
                got_q += sv * wq[qi]
                got_n += sv * (nw[j] + nw[j + 1])
                across = across or is_arabic_token(qtoks[qi]) != is_arabic_token(ntoks[j])
            else:
                if done_q[qi] or done_q[qi + 1] or used[j]:
                    continue
                done_q[qi] = done_q[qi + 1] = used[j] = True
                got_q += sv * (wq[qi] + wq[qi + 1])
                got_n += sv * nw[j]
                across = across or is_arabic_token(qtoks[qi]) != is_arabic_token(ntoks[j])
        cov_q = min(got_q / total_q, 1.0) if total_q else 0.0
        cov_n = min(got_n / name.total, 1.0) if name.total else 0.0
        ex_q = exact_q / total_q if total_q else 0.0
        ex_n = exact_n / name.total if name.total else 0.0
        edit = math.sqrt(cov_q * cov_n)
        score = edit
        # the whole listed name inside a longer party name ("Hengda Trading Shenzhen Branch",
        # "... (IRGC) Procurement Office"): a potential match, whatever the extra words
        contained = (
            edit < _CONTAIN_SCORE
            and cov_n >= 0.95
            and 2 <= len(ntoks) < len(qtoks)
            and max(nw) >= self.distinct_weight
        )
        if contained:
            score = _CONTAIN_SCORE
        return Scored(
            score=score,
            token_set=math.sqrt(ex_q * ex_n),
            edit=edit,
            phonetic=phon / len(qtoks) if qtoks else 0.0,
            listed_coverage=cov_n,
            contained=contained,
            transliterated=across,
        )
