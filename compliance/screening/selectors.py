"""Reads of screening: the name index of the current snapshots, and a party's hits."""

from __future__ import annotations

from django.db.models import QuerySet

from compliance.lists.models import EntryName
from compliance.lists.selectors import current_snapshot_ids
from compliance.screening.index import IndexedEntry, NameIndex, cached_index
from compliance.screening.models import ScreeningHit


def name_index_build(snapshot_ids: tuple[int, ...]) -> NameIndex:
    """Load the names of these snapshots. Matching keys are computed afresh from each name
    (not read from `EntryName.normalised`), so a change to the normalisation applies to
    lists imported before it."""
    index = NameIndex(snapshot_ids=snapshot_ids)
    entries: dict[int, IndexedEntry] = {}
    rows = (
        EntryName.objects.filter(entry__snapshot_id__in=snapshot_ids)
        .order_by("entry_id", "-is_primary", "id")
        .values_list(
            "entry_id",
            "name",
            "is_primary",
            "entry__uid",
            "entry__entity_type",
            "entry__primary_name",
            "entry__dates_of_birth",
            "entry__countries",
            "entry__content_hash",
            "entry__snapshot_id",
            "entry__programs",
            "entry__snapshot__sanctions_list__code",
        )
    )
    for (
        entry_id,
        name,
        is_primary,
        uid,
        entity_type,
        primary_name,
        dobs,
        countries,
        content_hash,
        snapshot_id,
        programs,
        list_code,
    ) in rows.iterator(chunk_size=5000):
        entry = entries.get(entry_id)
        if entry is None:
            entry = entries[entry_id] = IndexedEntry(
                list_code=list_code,
                uid=uid,
                entity_type=entity_type,
                primary_name=primary_name,
                dates_of_birth=tuple(dobs or ()),
                countries=frozenset(countries or ()),
                content_hash=content_hash,
                snapshot_id=snapshot_id,
                programs=tuple(programs or ()),
            )
        index.add(entry, name, is_primary)
    return index


def current_name_index() -> NameIndex:
    """The index of the current snapshots, loaded once per process and snapshot set."""
    snapshot_ids = current_snapshot_ids()
    return cached_index(snapshot_ids, lambda: name_index_build(snapshot_ids))


def open_hits_for_party(*, party_type: str, party_id: str) -> QuerySet[ScreeningHit]:
    return ScreeningHit.objects.filter(
        party_type=party_type,
        party_id=party_id,
        status__in=[ScreeningHit.Status.PENDING, ScreeningHit.Status.CONFIRMED],
    )


def party_hit_keys(*, party_type: str, party_id: str) -> dict[tuple[str, str, str], str]:
    """(list, entry uid, entry content hash) -> status of every hit the party has had."""
    rows = ScreeningHit.objects.filter(party_type=party_type, party_id=party_id).values_list(
        "list_code", "entry_uid", "entry_content_hash", "status"
    )
    return {(code, uid, content_hash): status for code, uid, content_hash, status in rows}
