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
import importlib.util
import random
import re
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import attrs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exportrules._screening import (  # noqa: E402
    ListEntry,
    RestrictedList,
    Screener,
    load_bundled,
    normalise,
    phonetic_key,
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


def synthetic_list(n: int, seed: int, mod: ModuleType | None = None) -> RestrictedList:
    """Generated entries with their own name pools, disjoint from the negatives' pools
    (``mod``: the screening package whose classes to use, for a baseline copy)."""
    entry_cls = mod.ListEntry if mod is not None else ListEntry
    list_cls = mod.RestrictedList if mod is not None else RestrictedList
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
            entry_cls(
                list_id="synthetic",
                entry_id=f"S{i}",
                names=names,
                alias_quality=("primary",) + ("good",) * (len(names) - 1),
                countries=(rng.choice(["CN", "RU", "AE", "TR", "IR", "DE", "US", "IN"]),),
                kind=kind,
            )
        )
    return list_cls(
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
    if kind == "particle":
        out = particle(rng, words)
        return " ".join(out) if out else None
    if kind == "twice":
        return f"{name} {name}"
    if kind == "padded":
        noise = rng.choice(NOISE)
        return f"{name} {noise}" if rng.random() < 0.7 else f"{noise} {name}"
    if kind == "paren_suffix":  # "Name (ACR) Procurement Office", organisations only
        if entry_kind in ("individual",) or len(words) < 2 or "(" in name:
            return None
        return f"{name} ({acronym(words)}) {rng.choice(NOISE)}"
    if kind == "mixed_script":
        return f"{name} {rng.choice(FOREIGN)}"
    if kind == "cyrillic":
        return to_cyrillic(name)
    if kind == "chinese":
        return to_han(name)
    raise ValueError(kind)


# Latin -> Cyrillic, the inverse of the romanisation used for Russian names (longest first)
_TO_CYR = sorted(
    {
        "shch": "щ", "dzh": "дж", "dj": "дж", "zh": "ж", "kh": "х", "ts": "ц", "ch": "ч",
        "sh": "ш", "yu": "ю",
        "ya": "я", "ye": "е", "yo": "ё", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д",
        "e": "е", "z": "з", "i": "и", "y": "й", "k": "к", "l": "л", "m": "м", "n": "н",
        "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "w": "в",
        "h": "х", "c": "к", "q": "к", "x": "кс", "j": "дж",
    }.items(),
    key=lambda kv: -len(kv[0]),
)  # fmt: skip


_CYR_VOWELS = frozenset("аеёиоуыэюяй")


def _cyrillic_word(low: str) -> str:
    """One romanised word back in Cyrillic: digraphs first; y is ы after a consonant (Lapyr,
    Maryna) and й after a vowel (Nikolay, Dikiy)."""
    cyr, i = "", 0
    while i < len(low):
        for a, b in _TO_CYR:
            if low.startswith(a, i):
                if a == "y" and cyr and cyr[-1] not in _CYR_VOWELS:
                    b = "ы"
                cyr += b
                i += len(a)
                break
    return cyr


def to_cyrillic(name: str) -> str | None:
    """A person's name written back in Cyrillic (hyphenated parts kept apart)."""
    out = []
    for w in name.split():
        parts = [re.sub(r"[^a-z]", "", p) for p in w.lower().split("-")]
        parts = [p for p in parts if p and p not in _NOISE]
        if parts:
            out.append("-".join(_cyrillic_word(p).capitalize() for p in parts))
    return " ".join(out) or None


# one Chinese character per pinyin syllable (each checked: anyascii reads it back as written)
_HAN = dict(
    pair.split(":")
    for pair in [
        "bei:北",
        "jing:京",
        "shang:上",
        "hai:海",
        "shen:深",
        "zhen:圳",
        "guang:广",
        "zhou:州",
        "tian:天",
        "jin:津",
        "zhong:中",
        "guo:国",
        "hua:华",
        "wei:为",
        "xing:兴",
        "da:大",
        "xin:新",
        "hong:宏",
        "kang:康",
        "tai:泰",
        "an:安",
        "ming:明",
        "long:龙",
        "feng:丰",
        "sheng:盛",
        "yuan:元",
        "tong:通",
        "heng:恒",
        "rui:瑞",
        "jia:佳",
        "hao:浩",
        "yang:阳",
        "li:利",
        "de:德",
        "fu:福",
        "shun:顺",
        "hui:汇",
        "cheng:成",
        "dong:东",
        "nan:南",
        "xi:西",
        "ke:科",
        "ji:技",
        "kai:凯",
        "hang:航",
        "yu:宇",
        "chuang:创",
        "bo:博",
        "wen:文",
        "ning:宁",
        "sen:森",
        "lin:林",
        "he:和",
        "ping:平",
        "rong:荣",
        "run:润",
        "qi:奇",
        "xiang:祥",
        "fang:方",
        "jie:捷",
        "bao:宝",
        "yi:亿",
        "mei:美",
        "shi:世",
        "ying:英",
        "gang:钢",
        "tie:铁",
        "dian:电",
        "zi:子",
        "xun:讯",
        "ruan:软",
        "jian:建",
        "fa:发",
        "zhan:展",
        "wu:物",
        "liu:流",
        "gong:工",
        "ye:业",
        "neng:能",
        "jiao:交",
        "xue:学",
        "suo:所",
        "xiao:晓",
        "lan:蓝",
        "bai:百",
        "jun:军",
        "min:民",
        "zhi:智",
        "cai:材",
        "kuang:矿",
        "you:油",
        "qing:清",
        "ze:泽",
        "tuo:托",
        "yun:云",
        "duan:端",
        "mi:米",
        "lian:联",
        "xie:协",
        "fei:飞",
        "teng:腾",
        "zhuo:卓",
        "yue:越",
        "gao:高",
        "shu:数",
        "ju:聚",
        "chuan:川",
        "su:苏",
        "zhe:浙",
        "jiang:江",
        "hu:湖",
        "shan:山",
        "gan:甘",
        "yan:研",
        "wang:王",
        "zhang:张",
        "chen:陈",
        "liang:亮",
        "sun:孙",
        "ma:马",
        "zhao:赵",
        "huang:黄",
        "xu:徐",
        "qiang:强",
        "peng:鹏",
        "hong:红",
        "lu:路",
        "ren:仁",
        "ding:鼎",
        "tao:涛",
    ]
)


def _syllables(tok: str) -> list[str] | None:
    """``tok`` as a sequence of syllables of the table (longest first), or None."""
    if not tok:
        return []
    for n in range(min(6, len(tok)), 0, -1):
        head = tok[:n]
        if head in _HAN:
            rest = _syllables(tok[n:])
            if rest is not None:
                return [head, *rest]
    return None


def to_han(name: str) -> str | None:
    """A pinyin name in Chinese characters: only names whose words (legal forms aside) are one
    or two syllables of the table; the rest return None (not every name has a Chinese form)."""
    chars = []
    for tok in normalise(name).split():
        syl = _syllables(tok)
        if not syl or len(syl) > 2:
            return None
        chars += [_HAN[x] for x in syl]
    return "".join(chars) + "有限公司" if len(chars) >= 2 else None


# noise written around a name in real data entry (departments, branches, addressees)
NOISE = [
    "Branch Office", "Head Office", "Procurement Office", "Purchasing Dept", "Main Branch",
    "Representative Office", "Export Division", "Attn Sales", "Logistics Department",
    "c/o Warehouse 4", "Regional Office", "Liaison Office",
]  # fmt: skip
# another script beside the Latin name (legal forms and generic words, not names)
FOREIGN = [
    "科技有限公司",
    "贸易有限公司",
    "ООО Торговый дом",
    "АО Компания",
    "شركة التجارة",
    "مؤسسة",
]
_ARTICLE = re.compile(r"^(al|el|ul|ad|ar|as|ash|at|az|an)-(\w{3,})$", re.IGNORECASE)
_ARTICLES = {"al", "el", "ul"}


def particle(rng: random.Random, words: list[str]) -> list[str] | None:
    """An Arabic article or "Abd al" written another way: hyphenated, split or joined."""
    for i, w in enumerate(words):
        m = _ARTICLE.match(w)
        if m:
            art, rest = m.group(1), m.group(2)
            alt = rng.choice([f"{art}{rest.lower()}", f"{art} {rest}"])
            return [*words[:i], alt, *words[i + 1 :]]
        if w.lower() in _ARTICLES and i + 1 < len(words) and words[i + 1].isalpha():
            alt = rng.choice([f"{w}{words[i + 1].lower()}", f"{w}-{words[i + 1]}"])
            return [*words[:i], alt, *words[i + 2 :]]
        low = w.lower()
        if low in ("abd", "abdul", "abdel") and i + 1 < len(words):
            nxt = words[i + 1]
            alt = rng.choice(["Abd al", "Abdal", "Abdul", "Abd-al"])
            return [*words[:i], f"{alt}{nxt.lower()}" if alt == "Abdal" else f"{alt} {nxt}",
                    *words[i + 2 :]]  # fmt: skip
    return None


def acronym(words: list[str]) -> str:
    return "".join(w[0].upper() for w in words if w[:1].isalpha() and w.lower() not in _NOISE)


KINDS = (
    "case", "order", "drop_middle", "typo", "translit", "particle", "twice", "padded",
    "paren_suffix", "mixed_script", "cyrillic", "arabic", "chinese",
)  # fmt: skip


_POST_SOVIET = {"RU", "BY", "UA", "KZ", "KG", "TJ", "UZ", "AM", "AZ", "GE", "MD", "TM"}
_CHINA = {"CN", "HK", "TW", "MO"}


_LATIN_LETTER = re.compile("[A-Za-z]")


def _is_arabic(name: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in name)


def eval_set(lists: list[RestrictedList], n_pos: int, n_neg: int, seed: int):
    """Positives, an equal share per variant class (fewer where a class has fewer distinct
    sources: Chinese-script names need a pinyin listed name), and invented negatives."""
    rng = random.Random(seed)
    pool = [
        (e, nm)
        for rl in lists
        for e in rl.entries
        for nm, q in zip(e.names, e.alias_quality)
        if q in ("primary", "good") and len(normalise(nm).split()) >= 2 and nm.isascii()
    ]
    pools = {
        # persons: their names are romanised from Cyrillic (company names are often translated)
        # persons of post-Soviet countries only (not also of Korea, Syria, Afghanistan...):
        # their names are romanised from Cyrillic, so writing them back is what a clerk does;
        # a Korean or Arabic name has its own Cyrillic conventions, not the Latin letters'
        "cyrillic": [
            (e, nm)
            for e, nm in pool
            if e.countries and set(e.countries) <= _POST_SOVIET and e.kind == "individual"
        ],
        "chinese": [(e, nm) for e, nm in pool if _CHINA & set(e.countries) and to_han(nm)],
        "particle": [(e, nm) for e, nm in pool if particle(random.Random(0), nm.split())],
        "paren_suffix": [(e, nm) for e, nm in pool if e.kind != "individual"],
        # a person's name as the UN writes it in Arabic script (its NAME_ORIGINAL_SCRIPT), for
        # a person also listed in Latin script: written by people, with everything real writing
        # does (long vowels written, short ones not, ال, hamza seats, ة/ه, Persian and Pashto
        # letters). Not organisations: their Arabic names are mostly translations ("Egyptian
        # Islamic Jihad"), which no transliteration finds; not strings that mix in Latin letters
        # (the mixed_script class) or carry replacement characters (a damaged source field)
        "arabic": [
            (e, nm)
            for rl in lists
            for e in rl.entries
            if e.kind == "individual" and any(n.isascii() for n in e.names)
            for nm in e.names
            if _is_arabic(nm) and not _LATIN_LETTER.search(nm) and "\ufffd" not in nm
        ],
    }
    share = max(1, n_pos // len(KINDS))
    positives = []
    for kind in KINDS:
        src = pools.get(kind, pool)
        got: set[str] = set()
        tries = 0
        while len(got) < share and tries < 20 * share and src:
            tries += 1
            e, nm = rng.choice(src)
            p = nm if kind == "arabic" else perturb(rng, nm, kind, e.kind)
            if p and normalise(p) and p not in got:
                got.add(p)
                positives.append((p, e.list_id, e.entry_id, kind))
    rng.shuffle(positives)  # every slice of the list holds every class
    is_listed = listed_forms(lists)
    negatives: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(negatives) < n_neg:
        kind = "person" if rng.random() < 0.6 else "company"
        nm = invented_person(rng) if kind == "person" else invented_company(rng)
        key = " ".join(sorted(normalise(nm).split()))
        if is_listed(nm) or key in seen:
            continue
        seen.add(key)
        negatives.append((nm, kind))
    return positives, negatives


def listed_forms(lists: list[RestrictedList]):
    """A test: is a (Latin-script) name a listed name? Its words in any order are a listed
    name's words, or every word sounds like the words of a listed name (the typo and
    transliteration classes count exactly these as the listed name)."""
    listed = set()
    sounds = set()
    for rl in lists:
        for e in rl.entries:
            for nm in e.names:
                toks = normalise(nm).split()
                listed.add(" ".join(sorted(toks)))
                sounds.add(" ".join(sorted(phonetic_key(t) for t in toks)))

    def test(name: str) -> bool:
        toks = normalise(name).split()
        return (
            " ".join(sorted(toks)) in listed
            or " ".join(sorted(phonetic_key(t) for t in toks)) in sounds
        )

    return test


# Arabic-script given and family names as people write them, with their usual Latin spelling
# (for the negatives: invented names in Arabic script that must not hit)
AR_GIVEN = [
    pair.split(":")
    for pair in """
محمد:Muhammad أحمد:Ahmad علي:Ali حسن:Hassan حسين:Hussein عمر:Omar خالد:Khalid يوسف:Yusuf
إبراهيم:Ibrahim سعيد:Said مصطفى:Mustafa كريم:Karim طارق:Tariq سامي:Sami فادي:Fadi رامي:Rami
زياد:Ziad ماجد:Majid نبيل:Nabil وليد:Walid هشام:Hisham عادل:Adel فيصل:Faisal منصور:Mansour
ناصر:Nasser سلمان:Salman جمال:Jamal رشيد:Rashid بلال:Bilal أنس:Anas حمزة:Hamza ياسر:Yasser
أيمن:Ayman عماد:Imad مراد:Murad نادر:Nader جواد:Javad رضا:Reza مهدي:Mahdi فاطمة:Fatima
عائشة:Aisha مريم:Maryam زينب:Zainab نور:Nour ليلى:Layla سارة:Sara هدى:Huda رنا:Rana دينا:Dina
باسم:Basim تامر:Tamer شريف:Sharif وائل:Wael مازن:Mazen غسان:Ghassan قيس:Qais لؤي:Louay
معاذ:Muadh صهيب:Suhaib سلطان:Sultan فهد:Fahad تركي:Turki نايف:Nayef بدر:Badr منى:Mona
سلمى:Salma رياض:Riyad عبدالله:Abdullah عبدالرحمن:Abdulrahman عبدالعزيز:Abdulaziz
""".split()  # noqa: SIM905
]
AR_FAMILY = [
    pair.split(":")
    for pair in """
الحسيني:al-Husseini الخطيب:al-Khatib النجار:al-Najjar الحداد:al-Haddad الشامي:al-Shami
المصري:al-Masri الكردي:al-Kurdi التميمي:al-Tamimi العتيبي:al-Otaibi القحطاني:al-Qahtani
الدوسري:al-Dosari الشمري:al-Shammari الزعبي:al-Zoubi خوري:Khoury عثمان:Othman
الأحمد:al-Ahmad السيد:al-Sayed الرفاعي:al-Rifai الجبوري:al-Jubouri الدليمي:al-Dulaimi
الطائي:al-Tai الهاشمي:al-Hashimi الموسوي:al-Musawi الحكيم:al-Hakim نصار:Nassar عواد:Awad
حمدان:Hamdan البرغوثي:al-Barghouti سليمان:Suleiman أحمدي:Ahmadi حسيني:Hosseini رضائي:Rezaei
كريمي:Karimi محمدي:Mohammadi رحيمي:Rahimi نوري:Nouri جعفري:Jafari صديقي:Siddiqui
العمري:al-Omari الزهراني:al-Zahrani الغامدي:al-Ghamdi المطيري:al-Mutairi الحربي:al-Harbi
العنزي:al-Anazi السعدي:al-Saadi الخزرجي:al-Khazraji البياتي:al-Bayati العبيدي:al-Obaidi
الراشد:al-Rashid الفارس:al-Faris الصباغ:al-Sabbagh الحلبي:al-Halabi البيطار:al-Bitar
القاسم:al-Qasim الشريف:al-Sharif الخياط:al-Khayyat العطار:al-Attar الدباغ:al-Dabbagh
الجزائري:al-Jazairi التونسي:al-Tunisi المغربي:al-Maghribi اليمني:al-Yamani
""".split()  # noqa: SIM905
]


def arabic_negatives(lists: list[RestrictedList], n: int, seed: int) -> list[tuple[str, str]]:
    """Invented person names written in Arabic script (given name, father's name for half of
    them, family name), with their Latin spelling; none whose Latin spelling is a listed name
    by the test of the other negatives."""
    rng = random.Random(seed + 2)
    is_listed = listed_forms(lists)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        parts = [rng.choice(AR_GIVEN)]
        if rng.random() < 0.5:
            parts.append(rng.choice(AR_GIVEN))
        parts.append(rng.choice(AR_FAMILY))
        ar = " ".join(a for a, _ in parts)
        lat = " ".join(b for _, b in parts)
        if ar in seen or is_listed(lat):
            continue
        seen.add(ar)
        out.append((ar, lat))
    return out


def latin_only(lists: list[RestrictedList]) -> list[RestrictedList]:
    """The lists without their Arabic-script names: an Arabic query must then be found through
    transliteration to the Latin names, not by the identical original-script alias."""
    out = []
    for rl in lists:
        entries = []
        for e in rl.entries:
            keep = [(n, q) for n, q in zip(e.names, e.alias_quality) if not _is_arabic(n)]
            if not keep:
                continue
            if keep[0][1] != "primary":
                keep[0] = (keep[0][0], "primary")
            entries.append(
                attrs.evolve(
                    e, names=tuple(n for n, _ in keep), alias_quality=tuple(q for _, q in keep)
                )
            )
        out.append(attrs.evolve(rl, entries=tuple(entries)))
    return out


def quality(
    scr: Screener,
    positives,
    negatives,
    scr_latin: Screener | None = None,
    ar_negatives: list[tuple[str, str]] | None = None,
) -> dict[str, object]:
    found = matched = 0
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    misses = []
    for name, list_id, entry_id, kind in positives:
        hits = (scr_latin if kind == "arabic" and scr_latin is not None else scr).screen(name)
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
    fp_ar = 0
    fps_ar = []
    for name, latin in ar_negatives or ():
        hits = scr.screen(name)
        if hits:
            fp_ar += 1
            fps_ar.append((name, latin, hits[0].entry_name, hits[0].score))
    return {
        "recall": found / len(positives),
        "recall_match_level": matched / len(positives),
        "recall_by_kind": {k: round(a / b, 4) for k, (a, b) in by_kind.items() if b},
        "count_by_kind": {k: b for k, (_, b) in by_kind.items() if b},
        "fp_rate": fp / len(negatives),
        "fp_rate_match_level": fp_match / len(negatives),
        "misses": misses,
        "fps": fps,
        "fp_rate_arabic": fp_ar / len(ar_negatives) if ar_negatives else None,
        "fps_arabic": fps_ar,
    }


def clear_token_caches(mod: ModuleType | None = None) -> None:
    """Forget every per-token memo (normalisation, sound keys, token similarities, ...): every
    ``functools`` cache of the screening package ``mod`` (default: this checkout's)."""
    prefix = (mod.__name__ if mod is not None else "exportrules._screening") + "."
    for name, m in list(sys.modules.items()):
        if name.startswith(prefix):
            for obj in vars(m).values():
                clear = getattr(obj, "cache_clear", None)
                if callable(clear):
                    clear()


def _one_pass(scr, mod: ModuleType | None, queries: list[str]) -> tuple[list[float], list[float]]:
    scr.clear_cache()
    clear_token_caches(mod)
    wall, cpu = [], []
    for q in queries:
        c, t = time.thread_time(), time.perf_counter()
        scr.screen(q)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return wall, cpu


def _quantiles(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "p50_ms": 1000 * xs[len(xs) // 2],
        "p99_ms": 1000 * xs[int(len(xs) * 0.99)],
        "mean_ms": 1000 * statistics.fmean(xs),
    }


def latency(scr: Screener, queries: list[str], passes: int = 3) -> dict[str, float]:
    """Wall-clock and CPU (thread) time per query, each pass with the result cache and every
    token memo cleared (nothing learnt from earlier queries); the median pass is reported.
    The machine may be shared: CPU time is the steadier figure."""
    runs: list[dict[str, float]] = []
    for _ in range(passes):
        wall, cpu = _one_pass(scr, None, queries)
        out = {}
        for label, xs in (("wall", wall), ("cpu", cpu)):
            out.update({f"{label}_{k}": v for k, v in _quantiles(xs).items()})
        runs.append(out)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def load_baseline(path: Path) -> ModuleType:
    """The screening package of another checkout (``path`` is a folder holding
    ``exportrules/_screening``, or that package folder itself), imported under its own name so
    that both versions run in this process."""
    pkg = path / "exportrules" / "_screening" if (path / "exportrules").is_dir() else path
    spec = importlib.util.spec_from_file_location(
        "baseline_screening", pkg / "__init__.py", submodule_search_locations=[str(pkg)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"no screening package in {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["baseline_screening"] = mod
    spec.loader.exec_module(mod)
    return mod


def compare_latency(
    base: ModuleType, size: int, seed: int, queries: list[str], rounds: int
) -> None:
    """The same queries on the same 100k-entry lists, screened by the baseline package and by
    this checkout's, in alternating passes (each pass with every cache cleared): CPU time per
    query, medians over the rounds, and the ratio this/baseline per round."""
    impls = []
    for label, mod in (("baseline", base), ("this", None)):
        m = mod if mod is not None else sys.modules["exportrules._screening"]
        lists = m.load_bundled()
        big = [*lists, synthetic_list(size - sum(len(rl.entries) for rl in lists), seed, m)]
        c = time.process_time()
        scr = m.Screener(big)
        print(f"  {label}: {size}-entry index built in {time.process_time() - c:.2f} s CPU")
        impls.append((label, mod, scr))
    per: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
    for r in range(rounds):
        order = impls if r % 2 == 0 else impls[::-1]  # alternate who goes first
        for label, mod, scr in order:
            _wall, cpu = _one_pass(scr, mod, queries)
            per[label].append(_quantiles(cpu))
    for label in ("baseline", "this"):
        rs = per[label]
        print(
            f"  {label:8} CPU per query, median of {rounds} passes: "
            f"p50 {statistics.median(x['p50_ms'] for x in rs):.3f} ms, "
            f"p99 {statistics.median(x['p99_ms'] for x in rs):.3f} ms, "
            f"mean {statistics.median(x['mean_ms'] for x in rs):.3f} ms"
        )
    for k in ("p50_ms", "p99_ms", "mean_ms"):
        ratios = sorted(t[k] / b[k] for t, b in zip(per["this"], per["baseline"]))
        print(
            f"  ratio this/baseline {k[:-3]}: median {statistics.median(ratios):.2f} "
            f"(range {ratios[0]:.2f}-{ratios[-1]:.2f} over {rounds} paired passes)"
        )


def latency_queries(positives: list, negatives: list, seed: int) -> list[str]:
    """2,500 distinct queries: 1,000 perturbed listed names, 1,000 invented names and 500
    invented company names, shuffled."""
    rng = random.Random(seed + 1)
    queries = [p[0] for p in positives[:1000]] + [n[0] for n in negatives[:1000]]
    queries += [invented_company(rng) for _ in range(500)]
    rng.shuffle(queries)
    return queries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--rapidfuzz", action="store_true", help="edit distance from rapidfuzz")
    ap.add_argument("--no-throughput", action="store_true", help="skip the evaluate() figure")
    ap.add_argument("--show", type=int, default=0, help="print this many misses and false hits")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="folder with another checkout's exportrules/_screening (e.g. from `git archive REV "
        "exportrules/_screening | tar -x -C DIR`): latency of both, interleaved in this run",
    )
    ap.add_argument("--rounds", type=int, default=6, help="paired passes for --baseline")
    ap.add_argument(
        "--latency-only", action="store_true", help="with --baseline: skip the quality figures"
    )
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
    base: ModuleType | None = None
    if args.baseline is not None:
        base = load_baseline(args.baseline)
        print(f"baseline: {args.baseline} vs this checkout, same queries, alternating passes")
        queries = latency_queries(positives, negatives, args.seed)
        compare_latency(base, args.size, args.seed, queries, args.rounds)
        if args.latency_only:
            return 0
    ar_neg = arabic_negatives(lists, n_neg // 4, args.seed)
    q = quality(scr, positives, negatives, Screener(latin_only(lists)), ar_neg)
    print(f"thresholds: match {scr.match_threshold}, review {scr.review_threshold}")
    qb = None
    if base is not None:  # the same evaluation set, screened by the baseline code
        blists = base.load_bundled()
        qb = quality(
            base.Screener(blists), positives, negatives, base.Screener(latin_only(blists)), ar_neg
        )
    for label, qq in (("baseline", qb), ("this", q)) if qb else (("", q),):
        print(
            f"{label + ': ' if label else ''}recall {qq['recall']:.4f} "
            f"(match level {qq['recall_match_level']:.4f}) on {len(positives)} perturbed "
            f"listed names; false-positive rate {qq['fp_rate']:.4f} (match level "
            f"{qq['fp_rate_match_level']:.4f}) on {n_neg} invented names, "
            f"{qq['fp_rate_arabic']:.4f} on {len(ar_neg)} invented names in Arabic script"
        )
    head = f"{'variant class':16} {'names':>6} " + (
        f"{'baseline':>9} {'this':>7}" if qb else f"{'recall':>7}"
    )
    print(head)
    for k in KINDS:
        if k in q["count_by_kind"]:  # type: ignore[operator]
            n = q["count_by_kind"][k]  # type: ignore[index]
            r = q["recall_by_kind"][k]  # type: ignore[index]
            b = f"{qb['recall_by_kind'][k]:>9.3f} " if qb else ""  # type: ignore[index]
            print(f"{k:16} {n:>6} {b}{r:>7.3f}")
    for row in q["misses"][: args.show]:  # type: ignore[index]
        print("  miss:", row)
    for row in q["fps"][: args.show]:  # type: ignore[index]
        print("  false hit:", row)
    for row in q["fps_arabic"][: args.show]:  # type: ignore[index]
        print("  false hit (Arabic script):", row)
    big = [*lists, synthetic_list(args.size - sum(len(rl.entries) for rl in lists), args.seed)]
    c, t = time.process_time(), time.perf_counter()
    scr_big = Screener(big)
    print(
        f"{args.size}-entry index build: {time.perf_counter() - t:.2f} s wall, "
        f"{time.process_time() - c:.2f} s CPU"
    )
    queries = latency_queries(positives, negatives, args.seed)
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
