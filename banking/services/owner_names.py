"""Does a bank account's owner name belong to our customer? Compared part by part.

A fuzzy ratio over the whole name accepts a different person ("Robert Okafor" scores
~92 against "Roberta Okafor"), so a person's name is split into given name, middle
names and family name (Plaid gives either "GIVEN MIDDLE FAMILY" or "FAMILY, GIVEN
MIDDLE"), transliterated to ASCII and compared part by part:

- MATCH: the same given name and family name, and middle names that do not conflict
  (one side may leave them out or give an initial).
- REVIEW: the same person is plausible but not shown: the given name is an initial or a
  short form of ours ("R.", "Rob" for Robert), the middle names conflict, the parts come
  in the other order, one side has a single name, or the family names overlap only in
  part (a compound surname). A person decides (see `BankAccount.owner_review`).
- MISMATCH: anything else, including a different given name with the same family name.

An organisation's name is compared as a whole: equal once normalised is a match, the
same words in another order go to review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import utils
from unidecode import unidecode

# A short form must be a prefix of the full given name and at most this long, and at
# least this much shorter: "Rob"/"Robert", "Alex"/"Alexander", not "Robert"/"Roberta".
SHORT_FORM_MAX_LETTERS = 5
SHORT_FORM_MIN_DIFFERENCE = 3


class NameMatch(StrEnum):
    MATCH = "match"
    REVIEW = "review"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class OwnerNameResult:
    outcome: NameMatch
    owner: str
    reason: str


def _tokens(name: str) -> list[str]:
    return utils.default_process(unidecode(name)).split()


def _person_parts(name: str) -> list[str]:
    """Tokens in given-name-first order ("OKAFOR, ROBERT" -> robert okafor)."""
    if "," in name:
        family, _, given = name.partition(",")
        return _tokens(given) + _tokens(family)
    return _tokens(name)


def _given_relation(ours: str, theirs: str) -> NameMatch:
    if ours == theirs:
        return NameMatch.MATCH
    short, full = sorted((ours, theirs), key=len)
    if len(short) == 1 and full.startswith(short):
        return NameMatch.REVIEW  # an initial
    if (
        full.startswith(short)
        and len(short) <= SHORT_FORM_MAX_LETTERS
        and len(full) - len(short) >= SHORT_FORM_MIN_DIFFERENCE
    ):
        return NameMatch.REVIEW  # a short form
    return NameMatch.MISMATCH


def _middles_compatible(ours: list[str], theirs: list[str]) -> bool:
    short, full = sorted((ours, theirs), key=len)
    return all(
        any(m == f or (len(m) == 1 and f.startswith(m)) or (len(f) == 1 and m.startswith(f)) for f in full)
        for m in short
    )


def _compare_person(ours: list[str], theirs: list[str]) -> tuple[NameMatch, str]:
    if not ours or not theirs:
        return NameMatch.MISMATCH, "no name to compare"
    if len(ours) == 1 or len(theirs) == 1:
        shared = set(ours) & set(theirs)
        return (NameMatch.REVIEW, "a single name on one side") if shared else (NameMatch.MISMATCH, "no part shared")
    given = _given_relation(ours[0], theirs[0])
    if given is NameMatch.MISMATCH:
        return NameMatch.MISMATCH, "different given name"
    if ours[-1] != theirs[-1]:
        if set(ours[1:]) & set(theirs[1:]):
            return NameMatch.REVIEW, "family names overlap only in part"
        return NameMatch.MISMATCH, "different family name"
    if not _middles_compatible(ours[1:-1], theirs[1:-1]):
        return NameMatch.REVIEW, "middle names differ"
    if given is NameMatch.REVIEW:
        return NameMatch.REVIEW, "given name is an initial or a short form"
    return NameMatch.MATCH, "given and family names equal"


def _compare_one(legal_name: str, owner: str, *, organisation: bool) -> tuple[NameMatch, str]:
    if organisation:
        ours, theirs = _tokens(legal_name), _tokens(owner)
        if ours and ours == theirs:
            return NameMatch.MATCH, "same name"
        if ours and sorted(ours) == sorted(theirs):
            return NameMatch.REVIEW, "same words in another order"
        return NameMatch.MISMATCH, "different name"
    ours, theirs = _person_parts(legal_name), _person_parts(owner)
    outcome, reason = _compare_person(ours, theirs)
    if outcome is NameMatch.MISMATCH and "," not in owner:
        reversed_outcome, _ = _compare_person(ours, theirs[1:] + theirs[:1])  # "OKAFOR ROBERT"
        if reversed_outcome is not NameMatch.MISMATCH:
            return NameMatch.REVIEW, "name parts in the other order"
    return outcome, reason


RANK = {NameMatch.MATCH: 2, NameMatch.REVIEW: 1, NameMatch.MISMATCH: 0}


def owner_name_match(*, legal_name: str, owner_names: Iterable[str], organisation: bool = False) -> OwnerNameResult:
    """The best outcome over the account's owners (a joint account has several)."""
    best = OwnerNameResult(NameMatch.MISMATCH, "", "no owner name on the account")
    for owner in owner_names:
        outcome, reason = _compare_one(legal_name, owner, organisation=organisation)
        if RANK[outcome] > RANK[best.outcome] or not best.owner:
            best = OwnerNameResult(outcome, owner, reason)
    return best
