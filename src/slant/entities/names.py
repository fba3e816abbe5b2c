"""How names are compared: normal forms, acronyms and transliteration variants.

Everything here is pure string work, so the merge rules can be tested without
a parser. Three levels of sameness are used by the merger:

* ``key``: lower case, accents, periods and apostrophes dropped, hyphens as
  spaces, a leading "the" and a trailing possessive removed ("the U.S." ->
  "us", "Yoon Suk-yeol's" -> "yoon suk yeol");
* ``compact``: the key without spaces, so "Kim Jong-un" == "Kim Jong Un";
* ``same_person_spelling``: two romanisations of one East Asian (or other
  transliterated) name, compared syllable by syllable on a coarse phonetic
  key (initial consonant class + first vowel class).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from typing import Sequence

_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_APOSTROPHES = "'’‘`"
_STOP = frozenset({"of", "the", "and", "for", "on", "in", "to", "de", "du", "des", "la", "le", "&"})


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def surface(text: str) -> str:
    """The name as written, without a leading article or a possessive."""
    text = _LEADING_THE.sub("", text.strip())
    return _POSSESSIVE.sub("", text).strip()


@functools.lru_cache(maxsize=65536)
def key(text: str) -> str:
    text = strip_accents(surface(text)).lower()
    text = text.replace(".", "")
    for ch in _APOSTROPHES:
        text = text.replace(ch, "")
    text = re.sub(r"[-‐‑–—_/]", " ", text)
    return " ".join(text.split())


@functools.lru_cache(maxsize=65536)
def compact(text: str) -> str:
    return key(text).replace(" ", "")


def tokens(text: str) -> list[str]:
    return key(text).split()


def is_acronym(text: str) -> bool:
    """ "NATO", "U.S.", "ROK", "DoD": short, mostly capitals, no spaces."""
    bare = surface(text).replace(".", "")
    if not (2 <= len(bare) <= 7) or " " in bare or not bare.isalpha():
        return False
    upper = sum(ch.isupper() for ch in bare)
    return upper >= 2 and upper >= len(bare) - 1


def initials(text: str) -> set[str]:
    """Acronyms a long name may be shortened to (with and without small words).

    "North Atlantic Treaty Organization" -> {"NATO"}; "Republic of Korea" ->
    {"RK", "ROK"}; "Department of Defense" -> {"DD", "DOD"}.
    """
    words = [w for w in re.split(r"[\s\-]+", strip_accents(surface(text))) if w]
    if len(words) < 2:
        return set()
    every = "".join(w[0] for w in words if w[0].isalpha()).upper()
    content = "".join(w[0] for w in words if w.lower() not in _STOP and w[0].isalpha()).upper()
    return {every, content} - {""}


# -- transliteration --------------------------------------------------------

_VOWELS = "aeiou"
_SYLLABLE = re.compile(r"[^aeiou]*[aeiou]+(?:ng|n|m|l|k|p|t|r)?(?![aeiou])|[^aeiou]+$")

# Initial consonants that romanisation systems swap for one another
# (Korean g/k, d/t, b/p, j/ch; r/l; pinyin zh/j/q/ch ...).
_CONSONANT_CLASSES = (
    (("tch", "ch", "jj", "zh", "ts", "tz", "j", "c", "z", "q"), "J"),
    (("kh", "gh", "kk", "k", "g"), "K"),
    (("th", "tt", "t", "d"), "T"),
    (("ph", "pp", "p", "b", "f"), "P"),
    (("sh", "ss", "s", "x"), "S"),
    (("r", "l"), "L"),
)


def _consonant_class(onset: str) -> str:
    if not onset:
        return ""
    for prefixes, cls in _CONSONANT_CLASSES:
        if onset.startswith(prefixes):
            return cls
    return onset[0].upper()


def _vowel_class(nucleus: str) -> str:
    # Romanisations of one Korean vowel: eo/o/u (Seok, Sok, Suk), eu/u,
    # oo/u (Moon, Mun), yeo/you/yu; ae/ai/e; ee/i/ui (Hee, Hi, Hui).
    if nucleus.startswith(("ee", "ui", "i")):
        return "I"
    if nucleus.startswith(("ae", "ai", "e")) and not nucleus.startswith(("eo", "eu")):
        return "E"
    if nucleus.startswith("a"):
        return "A"
    return "U"


@functools.lru_cache(maxsize=65536)
def syllables(word: str) -> tuple[str, ...]:
    word = compact(word)
    parts = [p for p in _SYLLABLE.findall(word) if p]
    # A trailing consonant run ("john" -> "jo", "hn") belongs to the last syllable.
    if len(parts) > 1 and not any(ch in _VOWELS for ch in parts[-1]):
        last = parts.pop()
        parts[-1] += last
    return tuple(parts)


@functools.lru_cache(maxsize=65536)
def phonetic(word: str) -> tuple[tuple[str, str], ...]:
    out = []
    for syl in syllables(word):
        m = re.match(r"([^aeiou]*)([aeiou]*)", syl)
        assert m is not None
        out.append((_consonant_class(m.group(1)), _vowel_class(m.group(2)) if m.group(2) else ""))
    return tuple(out)


SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

# Common Korean, Chinese and Vietnamese family names in their usual
# romanisations; a name starting with one is read family name first.
EAST_ASIAN_FAMILY = frozenset("""
kim lee yi rhee ri park pak bak choi choe jung chung jeong cheong kang cho jo yoon yun jang chang lim im han
oh seo suh shin sin kwon hwang ahn an song jeon jun hong moon mun yang ko go son sohn bae baek paik heo hur
nam noh roh ryu yoo yu woo jin chae won cha
xi li wang zhang liu chen zhao huang zhou wu xu sun hu zhu gao lin he guo ma luo liang zheng xie tang feng
dong xiao cheng cao yuan deng peng tsai lai hou wen jiang qin bo tian fu
nguyen tran le pham hoang phan vu vo dang bui do ngo duong ly
""".split())


def _family_first(parts: Sequence[str]) -> bool:
    return compact(parts[0]) in EAST_ASIAN_FAMILY or any("-" in p for p in parts[1:])


@functools.lru_cache(maxsize=65536)
def split_person(text: str) -> tuple[str, ...]:
    """Name parts as written, hyphenated parts kept together ("Seok-yuek")."""
    return tuple(p for p in re.split(r"\s+", strip_accents(surface(text)).replace(".", "").replace(",", " ")) if p)


def _given_key(parts: Sequence[str], other: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Phonetic key of given-name parts; syllables follow the writer's own
    hyphens and spaces when both names show the same number of pieces
    ("Jae-myung" vs "Jae-yong"), else the letters are re-syllabified."""
    pieces = [p for part in parts for p in re.split(r"[-‐‑]", part) if p]
    other_pieces = [p for part in other for p in re.split(r"[-‐‑]", part) if p]
    if len(pieces) == len(other_pieces) and len(pieces) > 1:
        out: list[tuple[str, str]] = []
        for piece in pieces:
            out.extend(phonetic(piece)[:1] if len(phonetic(piece)) else [("", "")])
        return tuple(out)
    return phonetic("".join(pieces))


