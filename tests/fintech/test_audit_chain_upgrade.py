"""The upgrade step that re-chains events written under the unkeyed SHA-256 chain."""

import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection

from fintech.models import AuditChainHead, AuditEvent
from fintech.services.audit import audit_chain_verify
from tests.fintech.test_audit_chain import in_shard, triggers_disabled, write_events

upgrade = importlib.import_module("fintech.migrations.0004_audit_chain_keyed_hmac")
shards = importlib.import_module("fintech.migrations.0007_audit_chain_shards")

pytestmark = pytest.mark.django_db


def make_unkeyed(events):
    """Turn keyed rows (all in shard 0) back into what the release before the keyed chain
    wrote: one chain, one head (id 1), SHA-256 links."""
    with connection.schema_editor() as schema_editor:
        shards.heads_join(apps, schema_editor)
    prev = "0" * 64
    with triggers_disabled():
        for event in AuditEvent.objects.order_by("seq"):
            event.key_id, event.prev_hash = "", prev
            prev = upgrade.legacy_hash(event, prev)
            AuditEvent.objects.filter(pk=event.pk).update(key_id="", prev_hash=event.prev_hash, hash=prev)
        AuditChainHead.objects.filter(pk=1).update(hash=prev)
    return prev


def test_existing_unkeyed_events_are_rechained_under_the_key_and_the_old_head_recorded():
    with in_shard(0):
        events = write_events(4)
    unkeyed_head = make_unkeyed(events)
    assert not audit_chain_verify().ok  # the keyed verifier does not accept the old chain as is
    with connection.schema_editor() as schema_editor:
        upgrade.rechain_under_key(apps, schema_editor)
        # and the single keyed chain then becomes shard 0 of the sharded trail, rows untouched
        shards.heads_split(apps, schema_editor)
    result = audit_chain_verify()
    assert result.ok and result.checked == 5
    assert AuditChainHead.objects.count() == shards.SHARDS
    assert AuditChainHead.objects.get(pk=0).seq == 5
    marker = AuditEvent.objects.get(seq=5)
    assert marker.action == "fintech.audit.chain_keyed"
    assert marker.before == {"unkeyed_head": {"seq": 4, "hash": unkeyed_head}}
    assert {e.key_id for e in AuditEvent.objects.all()} == {result.segments[0].key_id}
    # the trigger is back on after the upgrade
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE fintech_auditevent SET action = 'x' WHERE seq = 1")


def test_the_upgrade_refuses_to_launder_an_already_broken_chain():
    with in_shard(0):
        events = write_events(3)
    make_unkeyed(events)
    with triggers_disabled():
        AuditEvent.objects.filter(pk=events[1].pk).update(after={"n": 99})
    with pytest.raises(RuntimeError, match="already broken at seq 2"), connection.schema_editor() as editor:
        upgrade.rechain_under_key(apps, editor)
