"""Name normalisation: what two spellings of the same name have in common.

Unicode is folded (NFKD, then transliterated to ASCII by unidecode, so Cyrillic,
Greek and Arabic spellings become Latin), case and punctuation are dropped, and
honorifics and legal-form words are removed: they say nothing about who someone is.
Arabic article prefixes (al-, el-, and at-, ash-... before sun letters) are glued to the next word so that "Al-Tikriti",
"al Tikriti" and "Altikriti" agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jellyfish
from unidecode import unidecode

HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir dame lord lady sheikh shaykh sheik haji hajji hadji imam mullah "
    "mulla ayatollah sayyid sayed seyed general gen colonel col major maj captain capt lieutenant lt "
    "brigadier admiral commander rev reverend father md phd esq jr sr".split()
)
LEGAL_FORMS = frozenset(
    "llc ltd limited inc incorporated corp corporation co company plc gmbh ag sa sas sarl sl srl spa "
    "bv nv oy ab as asa kg kft zao ooo oao pao jsc ojsc cjsc pjsc llp lp pte pty bhd sdn fze fzco fzc "
    "est establishment the".split()
)
PARTICLES = frozenset({"al", "el"})
# Spellings that transliteration schemes (and clerks) use for one sound: "Dzhamal"
# and "Jamal", "Khalid" and "Halid", "Qaida" and "Kaida", "Waseem" and "Vaseem",
# "Haytham" and "Haitham". Applied to both sides alike, so it only merges spellings.
_SPELLINGS = (
    (re.compile(r"dzh|dj|zh"), "j"), (re.compile(r"kh"), "h"), (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q"), "k"), (re.compile(r"c(?=[aoulrtk])"), "k"), (re.compile(r"w"), "v"),
    (re.compile(r"y"), "i"), (re.compile(r"([a-z])\1"), r"\1"),
)
# The Arabic article written as pronounced before "sun letters" (at-Tikriti, ash-Shami,
# ad-Din): the same word as al-.
_ASSIMILATED_ARTICLE = re.compile(r"\b(?:a[dnrstz]|ash|ul)-(?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb]")
# Arabic script before transliteration: unidecode drops the alif of the article and of
# a word-initial hamza, and the taa marbuta, so "العلي" would become "lly" and "أسامة" "sm".
_ARABIC_ARTICLE = re.compile(r"(?<![\u0621-\u064a])\u0627\u0644")
_ARABIC_INITIAL_ALIF = re.compile(r"(?<![\u0621-\u064a])[\u0623\u0625\u0622\u0627\u0639]")
_ARABIC_TAA_MARBUTA = re.compile("\u0629")


def fold(text: str) -> str:
    """Unicode folding and transliteration to lower-case ASCII."""
    text = _ARABIC_ARTICLE.sub("al-", text)
    text = _ARABIC_TAA_MARBUTA.sub("a", _ARABIC_INITIAL_ALIF.sub("a", text))
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unidecode(stripped).lower()


def fold_spelling(word: str) -> str:
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


STOP_WORDS = HONORIFICS | LEGAL_FORMS
# Also in their folded spelling, so "компания" (kompaniia → kompania) and "Company" both go.
_FOLDED_STOP_WORDS = frozenset(fold_spelling(word) for word in STOP_WORDS) | {"kompania", "kompanii"}


@lru_cache(maxsize=65536)
def name_tokens(name: str) -> tuple[str, ...]:
    """The significant tokens of a name, in their original order."""
    text = _ASSIMILATED_ARTICLE.sub("al-", _APOSTROPHES.sub("", fold(name)))
    words = _NON_ALNUM.sub(" ", text).split()
    tokens: list[str] = []
    glue = ""
    for word in words:
        folded = fold_spelling(word)
        if word in STOP_WORDS or folded in _FOLDED_STOP_WORDS:
            continue
        if word in PARTICLES:
            glue += word
            continue
        tokens.append(glue + folded)
        glue = ""
    if glue:
        tokens.append(glue)
    if not tokens:  # a name made only of stop words is still a name
        tokens = [fold_spelling(word) for word in words]
    return tuple(tokens)


def normalise(name: str) -> str:
    """Tokens sorted, so that word order does not matter ("SMITH, John" == "John Smith")."""
    return " ".join(sorted(name_tokens(name)))


def token_phonetic(token: str) -> str:
    if token.isdigit():
        return token
    # Cyrillic and Arabic spellings write the same sound as "kh" and "h" (Хусейн, Hussein).
    return (jellyfish.metaphone(token) or token.upper()).replace("KH", "H")


def phonetic_key(name: str) -> str:
    """Metaphone of each token, sorted: agrees across most spellings of a spoken name."""
    return " ".join(sorted(token_phonetic(token) for token in name_tokens(name)))
