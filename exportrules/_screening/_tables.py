"""Normalisation data: transliteration, spelling variants, legal-form and stop words.

These are tables, not logic: extend them to widen what the matcher treats as the same name.
Every key is written in the form the normaliser produces (lower case ASCII after
transliteration and diacritic removal, punctuation stripped).
"""

from __future__ import annotations

__all__ = [
    "CYRILLIC",
    "LEGAL_FORMS",
    "LEGAL_PHRASES",
    "LETTERS",
    "PARTICLE_PREFIXES",
    "STOP_WORDS",
    "VARIANTS",
]

# Cyrillic -> Latin, one letter at a time (a simplified BGN/PCGN-style romanisation with the
# Ukrainian and Belarusian letters); sanctions lists romanise Russian names this way (ё as yo:
# Fyodor, Ayob; "Fedorov" still matches by sound).
CYRILLIC: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}  # fmt: skip

# Latin letters that Unicode decomposition does not reduce to ASCII.
LETTERS: dict[str, str] = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ħ": "h", "ŀ": "l", "ŧ": "t", "ſ": "s",
}  # fmt: skip

# Words that name a legal form rather than the party; dropped before matching.
LEGAL_FORMS: frozenset[str] = frozenset(
    """
co coltd company companies corp corpn corporation inc incorporated ltd limited llc llp lp plc pllc
gmbh mbh ag kg ohg ug kgaa ev sa sas sarl srl spa sl slu sro as ab oy oyj aps bv nv pte pvt
pty fze fzco fzc fzllc fzs dmcc est ooo oao zao pao ojsc cjsc jsc pjsc tov ao llp sdn bhd
tbk pt cv sti tic san ve kft zrt nyrt doo dd ad ead eood spzoo sp zoo sa de rl cia ltda
""".split()  # noqa: SIM905
)

# Multi-word legal forms, dropped as a whole phrase (their words alone may be meaningful).
LEGAL_PHRASES: tuple[tuple[str, ...], ...] = (
    ("public", "joint", "stock"),
    ("open", "joint", "stock"),
    ("closed", "joint", "stock"),
    ("joint", "stock"),
    ("limited", "liability"),
    ("youxian", "gongsi"),
    ("youxian", "zeren", "gongsi"),
    ("gufen", "youxian", "gongsi"),
    ("sanayi", "ve", "ticaret"),
    ("obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"),
    ("aktsionernoe", "obshchestvo"),
    ("aktsionernoye", "obshchestvo"),
    # Chinese legal forms romanised one syllable per character (names in Chinese script)
    ("gu", "fen", "you", "xian", "gong", "si"),
    ("you", "xian", "ze", "ren", "gong", "si"),
    ("you", "xian", "gong", "si"),
    ("ji", "tuan", "you", "xian", "gong", "si"),
    ("you", "xian", "gongsi"),
    ("gong", "si"),
)

# Words carrying no identifying weight: articles, prepositions and Arabic/Romance particles
# (``ur``, ``ud``: the article of Urdu and Persian names, "Mati ur Rehman", "Noor ud Din").
# Not "an" or "da": they are common pinyin syllables of Chinese names ("Heng Da", "Hui An").
STOP_WORDS: frozenset[str] = frozenset(
    """
the of and for a de del della der den des di du dos das la le les van von vom zu y e
et und al el ul il at ur ud
""".split()  # noqa: SIM905
)

# Arabic definite-article prefixes written joined with a hyphen ("al-Qaida", "ash-Shabaab").
PARTICLE_PREFIXES: tuple[str, ...] = (
    "al", "el", "ul", "ad", "ar", "as", "at", "az", "an", "ash", "ath", "adh", "ad",
)  # fmt: skip

