"""The screener: lists + index + thresholds + cleared matches + a bounded, thread-safe cache."""

from __future__ import annotations

import datetime as _dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import attrs

from ._index import NameIndex, Query
from ._model import ClearedMatch, ListEntry, Match, RestrictedList, ScreenResult
from ._normalise import normalise, normalise_tokens, script_segments

__all__ = [
    "DEFAULT_MATCH_THRESHOLD",
    "DEFAULT_REVIEW_THRESHOLD",
    "DeltaResult",
    "Screener",
]

DEFAULT_MATCH_THRESHOLD = 0.88
DEFAULT_REVIEW_THRESHOLD = 0.75
_CACHE_SIZE = 8192
_QUALITY_FACTOR = {"primary": 1.0, "good": 1.0, "low": 0.95, "weak": 0.9}
_COUNTRY_AGREES = 0.02
_COUNTRY_DIFFERS = -0.05


@attrs.frozen
class DeltaResult:
    """A party whose screening result differs between two list versions."""

    name: str
    country: str | None
    old: tuple[Match, ...]
    new: tuple[Match, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "country": self.country,
            "old": [m.to_dict() for m in self.old],
            "new": [m.to_dict() for m in self.new],
        }


def _signature(ms: Iterable[Match]) -> frozenset[tuple[str, str, str]]:
    return frozenset((m.list_id, m.entry_id, m.level) for m in ms)


def _quality_word(q: str) -> str:
    return {
        "primary": "primary name",
        "good": "alias",
        "low": "low-quality alias",
        "weak": "weak alias",
    }[q]


# Below this share of the listed name's weight, a hit is at most a potential match.
_PARTIAL_COVERAGE = 0.85


