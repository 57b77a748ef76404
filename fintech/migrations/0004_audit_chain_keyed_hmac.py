"""The audit chain becomes keyed: every event carries the id of the AUDIT_CHAIN_KEYS key
that computed its HMAC, and existing events are re-chained under the current key.

The upgrade step, run by the table owner (the role that runs migrations):
1. verify the existing unkeyed SHA-256 chain; a broken chain is refused, never laundered
   into a keyed one (investigate with the previous release's `verify_audit_chain`);
2. with the append-only trigger set aside for this transaction only, recompute every
   row's `prev_hash` and `hash` under the first AUDIT_CHAIN_KEYS key;
3. append a `fintech.audit.chain_keyed` event that records the unkeyed head it replaced,
   so an exported copy of the old chain can still be matched to this one.
Then write the first checkpoint: `manage.py audit_checkpoint` (beat also does it).
"""

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models
from django.utils import timezone

from fintech.audit_chain import GENESIS_HASH, audit_key_ring, canonical_fields, event_mac

BATCH = 1000
LEGACY_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "ip",
    "request_id",
    "outcome",
    "prev_hash",
)


def legacy_hash(event, prev_hash):
    """The hash the chain used before it was keyed: SHA-256(prev_hash || canonical JSON)."""
    row = {name: getattr(event, name) for name in LEGACY_FIELDS}
    row["prev_hash"] = prev_hash
    row["occurred_at"] = event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    text = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(prev_hash.encode("ascii") + text.encode("utf-8")).hexdigest()


def _set_trigger(schema_editor, *, enabled):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK events before ALTER TABLE
        state = "ENABLE" if enabled else "DISABLE"
        cursor.execute(f"ALTER TABLE fintech_auditevent {state} TRIGGER fintech_auditevent_append_only")


def _rewrite(AuditEvent, Head, schema_editor, link):
    """Re-link every row in seq order with `link(event, prev_hash) -> hash`; returns (seq, hash) of the end."""
    prev, seq, batch = GENESIS_HASH, 0, []
    _set_trigger(schema_editor, enabled=False)
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=BATCH):
        event.prev_hash = prev
        event.hash = prev = link(event)
        seq = event.seq
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash", "key_id"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash", "key_id"])
    _set_trigger(schema_editor, enabled=True)
    Head.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev})
    return seq, prev


def rechain_under_key(apps, schema_editor):
    AuditEvent = apps.get_model("fintech", "AuditEvent")
    Head = apps.get_model("fintech", "AuditChainHead")
    if not AuditEvent.objects.exists():
        return
    expected_seq, prev = 1, GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=BATCH):
        if event.seq != expected_seq or event.prev_hash != prev or legacy_hash(event, prev) != event.hash:
            raise RuntimeError(
                f"the unkeyed audit chain is already broken at seq {event.seq}: refusing to re-key it. "
                "Investigate with verify_audit_chain on the previous release before upgrading."
            )
        expected_seq, prev = event.seq + 1, event.hash
    head = Head.objects.filter(pk=1).first()
    if head is None or (head.seq, head.hash) != (expected_seq - 1, prev):
        raise RuntimeError("the audit chain head does not match the last row: refusing to re-key the chain")
    unkeyed_head = {"seq": expected_seq - 1, "hash": prev}

    ring = audit_key_ring()
    key = ring.key(ring.primary_id)

    def keyed(event):
        event.key_id = ring.primary_id
        return event_mac(key=key, prev_hash=event.prev_hash, fields=canonical_fields(event))

    seq, head_hash = _rewrite(AuditEvent, Head, schema_editor, keyed)
    marker = AuditEvent(
        seq=seq + 1,
        occurred_at=timezone.now(),
        actor_id=None,
        actor_label="system (upgrade)",
        action="fintech.audit.chain_keyed",
        target_type="audit_chain",
        target_id="main",
        target_repr="",
        before={"unkeyed_head": unkeyed_head},
        after={"key_id": ring.primary_id, "rechained": seq},
        ip=None,
        request_id="",
        outcome="success",
        prev_hash=head_hash,
        key_id=ring.primary_id,
    )
    marker.hash = event_mac(key=key, prev_hash=head_hash, fields=canonical_fields(marker))
    marker.save(force_insert=True)
    Head.objects.filter(pk=1).update(seq=marker.seq, hash=marker.hash)


def rechain_unkeyed(apps, schema_editor):
    """Back to the unkeyed chain the previous release verifies (its `key_id` column goes next)."""
    _rewrite(
        apps.get_model("fintech", "AuditEvent"),
        apps.get_model("fintech", "AuditChainHead"),
        schema_editor,
        lambda event: legacy_hash(event, event.prev_hash),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fintech", "0003_idempotency_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(rechain_under_key, rechain_unkeyed),
    ]
