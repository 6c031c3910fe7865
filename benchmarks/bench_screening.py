"""Screening quality and speed benchmark (not a test: prints figures).

Run:  python benchmarks/bench_screening.py            (full: quality, 100k-entry latency, build)
      python benchmarks/bench_screening.py --quick    (smaller evaluation set)
      python benchmarks/bench_screening.py --rapidfuzz (edit distance from rapidfuzz, if installed)

Quality: an evaluation set built from the bundled real lists. Positives are listed names
(primary names and good aliases) perturbed by case, word order, a dropped middle name, a one-letter
typo or a transliteration variant; negatives are invented names from common first/last name pools
and invented company names, each checked not to be listed (its normalised form equals no
normalised listed name). Recall counts a positive as found when the right entry is hit at review
level or above (a `review` holds the order for a person); the match-level recall is printed too.
The false-positive rate counts negatives with any hit at review level or above.

Speed: p50/p99 latency of single queries (distinct names, cold result cache) against a
100,000-entry list made of the real lists plus generated entries; index build time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exportrules._screening import (  # noqa: E402
    ListEntry,
    RestrictedList,
    Screener,
    load_bundled,
    normalise,
)
from exportrules._screening._tables import LEGAL_FORMS, STOP_WORDS, VARIANTS  # noqa: E402

FIRST = """
James John Robert Michael William David Richard Joseph Thomas Charles Mary Patricia Jennifer
Linda Elizabeth Barbara Susan Jessica Sarah Karen Hans Klaus Peter Wolfgang Jurgen Stefan
Andreas Thomas Monika Ursula Sabine Pierre Jean Michel Philippe Alain Nicolas Marie Nathalie
Isabelle Sylvie Giuseppe Giovanni Antonio Mario Luigi Francesco Maria Anna Giulia Jose Juan
Carlos Luis Javier Miguel Carmen Lucia Elena Ivan Sergei Dmitri Andrei Alexei Olga Natalia
Irina Svetlana Wei Fang Li Jing Min Lei Jun Hui Yan Ying Hiroshi Takashi Kenji Yuki Haruto
Akira Ahmed Omar Ali Hassan Karim Fatima Aisha Layla Tariq Bilal Rahul Amit Priya Sanjay
Anil Sunita Ravi Deepak Oluwaseun Chinedu Kwame Ama Kofi Emeka Ngozi Mehmet Ayse Mustafa
Emine Burak Elif Min-jun Seo-yeon Ji-ho Nguyen Thanh Minh Lan Tuan
""".split()  # noqa: SIM905
LAST = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson
Taylor Thomas Moore Jackson Martin Lee Thompson White Muller Schmidt Schneider Fischer Weber
Meyer Wagner Becker Schulz Hoffmann Martin Bernard Dubois Durand Lefebvre Moreau Laurent
Simon Michel Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco
Fernandez Lopez Gonzalez Sanchez Perez Gomez Diaz Ivanov Smirnov Kuznetsov Popov Vasiliev
Petrov Sokolov Mikhailov Novikov Fedorov Wang Zhang Liu Chen Yang Huang Zhao Zhou Wu Xu Sato
Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Haddad Khoury Mansour
Nasser Saleh Farouk Aziz Rahman Qureshi Siddiqui Sharma Verma Gupta Singh Kumar Patel Reddy
Nair Iyer Okafor Adeyemi Mensah Boateng Owusu Yilmaz Kaya Demir Sahin Celik Kim Park Choi
Jung Kang Tran Pham Hoang Vu Dang
""".split()  # noqa: SIM905
# syllables for synthetic list entries only (negatives never use them)
SYN_SYLL = """
ba bo bu da do du fa fo ga go gu ka ko ku la lo lu ma mo mu na no nu pa po pu ra ro ru sa so
su ta to tu va vo za zo zu kri pla stre dro gle bri tro
""".split()  # noqa: SIM905
SYN_WORDS = """
Vector Apex Orbit Zenith Nova Quantum Delta Sigma Prime Summit Crest Horizon Pioneer Atlas
Titan Falcon Condor Lynx Cobalt Argon Helix Matrix Nexus Vertex Pulse Radiant Stellar Polar
Meridian Granite Cedar Harbor Beacon Compass Anchor Keystone Pinnacle Vanguard
""".split()  # noqa: SIM905
SYLL = """
an bao chen da de feng gang guo hai hang hao heng hong hua jia jin kai kang lian long ming
nan ning peng qi rui sheng tai tian tong wei xin xing yang yi yuan ze zhi zhong al ar bel
dor gar kor lin mar nor ros tar vel zan ber dan fer gor hal kar lan mor ran sor tor val
""".split()  # noqa: SIM905
INDUSTRY = """
Trading Technology Electronics Logistics Shipping Industrial Machinery Engineering
Consulting Systems Solutions Components Instruments Materials Chemicals Pharma Energy
Petroleum Aviation Aerospace Semiconductor Optics Software Networks Telecom Import Export
Manufacturing Precision Metal Steel Textile Foods Agro Marine Auto Holdings Group
Development Construction Research Supply Services Equipment Devices Laboratories
""".split()  # noqa: SIM905
PLACES = """
Shenzhen Shanghai Dubai Istanbul Moscow Hamburg Rotterdam Singapore Mumbai Karachi Tehran
Minsk Almaty Tashkent Baku Yerevan Tbilisi Kuala Lumpur Bangkok Hanoi Seoul Osaka Taipei
Milan Lyon Vienna Prague Warsaw
""".split()  # noqa: SIM905
LEGAL = ["Co., Ltd.", "LLC", "GmbH", "Ltd", "Inc.", "JSC", "OOO", "S.A.", "FZE", "Pte Ltd", ""]