# Spelling variants of one name -> the spelling the index uses. Covers the common romanisation
# variants of Arabic given names, Cyrillic endings and Wade-Giles -> pinyin syllables.
_GROUPS: dict[str, str] = {
    # Arabic given names and name elements
    "muhammad": "mohammed mohammad mohamed mohamad muhammed mohammud muhamad mohd muhamed "
    "mohamud mouhamed mouhammad mohummad mehmet mahomed muhammet",
    "ahmad": "ahmed ahmet akhmed achmed ahmat",
    "mahmud": "mahmoud mahmood mehmood mahmut",
    "yusuf": "youssef yousef yusef yousuf yussuf yosef yousif youcef yousof",
    "husayn": "hussein husein hussain husain hossein hussien houssein husseyn",
    "hasan": "hassan hasen hasaan hassen",
    "abd": "abdul abdel abdal abdol abdoul abdu abdoulaye abdur abdus",
    "abu": "abou abo",
    "bin": "ben ibn bn",
    "umar": "omar omer umer",
    "uthman": "othman osman usman othmane",
    "khalid": "khaled khaleed",
    "said": "saeed saied sayed sayyid saiid",
    "rahman": "rehman rahmane rahaman",
    "rahim": "raheem rehim",
    "ali": "aly",
    "aziz": "azeez",
    "abdallah": "abdullah abdulla abdalla abdollah",
    "qasim": "kasim qassem qasem kassem kassim",
    "jafar": "jaafar jafer",
    "mustafa": "mostafa moustafa mustapha mostapha",
    "ibrahim": "ebrahim ibraheem ibragim",
    "ismail": "ismael esmail",
    "yahya": "yahia yehia yahyah",
    "zakariya": "zakaria zakariyya zakariah",
    "muhsin": "mohsen mohsin",
    "nasir": "nasser naser nasr nassir",
    "qadir": "kadir qader kader",
    "faruq": "farouk farooq faruk",
    "salih": "saleh",
    "sulayman": "suleiman sulaiman soliman suleyman sleiman",
    "tahir": "taher",
    "zayd": "zaid zeid",
    "shaykh": "sheikh shaikh sheik",
    # Russian / Cyrillic romanisation
    "aleksandr": "alexander aleksander alexandr oleksandr",
    "aleksey": "alexei aleksei alexey oleksiy olexiy oleksii",
    "sergey": "sergei serhiy",
    "yuriy": "yuri yury iurii",
    "dmitriy": "dmitri dmitry dmytro",
    "evgeniy": "yevgeny evgeny yevgeniy evgenii",
    "nikolay": "nikolai mykola",
    "andrey": "andrei andriy",
    "vladimir": "volodymyr",
    "mikhail": "mikhael mykhailo",
    "pavel": "pavlo",
    "petr": "pyotr petro",
    "ilya": "illia ilia",
    "tatyana": "tatiana tetiana",
    "yelena": "elena olena",
    # Wade-Giles and older romanisations -> pinyin
    "xin": "hsin",
    "xi": "hsi",
    "xiao": "hsiao",
    "xiong": "hsiung",
    "xu": "hsu",
    "xie": "hsieh",
    "xing": "hsing",
    "xue": "hsueh",
    "xian": "hsien",
    "xiang": "hsiang",
    "zhong": "chung",
    "jiang": "chiang",
    "guo": "kuo",
    "guang": "kuang",
    "gong": "kung",
    "dong": "tung",
    "deng": "teng",
    "cai": "tsai",
    "cao": "tsao",
    "cui": "tsui",
    "zou": "tsou",
    "zi": "tzu",
    "si": "ssu szu",
    "shi": "shih",
    "zhi": "chih",
    "ri": "jih",
    "ren": "jen",
    "rong": "jung",
    "zhou": "chou",
    "zhao": "chao",
    "beijing": "peking",
    "tianjin": "tientsin",
    "nanjing": "nanking",
    "qinghua": "tsinghua",
    "qingdao": "tsingtao",
    "guangzhou": "canton",
    # common abbreviations in organisation names
    "institute": "inst institut instituto istituto",
    "university": "univ universitet universite universidad universita",
    "international": "intl intern internat",
    "manufacturing": "mfg manuf",
    "technology": "tech techn",
    "technologies": "technol",
    "engineering": "eng engg",
    "science": "sci",
    "national": "natl nat",
    "academy": "acad akademiya akademia academie",
    "department": "dept",
    "association": "assoc",
    "electronics": "elec",
    "industrial": "indl",
    "laboratory": "lab",
    "laboratories": "labs",
}

VARIANTS: dict[str, str] = {v: k for k, vs in _GROUPS.items() for v in vs.split()}

# ---------------------------------------------------------------------------------------------
# Arabic script (Arabic, Persian, Urdu, Pashto). Names written in it keep their letters as
# tokens (folded below); they are compared with Latin-script names through consonant classes
# (``_abjad``).

# Letters folded to one form before comparison (after Unicode decomposition has removed the
# hamza and madda marks and the short-vowel signs): the spelling variants data entry produces
# for the same name (ة/ه, ى/ي, Persian and Urdu forms of yeh, kaf and heh, Pashto and Urdu
# retroflex letters, alef wasla, the tatweel used to stretch words).
ARABIC_FOLD: dict[str, str] = {
    "ة": "ه", "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ے": "ي", "ک": "ك", "ہ": "ه",
    "ھ": "ه", "ە": "ه", "ۀ": "ه", "ٱ": "ا", "ں": "ن", "ڼ": "ن", "ړ": "ر", "ڑ": "ر",
    "ډ": "د", "ڈ": "د", "ټ": "ت", "ٹ": "ت", "ء": "", "ـ": "",
}  # fmt: skip