@functools.lru_cache(maxsize=65536)
def same_person_spelling(a: str, b: str) -> bool:
    """Whether two full names look like two romanisations of one name.

    The family name must match (on the phonetic key, so Moon/Mun pass),
    either first (East Asian order) or last, and the remaining given-name
    letters must have the same number of syllables with equal phonetic keys.
    Equal compact forms count too. Siblings who share a generation syllable
    (Kim Jong Un / Kim Jong Il / Kim Jong Nam) differ in the other syllable's
    key and are kept apart; so are Kim Jong Un / Kim Yo Jong, and a father
    and son told apart by "Jr." or "II".
    """
    if compact(a) == compact(b):
        return True
    pa, pb = split_person(a), split_person(b)
    if {p.lower() for p in pa} & SUFFIXES != {p.lower() for p in pb} & SUFFIXES:
        return False
    pa = [p for p in pa if p.lower() not in SUFFIXES]
    pb = [p for p in pb if p.lower() not in SUFFIXES]
    if len(pa) < 2 or len(pb) < 2:
        return False
    orders = [(pa[-1], pa[:-1], pb[-1], pb[:-1], False)]
    # Family name first only for East Asian names: a known family name, or a
    # hyphenated given name ("Seok-yuek"). Otherwise "Donald Trump" and
    # "Donald Tusk" would pass as one "Donald" with two given names.
    if _family_first(pa) and _family_first(pb):
        orders.insert(0, (pa[0], pa[1:], pb[0], pb[1:], True))
    for fa, ga, fb, gb, east_asian in orders:
        # A family name may differ in spelling (Moon/Mun, Choe/Choi) only in
        # East Asian order and when it is one syllable (Trump is not Tusk).
        if compact(fa) != compact(fb) and not (
            east_asian and "-" not in fa + fb and len(phonetic(fa)) == 1 and phonetic(fa) == phonetic(fb)
        ):
            continue
        given_a, given_b = compact("".join(ga)), compact("".join(gb))
        if not given_a or not given_b:
            continue
        if given_a == given_b:
            return True
        similarity = max(
            difflib.SequenceMatcher(None, given_a, given_b).ratio(),
            difflib.SequenceMatcher(None, given_b, given_a).ratio(),
        )
        if similarity < 0.4:
            continue
        ka, kb = _given_key(ga, gb), _given_key(gb, ga)
        if ka and ka == kb and _share_a_syllable(ga, gb):
            return True
    return False


def _given_syllables(parts: Sequence[str], other: Sequence[str]) -> list[str]:
    """Given-name syllables as written: the writer's own pieces when both
    names have as many, else the letters re-syllabified."""
    pieces = [compact(p) for part in parts for p in re.split(r"[-‐‑]", part) if p]
    other_pieces = [p for part in other for p in re.split(r"[-‐‑]", part) if p]
    if len(pieces) == len(other_pieces) and len(pieces) > 1:
        return pieces
    return list(syllables("".join(pieces)))


def _share_a_syllable(ga: Sequence[str], gb: Sequence[str]) -> bool:
    """At least one given-name syllable spelled the same, in the same place.

    The phonetic key is coarse on purpose (it lets "Seok-yuek" meet
    "Seok-yoon"), so on its own it would also pair two different people whose
    names sound alike: "Kim Chol Ung" is not "Kim Jong Un". Machine
    translation garbles a syllable, not every one of them.
    """
    sa, sb = _given_syllables(ga, gb), _given_syllables(gb, ga)
    return any(x == y for x, y in zip(sa, sb))
