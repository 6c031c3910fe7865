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

from ._model import ListEntry, RestrictedList
from ._normalise import normalise_tokens, phonetic_key, skeleton
from ._tables import PARTICLE_PREFIXES, VARIANTS

__all__ = ["NameIndex", "Scored", "edit_ratio"]

_MIN_EDIT = 0.7
_PHON_FLOOR = 0.85
_PHON_MIN_EDIT = 0.6
_JOIN_SIM = 0.95
_PARTICLE_SIM = 0.95  # "alkawari" for "al-Kawari" (the article written joined)
_SKELETON_SIM = 0.8  # an unvocalised romanisation ("mr") for "umar"
_SKELETON_SIM_LONG = 0.87  # three consonants or more ("mhmd" for "muhammad"): below a match
_CONTAIN_SCORE = 0.8  # a listed name found whole inside a longer party name: a review
_PARTICLES = tuple(sorted(set(PARTICLE_PREFIXES), key=len, reverse=True))


def _particle_rest(tok: str) -> str | None:
    """``kawari`` for ``alkawari``: the word after a joined Arabic article: 4 letters or more,
    or 3 after ``al``/``el``/``ul`` (``aldin``, "al-Din"; not ``aslam``, a name)."""
    for p in _PARTICLES:
        if tok.startswith(p) and len(tok) - len(p) >= (3 if p in _SHORT_OK else 4):
            return tok[len(p) :]
    return None


_SHORT_OK = frozenset({"al", "el", "ul"})