# The Latin consonant classes a romanisation may write for each (folded) Arabic letter. Class
# letters: b p f v m n l r k g j z s t d h; c = sh/ch (ش چ); x = kh (خ); T = th (ث ذ ظ);
# D = dh (ذ ض ظ). An empty string: the letter is a vowel sign or has no Latin letter of its own
# (alef, waw and yeh as long vowels or semivowels, ain, hamza seats).
ARABIC_CLASSES: dict[str, tuple[str, ...]] = {
    "ا": ("",), "ي": ("",), "ع": ("",),
    "و": ("", "v"),  # a long vowel or w; v in Persian names (Javad)
    "ب": ("b",), "پ": ("p", "b"), "ت": ("t",), "ط": ("t",),
    "ث": ("T", "s", "t"),  # Uthman / Osman / Otman
    "ج": ("j", "g"),  # Jamal / Gamal (Egyptian)
    "چ": ("c",), "ژ": ("z", "j"),
    "ح": ("h",), "ه": ("h",),
    "خ": ("x", "h", "k"),  # Khalid / Halid / Kalid
    "د": ("d",),
    "ذ": ("D", "z", "d", "T"),  # Dhahab / Zahab / Dahab / Thahab
    "ر": ("r",), "ز": ("z",), "س": ("s",), "ص": ("s",), "ش": ("c",),
    "ض": ("d", "D", "z"),  # Ramadan / Ramadhan / Ramazan
    "ظ": ("z", "D", "d", "T"),  # Zahir / Dhahir / Dahir / Kathim
    "غ": ("g",),
    "ف": ("f", "v"),  # also v in foreign names (Karimov)
    "ق": ("k", "g"),  # Qasim / Kassem / Gasmi
    "ك": ("k", "g"), "گ": ("g", "k"),  # ك also stands for گ (Gul written كل)
    "ل": ("l",), "م": ("m",), "ن": ("n",),
    "ځ": ("z", "j"), "څ": ("s",), "ښ": ("c", "x"), "ږ": ("z", "g", "j"),
}  # fmt: skip

# Latin letters and digraphs -> consonant class (longest first). A digraph may also be two
# letters ("Fathi" is f-t-h, "Adham" d-h): ``_abjad`` keys both readings. Vowels and the
# semivowels y, w have no class.
LATIN_CLASSES: dict[str, str] = {
    "sch": "c", "tch": "c", "dzh": "j",
    "sh": "c", "ch": "c", "kh": "x", "gh": "g", "th": "T", "dh": "D", "zh": "z", "ph": "f",
    "dj": "j", "ck": "k",
    "b": "b", "p": "p", "f": "f", "m": "m", "n": "n", "l": "l", "r": "r", "k": "k", "q": "k",
    "g": "g", "j": "j", "z": "z", "s": "s", "t": "t", "d": "d", "h": "h", "x": "ks", "v": "v",
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "",
}  # fmt: skip

# Legal-form words written in Arabic script (folded), dropped like LEGAL_FORMS.
ARABIC_LEGAL_FORMS: frozenset[str] = frozenset(
    """
شركه الشركه موسسه الموسسه محدوده المحدوده ذات مسووليه المسووليه مساهمه المساهمه
لمتد ليمتد لميتد لميتد ليميتد
""".split()  # noqa: SIM905
)

# Arabic names of two words that Latin spellings often write as one (Abubakar, Abdullah,
# Benhassine, Nooruddin, Saifurrahman, Ziaulhaq): two Arabic-script words are compared with one
# Latin word only when the first is one of COMPOUND_HEADS or the second one of COMPOUND_TAILS
# (folded, with the article; also the Persian and Pashto endings Jan, Khan, Gul, Zada, Khel,
# Mal); one Arabic-script word with two Latin words only when the first Latin word is one of
# LATIN_COMPOUND_HEADS or the second one of LATIN_COMPOUND_TAILS.
COMPOUND_HEADS: frozenset[str] = frozenset("ابو ابن بن عبد ام".split())  # noqa: SIM905
COMPOUND_TAILS: frozenset[str] = frozenset(
    """
الله الدين الرحمن الرحمان الرحيم الحق الاسلام الهدي الزمان النبي الملك النور الامين العزيز
العابدين جان خان گل كل زاده خيل مل
""".split()  # noqa: SIM905
)
LATIN_COMPOUND_HEADS: frozenset[str] = frozenset({"abu", "abd", "bin", "umm"})
LATIN_COMPOUND_TAILS: frozenset[str] = frozenset(
    {"allah", "din", "rahman", "rahim", "jan", "khan", "gul", "zada", "khel", "mal"}
)
