"""Scoring a name against the index: explainable, ranked matches.

Two stages. Candidate generation (`NameIndex.candidates`) shortlists the listed
names worth a close look. The precise scorer then compares the screened name with
each, in three steps an officer can follow:

1. **Alignment.** nomenklatura's logic-v2 name matcher pairs the parts of the two
   names: parts that are the same name in another spelling or script (rigour's
   symbols: "Mao Tse-tung" and "Mao Zedong", "贝拉克" and "Barack"), the same legal
   form ("OAO" and "Open Joint Stock Company"), the same number ("Forty-Four" and
   "44"), or close in spelling; what is left over is unmatched. Its score (0-1) is
   the `alignment` part.
2. **Name score.** Five measured facts about that alignment are weighed together
   (a logistic model, weights `NAME_WEIGHTS`, fitted on OpenSanctions' public name
   benchmark by `python -m bench.eval --tune`): the alignment score; the spelling
   similarity of the *least* similar pair of aligned parts (one wholly different
   surname is strong evidence of a different person, a typo is not); the share of the
   screened name's parts and of the listed name's parts left unmatched; and whether
   both names have a part the other lacks (a word replaced by another). The name
   score is 0-100.
3. **Other evidence.** A date of birth, country and entity type each confirm or
   contradict with the strength it deserves (`EVIDENCE`): a full date of birth that
   matches confirms; a year within one of the listed year, or inside a listed range,
   neither confirms nor refutes (lists often carry approximate or year-only dates); a
   date years apart refutes. Missing data is neither for nor against.

The evidence is added on the model's log-odds scale, so that each piece moves a
strong name match less than a borderline one, and the result is the 0-100 score
compared with `SCREENING_THRESHOLD`.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from dataclasses import dataclass, field

from nomenklatura.matching.logic_v2.names.match import match_name_symbolic
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rigour.names import CompareConfig, NamePartTag

from compliance.screening.index import IndexedName, NameIndex, strong_keys
from compliance.screening.names import INDIVIDUAL, AnalysedName, analyse, entity_type_of, part_latin

# Fitted by `python -m bench.eval --tune` on the tuning half of name_bench (see docs/screening.md).
NAME_WEIGHTS = {
    "alignment": 3.33,
    "weakest_part": 2.54,
    "unmatched_screened_parts": -0.24,
    "unmatched_listed_parts": -1.26,
    "replaced_part": -2.89,
}
NAME_INTERCEPT = -1.83
# Log-odds for a name identical to the listed one once normalised: 99.9 before other evidence.
IDENTICAL_NAME_LOGIT = 6.9

# Log-odds each piece of evidence adds (confirms) or takes away (contradicts).
EVIDENCE = {
    "dob_exact": 1.0,  # the full date matches
    "dob_year": 0.4,  # the year matches a listed year-only or year-and-month date
    "dob_near": 0.0,  # within a year, or inside a listed range: too weak either way
    "dob_same_year_other_day": -0.5,  # a full date with the same year but another day
    "dob_few_years": -1.5,  # two to five years from every listed date
    "dob_far": -3.0,  # more than five years from every listed date
    "country_match": 0.3,
    "country_mismatch": -0.7,  # nationality and address lists are incomplete: a mild contradiction
    "entity_type_mismatch": -6.0,  # a person is not a company, even of the very same name
    "one_word_name": -1.5,  # one name is a single word, the other has more
    "most_of_listed_name_missing": -1.5,  # half or more of the listed name's words are not in the screened one
}

# Screening for hits (a minimum score of at least GATE_FROM_SCORE) skips the precise scorer for
# shortlisted names sharing a single key, neither a whole word nor a name symbol, and under
# GATE_SPELLING in token-set spelling similarity: `bench/eval` counts the hits this loses on name_bench.
GATE_FROM_SCORE = 50.0
GATE_SPELLING = 40.0

# logic-v2's default parameters (LogicV2.CONFIG): weights of unmatched parts on each side and of family names.
_COMPARE = CompareConfig(budget_tolerance=1.0)
_EXTRA_SCREENED_WEIGHT, _EXTRA_LISTED_WEIGHT, _FAMILY_NAME_WEIGHT = 0.8, 0.2, 1.3
_IGNORED_TAGS = (NamePartTag.STOP,)
# rigour's symbol categories in an officer's words.
SYMBOL_WORDS = {
    "NAME": "name in another spelling or script",
    "NICK": "nickname",
    "ORG_CLASS": "legal form",
    "NUMERIC": "number",
    "INITIAL": "initial",
    "SYMBOL": "word",
    "DOMAIN": "kind of business",
    "LOCATION": "place",
    "PHONETIC": "sound",
}


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
    programs: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "list": self.list_code,
            "programs": list(self.programs),
            "entry_id": self.entry_uid,
            "entity_type": self.entity_type,
            "primary_name": self.primary_name,
            "matched_name": self.matched_name,
            "is_primary_name": self.is_primary_name,
            "score": self.score,
            "score_parts": self.score_parts,
        }


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def _significant(parts) -> int:
    return sum(1 for part in parts if part.tag not in _IGNORED_TAGS)


def _words(parts) -> int:
    return sum(1 for part in parts if part.tag not in (NamePartTag.STOP, NamePartTag.LEGAL))


def _describe(alignment) -> str:
    """One aligned pair of parts in words."""
    screened = " ".join(part.form for part in alignment.qps)
    listed = " ".join(part.form for part in alignment.rps)
    if not alignment.rps:
        return f"'{screened}' only in the screened name"
    if not alignment.qps:
        return f"'{listed}' only in the listed name"
    if alignment.symbol is not None:
        kind = SYMBOL_WORDS.get(str(alignment.symbol.category).rsplit(".", 1)[-1], "symbol")
        return f"'{screened}' = '{listed}' (same {kind})"
    if alignment.qstr == alignment.rstr:
        return f"'{screened}' = '{listed}'"
    return f"'{screened}' ~ '{listed}' (spelling {alignment.score:.2f})"


def name_features(query: AnalysedName, listed: AnalysedName) -> tuple[dict[str, float], list]:
    """The measured facts about two names' alignment, and the alignment itself (`describe` words it).
    Organisations' names are also compared with their words sorted, when the order left parts unmatched."""
    features, alignments = _alignment_features(query.name, listed.name)
    if features["replaced_part"] and query.sorted_name is not None and listed.sorted_name is not None:
        reordered = _alignment_features(query.sorted_name, listed.sorted_name)
        if reordered[0]["alignment"] > features["alignment"]:
            return reordered
    return features, alignments


