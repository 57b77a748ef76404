"""Screening on OpenSanctions' public name benchmark (nomenklatura `contrib/name_bench/cases.csv`).

826 labelled pairs (name1, name2, is_match). The right-hand names are loaded as a list;
each left-hand name is screened against it through `match_name` (candidate generation
and the precise scorer, as in production), and the pair's score is the score screening
gives name2's entry (0 when candidate generation did not shortlist it). Side by side in
the same run: nomenklatura's `logic-v2` on the same pairs, and a plain rapidfuzz
`token_sort_ratio`.

Tuning stays honest: the name model is fitted (`--tune`) on the *tuning half* only —
the pairs whose right-hand name hashes even — and the report gives the other half too.
"""

from __future__ import annotations

import csv
import hashlib
import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.eval import Section, markdown_table

CASES = Path(__file__).resolve().parents[2] / "tests/data/name_bench/cases.csv"
ENTITY_TYPES = {
    "Person": "individual",
    "Company": "organisation",
    "Organization": "organisation",
    "LegalEntity": "",
    "Vessel": "vessel",
}
LOGIC_V2_THRESHOLD = 0.70  # nomenklatura's default for logic-v2
SMALL_CATEGORY = 4  # categories with fewer cases are reported together


@dataclass(frozen=True)
class Case:
    group: str
    schema: str
    name1: str
    name2: str
    is_match: bool
    category: str

    @property
    def entity_type(self) -> str:
        return ENTITY_TYPES[self.schema]

    @property
    def half(self) -> str:
        digest = hashlib.sha256(self.name2.encode("utf-8")).digest()
        return "tune" if digest[0] % 2 == 0 else "holdout"


def load_cases(path: Path = CASES) -> list[Case]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Case(
                group=row["case_group"],
                schema=row["schema"],
                name1=row["name1"],
                name2=row["name2"],
                is_match=row["is_match"] == "true",
                category=row["category"] or "(none)",
            )
            for row in csv.DictReader(handle)
        ]


def screening_scores(cases: list[Case], threshold: float) -> dict:
    """Scores (0-100) of every pair through the product's screening, candidate recall, and timings."""
    from compliance.lists.importers import ParsedEntry
    from compliance.screening.index import name_index_from_entries
    from compliance.screening.matcher import Query, analyse_query, match_name

    uids: dict[tuple[str, str], str] = {}
    entries = []
    for case in cases:
        key = (case.name2, case.entity_type)
        if key not in uids:
            uids[key] = str(len(uids) + 1)
            entries.append(ParsedEntry(uid=uids[key], entity_type=case.entity_type, primary_name=case.name2))
    index = name_index_from_entries(entries, list_code="name_bench", snapshot_id=1)
    scores, shortlisted, timings, cpu_timings, gate_losses = [], [], [], [], 0
    match_name(index, Query(name="warm up"))  # rigour loads its reference data on first use
    for case in cases:
        query = Query(name=case.name1, entity_type=case.entity_type)
        started, cpu_started = time.perf_counter(), time.process_time()
        hits = match_name(index, query, limit=10, min_score=threshold)  # what production runs
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.process_time() - cpu_started) * 1000)
        wanted = uids[(case.name2, case.entity_type)]
        matches = match_name(index, query, limit=len(entries), min_score=0.0)
        scores.append(next((m.score for m in matches if m.entry_uid == wanted), 0.0))
        gate_losses += scores[-1] >= threshold and not any(m.entry_uid == wanted for m in hits)
        positions = index.candidates(analyse_query(query))
        shortlisted.append(any(index.names[p].entry.uid == wanted for p, _ in positions))
    return {
        "scores": scores,
        "shortlisted": shortlisted,
        "timings_ms": timings,
        "cpu_ms": cpu_timings,
        "gate_losses": gate_losses,
        "index_names": len(index),
    }