def coined(rng: random.Random) -> str:
    return "".join(rng.choice(SYLL) for _ in range(rng.choice((2, 2, 3)))).capitalize()


def invented_company(rng: random.Random) -> str:
    parts = [coined(rng)]
    if rng.random() < 0.4:
        parts.append(rng.choice(PLACES))
    parts += rng.sample(INDUSTRY, rng.choice((1, 2)))
    return " ".join([*parts, rng.choice(LEGAL)]).strip()


def invented_person(rng: random.Random) -> str:
    names = [rng.choice(FIRST)]
    if rng.random() < 0.3:
        names.append(rng.choice(FIRST))
    names.append(rng.choice(LAST))
    return " ".join(names)


def syn_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYN_SYLL) for _ in range(rng.choice((2, 3, 3, 4)))).capitalize()


def syn_company(rng: random.Random) -> str:
    parts = [syn_word(rng) if rng.random() < 0.7 else rng.choice(SYN_WORDS)]
    if rng.random() < 0.5:
        parts.append(syn_word(rng))
    parts += rng.sample(INDUSTRY, rng.choice((1, 2)))
    return " ".join([*parts, rng.choice(LEGAL)]).strip()


def synthetic_list(n: int, seed: int) -> RestrictedList:
    """Generated entries with their own name pools, disjoint from the negatives' pools."""
    rng = random.Random(seed)
    entries = []
    for i in range(n):
        if rng.random() < 0.5:
            name, kind = syn_company(rng), "entity"
            names = (name, syn_company(rng)) if rng.random() < 0.3 else (name,)
        else:
            parts = [syn_word(rng) for _ in range(rng.choice((2, 2, 3)))]
            names, kind = (" ".join(parts),), "individual"
        entries.append(
            ListEntry(
                list_id="synthetic",
                entry_id=f"S{i}",
                names=names,
                alias_quality=("primary",) + ("good",) * (len(names) - 1),
                countries=(rng.choice(["CN", "RU", "AE", "TR", "IR", "DE", "US", "IN"]),),
                kind=kind,
            )
        )
    return RestrictedList(
        id="synthetic",
        name="generated entries",
        source="benchmark generator",
        as_of="2026-01-01",
        verified=False,
        entries=tuple(entries),
    )


# ------------------------------------------------------------------ perturbations

_VARIANT_GROUPS: dict[str, list[str]] = {}
for _v, _k in VARIANTS.items():
    _VARIANT_GROUPS.setdefault(_k, [_k]).append(_v)
_SOUND = [
    ("ou", "u"),
    ("u", "ou"),
    ("ee", "i"),
    ("i", "ee"),
    ("kh", "h"),
    ("y", "i"),
    ("ph", "f"),
    ("f", "ph"),
    ("q", "k"),
    ("k", "q"),
    ("ss", "s"),
    ("j", "dj"),
]


def typo(rng: random.Random, w: str) -> str:
    i = rng.randrange(len(w))
    op = rng.choice("sdit")
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "s":
        return w[:i] + rng.choice(letters.replace(w[i].lower(), "")) + w[i + 1 :]
    if op == "d":
        return w[:i] + w[i + 1 :]
    if op == "i":
        return w[:i] + rng.choice(letters) + w[i:]
    if i == len(w) - 1:
        i -= 1
    return w[:i] + w[i + 1] + w[i] + w[i + 2 :]


def translit(rng: random.Random, words: list[str]) -> list[str] | None:
    idx = list(range(len(words)))
    rng.shuffle(idx)
    for i in idx:
        low = words[i].lower()
        key = VARIANTS.get(low, low)
        if key in _VARIANT_GROUPS:
            alts = [a for a in _VARIANT_GROUPS[key] if a != low]
            if alts:
                return [*words[:i], rng.choice(alts).capitalize(), *words[i + 1 :]]
    for i in idx:
        low = words[i].lower()
        if len(low) < 4 or low.strip(".,") in _NOISE:  # legal-form words are not names
            continue
        rules = [(a, b) for a, b in _SOUND if a in low[1:]]
        if rules:
            a, b = rng.choice(rules)
            j = low.index(a, 1)
            new = (low[:j] + b + low[j + len(a) :]).capitalize()
            return [*words[:i], new, *words[i + 1 :]]
    return None