def abjad_keys(tok: str) -> set[str]:
    """Consonant keys of a token romanised from Arabic script letter by letter: its skeleton,
    also without ``w`` (a written long u: ``mhmwd`` is ``mahmud``) and without an initial ``l``
    (the article joined: ``lrhmn`` is ``al-rahman``)."""
    forms = {tok, tok.replace("w", "")}
    # letters Latin spellings write otherwise: ذ ظ (dh: z), ث (th: s)
    forms |= {f.replace("dh", "z").replace("th", "s") for f in forms}
    if tok.startswith("l") and len(tok) >= 4:
        forms |= {f[1:] for f in forms if f.startswith("l")}
    # a final h may be a written final vowel (ta marbuta) or an h Latin spellings drop
    forms |= {f[:-1] for f in forms if f.endswith("h") and len(f) >= 3}
    return {k for k in (skeleton(f) for f in forms if len(f) >= 2) if k}


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
    if e >= _PHON_MIN_EDIT and phonetic_key(q) == phonetic_key(t):
        return max(e, _PHON_FLOOR)
    if len(q) <= 3 or len(best) <= 3:
        return 0.0  # short tokens: a one-letter change makes another word
    return e if e >= _MIN_EDIT else 0.0


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
    if e >= _PHON_MIN_EDIT and phonetic_key(q) == phonetic_key(t):
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
        self.names: list[_Name] = []
        postings: dict[str, list[int]] = {}
        vocab: set[str] = set()
        for nid, (ei, pos, toks, q, form) in enumerate(raw):
            w = tuple([idf[t] for t in toks])
            self.names.append(_Name(ei, pos, toks, w, sum(w), q, form))
            vocab.update(toks)
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
        self.postings = postings
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
        self.deletes = dict(deletes)
        self.phonetic = dict(phonetic)
        particle: defaultdict[str, list[str]] = defaultdict(list)
        skel: defaultdict[str, list[str]] = defaultdict(list)
        for t in vocab:
            rest = _particle_rest(t)
            if rest is not None:
                particle[rest].append(t)
            if len(t) >= 3 and t.isalpha():
                sk = skeleton.__wrapped__(t)
                if sk:
                    skel[sk].append(t)
        self.particle = dict(particle)
        self.skeletons = dict(skel)
        # a name can be found inside a longer query when one of its words is this rare: in at
        # most about n / sqrt(2n) of the n indexed names (~140 of the bundled 38,000)
        self.distinct_weight = 0.5 * self.max_weight

    def __len__(self) -> int:
        return len(self.entries)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["names"] = [tuple(n) for n in self.names]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        raw = state.pop("names")
        assert isinstance(raw, list)
        self.__dict__.update(state)
        self.names = list(map(_Name._make, raw))

    def weight(self, tok: str) -> float:
        return self.idf.get(tok, self.max_weight)

    def similar_tokens(self, q: str, abjad: bool = False) -> dict[str, float]:
        """Index tokens similar to ``q`` (see ``_similar``), and the tokens it matches through
        an Arabic article written joined or split (``alkawari`` / ``kawari``, 0.95) and, for a
        token of a name written in Arabic script (``abjad``: romanised without short vowels,
        ``mhmd``), through its consonants (0.8, see ``abjad_keys``)."""
        out = self._similar(q)
        rest = _particle_rest(q)
        if rest is not None and q not in self.postings:
            for t, sv in self._similar(rest).items():
                if sv * _PARTICLE_SIM > out.get(t, 0.0):
                    out[t] = sv * _PARTICLE_SIM
        for t in self.particle.get(q, ()):
            if out.get(t, 0.0) < _PARTICLE_SIM:
                out[t] = _PARTICLE_SIM
        if abjad:
            for k in abjad_keys(q):
                # three consonants or more in order are specific; two are not
                sv = _SKELETON_SIM_LONG if len(k) >= 3 else _SKELETON_SIM
                for t in self.skeletons.get(k, ()):
                    if sv > out.get(t, 0.0):
                        out[t] = sv
        return out

    def _similar(self, q: str) -> dict[str, float]:
        """Index tokens similar to ``q`` with their similarity (``q`` itself when present).

        Tokens reached through the deletion neighbourhood have a distance known from how they
        were reached (one letter more or less: 1; same length: 1 for one substitution or one
        swap, else 2), so no edit distance is computed for them; tokens with variant spellings
        and sound-alikes go through ``token_sim``.
        """
        out: dict[str, float] = {}
        postings, deletes = self.postings, self.deletes
        if q in postings:
            out[q] = 1.0
        lq = len(q)
        general: set[str] = set()
        if lq >= 4:
            for t in deletes.get(q, ()):  # q is t with one letter deleted
                if t not in out:
                    if t in _SPELLINGS:
                        general.add(t)
                    else:
                        _put(out, q, t, 1)
            for d in _deletes(q):
                if d in postings and d not in out:  # t is q with one letter deleted
                    if d in _SPELLINGS:
                        general.add(d)
                    else:
                        _put(out, q, d, 1)
                for t in deletes.get(d, ()):  # q and t share a deletion: same length
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
        self, qtoks: tuple[str, ...], floor: float, abjad: bool = False
    ) -> tuple[list[tuple[int, float]], dict[str, dict[str, float]]]:
        """Every name whose score can reach ``floor``, with an upper bound of its name score
        (unsorted), and the token similarity map used for scoring.

        Posting lists of the query tokens' similar tokens are read rarest first, until the
        query weight left could not lift an unseen name to ``floor``; each list is sorted by
        name weight and read only up to the heaviest name the query could still cover to
        ``floor**2``. Each candidate is then bounded, first from the query weight it was seen
        with, then from its own tokens (a name token aligns with at most one query token, so it
        adds at most the best query weight and similarity it has). Every step only drops names
        that cannot score ``floor``, so the result does not depend on the order of lists or
        entries.
        """
        sims: dict[str, dict[str, float]] = {q: self.similar_tokens(q, abjad) for q in set(qtoks)}
        joined = [a + b for a, b in itertools.pairwise(qtoks)]
        for j in joined:
            if j in self.postings:
                sims.setdefault(j, {})[j] = 1.0
        wq = {q: self.weight(q) for q in qtoks}
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
            key=lambda q: sum(len(self.postings[t]) for t in sims[q]),
        )
        # the most name-side weight each query token could add to a name, and in all: a name
        # heavier than all / floor**2 cannot reach the floor (cov_n < floor**2), so posting
        # lists, sorted by name weight, are read only up to that weight
        best_n = {
            q: max((sv * idf.get(t, pair_bound) for t, sv in sims[q].items()), default=0.0)
            for q in order
        }
        joins_n = sum(idf.get(j, pair_bound) for j in joined if j in sims)
        cap = (sum(best_n[q] * qtoks.count(q) for q in order) + joins_n) / (floor * floor)
        totals = self.totals
        for j, a, b in zip(joined, qtoks, qtoks[1:]):
            if j in sims:
                add = wq[a] + wq[b]
                for nid in self.postings[j]:
                    if totals[nid] > cap:
                        break
                    acc[nid] = acc.get(nid, 0.0) + add
        rest = total_q
        for q in order:
            if rest < need:
                break
            w = wq[q] * qtoks.count(q)
            for t, sv in sims[q].items():
                add = sv * w
                for nid in self.postings[t]:
                    if totals[nid] > cap:
                        break
                    acc[nid] = acc.get(nid, 0.0) + add
            rest -= w
        if not acc:
            return [], sims
        names = self.names
        out: list[tuple[int, float]] = []
        floor2 = floor * floor
        rest = max(rest, 0.0)
        # second, tighter bound over the name's own tokens: each name token aligns with at most
        # one query token, so it adds at most the best query weight (and similarity) it has
        best_q: dict[str, float] = {}
        best_s: dict[str, float] = {}
        for q, sm in sims.items():
            for t, sv in sm.items():
                wv = sv * wq[q] if q in wq else 0.0
                if wv > best_q.get(t, 0.0):
                    best_q[t] = wv
                if sv > best_s.get(t, 0.0):
                    best_s[t] = sv
        for j, a, b in zip(joined, qtoks, qtoks[1:]):
            if j in sims:  # a query pair written as one name token
                best_q[j] = max(best_q.get(j, 0.0), wq[a] + wq[b])
                best_s[j] = 1.0
        contain = floor <= _CONTAIN_SCORE and len(qtoks) >= 3
        distinct = self.distinct_weight
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
            for i, t in enumerate(toks):
                tq += best_q.get(t, 0.0)
                tn += best_s.get(t, 0.0) * ws[i]
            for i in range(len(toks) - 1):  # two name tokens written as one query token
                pw = wq.get(toks[i] + toks[i + 1])
                if pw is not None:
                    tq += pw
                    tn += ws[i] + ws[i + 1]
            b2 = min(b2, min(1.0, tq / total_q) * min(1.0, tn / nm.total))
            if b2 >= floor2:
                out.append((nid, math.sqrt(b2)))
            elif maybe_inside and tn >= 0.95 * nm.total and max(ws) >= distinct:
                out.append((nid, _CONTAIN_SCORE))
        return out, sims

    def score(self, qtoks: tuple[str, ...], nid: int, sims: dict[str, dict[str, float]]) -> Scored:
        """The name score of ``qtoks`` against name ``nid`` (see the module docstring)."""
        name = self.names[nid]
        ntoks = name.tokens
        used = [False] * len(ntoks)
        wq = [self.weight(q) for q in qtoks]
        total_q = sum(wq)
        got_q = exact_q = 0.0
        got_n = exact_n = 0.0
        phon = 0
        # every similar (query token, name token) pair, best first, assigned greedily
        pairs = []
        for qi, q in enumerate(qtoks):
            sm = sims.get(q)
            if sm:
                for j, t in enumerate(ntoks):
                    s = sm.get(t)
                    if s:
                        pairs.append((s, qi, j))
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        done_q = [False] * len(qtoks)
        for s, qi, j in pairs:
            if done_q[qi] or used[j]:
                continue
            done_q[qi] = used[j] = True
            got_q += s * wq[qi]
            got_n += s * name.weights[j]
            if s == 1.0:
                exact_q += wq[qi]
                exact_n += name.weights[j]
            q = qtoks[qi]
            if len(q) >= 3 and phonetic_key(q) == phonetic_key(ntoks[j]):
                phon += 1
        unmatched_q = [qi for qi in range(len(qtoks)) if not done_q[qi]]
        # joined tokens: one query token for two adjacent name tokens, or the reverse; only
        # exact joins, which the index finds (so the candidate bound covers them)
        for qi in unmatched_q:
            q = qtoks[qi]
            for j in range(len(ntoks) - 1):
                if not used[j] and not used[j + 1] and ntoks[j] + ntoks[j + 1] == q:
                    used[j] = used[j + 1] = done_q[qi] = True
                    got_q += _JOIN_SIM * wq[qi]
                    got_n += _JOIN_SIM * (name.weights[j] + name.weights[j + 1])
                    break
        for qi in range(len(qtoks) - 1):
            if done_q[qi] or done_q[qi + 1]:
                continue
            pair = qtoks[qi] + qtoks[qi + 1]
            for j, t in enumerate(ntoks):
                if not used[j] and t == pair:
                    used[j] = done_q[qi] = done_q[qi + 1] = True
                    got_q += _JOIN_SIM * (wq[qi] + wq[qi + 1])
                    got_n += _JOIN_SIM * name.weights[j]
                    break
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
            and max(name.weights) >= self.distinct_weight
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
        )
