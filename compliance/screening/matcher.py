"""Scoring a name against the index: explainable, ranked matches.

The name score blends four views of similarity (0-100 each):
- `jaro_winkler`: character level, over the sorted tokens (typos, transliteration);
- `token_sort`: token level, word order ignored;
- `token_set`: token level, tolerant of a missing middle name, weighted by how much
  of the longer name is covered so that "Maria Garcia" does not fully match a
  listed "Maria del Carmen Garcia Lopez";
- `phonetic`: similarity of the metaphone keys (spellings that sound alike, and
  transliterations from Arabic script that drop the vowels).
The blend is then scaled down by up to 10% by `coverage` (fewer words on one side
than on the other: "Smith Inc" against "SMITH, John Robert").
Secondary factors then move the score: a matching date of birth, country or entity
type confirms, a contradicting one lowers it. A name with no listed date of birth
or country is neither helped nor hurt.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from operator import itemgetter

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from compliance.screening.index import IndexedName, NameIndex
from compliance.screening.normalise import name_tokens, normalise, phonetic_key

WEIGHTS = {"jaro_winkler": 0.30, "token_sort": 0.30, "token_set": 0.15, "phonetic": 0.25}  # nosec B105 (weights)
DOB_EXACT_BONUS = 3.0
DOB_YEAR_BONUS = 1.0
DOB_MISMATCH_PENALTY = 15.0
COUNTRY_MATCH_BONUS = 2.0
COUNTRY_MISMATCH_PENALTY = 8.0
ENTITY_TYPE_MISMATCH_PENALTY = 15.0
PARTIAL_NAME_WEIGHT = 0.10
PREFILTER_LIMIT = 25
PREFILTER_CUTOFF = 55


@dataclass(frozen=True)
class Query:
    name: str
    date_of_birth: datetime.date | None = None
    country: str = ""
    entity_type: str = ""


@dataclass(frozen=True)
class Match:
    list_code: str
    entry_uid: str
    entity_type: str
    primary_name: str
    matched_name: str
    is_primary_name: bool
    score: float
    score_parts: dict = field(default_factory=dict)
    content_hash: str = ""
    snapshot_id: int = 0

    def as_dict(self) -> dict:
        return {
            "list": self.list_code,
            "entry_id": self.entry_uid,
            "entity_type": self.entity_type,
            "primary_name": self.primary_name,
            "matched_name": self.matched_name,
            "is_primary_name": self.is_primary_name,
            "score": self.score,
            "score_parts": self.score_parts,
        }


def name_score_parts(query_norm: str, query_phon: str, candidate: IndexedName) -> dict[str, float]:
    query_len, cand_len = query_norm.count(" ") + 1, len(candidate.tokens) or 1
    coverage = min(query_len, cand_len) / max(query_len, cand_len)
    return {
        "jaro_winkler": JaroWinkler.normalized_similarity(query_norm, candidate.normalised) * 100,
        "token_sort": fuzz.token_sort_ratio(query_norm, candidate.normalised),
        "token_set": fuzz.token_set_ratio(query_norm, candidate.normalised) * (0.5 + 0.5 * coverage),
        "phonetic": fuzz.ratio(query_phon, candidate.phonetic),
        "coverage": coverage,
    }


def _dob_adjustment(query_dob: datetime.date | None, listed: tuple[str, ...]) -> tuple[float, str]:
    if query_dob is None or not listed:
        return 0.0, "not compared"
    wanted = [query_dob.year, query_dob.month, query_dob.day]
    year_matches = False
    for value in listed:
        if "/" in value:  # a year range, e.g. "circa 1960" or "1955 to 1958"
            low, high = (int(part) for part in value.split("/"))
            year_matches = year_matches or low <= query_dob.year <= high
            continue
        parts = [int(part) for part in value.split("-")]
        if parts == wanted[: len(parts)] and len(parts) == 3:
            return DOB_EXACT_BONUS, "exact"
        # Same year (a listed year or month only, or a different day): neither confirms nor refutes much.
        year_matches = year_matches or parts[0] == query_dob.year
    if year_matches:
        return DOB_YEAR_BONUS, "year matches"
    return -DOB_MISMATCH_PENALTY, "mismatch"


def _country_adjustment(country: str, listed: frozenset[str]) -> tuple[float, str]:
    if not country or not listed:
        return 0.0, "not compared"
    if country.upper() in listed:
        return COUNTRY_MATCH_BONUS, "match"
    return -COUNTRY_MISMATCH_PENALTY, "mismatch"


def _entity_type_adjustment(entity_type: str, listed: str) -> tuple[float, str]:
    if not entity_type or not listed:
        return 0.0, "not compared"
    is_person, listed_person = entity_type == "individual", listed == "individual"
    if is_person != listed_person:
        return -ENTITY_TYPE_MISMATCH_PENALTY, "mismatch"
    return 0.0, "match"


def score_candidate(
    query: Query, query_norm: str, query_phon: str, candidate: IndexedName, min_score: float = 0.0
) -> tuple[float, dict | None]:
    """The final score and its explanation (None when the score is under `min_score`)."""
    parts = name_score_parts(query_norm, query_phon, candidate)
    # A name that matches only part of the other (one of two words) is weaker evidence.
    name_score = sum(WEIGHTS[key] * parts[key] for key in WEIGHTS) * (1 - PARTIAL_NAME_WEIGHT * (1 - parts["coverage"]))
    entry = candidate.entry
    dob, dob_note = _dob_adjustment(query.date_of_birth, entry.dates_of_birth)
    country, country_note = _country_adjustment(query.country, entry.countries)
    etype, etype_note = _entity_type_adjustment(query.entity_type, entry.entity_type)
    final = round(max(0.0, min(100.0, name_score + dob + country + etype)), 2)
    if final < min_score:
        return final, None
    explained = {
        **{key: round(value, 2) for key, value in parts.items()},
        "weights": WEIGHTS,
        "name_score": round(name_score, 2),
        "date_of_birth": dob, "date_of_birth_note": dob_note,
        "country": country, "country_note": country_note,
        "entity_type": etype, "entity_type_note": etype_note,
    }
    return final, explained


def match_name(index: NameIndex, query: Query, *, limit: int = 10, min_score: float = 0.0) -> list[Match]:
    """Ranked matches (best name per entry) scoring at least `min_score`."""
    tokens = name_tokens(query.name)
    if not tokens:
        return []
    query_norm, query_phon = normalise(query.name), phonetic_key(query.name)
    positions = index.candidates(tokens)
    if not positions:
        return []
    names = index.names
    pick = itemgetter(*positions) if len(positions) > 1 else (lambda seq: (seq[positions[0]],))
    # Cheap prefilter in rapidfuzz's C++ loop: the best candidates by spelling and by sound.
    shortlist: set[int] = set()
    by_spelling = process.extract(
        query_norm, pick(index.normalised), scorer=fuzz.token_sort_ratio,
        limit=PREFILTER_LIMIT, score_cutoff=PREFILTER_CUTOFF,
    )
    shortlist.update(positions[i] for _, _, i in by_spelling)
    by_sound = process.extract(
        query_phon, pick(index.phonetic), scorer=fuzz.ratio,
        limit=PREFILTER_LIMIT, score_cutoff=PREFILTER_CUTOFF,
    )
    shortlist.update(positions[i] for _, _, i in by_sound)
    best: dict[tuple[str, str], Match] = {}
    for position in sorted(shortlist):  # deterministic: ties keep the first name of an entry
        candidate = names[position]
        score, parts = score_candidate(query, query_norm, query_phon, candidate, min_score)
        if parts is None:
            continue
        entry = candidate.entry
        key = (entry.list_code, entry.uid)
        if key in best and best[key].score >= score:
            continue
        best[key] = Match(
            list_code=entry.list_code, entry_uid=entry.uid, entity_type=entry.entity_type,
            primary_name=entry.primary_name, matched_name=candidate.name, is_primary_name=candidate.is_primary,
            score=score, score_parts=parts, content_hash=entry.content_hash, snapshot_id=entry.snapshot_id,
        )
    return sorted(best.values(), key=lambda m: (-m.score, m.list_code, m.entry_uid))[:limit]