_NOISE = LEGAL_FORMS | STOP_WORDS


def perturb(rng: random.Random, name: str, kind: str, entry_kind: str) -> str | None:
    words = name.split()
    if kind == "case":
        return name.swapcase() if rng.random() < 0.5 else name.lower()
    if kind == "order":
        if len(words) < 2:
            return None
        return " ".join(words[-1:] + words[:-1])
    if kind == "drop_middle":  # middle names are a thing of persons
        if entry_kind != "individual" or len(words) < 3:
            return None
        i = rng.randrange(1, len(words) - 1)
        return " ".join(words[:i] + words[i + 1 :])
    if kind == "typo":
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            return None
        i = rng.choice(long)
        return " ".join([*words[:i], typo(rng, words[i]), *words[i + 1 :]])
    if kind == "translit":
        out = translit(rng, words)
        return " ".join(out) if out else None
    raise ValueError(kind)


KINDS = ("case", "order", "drop_middle", "typo", "translit")


def eval_set(lists: list[RestrictedList], n_pos: int, n_neg: int, seed: int):
    rng = random.Random(seed)
    pool = [
        (e, nm)
        for rl in lists
        for e in rl.entries
        for nm, q in zip(e.names, e.alias_quality)
        if q in ("primary", "good") and len(normalise(nm).split()) >= 2 and nm.isascii()
    ]
    positives = []
    while len(positives) < n_pos:
        e, nm = rng.choice(pool)
        kind = KINDS[len(positives) % len(KINDS)]
        p = perturb(rng, nm, kind, e.kind)
        if p and normalise(p):
            positives.append((p, e.list_id, e.entry_id, kind))
    # a name whose tokens are a listed name's tokens in another order IS that listed name
    listed = {
        " ".join(sorted(normalise(nm).split()))
        for rl in lists
        for e in rl.entries
        for nm in e.names
    }
    negatives: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(negatives) < n_neg:
        kind = "person" if rng.random() < 0.6 else "company"
        nm = invented_person(rng) if kind == "person" else invented_company(rng)
        key = " ".join(sorted(normalise(nm).split()))
        if key in listed or key in seen:
            continue
        seen.add(key)
        negatives.append((nm, kind))
    return positives, negatives


def quality(scr: Screener, positives, negatives) -> dict[str, object]:
    found = matched = 0
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    misses = []
    for name, list_id, entry_id, kind in positives:
        hits = scr.screen(name)
        h = [m for m in hits if m.list_id == list_id and m.entry_id == entry_id]
        by_kind[kind][1] += 1
        if h:
            found += 1
            by_kind[kind][0] += 1
            matched += h[0].level == "match"
        else:
            misses.append((kind, name, hits[0].entry_name if hits else None))
    fp = fp_match = 0
    fps = []
    for name, _kind in negatives:
        hits = scr.screen(name)
        if hits:
            fp += 1
            fp_match += any(m.level == "match" for m in hits)
            fps.append((name, hits[0].entry_name, hits[0].score))
    return {
        "recall": found / len(positives),
        "recall_match_level": matched / len(positives),
        "recall_by_kind": {k: round(a / b, 4) for k, (a, b) in by_kind.items() if b},
        "fp_rate": fp / len(negatives),
        "fp_rate_match_level": fp_match / len(negatives),
        "misses": misses,
        "fps": fps,
    }


def clear_token_caches() -> None:
    """Forget every per-token memo (normalisation, sound keys, token similarities)."""
    from exportrules._screening import _index, _normalise

    for f in (
        _normalise.normalise_tokens,
        _normalise.raw_tokens,
        _normalise.phonetic_key,
        _index.token_sim,
    ):
        f.cache_clear()
    if hasattr(_index.edit_ratio, "cache_clear"):
        _index.edit_ratio.cache_clear()