def logic_v2_scores(cases: list[Case]) -> tuple[list[float], list[float]]:
    from followthemoney import model
    from nomenklatura.matching.logic_v2.model import LogicV2

    config = LogicV2.default_config()
    scores, timings = [], []
    for number, case in enumerate(cases):
        query, listed = model.make_entity(case.schema), model.make_entity(case.schema)
        query.id, listed.id = f"q{number}", f"r{number}"
        query.add("name", case.name1)
        listed.add("name", case.name2)
        started = time.perf_counter()
        scores.append(LogicV2.compare(query, listed, config).score)
        timings.append((time.perf_counter() - started) * 1000)
    return scores, timings


def token_sort_scores(cases: list[Case]) -> list[float]:
    from rapidfuzz import fuzz, utils

    return [fuzz.token_sort_ratio(c.name1, c.name2, processor=utils.default_process) for c in cases]


def metrics(labels: list[bool], scores: list[float], threshold: float) -> dict:
    from sklearn.metrics import roc_auc_score

    predicted = [score >= threshold for score in scores]
    tp = sum(p and y for p, y in zip(predicted, labels, strict=True))
    fp = sum(p and not y for p, y in zip(predicted, labels, strict=True))
    fn = sum(y and not p for p, y in zip(predicted, labels, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auc = roc_auc_score(labels, scores) if len(set(labels)) == 2 else None
    return {
        "n": len(labels),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "roc_auc": round(auc, 3) if auc is not None else None,
    }


def best_f1(labels: list[bool], scores: list[float]) -> tuple[float, float]:
    """The best F1 over every cut-off, and that cut-off: how much a re-tuned threshold would gain."""
    best = (0.0, 0.0)
    for cut in sorted(set(scores)):
        f1 = metrics(labels, scores, cut)["f1"]
        if f1 > best[0]:
            best = (f1, cut)
    return best


def sliced(cases: list[Case], scores: list[float], threshold: float, key) -> dict:
    groups: dict[str, list[int]] = defaultdict(list)
    for number, case in enumerate(cases):
        groups[key(case)].append(number)
    return {
        name: metrics([cases[i].is_match for i in members], [scores[i] for i in members], threshold)
        for name, members in sorted(groups.items())
    }


def _spread(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "mean": round(statistics.fmean(ordered), 3),
        "p50": round(statistics.median(ordered), 3),
        "p99": round(ordered[math.ceil(len(ordered) * 0.99) - 1], 3),
    }


def _category(case: Case, counts: dict[str, int]) -> str:
    return case.category if counts[case.category] >= SMALL_CATEGORY else "(small categories)"


def section() -> Section:
    from compliance.conf import screening_threshold

    threshold = screening_threshold()
    cases = load_cases()
    labels = [case.is_match for case in cases]
    screening = screening_scores(cases, threshold)
    logic_v2, logic_v2_ms = logic_v2_scores(cases)
    token_sort = token_sort_scores(cases)
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        counts[case.category] += 1
    systems = {
        "screening": (screening["scores"], threshold),
        "logic-v2": (logic_v2, LOGIC_V2_THRESHOLD),
        "token_sort_ratio": (token_sort, threshold),
    }
    figures: dict = {"cases": len(cases), "threshold": threshold, "systems": {}}
    for name, (scores, cut) in systems.items():
        best, best_cut = best_f1(labels, scores)
        figures["systems"][name] = {
            "threshold": cut,
            **metrics(labels, scores, cut),
            "best_f1": best,
            "best_f1_threshold": best_cut,
            "by_half": sliced(cases, scores, cut, lambda c: c.half),
            "by_schema": sliced(cases, scores, cut, lambda c: c.schema),
            "by_case_group": sliced(cases, scores, cut, lambda c: c.group),
            "by_category": sliced(cases, scores, cut, lambda c: _category(c, counts)),
        }
    true_matches = [i for i, case in enumerate(cases) if case.is_match]
    figures["candidate_recall"] = round(sum(screening["shortlisted"][i] for i in true_matches) / len(true_matches), 4)
    figures["gate_losses"] = screening["gate_losses"]
    figures["screening_ms_per_query"] = {
        "wall": _spread(screening["timings_ms"]),
        "cpu": _spread(screening["cpu_ms"]),
        "index_names": screening["index_names"],
    }
    figures["logic_v2_ms_per_pair"] = round(statistics.fmean(logic_v2_ms), 3)
    return Section(
        key="screening_name_bench",
        title="Screening: OpenSanctions name_bench",
        figures=figures,
        markdown=_markdown(figures),
    )


def _markdown(figures: dict) -> list[str]:
    systems = figures["systems"]
    rows = [
        [
            name,
            s["threshold"],
            s["precision"],
            s["recall"],
            s["f1"],
            s["roc_auc"],
            f"{s['best_f1']} at {s['best_f1_threshold']}",
        ]
        for name, s in systems.items()
    ]
    lines = [
        f"{figures['cases']} labelled pairs; screening at its default threshold {figures['threshold']}, "
        f"logic-v2 at its default {LOGIC_V2_THRESHOLD}.",
        "",
        *markdown_table(["system", "threshold", "precision", "recall", "F1", "ROC AUC", "best F1 (any cut)"], rows),
        "",
    ]
    timing = figures["screening_ms_per_query"]
    wall, cpu = timing["wall"], timing["cpu"]
    lines += [
        f"Candidate generation shortlists the right entry for {figures['candidate_recall']:.2%} of true "
        f"matches; skipping the precise scorer for far-apart names lost {figures['gate_losses']} hit(s). "
        f"Screening one name against the {timing['index_names']} names: wall mean {wall['mean']} ms, "
        f"p50 {wall['p50']} ms, p99 {wall['p99']} ms; CPU mean {cpu['mean']} ms, p99 {cpu['p99']} ms "
        f"(logic-v2: {figures['logic_v2_ms_per_pair']} ms per pair, compared alone).",
        "",
    ]
    for title, key in (
        ("Tuning half and held-out half", "by_half"),
        ("By schema", "by_schema"),
        ("By case group", "by_case_group"),
        ("By category", "by_category"),
    ):
        names = list(systems["screening"][key])
        lines += [
            f"### {title}",
            "",
            *markdown_table(
                ["slice", "n", *(f"{system} P/R/F1/AUC" for system in systems)],
                [
                    [
                        name,
                        systems["screening"][key][name]["n"],
                        *(
                            "{precision}/{recall}/{f1}/{roc_auc}".format(**systems[system][key][name])
                            for system in systems
                        ),
                    ]
                    for name in names
                ],
            ),
            "",
        ]
    return lines


def tune() -> str:
    """Refit the name model on the tuning half; the constants to paste into matcher.py, and how they do."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, roc_auc_score

    from compliance.conf import screening_threshold
    from compliance.screening.matcher import NAME_WEIGHTS, name_features
    from compliance.screening.names import analyse

    cases = load_cases()
    keys = list(NAME_WEIGHTS)
    rows = []
    for case in cases:
        best = None
        for query in analyse(case.name1, case.entity_type, is_query=True):
            for listed in analyse(case.name2, case.entity_type):
                features = name_features(query, listed)[0]
                if best is None or features["alignment"] > best["alignment"]:
                    best = features
        rows.append([best[k] for k in keys] if best else [0.0] * len(keys))
    x, y = np.array(rows), np.array([case.is_match for case in cases])
    tune_half = np.array([case.half == "tune" for case in cases])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x[tune_half], y[tune_half])
    fitted = model.predict_proba(x[tune_half])[:, 1]
    cut = max(np.arange(0.05, 0.95, 0.01), key=lambda c: f1_score(y[tune_half], fitted >= c))
    # Shift the intercept so the F1-best cut on the tuning half lands on the product's threshold.
    target = screening_threshold() / 100
    intercept = model.intercept_[0] + math.log(target / (1 - target)) - math.log(cut / (1 - cut))
    held = model.predict_proba(x[~tune_half])[:, 1]
    weights = {k: round(float(w), 2) for k, w in zip(keys, model.coef_[0], strict=True)}
    return (
        f"NAME_WEIGHTS = {weights}\nNAME_INTERCEPT = {round(float(intercept), 2)}\n"
        f"# tuning half: best cut {cut:.2f}; held-out half: AUC {roc_auc_score(y[~tune_half], held):.3f}, "
        f"F1 {f1_score(y[~tune_half], held >= cut):.3f}"
    )
