"""Importing a sanctions list as a new versioned snapshot, diffed against the previous one."""

from __future__ import annotations

from django.db import transaction

from compliance.lists.importers import ParsedEntry
from compliance.lists.models import EntryName, ListSnapshot, SanctionsEntry, SanctionsList
from compliance.screening.names import comparable_form, sound_form
from fintech.outbox import outbox_task_enqueue
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field

BATCH_SIZE = 2000
DIFF_UID_LIMIT = 500  # uids kept per diff category on the snapshot; counts are always complete


def snapshot_diff(previous: dict[str, str], current: dict[str, str]) -> dict:
    """Entries added, removed and changed (same uid, different content hash) between two snapshots."""
    added = sorted(current.keys() - previous.keys())
    removed = sorted(previous.keys() - current.keys())
    changed = sorted(uid for uid in current.keys() & previous.keys() if current[uid] != previous[uid])
    return {
        "added_count": len(added),
        "removed_count": len(removed),
        "changed_count": len(changed),
        "added": added[:DIFF_UID_LIMIT],
        "removed": removed[:DIFF_UID_LIMIT],
        "changed": changed[:DIFF_UID_LIMIT],
    }


@transaction.atomic
def sanctions_list_import(
    *,
    list_code: str,
    list_name: str,
    entries: list[ParsedEntry],
    source: str,
    checksum: str,
    actor=None,
    rescreen: bool = True,
) -> ListSnapshot:
    """Store `entries` as the next snapshot of the list, in one transaction, and re-screen after commit.

    Every import makes a new snapshot, even of identical content (the diff then says
    nothing changed): the snapshot history is the record of what we screened against when.
    """
    sanctions_list, _ = SanctionsList.objects.get_or_create(code=list_code, defaults={"name": list_name})
    sanctions_list = SanctionsList.objects.select_for_update().get(pk=sanctions_list.pk)
    previous = sanctions_list.snapshots.order_by("-version").first()
    previous_hashes = dict(previous.entries.values_list("uid", "content_hash")) if previous is not None else {}
    snapshot = ListSnapshot.objects.create(
        sanctions_list=sanctions_list,
        version=(previous.version + 1) if previous else 1,
        source=truncate_to_field(ListSnapshot, "source", source),
        source_checksum=checksum,
    )
    current_hashes: dict[str, str] = {}
    name_count = 0
    for start in range(0, len(entries), BATCH_SIZE):
        batch = entries[start : start + BATCH_SIZE]
        rows = []
        for parsed in batch:
            current_hashes[parsed.uid] = parsed.content_hash()
            rows.append(
                SanctionsEntry(
                    snapshot=snapshot,
                    uid=parsed.uid,
                    entity_type=parsed.entity_type,
                    primary_name=truncate_to_field(SanctionsEntry, "primary_name", parsed.primary_name),
                    programs=parsed.programs,
                    dates_of_birth=parsed.dates_of_birth,
                    countries=parsed.countries,
                    identifiers=parsed.identifiers,
                    remarks=parsed.remarks,
                    content_hash=current_hashes[parsed.uid],
                )
            )
        created = SanctionsEntry.objects.bulk_create(rows)
        if any(row.pk is None for row in created):  # backends that do not return ids
            ids = dict(
                SanctionsEntry.objects.filter(snapshot=snapshot, uid__in=[r.uid for r in rows]).values_list("uid", "pk")
            )
            for row in created:
                row.pk = ids[row.uid]
        names = []
        for parsed, row in zip(batch, created, strict=True):
            for position, name in enumerate(dict.fromkeys([parsed.primary_name, *parsed.aliases])):
                names.append(
                    EntryName(
                        entry_id=row.pk,
                        name=truncate_to_field(EntryName, "name", name),
                        is_primary=position == 0,
                        normalised=truncate_to_field(
                            EntryName, "normalised", comparable_form(name, parsed.entity_type)
                        ),
                        phonetic_key=truncate_to_field(EntryName, "phonetic_key", sound_form(name, parsed.entity_type)),
                    )
                )
        EntryName.objects.bulk_create(names, batch_size=BATCH_SIZE)
        name_count += len(names)
    snapshot.entry_count, snapshot.name_count = len(entries), name_count
    snapshot.diff = snapshot_diff(previous_hashes, current_hashes)
    snapshot.diff["previous_version"] = previous.version if previous else None
    snapshot.save(update_fields=["entry_count", "name_count", "diff"])
    audit_event_record(
        action="compliance.sanctions_list.imported",
        actor=actor,
        target=snapshot,
        after={
            "list": list_code,
            "version": snapshot.version,
            "entries": snapshot.entry_count,
            "names": name_count,
            "checksum": checksum,
            **{k: snapshot.diff[k] for k in ("added_count", "removed_count", "changed_count")},
        },
    )
    if rescreen:
        outbox_task_enqueue("compliance.rescreen_customers", snapshot.pk)
    return snapshot