def latency(scr: Screener, queries: list[str], passes: int = 3) -> dict[str, float]:
    """Wall-clock and CPU (thread) time per query, each pass with the result cache and every
    token memo cleared (nothing learnt from earlier queries); the median pass is reported.
    The machine may be shared: CPU time is the steadier figure."""
    runs: list[dict[str, float]] = []
    for _ in range(passes):
        scr.clear_cache()
        clear_token_caches()
        wall, cpu = [], []
        for q in queries:
            c, t = time.thread_time(), time.perf_counter()
            scr.screen(q)
            wall.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
        out = {}
        for label, xs in (("wall", wall), ("cpu", cpu)):
            xs.sort()
            out[f"{label}_p50_ms"] = 1000 * xs[len(xs) // 2]
            out[f"{label}_p99_ms"] = 1000 * xs[int(len(xs) * 0.99)]
            out[f"{label}_mean_ms"] = 1000 * statistics.fmean(xs)
        runs.append(out)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--rapidfuzz", action="store_true", help="edit distance from rapidfuzz")
    ap.add_argument("--no-throughput", action="store_true", help="skip the evaluate() figure")
    ap.add_argument("--show", type=int, default=0, help="print this many misses and false hits")
    args = ap.parse_args(argv)
    if args.rapidfuzz:
        from rapidfuzz.distance import OSA

        from exportrules._screening import _index

        # rapidfuzz's optimal-string-alignment ratio replaces the pure-Python one (same metric)
        _index.edit_ratio = OSA.normalized_similarity  # type: ignore[assignment]
    print("command: python benchmarks/bench_screening.py " + " ".join(argv or sys.argv[1:]))
    lists = load_bundled()
    n_pos, n_neg = (1000, 1000) if args.quick else (4000, 4000)
    t = time.perf_counter()
    scr = Screener(lists)
    print(
        f"bundled lists: {sum(len(rl.entries) for rl in lists)} entries, "
        f"index build {time.perf_counter() - t:.2f} s"
    )
    positives, negatives = eval_set(lists, n_pos, n_neg, args.seed)
    q = quality(scr, positives, negatives)
    print(f"thresholds: match {scr.match_threshold}, review {scr.review_threshold}")
    print(
        f"recall {q['recall']:.4f} (match level {q['recall_match_level']:.4f}) "
        f"on {n_pos} perturbed listed names; by kind {q['recall_by_kind']}"
    )
    print(
        f"false-positive rate {q['fp_rate']:.4f} (match level {q['fp_rate_match_level']:.4f}) "
        f"on {n_neg} invented names"
    )
    for row in q["misses"][: args.show]:  # type: ignore[index]
        print("  miss:", row)
    for row in q["fps"][: args.show]:  # type: ignore[index]
        print("  false hit:", row)
    big = [*lists, synthetic_list(args.size - sum(len(rl.entries) for rl in lists), args.seed)]
    c, t = time.process_time(), time.perf_counter()
    scr_big = Screener(big)
    print(
        f"{args.size}-entry index build: {time.perf_counter() - t:.2f} s wall, "
        f"{time.process_time() - c:.2f} s CPU"
    )
    rng = random.Random(args.seed + 1)
    queries = [p[0] for p in positives[:1000]] + [n[0] for n in negatives[:1000]]
    queries += [invented_company(rng) for _ in range(500)]
    rng.shuffle(queries)
    lat = latency(scr_big, queries)
    for label in ("wall", "cpu"):
        print(
            f"latency ({label}) on {args.size} entries, {len(queries)} distinct queries, cold "
            f"caches, median of 3 passes: p50 {lat[label + '_p50_ms']:.3f} ms, "
            f"p99 {lat[label + '_p99_ms']:.3f} ms, mean {lat[label + '_mean_ms']:.3f} ms"
        )
    q_big = quality(scr_big, positives[:1000], negatives[:1000])
    print(
        f"quality on the {args.size}-entry index: recall {q_big['recall']:.4f}, "
        f"false-positive rate {q_big['fp_rate']:.4f}"
    )
    t = time.perf_counter()
    for qq in queries:
        scr_big.screen(qq)
    warm = (time.perf_counter() - t) / len(queries)
    print(f"warm cache: {1e6 * warm:.1f} us per query")
    if not args.no_throughput:
        throughput(lists)
    return 0


def throughput(lists: list[RestrictedList], n: int = 3000) -> None:
    """Screened single-line transactions through ``evaluate``, warm cache, with and without."""
    try:
        from exportrules import Engine
    except ImportError as exc:  # the engine is not there (a partial checkout)
        print(f"evaluate throughput: skipped ({exc})")
        return
    tx = {
        "id": "B-1",
        "date": "2026-11-27",
        "export_from": "DE",
        "destination": "CN",
        "parties": [{"role": "consignee", "name": "Hengda Trading Co., Ltd.", "country": "CN"}],
        "lines": [{"id": "1", "classification": {"eu": "5A001.j", "us": "5A001.j"}}],
    }
    for label, screening in (("screened", Screener(lists)), ("unscreened", None)):
        eng = Engine.default(screening=screening)
        eng.evaluate(tx)  # warm the cache and the engine
        t = time.perf_counter()
        for _ in range(n):
            eng.evaluate(tx)
        print(f"evaluate throughput ({label}, warm cache): {n / (time.perf_counter() - t):.0f}/s")


if __name__ == "__main__":
    raise SystemExit(main())