class Screener:
    """Screens names against restricted-party lists.

    Args:
        lists: the lists to screen against.
        match_threshold: a hit at or above this score is a ``match``.
        review_threshold: a hit at or above this score (and below the match threshold) is a
            ``review`` (a potential match a person must look at).
        cleared: false positives cleared by a person; each suppresses one (party, entry) hit
            until its expiry date.

    ``screen`` is thread-safe. Results are cached per (normalised name, country, lists, date)
    in a bounded LRU cache; the cache belongs to this screener and so to its list versions.
    """

    def __init__(
        self,
        lists: Sequence[RestrictedList],
        *,
        match_threshold: float = DEFAULT_MATCH_THRESHOLD,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        cleared: Sequence[ClearedMatch] = (),
        _index: NameIndex | None = None,
    ) -> None:
        if not 0.0 < review_threshold <= match_threshold <= 1.0:
            raise ValueError(
                "thresholds must satisfy 0 < review_threshold <= match_threshold <= 1, got "
                f"review {review_threshold}, match {match_threshold}"
            )
        ids = [rl.id for rl in lists]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate list ids: {sorted(ids)}")
        self.match_threshold = float(match_threshold)
        self.review_threshold = float(review_threshold)
        self._lists = tuple(lists)
        if _index is not None and _index.lists != self._lists:
            raise ValueError("a prebuilt index must be of the same lists")
        self._index = _index if _index is not None else NameIndex(self._lists)
        self._cleared: dict[tuple[str, str, str], list[ClearedMatch]] = {}
        for c in cleared:
            self._cleared.setdefault((normalise(c.party_name), c.list_id, c.entry_id), []).append(c)
        self._version_key = tuple((rl.id, rl.as_of, len(rl.entries)) for rl in self._lists)
        # list_versions() of the last day asked for: the lists never change, only their age
        self._versions: tuple[_dt.date, tuple[dict[str, object], ...]] | None = None
        self._cache: OrderedDict[tuple[object, ...], tuple[Match, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self._list_ids = frozenset(
            {rl.id for rl in self._lists} | {e.list_id for rl in self._lists for e in rl.entries}
        )

    # ------------------------------------------------------------------ construction

    _default: Screener | None = None
    _default_lock = threading.Lock()
    default_source: str | None = None  # how the default index was obtained (cache or built)

    @classmethod
    def default(cls) -> Screener:
        """The bundled lists (UN, Entity List, MEU, DPL, OFAC SDN) and any updated lists in
        ``EXPORTRULES_LISTS_DIR``, loaded on first use, once per process; the built index is
        kept in a cache file keyed by the SHA-256 of the list files (see ``_cache``)."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    from ._cache import load_lists_and_index

                    lists, index, how = load_lists_and_index()
                    cls._default = cls(lists, _index=index)
                    cls.default_source = how
        return cls._default

    def with_options(
        self,
        *,
        match_threshold: float | None = None,
        review_threshold: float | None = None,
        cleared: Sequence[ClearedMatch] | None = None,
    ) -> Screener:
        """A screener over the same lists with other thresholds or cleared matches."""
        return Screener(
            self._lists,
            match_threshold=self.match_threshold if match_threshold is None else match_threshold,
            review_threshold=(
                self.review_threshold if review_threshold is None else review_threshold
            ),
            cleared=cleared
            if cleared is not None
            else [c for cs in self._cleared.values() for c in cs],
            _index=self._index,  # same lists: the index is shared, not rebuilt
        )

    # ------------------------------------------------------------------ queries

    @property
    def lists(self) -> tuple[RestrictedList, ...]:
        return self._lists

    def list_versions(self, today: _dt.date | None = None) -> list[dict[str, object]]:
        """Every list's identity: id, name, source, as_of, verified, entries, coverage, and its
        age on ``today`` (default: the current date) with ``stale_after``, ``stale`` and a
        ``warning`` sentence when stale (see ``RestrictedList.version``)."""
        day = today or _dt.date.today()
        got = self._versions
        if got is None or got[0] != day:
            got = self._versions = (day, tuple(rl.version(day) for rl in self._lists))
        return [dict(v) for v in got[1]]  # the caller's own copies

    @staticmethod
    def can_screen(name: str) -> bool:
        """Whether ``name`` has anything to compare after normalisation (a name of punctuation
        alone has not: no hits for it means *unscreened*, not *clear*)."""
        return bool(normalise_tokens(name))

    def screen(
        self,
        name: str,
        country: str | None = None,
        *,
        lists: Sequence[str] | None = None,
        as_of: _dt.date | None = None,
    ) -> list[Match]:
        """Hits for ``name``: the best-scoring name of each entry, sorted by score, best first.

        Every hit is returned whatever its listing dates (``Match.listed_on``/``delisted_on``):
        whether a listing was in force on the transaction date is the caller's decision (the
        engine's); only clearings in force on ``as_of`` suppress hits.

        Args:
            name: the party name as written in the transaction.
            country: the party's ISO alpha-2 country, a qualifier of the score.
            lists: only these list ids (default: every list).
            as_of: the screening date, for cleared-match expiry and time-limited listings
                (default: today).

        Raises:
            ValueError: ``lists`` names a list this screener does not hold (screening against
                nothing would silently clear the party).
        """
        day = as_of or _dt.date.today()
        qtoks, hit = self._all_hits(name, country, lists, day)
        if not self._cleared or not hit:
            return list(hit)
        norm = " ".join(qtoks)
        return [m for m in hit if self._clearing(norm, m, day) is None]

    def _all_hits(
        self, name: str, country: str | None, lists: Sequence[str] | None, day: _dt.date
    ) -> tuple[tuple[str, ...], tuple[Match, ...]]:
        """The query's canonical tokens and every hit (clearings not applied), cached."""
        sel: frozenset[str] | None = None
        if lists is not None:
            unknown = sorted(set(lists) - self._list_ids)
            if unknown:
                raise ValueError(f"unknown list id(s): {', '.join(unknown)}")
            sel = frozenset(lists)
        qtoks = normalise_tokens(name)
        segs = script_segments(name)
        key = (qtoks, country, sel, day, self._version_key, tuple(segs) if len(segs) > 1 else ())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is None:
            hit = self._compute(qtoks, country, sel, day)
            if len(segs) > 1:
                hit = self._with_segments(hit, segs, qtoks, country, sel, day)
            with self._lock:
                self._cache[key] = hit
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return qtoks, hit

    def _with_segments(
        self,
        hit: tuple[Match, ...],
        segs: list[str],
        qtoks: tuple[str, ...],
        country: str | None,
        sel: frozenset[str] | None,
        day: _dt.date,
    ) -> tuple[Match, ...]:
        """A name written in several scripts ("Huawei Technologies Co., Ltd. 华为技术有限公司") is
        also screened part by part: each entry keeps its best hit, whole name or part."""
        best = {(m.list_id, m.entry_id): m for m in hit}
        for seg in segs:
            st = normalise_tokens(seg)
            if not st or st == qtoks:
                continue
            for m in self._compute(st, country, sel, day):
                k = (m.list_id, m.entry_id)
                if k not in best or m.score > best[k].score:
                    best[k] = attrs.evolve(
                        m,
                        explanation=m.explanation[:-1]
                        + f"; matched on the part {seg!r} of the name, written in another script.",
                    )
        return tuple(sorted(best.values(), key=lambda m: (-m.score, m.list_id, m.entry_id)))

    def _clearing(self, norm: str, m: Match, day: _dt.date) -> ClearedMatch | None:
        """The clearing in force on ``day`` for this (normalised party name, hit), if any (the
        one that runs longest, when several are)."""
        cs = self._cleared.get((norm, m.list_id, m.entry_id))
        if not cs:
            return None
        active = [c for c in cs if c.active_on(day)]
        return max(active, key=lambda c: c.expires) if active else None

    def screen_detailed(
        self,
        name: str,
        country: str | None = None,
        *,
        lists: Sequence[str] | None = None,
        as_of: _dt.date | None = None,
    ) -> ScreenResult:
        """Like ``screen``, and also the hits that a clearing suppressed, each with the clearing
        applied: what a decision must list as "cleared" (who, when, on what basis, until when).

        ``result.matches`` equals ``screen(...)`` for the same arguments.
        """
        day = as_of or _dt.date.today()
        qtoks, everything = self._all_hits(name, country, lists, day)
        if not self._cleared:
            return ScreenResult(matches=everything)
        norm = " ".join(qtoks)
        kept: list[Match] = []
        cleared: list[tuple[Match, ClearedMatch]] = []
        for m in everything:
            c = self._clearing(norm, m, day)
            if c is None:
                kept.append(m)
            else:
                cleared.append((m, c))
        return ScreenResult(matches=tuple(kept), cleared=tuple(cleared))

    def _compute(
        self,
        qtoks: tuple[str, ...],
        country: str | None,
        sel: frozenset[str] | None,
        day: _dt.date,
    ) -> tuple[Match, ...]:
        """Hits for canonical tokens."""
        if not qtoks:
            return ()
        half = len(qtoks) // 2
        if half and len(qtoks) % 2 == 0 and qtoks[:half] == qtoks[half:]:
            # the same words twice: the name written twice, or a listed name that repeats a
            # word ("AUNG, Aung"): both readings are scored, each entry keeps its best
            once = self._compute(qtoks[:half], country, sel, day)
            twice = self._compute_once(qtoks, country, sel, day)
            best = {(m.list_id, m.entry_id): m for m in twice}
            for m in once:
                k = (m.list_id, m.entry_id)
                if k not in best or m.score > best[k].score:
                    best[k] = m
            return tuple(sorted(best.values(), key=lambda m: (-m.score, m.list_id, m.entry_id)))
        return self._compute_once(qtoks, country, sel, day)

    def _compute_once(
        self,
        qtoks: tuple[str, ...],
        country: str | None,
        sel: frozenset[str] | None,
        day: _dt.date,
    ) -> tuple[Match, ...]:
        idx = self._index
        floor = self.review_threshold - _COUNTRY_AGREES
        ranked, query = idx.candidates(qtoks, floor)
        best: dict[int, tuple[float, Match, int]] = {}
        names, entries = idx.names, idx.entries
        # every name that can reach the review threshold is scored (no cap on candidates)
        for nid, _bound in ranked:
            if sel is not None:
                rl, entry = entries[names[nid].entry]
                if entry.list_id not in sel and rl.id not in sel:
                    continue
            self._consider(idx, nid, query, country, day, best)
        ordered = sorted(best.values(), key=lambda sm: (-sm[0], sm[1].list_id, sm[1].entry_id))
        return tuple(sm[1] for sm in ordered)

    def _consider(
        self,
        idx: NameIndex,
        nid: int,
        query: Query,
        country: str | None,
        day: _dt.date,
        best: dict[int, tuple[float, Match, int]],
    ) -> bool:
        """Score one candidate name; keep it in ``best`` if it beats that entry's hit so far.

        Returns whether the name scored at or above the review threshold.
        """
        nm = idx.names[nid]
        rl, entry = idx.entries[nm.entry]
        sc = idx.score(query, nid)
        qf = _QUALITY_FACTOR[nm.quality]
        adj = 0.0
        if country and entry.countries:
            adj = _COUNTRY_AGREES if country in entry.countries else _COUNTRY_DIFFERS
        score = round(max(0.0, min(1.0, sc.score * qf + adj)), 4)
        if score < self.review_threshold:
            return False
        prev = best.get(nm.entry)
        if prev is not None and (prev[0], -prev[2]) >= (score, -nm.position):
            return True  # the entry's best so far stays (equal scores: its earlier name)
        level = "match" if score >= self.match_threshold else "review"
        notes: list[str] = []
        if nm.quality in ("low", "weak") and level == "match":
            level = "review"
            what = "an acronym" if nm.form == "acronym" else f"a {_quality_word(nm.quality)}"
            notes.append(f"{what} alone is not a match")
        if sc.contained:
            level = "review"
            notes.append(
                "the listed name appears whole within the longer party name (score raised to "
                f"{score:.2f} from {sc.edit:.2f}); a person decides whether the extra words "
                "make it another party"
            )
        if sc.transliterated:
            # a word in Arabic script found a Latin-script word by its consonants: the script
            # writes no short vowels and several letters have more than one Latin spelling,
            # so the names may be the same; only a person can tell
            level = "review"
            notes.append(
                "a word written in Arabic script matched the listed Latin spelling by its "
                "consonants only (the script writes no short vowels): a potential match"
            )
        if level == "match" and sc.listed_coverage < _PARTIAL_COVERAGE:
            # e.g. 'Municipal Public Security Bureau' against 'Urumqi Municipal Public Security
            # Bureau': every word of the query is listed, but a distinguishing word of the
            # listed name is missing, so identity is not established: a person decides
            level = "review"
            notes.append(
                f"the query accounts for only {sc.listed_coverage:.0%} of the listed name; "
                "a word that distinguishes the listed party is missing"
            )
        if entry.expires is not None and entry.expires < day:
            level = "review"
            notes.append(
                f"the listing's stated end date {entry.expires} has passed; check whether "
                "it was renewed"
            )
        features = {
            "token_set": round(sc.token_set, 4),
            "edit": round(sc.edit, 4),
            "phonetic": round(sc.phonetic, 4),
            "country": adj,
            "quality": qf,
        }
        match = self._match(
            rl, entry, nm.position, nm.quality, nm.form, score, level, features, country, notes
        )
        best[nm.entry] = (score, match, nm.position)
        return True

    def _match(
        self,
        rl: RestrictedList,
        entry: ListEntry,
        position: int,
        quality: str,
        form: str,
        score: float,
        level: str,
        features: dict[str, float],
        country: str | None,
        notes: list[str],
    ) -> Match:
        matched = entry.names[position]
        how = (
            f"exact tokens {features['token_set']:.2f}, with spelling/typo tolerance "
            f"{features['edit']:.2f}, same sound {features['phonetic']:.2f}"
        )
        if features["country"] > 0:
            how += f"; country {country} agrees"
        elif features["country"] < 0:
            how += f"; country {country} is not among the entry's ({', '.join(entry.countries)})"
        which = (
            "its primary name"
            if position == 0
            else f"its {_quality_word(entry.alias_quality[position])} {matched!r}"
        )
        if form == "acronym":
            which = f"the acronym in {which}"
        elif form == "outer":
            which += " without its parenthesised acronym"
        if entry.listed_on is not None:
            listed = f"listed on {entry.listed_on.isoformat()}"
        else:
            listed = "listing date not in the source"
        if entry.delisted_on is not None:
            listed += f", delisted on {entry.delisted_on.isoformat()}"
        explanation = (
            f"{level.capitalize()} {score:.2f} on {entry.list_id} (as of {rl.as_of}), entry "
            f"{entry.entry_id} {entry.names[0]!r} ({listed}): the name matched {which} ({how})"
            + ("; " + "; ".join(notes) if notes else "")
            + "."
        )
        return Match(
            list_id=entry.list_id,
            list_as_of=rl.as_of,
            entry_id=entry.entry_id,
            entry_name=entry.names[0],
            matched_name=matched,
            score=score,
            level=level,
            features=features,
            explanation=explanation,
            programs=entry.programs,
            license_requirement=entry.license_requirement,
            license_policy=entry.license_policy,
            citation=entry.citation,
            alias_quality=quality,
            listed_on=entry.listed_on,
            delisted_on=entry.delisted_on,
            linked_to=entry.linked_to,
        )

    def rescreen_delta(
        self,
        parties: Sequence[tuple[str, str | None]],
        new: Screener,
        *,
        as_of: _dt.date | None = None,
    ) -> list[DeltaResult]:
        """Parties whose hits (list, entry, level) differ under ``new``, with old and new hits."""
        out = []
        for name, country in dict.fromkeys(parties):
            old = self.screen(name, country, as_of=as_of)
            cur = new.screen(name, country, as_of=as_of)
            if _signature(old) != _signature(cur):
                out.append(DeltaResult(name, country, tuple(old), tuple(cur)))
        return out

    def clear_cache(self) -> None:
        """Forget cached results (they are only ever valid for this screener's lists), and the
        similar words the index remembers per query word."""
        with self._lock:
            self._cache.clear()
        self._index.clear_caches()

    def cache_info(self) -> dict[str, int]:
        with self._lock:
            return {"size": len(self._cache), "maxsize": _CACHE_SIZE}
