"""The in-memory name index of one set of snapshots, built once per process.

Blocking keeps screening fast: every name is filed under each token's phonetic
key, its first four and its last four letters, so a query is compared only with
names that share at least one such key (a misspelling rarely changes all three of
a token's keys), instead of with all ~21k names.
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from compliance.screening.normalise import name_tokens, normalise, phonetic_key, token_phonetic

COMMON_KEY_SIZE = 400


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


@dataclass(frozen=True)
class IndexedName:
    entry: IndexedEntry
    name: str
    is_primary: bool
    normalised: str
    phonetic: str
    tokens: frozenset[str]


def blocking_keys(tokens: tuple[str, ...] | frozenset[str]) -> set[str]:
    keys: set[str] = set()
    for token in tokens:
        if len(token) < 2:
            continue
        keys.add("p:" + token_phonetic(token))
        keys.add("b:" + token[:4])
        keys.add("e:" + token[-4:])
    return keys


@dataclass
class NameIndex:
    snapshot_ids: tuple[int, ...]
    names: list[IndexedName] = field(default_factory=list)
    normalised: list[str] = field(default_factory=list)
    phonetic: list[str] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, entry: IndexedEntry, name: str, is_primary: bool) -> None:
        tokens = name_tokens(name)
        indexed = IndexedName(
            entry=entry, name=name, is_primary=is_primary, normalised=normalise(name), phonetic=phonetic_key(name),
            tokens=frozenset(tokens),
        )
        position = len(self.names)
        self.names.append(indexed)
        self.normalised.append(indexed.normalised)
        self.phonetic.append(indexed.phonetic)
        for key in blocking_keys(tokens):
            self.postings[key].append(position)

    def candidates(self, tokens: tuple[str, ...]) -> list[int]:
        """Names sharing a blocking key with the query. Keys shared by very many names
        (MUHAMMAD's, "AL"'s) are skipped when rarer keys exist: they add work, not recall."""
        postings = [self.postings[key] for key in blocking_keys(tokens) if key in self.postings]
        rare = [posting for posting in postings if len(posting) <= COMMON_KEY_SIZE]
        found: set[int] = set()
        for posting in rare or postings:
            found.update(posting)
        return sorted(found)

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
            gc.unfreeze()  # the previous index (frozen below) may be collected again
            _cache.clear()
            index = build()
            _cache[snapshot_ids] = index
            # ~100k long-lived objects: keep the cyclic garbage collector from walking them on
            # every full collection, which showed as multi-millisecond pauses in screening latency.
            gc.collect()
            gc.freeze()
    return index


def clear_index_cache() -> None:
    with _lock:
        _cache.clear()


def name_index_from_entries(entries, *, list_code: str, snapshot_id: int = 0) -> NameIndex:
    """An index straight from parsed entries (`compliance.importers.ParsedEntry`), with no database:
    for benchmarks and evaluation of the matcher."""
    index = NameIndex(snapshot_ids=(snapshot_id,))
    for parsed in entries:
        entry = IndexedEntry(
            list_code=list_code, uid=parsed.uid, entity_type=parsed.entity_type, primary_name=parsed.primary_name,
            dates_of_birth=tuple(parsed.dates_of_birth), countries=frozenset(parsed.countries),
            content_hash=parsed.content_hash(), snapshot_id=snapshot_id,
        )
        for position, name in enumerate(dict.fromkeys([parsed.primary_name, *parsed.aliases])):
            index.add(entry, name, position == 0)
    return index
