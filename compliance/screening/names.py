"""Name analysis on OpenSanctions' `rigour`: what two spellings of the same name have in common.

A name is analysed once, as the kind of party it names (person, organisation or
thing), into tagged parts: honorifics ("Mr", "Sheikh") and articles are removed, legal
forms are rewritten to one compare form whatever their spelling ("L.L.C.", "Limited
Liability Company" and "LLC"; "Aktiengesellschaft" and "AG"; "OAO" and "Open Joint
Stock Company"), and every part carries its script-aware transliteration to Latin,
its metaphone and the symbols rigour knows for it (a given name's other spellings
and scripts, "Forty-Four" = 44, initials). Nothing here is hand-written normalisation:
the rules and reference data are rigour's, maintained with the sanctions lists they serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rigour.names import Name, NamePartTag, NameTypeTag, Symbol, analyze_names
from rigour.text.translit import ascii_text

INDIVIDUAL, ORGANISATION, VESSEL, AIRCRAFT = "individual", "organisation", "vessel", "aircraft"
# The spellings of entity types that callers and list files use, to the four the product knows.
ENTITY_TYPE_SPELLINGS = {
    INDIVIDUAL: INDIVIDUAL,
    "person": INDIVIDUAL,
    "natural person": INDIVIDUAL,
    "natural_person": INDIVIDUAL,
    "people": INDIVIDUAL,
    "human": INDIVIDUAL,
    ORGANISATION: ORGANISATION,
    "organization": ORGANISATION,
    "company": ORGANISATION,
    "entity": ORGANISATION,
    "legal entity": ORGANISATION,
    "legal_entity": ORGANISATION,
    "legalentity": ORGANISATION,
    "business": ORGANISATION,
    "corporation": ORGANISATION,
    "legal person": ORGANISATION,
    "org": ORGANISATION,
    "publicbody": ORGANISATION,
    "public body": ORGANISATION,
    VESSEL: VESSEL,
    "ship": VESSEL,
    AIRCRAFT: AIRCRAFT,
    "airplane": AIRCRAFT,
    "plane": AIRCRAFT,
}
_TYPE_TAGS = {
    INDIVIDUAL: NameTypeTag.PER,
    ORGANISATION: NameTypeTag.ORG,
    VESSEL: NameTypeTag.OBJ,
    AIRCRAFT: NameTypeTag.OBJ,
    "": NameTypeTag.ENT,
}
# Symbols that say who someone is. Legal-form and generic-word symbols ("company",
# "international") are shared by thousands of names: they are scored, never used to find candidates.
IDENTIFYING_SYMBOLS = frozenset({Symbol.Category.NAME, Symbol.Category.NICK, Symbol.Category.NUMERIC})
SYMBOL_KEY, WORD_KEY = "s:", "w:"


def entity_type_of(text: str | None) -> str:
    """The product's entity type for a spelling of it ("organization", "Company", "person"...);
    "" for none; ValueError for a spelling no one uses."""
    key = " ".join((text or "").replace("-", " ").split()).lower()
    if not key:
        return ""
    try:
        return ENTITY_TYPE_SPELLINGS[key]
    except KeyError:
        raise ValueError(f"unknown entity type {text!r}") from None


@dataclass(frozen=True)
class AnalysedName:
    """One name as rigour analyses it, with the keys that find it again."""

    name: Name
    latin: str  # the parts transliterated to Latin, sorted: word order does not matter
    keys: frozenset[str]
    # An organisation's or thing's name with its words in alphabetical order: logic-v2 aligns their
    # parts in order, and "INMOBILIARIA BOLIVAR S.A. ADMINISTRACION" is still the same company.
    sorted_name: Name | None = None

    @property
    def comparable(self) -> str:
        return self.name.comparable


def part_latin(part) -> str:
    return ascii_text(part.comparable)


def _keys(name: Name) -> frozenset[str]:
    """Blocking keys: each significant part's Latin spelling, sound, first and last four letters,
    the parts glued together (for "SergeiLavrov"), an organisation's initials, and the identifying
    symbols."""
    keys: set[str] = set()
    glued = []
    for part in name.parts:
        if part.tag in (NamePartTag.STOP, NamePartTag.LEGAL):
            continue
        latin = part_latin(part).replace(" ", "")
        glued.append(latin)
        if not latin:
            continue
        keys.add(WORD_KEY + latin)
        if len(latin) >= 4:
            keys.add("b:" + latin[:4])
            keys.add("e:" + latin[-4:])
        if part.metaphone:
            keys.add("m:" + part.metaphone)
    whole = "".join(glued)
    if whole:
        keys.add("b:" + whole[:4])
        keys.add("e:" + whole[-4:])
    if name.tag in (NameTypeTag.ORG, NameTypeTag.ENT) and len(glued) >= 2:
        keys.add(WORD_KEY + "".join(word[0] for word in glued if word))  # "PLA" for People's Liberation Army
    for symbol in name.symbols:
        if symbol.category in IDENTIFYING_SYMBOLS:
            keys.add(f"{SYMBOL_KEY}{symbol}")
    return frozenset(keys)


@lru_cache(maxsize=8192)
def analyse(text: str, entity_type: str = "", *, is_query: bool = False) -> tuple[AnalysedName, ...]:
    """The analysed forms of one name: usually one, none for a name with nothing in it.

    `is_query` marks a name typed by a person (a customer's, a counterparty's): single
    letters are then read as initials ("J Smith").
    """
    tag = _TYPE_TAGS.get(entity_type, NameTypeTag.ENT)
    names = analyze_names(tag, [text], consolidate=False, infer_initials=is_query and tag == NameTypeTag.PER)
    analysed = []
    for name in sorted(names, key=lambda n: n.comparable):
        if not name.parts:
            continue
        latin = " ".join(sorted(part_latin(part) for part in name.parts))
        sorted_name = None
        if tag != NameTypeTag.PER and len(name.parts) > 1:
            reordered = analyze_names(tag, [" ".join(sorted(part.form for part in name.parts))], consolidate=False)
            sorted_name = next(iter(reordered), None)
        analysed.append(AnalysedName(name=name, latin=latin, keys=_keys(name), sorted_name=sorted_name))
    return tuple(analysed)


def comparable_form(text: str, entity_type: str = "") -> str:
    """The name as compared (legal forms in their compare form, honorifics gone), in Latin script:
    for storage beside the listed name and for officers' search."""
    return " | ".join(a.latin for a in analyse(text, entity_type))


def sound_form(text: str, entity_type: str = "") -> str:
    """Metaphone keys of the name's parts, sorted."""
    return " ".join(
        sorted(part.metaphone for a in analyse(text, entity_type) for part in a.name.parts if part.metaphone)
    )