def _alignment_features(query, listed) -> tuple[dict[str, float], list]:
    result, alignments = match_name_symbolic(
        query,
        listed,
        _COMPARE,
        _EXTRA_SCREENED_WEIGHT,
        _EXTRA_LISTED_WEIGHT,
        _FAMILY_NAME_WEIGHT,
    )
    weakest, unmatched_screened, unmatched_listed = 1.0, 0, 0
    paired = False
    for alignment in alignments:
        if alignment.qps and alignment.rps:
            paired = True
            spelling = alignment.score
            if spelling < 1.0:
                spelling = max(
                    spelling,
                    Levenshtein.normalized_similarity(
                        " ".join(part_latin(p) for p in alignment.qps), " ".join(part_latin(p) for p in alignment.rps)
                    ),
                )
            weakest = min(weakest, spelling)
        elif alignment.qps:
            unmatched_screened += _significant(alignment.qps)
        else:
            unmatched_listed += _significant(alignment.rps)
    features = {
        "alignment": result.score,
        "weakest_part": weakest if paired else 0.0,
        "unmatched_screened_parts": unmatched_screened / (_significant(query.parts) or 1),
        "unmatched_listed_parts": unmatched_listed / (_significant(listed.parts) or 1),
        "replaced_part": 1.0 if unmatched_screened and unmatched_listed else 0.0,
    }
    return features, alignments


def describe(alignments) -> list[str]:
    return [_describe(alignment) for alignment in alignments]


def name_logit(query: AnalysedName, listed: AnalysedName) -> tuple[float, dict[str, float], list]:
    """The name model's log-odds that the two names are the same party's, its features and alignment."""
    if query.comparable == listed.comparable:
        return IDENTICAL_NAME_LOGIT, {}, []
    features, alignments = name_features(query, listed)
    logit = NAME_INTERCEPT + sum(NAME_WEIGHTS[key] * value for key, value in features.items())
    words = sorted((_words(query.name.parts), _words(listed.name.parts)))
    if words[0] == 1 and words[1] > 1 and (features["unmatched_screened_parts"] or features["unmatched_listed_parts"]):
        # "DANIEL" (a listed alias) against "Daniel Carter": one shared word, the rest unmatched, says little.
        logit += EVIDENCE["one_word_name"]
    if features["unmatched_listed_parts"] >= 0.5:
        # "Maria Garcia" against "GAXIOLA GARCIA, Maria Elena": common words, most of the listed name absent.
        logit += EVIDENCE["most_of_listed_name_missing"]
    return logit, features, alignments


def _year_distance(query_dob: datetime.date, value: str) -> tuple[int, bool]:
    """Years between the query's date and one listed date (0 inside a range), and whether the
    listed date is a full date."""
    if "/" in value:  # a year range, e.g. "circa 1960" or "1955 to 1958"
        low, high = (int(part) for part in value.split("/"))
        return (
            0 if low <= query_dob.year <= high else min(abs(query_dob.year - low), abs(query_dob.year - high))
        ), False
    parts = value.split("-")
    return abs(int(parts[0]) - query_dob.year), len(parts) == 3


