"""The in-memory name index of one set of snapshots, built once per process.

Every listed name is analysed once, when the index is built (`names.analyse`), and
filed under its blocking keys: each significant name part's Latin spelling, its
sound (metaphone), its first and last four letters, and the identifying symbols
rigour gives it (the other spellings and scripts of a given name, numbers written
out). Candidate generation (`candidates`) gathers the names sharing a key with the
query, ranks them two ways — by the keys they share and by the spelling of their
Latin form (rapidfuzz, in its C++ loop) — and hands the best few of each ranking to
the precise scorer. `bench/eval` measures how often the right entry is in that shortlist.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from compliance.screening.names import SYMBOL_KEY, WORD_KEY, AnalysedName, analyse

# A key shared by more names than this (MUHAMMAD's, "AL"'s sound) finds candidates only when the
# query has no rarer key: it adds work, not recall.
COMMON_KEY_SIZE = 400
SHORTLIST_BY_KEYS = 8
SHORTLIST_BY_SPELLING = 8
# Spelling ranks the names sharing the most keys with the query, not all of them: a query made of
# common words ("Mohammed Ali") shares a key with thousands of names.
SPELLING_POOL = 300


def strong_keys(keys: frozenset[str]) -> frozenset[str]:
    """The keys that alone say two names may be one: a whole word (or initials) or a name symbol."""
    return frozenset(key for key in keys if key.startswith((SYMBOL_KEY, WORD_KEY)))


@dataclass(frozen=True)
class IndexedEntry:
    list_code: str
    uid: str
    entity_type: str
    primary_name: str
    dates_of_birth: tuple[str, ...]
    countries: frozenset[str]
    content_hash: str
    snapshot_id: int
    programs: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexedName:
    entry: IndexedEntry
    name: str
    is_primary: bool
    analysed: tuple[AnalysedName, ...]
    strong_keys: frozenset[str] = frozenset()


@dataclass
class NameIndex:
    snapshot_ids: tuple[int, ...]
    names: list[IndexedName] = field(default_factory=list)
    latin: list[str] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # The postings as arrays, so counting the keys a query shares with each name runs in numpy's C loop
    # rather than one Python step per posting (thousands for a query of common words). Built on first use.
    _arrays: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def add(self, entry: IndexedEntry, name: str, is_primary: bool) -> None:
        analysed = analyse(name, entry.entity_type)
        if not analysed:
            return
        position = len(self.names)
        keys = frozenset().union(*(a.keys for a in analysed))
        self.names.append(
            IndexedName(entry=entry, name=name, is_primary=is_primary, analysed=analysed, strong_keys=strong_keys(keys))
        )
        self.latin.append(" | ".join(a.latin for a in analysed))
        for key in keys:
            self.postings[key].append(position)
        self._arrays = None

    def _posting_arrays(self) -> dict[str, np.ndarray]:
        arrays = self._arrays
        if arrays is None:  # two threads may both build it: the same arrays, the last one kept
            arrays = {key: np.array(posting, dtype=np.int32) for key, posting in self.postings.items()}
            self._arrays = arrays
        return arrays

    def candidates(
        self,
        query: tuple[AnalysedName, ...],
        *,
        by_keys: int = SHORTLIST_BY_KEYS,
        by_spelling: int = SHORTLIST_BY_SPELLING,
    ) -> list[tuple[int, int]]:
        """(position, keys shared) of the names worth scoring precisely for this query, by position: the
        `by_keys` sharing the most keys with it and the `by_spelling` closest in spelling, among those
        sharing a key."""
        arrays = self._posting_arrays()
        keys = frozenset().union(*(a.keys for a in query))
        postings = [arrays[key] for key in keys if key in arrays]
        if not postings:
            return []
        rare = [posting for posting in postings if len(posting) <= COMMON_KEY_SIZE]
        counts = np.bincount(np.concatenate(rare or postings))
        positions = np.flatnonzero(counts)
        shared = counts[positions]
        if len(positions) <= by_keys + by_spelling:
            return list(zip(positions.tolist(), shared.tolist(), strict=True))
        # Most keys shared first; among equals, the earlier name (positions are ascending, the sort stable).
        ranked = np.argsort(-shared, kind="stable")[:SPELLING_POOL]
        pool = positions[ranked].tolist()
        shortlist = set(pool[:by_keys])
        latin = self.latin
        query_latin = " | ".join(a.latin for a in query)
        found = process.extract(query_latin, [latin[p] for p in pool], scorer=fuzz.token_set_ratio, limit=by_spelling)
        shortlist.update(pool[i] for _, _, i in found)
        return sorted((position, int(counts[position])) for position in shortlist)

    def __len__(self) -> int:
        return len(self.names)


_cache: dict[tuple[int, ...], NameIndex] = {}
_lock = threading.Lock()


def cached_index(snapshot_ids: tuple[int, ...], build) -> NameIndex:
    """The index for these snapshots, built by `build()` at most once per process.

    Only the newest index is kept: a new snapshot makes the older one useless.
    """
    index = _cache.get(snapshot_ids)
    if index is not None:
        return index
    with _lock:
        index = _cache.get(snapshot_ids)
        if index is None:
            # No garbage-collector calls here: this runs in request threads, and freezing would
            # also freeze other threads' half-finished requests (and undo the start-up freeze's
            # scope). The web process builds the index at start-up, before it freezes its heap
            # (gunicorn.conf.py); an index rebuilt after a list import is walked by the collector
            # like any other object until the process is recycled.
            _cache.clear()
            index = build()
            _cache[snapshot_ids] = index
    return index


def clear_index_cache() -> None:
    with _lock:
        _cache.clear()


def name_index_from_entries(
    entries, *, list_code: str, snapshot_id: int = 0, index: NameIndex | None = None
) -> NameIndex:
    """An index straight from parsed entries (`compliance.lists.importers.ParsedEntry`), with no database:
    for benchmarks and evaluation of the matcher. Given an `index`, the entries are added to it."""
    if index is None:
        index = NameIndex(snapshot_ids=(snapshot_id,))
    for parsed in entries:
        entry = IndexedEntry(
            list_code=list_code,
            uid=parsed.uid,
            entity_type=parsed.entity_type,
            primary_name=parsed.primary_name,
            dates_of_birth=tuple(parsed.dates_of_birth),
            countries=frozenset(parsed.countries),
            content_hash=parsed.content_hash(),
            snapshot_id=snapshot_id,
            programs=tuple(parsed.programs),
        )
        for position, name in enumerate(dict.fromkeys([parsed.primary_name, *parsed.aliases])):
            index.add(entry, name, position == 0)
    return index
