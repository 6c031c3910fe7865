"""The in-memory name index and the documented score.

Index: every name of every entry is normalised to canonical tokens. Three maps lead from a query
token to index tokens, so a query touches only candidates: exact token, one-deletion
neighbourhood (edit distance up to 2, SymSpell style) and phonetic key. Postings lead from index
tokens, and from the concatenation of adjacent tokens ("Heng Da" -> "hengda"), to names.

Score of a query against one name (all in 0..1):

* token similarity ``s(q, n)``: 1 for equal tokens; the edit ratio ``1 - lev / max(len)`` when
  it is at least 0.7 (optimal string alignment: a transposition costs 1; the best over the
  token's known variant spellings); at least 0.85 when the phonetic keys agree and the edit
  ratio is at least 0.6; a query token equal to two adjacent name tokens joined (or the reverse) counts 0.95.
* each query token is aligned to its most similar unused name token; ``cov_q`` is the
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
import heapq
import math
import re
from collections.abc import Sequence

import attrs

from ._model import ListEntry, RestrictedList
from ._normalise import normalise_tokens, phonetic_key
from ._tables import VARIANTS

__all__ = ["NameIndex", "Scored", "edit_ratio"]

_MIN_EDIT = 0.7
_PHON_FLOOR = 0.85
_PHON_MIN_EDIT = 0.6
_JOIN_SIM = 0.95
_COMMON_POSTINGS = 3000  # tokens on more names than this do not generate candidates alone


@functools.lru_cache(maxsize=262144)
def edit_ratio(a: str, b: str) -> float:
    """``1 - osa(a, b) / max(len)`` in 0..1, where ``osa`` is the optimal-string-alignment
    distance (insertions, deletions, substitutions and adjacent transpositions each cost 1).

    Pairs whose length difference alone puts them below 0.5 return that upper bound unrefined.
    """
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    bound = 1 - abs(la - lb) / max(la, lb)
    if bound < 0.5:
        return bound
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
    return 1 - prev[lb] / max(la, lb)


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


def spellings(t: str) -> tuple[str, ...]:
    """``t`` and the variant spellings that normalise to it."""
    return _SPELLINGS.get(t, (t,))


_SPELLINGS: dict[str, tuple[str, ...]] = {}
for _v, _k in VARIANTS.items():
    _SPELLINGS[_k] = (*_SPELLINGS.get(_k, (_k,)), _v)


def _deletes(tok: str) -> set[str]:
    return {tok[:i] + tok[i + 1 :] for i in range(len(tok))}


_PAREN = re.compile(r"\s*\(([^()]*)\)\s*")


def _name_forms(name: str, quality: str) -> list[tuple[tuple[str, ...], str]]:
    """Token forms indexed for one listed name, with the quality each carries.

    A parenthesised part ("Emal Bilal Construction Company (EBCC)") is indexed with and without
    it, and alone (usually an acronym); a bare acronym alias (one token of at most 4 letters)
    is ``weak``: it identifies nobody on its own.
    """
    forms: list[tuple[tuple[str, ...], str]] = []
    toks = normalise_tokens(name)
    if toks:
        forms.append((toks, quality))
    if "(" in name:
        outer = normalise_tokens(_PAREN.sub(" ", name))
        if outer and outer != toks:
            forms.append((outer, quality))
        for inner in _PAREN.findall(name):
            it = normalise_tokens(inner)
            if it and it != toks:
                forms.append((it, "weak" if len(it) == 1 and len(it[0]) <= 4 else quality))
    out = []
    for t, q in forms:
        if q in ("good", "low") and len(t) == 1 and len(t[0]) <= 4:
            q = "weak"
        out.append((t, q))
    return out


@attrs.frozen
class Scored:
    """Score of one name for a query, with its features."""

    score: float
    token_set: float
    edit: float
    phonetic: float


@attrs.define(slots=True)
class _Name:
    entry: int
    position: int  # index into the entry's names
    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    total: float
    quality: str


class NameIndex:
    """Token / deletion / phonetic index over all names of some lists. Immutable once built."""

    def __init__(self, lists: Sequence[RestrictedList]) -> None:
        self.lists = tuple(lists)
        self.entries: list[tuple[RestrictedList, ListEntry]] = []
        raw: list[tuple[int, int, tuple[str, ...], str]] = []
        df: dict[str, int] = {}
        for rl in self.lists:
            for e in rl.entries:
                ei = len(self.entries)
                self.entries.append((rl, e))
                for pos, name in enumerate(e.names):
                    q = e.alias_quality[pos]
                    for toks, vq in _name_forms(name, q):
                        raw.append((ei, pos, toks, vq))
                        for t in set(toks):
                            df[t] = df.get(t, 0) + 1
        n = max(len(raw), 1)
        log = math.log
        self.max_weight = log((n + 1) / 0.5)
        self.idf: dict[str, float] = {t: log((n + 1) / (c + 0.5)) for t, c in df.items()}
        idf = self.idf
        self.names: list[_Name] = []
        postings: dict[str, list[int]] = {}
        for nid, (ei, pos, toks, q) in enumerate(raw):
            w = tuple([idf[t] for t in toks])
            self.names.append(_Name(ei, pos, toks, w, sum(w), q))
            for k in toks:
                p = postings.get(k)
                if p is None:
                    postings[k] = [nid]
                elif p[-1] != nid:
                    p.append(nid)
            for a, b in zip(toks, toks[1:]):
                k = a + b
                p = postings.get(k)
                if p is None:
                    postings[k] = [nid]
                elif p[-1] != nid:
                    p.append(nid)
        self.postings = postings
        deletes: dict[str, list[str]] = {}
        phonetic: dict[str, list[str]] = {}
        for t in postings:
            lt = len(t)
            if lt >= 4:
                for i in range(lt):
                    d = t[:i] + t[i + 1 :]
                    lst = deletes.get(d)
                    if lst is None:
                        deletes[d] = [t]
                    else:
                        lst.append(t)
            if lt >= 3:
                phonetic.setdefault(phonetic_key(t), []).append(t)
            sp = _SPELLINGS.get(t)
            if sp is not None:
                for v in sp[1:]:  # typos of a variant spelling find the canonical token
                    deletes.setdefault(v, []).append(t)
                    for d in _deletes(v):
                        deletes.setdefault(d, []).append(t)
        self.deletes = deletes
        self.phonetic = phonetic

    def __len__(self) -> int:
        return len(self.entries)

    def weight(self, tok: str) -> float:
        return self.idf.get(tok, self.max_weight)

    def similar_tokens(self, q: str) -> dict[str, float]:
        """Index tokens similar to ``q`` with their similarity (``q`` itself when present)."""
        out: dict[str, float] = {}
        if q in self.postings:
            out[q] = 1.0
        cands: set[str] = set()
        if len(q) >= 3:
            cands.update(self.phonetic.get(phonetic_key(q), ()))
        if len(q) >= 4:
            cands.update(self.deletes.get(q, ()))
            for d in _deletes(q):
                if d in self.postings:
                    cands.add(d)
                cands.update(self.deletes.get(d, ()))
        for t in cands:
            if t not in out:
                s = token_sim(q, t)
                if s > 0:
                    out[t] = s
        return out

    def candidates(
        self, qtoks: tuple[str, ...], floor: float, limit: int
    ) -> tuple[list[int], dict[str, dict[str, float]]]:
        """Names that may score at least ``floor``, best first, and the token similarity map."""
        sims: dict[str, dict[str, float]] = {q: self.similar_tokens(q) for q in set(qtoks)}
        joined = [a + b for a, b in zip(qtoks, qtoks[1:])]
        for j in joined:
            if j in self.postings:
                sims.setdefault(j, {})[j] = 1.0
        wq = {q: self.weight(q) for q in qtoks}
        total_q = sum(wq[q] for q in qtoks)
        acc: dict[int, float] = {}
        sources = [(q, wq[q]) for q in dict.fromkeys(qtoks)]
        sources += [(j, wq[a] + wq[b]) for j, a, b in zip(joined, qtoks, qtoks[1:]) if j in sims]
        rare_exists = any(
            len(self.postings.get(t, ())) <= _COMMON_POSTINGS for q, _ in sources for t in sims[q]
        )
        for q, w in sources:
            for t, s in sims[q].items():
                post = self.postings[t]
                if rare_exists and len(post) > _COMMON_POSTINGS:
                    continue
                add = s * w
                for nid in post:
                    acc[nid] = acc.get(nid, 0.0) + add
        if not acc:
            return [], sims
        # cov_q <= acc / total_q and the name score <= sqrt(cov_q): prune on that bound
        need = floor * floor * total_q
        best = heapq.nlargest(limit, (kv for kv in acc.items() if kv[1] >= need),
                              key=lambda kv: kv[1])
        return [nid for nid, _ in best], sims

    def score(
        self, qtoks: tuple[str, ...], nid: int, sims: dict[str, dict[str, float]]
    ) -> Scored:
        """The name score of ``qtoks`` against name ``nid`` (see the module docstring)."""
        name = self.names[nid]
        ntoks = name.tokens
        used = [False] * len(ntoks)
        wq = [self.weight(q) for q in qtoks]
        total_q = sum(wq)
        got_q = exact_q = 0.0
        got_n = exact_n = 0.0
        phon = 0
        unmatched_q: list[int] = []
        for qi, q in enumerate(qtoks):
            sm = sims.get(q) or {}
            best, bj = 0.0, -1
            for j, t in enumerate(ntoks):
                if not used[j]:
                    s = sm.get(t, 0.0)
                    if s > best:
                        best, bj = s, j
            if bj < 0:
                unmatched_q.append(qi)
                continue
            used[bj] = True
            got_q += best * wq[qi]
            got_n += best * name.weights[bj]
            if best == 1.0:
                exact_q += wq[qi]
                exact_n += name.weights[bj]
            if len(q) >= 3 and phonetic_key(q) == phonetic_key(ntoks[bj]):
                phon += 1
        # joined tokens: one query token for two adjacent name tokens, or the reverse
        for qi in unmatched_q:
            q = qtoks[qi]
            for j in range(len(ntoks) - 1):
                if not used[j] and not used[j + 1] and token_sim(q, ntoks[j] + ntoks[j + 1]) >= 0.85:
                    used[j] = used[j + 1] = True
                    got_q += _JOIN_SIM * wq[qi]
                    got_n += _JOIN_SIM * (name.weights[j] + name.weights[j + 1])
                    break
        for qi in range(len(qtoks) - 1):
            if qi in unmatched_q and qi + 1 in unmatched_q:
                pair = qtoks[qi] + qtoks[qi + 1]
                for j, t in enumerate(ntoks):
                    if not used[j] and token_sim(pair, t) >= 0.85:
                        used[j] = True
                        got_q += _JOIN_SIM * (wq[qi] + wq[qi + 1])
                        got_n += _JOIN_SIM * name.weights[j]
                        break
        cov_q = min(got_q / total_q, 1.0) if total_q else 0.0
        cov_n = min(got_n / name.total, 1.0) if name.total else 0.0
        ex_q = exact_q / total_q if total_q else 0.0
        ex_n = exact_n / name.total if name.total else 0.0
        edit = math.sqrt(cov_q * cov_n)
        return Scored(
            score=edit,
            token_set=math.sqrt(ex_q * ex_n),
            edit=edit,
            phonetic=phon / len(qtoks) if qtoks else 0.0,
        )