def dob_evidence(query_dob: datetime.date | None, listed: tuple[str, ...]) -> tuple[float, str]:
    if query_dob is None or not listed:
        return 0.0, "not compared"
    best = None
    for value in listed:
        parts = [int(part) for part in value.split("/")[0].split("-")]
        if "/" not in value and parts == [query_dob.year, query_dob.month, query_dob.day][: len(parts)]:
            if len(parts) == 3:
                return EVIDENCE["dob_exact"], "exact"
            candidate = (EVIDENCE["dob_year"], "year matches" if len(parts) == 1 else "year and month match")
        else:
            years, full_date = _year_distance(query_dob, value)
            if years == 0 and full_date:
                candidate = (EVIDENCE["dob_same_year_other_day"], "same year, another day")
            elif years <= 1:
                candidate = (EVIDENCE["dob_near"], "within a year (weak)" if years else "inside the listed range")
            elif years <= 5:
                candidate = (EVIDENCE["dob_few_years"], f"{years} years apart")
            else:
                candidate = (EVIDENCE["dob_far"], f"{years} years apart")
        if best is None or candidate[0] > best[0]:
            best = candidate
    return best


def country_evidence(country: str, listed: frozenset[str]) -> tuple[float, str]:
    if not country or not listed:
        return 0.0, "not compared"
    if country.upper() in listed:
        return EVIDENCE["country_match"], "match"
    return EVIDENCE["country_mismatch"], "mismatch"


def entity_type_evidence(entity_type: str, listed: str) -> tuple[float, str]:
    if not entity_type or not listed:
        return 0.0, "not compared"
    if (entity_type == INDIVIDUAL) != (listed == INDIVIDUAL):
        return EVIDENCE["entity_type_mismatch"], "mismatch"
    return 0.0, "match"


def _points(logit: float) -> float:
    return round(100 * _sigmoid(logit), 2)


def score_candidate(
    query: Query, analysed: tuple[AnalysedName, ...], candidate: IndexedName, min_score: float = 0.0
) -> tuple[float, dict | None]:
    """The final score and its explanation (None when the score is under `min_score`)."""
    best = None
    for screened in analysed:
        for listed in candidate.analysed:
            scored = name_logit(screened, listed)
            if best is None or scored[0] > best[0]:
                best = scored
    logit, features, alignments = best
    entry = candidate.entry
    dob, dob_note = dob_evidence(query.date_of_birth, entry.dates_of_birth)
    country, country_note = country_evidence(query.country, entry.countries)
    etype, etype_note = entity_type_evidence(query.entity_type, entry.entity_type)
    final = _points(logit + dob + country + etype)
    if final < min_score:
        return final, None
    return final, {
        "name_score": _points(logit),
        **{key: round(value, 3) for key, value in features.items()},
        "weights": NAME_WEIGHTS,
        "alignment_explained": describe(alignments) if features else ["identical once normalised"],
        "date_of_birth": dob,
        "date_of_birth_note": dob_note,
        "country": country,
        "country_note": country_note,
        "entity_type": etype,
        "entity_type_note": etype_note,
        "list": entry.list_code,
        "programs": list(entry.programs),
    }


def analyse_query(query: Query) -> tuple[AnalysedName, ...]:
    return analyse(query.name, entity_type_of(query.entity_type), is_query=True)


def match_name(
    index: NameIndex, query: Query, *, limit: int = 10, min_score: float = 0.0, shortlist: dict | None = None
) -> list[Match]:
    """Ranked matches (best name per entry) scoring at least `min_score`.
    `shortlist` (keyword arguments of `NameIndex.candidates`) widens or narrows candidate generation."""
    query = dataclasses.replace(query, entity_type=entity_type_of(query.entity_type))
    analysed = analyse_query(query)
    if not analysed:
        return []
    best: dict[tuple[str, str], Match] = {}
    names, latin = index.names, index.latin
    query_latin = " | ".join(a.latin for a in analysed)
    query_strong = strong_keys(frozenset().union(*(a.keys for a in analysed)))
    gate = min_score >= GATE_FROM_SCORE
    for position, shared_keys in index.candidates(analysed, **(shortlist or {})):  # sorted: ties keep the first
        candidate = names[position]
        # A name sharing a single weak key (a sound, four letters), far apart in spelling, does not reach
        # a hit: skip the precise scorer.
        if (
            gate
            and shared_keys < 2
            and not (query_strong & candidate.strong_keys)
            and (fuzz.token_set_ratio(query_latin, latin[position]) < GATE_SPELLING)
        ):
            continue
        score, parts = score_candidate(query, analysed, candidate, min_score)
        if parts is None:
            continue
        entry = candidate.entry
        key = (entry.list_code, entry.uid)
        if key in best and best[key].score >= score:
            continue
        best[key] = Match(
            list_code=entry.list_code,
            entry_uid=entry.uid,
            entity_type=entry.entity_type,
            primary_name=entry.primary_name,
            matched_name=candidate.name,
            is_primary_name=candidate.is_primary,
            score=score,
            score_parts=parts,
            content_hash=entry.content_hash,
            snapshot_id=entry.snapshot_id,
            programs=entry.programs,
        )
    return sorted(best.values(), key=lambda m: (-m.score, m.list_code, m.entry_uid))[:limit]
