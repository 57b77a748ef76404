"""The audit trail's shards: writers do not wait for each other, and tampering with any
shard, or with the checkpoints that link them, is caught."""

import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from fintech.audit_chain import CHECKPOINT_FORMAT_V1, Checkpoint, audit_key_ring
from fintech.models import AuditChainHead, AuditEvent
from fintech.services.audit import audit_chain_verify, audit_checkpoint_write, audit_event_record
from tests.fintech.test_audit_chain import in_shard, triggers_disabled
from tests.helpers import thread_race

# Transactional: each append commits on its own, as audited writes do, so another
# connection can hold the other shards' heads in between.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_shard_heads")]


def events_in(shard: int, n: int) -> list[AuditEvent]:
    with in_shard(shard):
        return [audit_event_record(action="tests.shard.write", after={"shard": shard, "n": i}) for i in range(n)]


def test_a_writer_does_not_wait_for_another_writers_open_transaction():
    # given a transaction that appended an event and has not committed yet
    appended, release, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                audit_event_record(action="tests.shard.slow")
                appended.set()
                release.wait(timeout=30)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert appended.wait(timeout=30)
    # when another writer appends meanwhile, under a lock timeout that turns a wait into an error
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        fast = audit_event_record(action="tests.shard.fast")
    release.set()
    thread.join(timeout=30)
    # then it committed while the first was still open, on another shard, and both verify
    slow = AuditEvent.objects.get(action="tests.shard.slow")
    assert errors == [] and fast.shard != slow.shard
    assert audit_chain_verify().ok


def test_eight_concurrent_writers_spread_over_shards_and_every_shard_verifies():
    writers, per_writer = 8, 20

    def write():
        for i in range(per_writer):
            with transaction.atomic():
                audit_event_record(action="tests.shard.concurrent", after={"i": i})

    assert thread_race([write] * writers, timeout=60) == [None] * writers
    result = audit_chain_verify()
    assert result.ok and result.checked == writers * per_writer
    used = set(AuditEvent.objects.values_list("shard", flat=True))
    assert len(used) > 1
    # each shard's seq runs 1..n without a gap, and its head is at n
    for shard in used:
        seqs = sorted(AuditEvent.objects.filter(shard=shard).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        assert AuditChainHead.objects.get(pk=shard).seq == len(seqs)


def test_an_append_after_this_connections_last_is_one_statement():
    # given a connection that appended once
    audit_event_record(action="tests.shard.first")
    # when it appends again, its last head still free and where it left it
    with CaptureQueriesContext(connection) as queries:
        second = audit_event_record(action="tests.shard.second")
    # then the head is taken, the event written and the head moved in one statement
    first = AuditEvent.objects.get(action="tests.shard.first")
    statements = [q["sql"] for q in queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(statements) == 1, statements
    assert (second.shard, second.seq, second.prev_hash) == (first.shard, first.seq + 1, first.hash)
    assert audit_chain_verify().ok


def test_an_append_after_a_rolled_back_one_links_to_the_committed_head():
    # given an append this connection made in a transaction that rolled back
    kept = audit_event_record(action="tests.shard.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_event_record(action="tests.shard.rolled_back")
        raise RuntimeError("the audited change failed")
    # when it appends again
    after = audit_event_record(action="tests.shard.after")
    # then the new event follows the committed head, not the vanished one
    assert (after.shard, after.seq, after.prev_hash) == (kept.shard, kept.seq + 1, kept.hash)
    assert not AuditEvent.objects.filter(action="tests.shard.rolled_back").exists()
    assert audit_chain_verify().ok


def test_an_append_after_another_connection_moved_this_connections_last_head_does_not_fork():
    # given this connection's last event on a shard
    with in_shard(5):
        mine = audit_event_record(action="tests.shard.mine")
    assert mine.shard == 5

    # and another connection's events on the same shard since
    def other_writer():
        try:
            with in_shard(5):
                audit_event_record(action="tests.shard.other")
                audit_event_record(action="tests.shard.other")
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(timeout=30)
    # when this connection appends to that shard again
    with in_shard(5):
        again = audit_event_record(action="tests.shard.again")
    # then it links to the shard's real head, and the shard runs 1..4 without a fork
    assert (again.shard, again.seq) == (5, mine.seq + 3)
    assert sorted(AuditEvent.objects.filter(shard=5).values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert audit_chain_verify().ok


def _edit(events):
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE fintech_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[2].pk])
    return 3, "edited"


def _delete(events):
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM fintech_auditevent WHERE id = %s", [events[1].pk])
    return 3, "missing"


def _reorder(events):
    a, b = events[1], events[2]
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE fintech_auditevent SET seq = 1000000 WHERE id = %s", [a.pk])
        cursor.execute("UPDATE fintech_auditevent SET seq = %s WHERE id = %s", [a.seq, b.pk])
        cursor.execute("UPDATE fintech_auditevent SET seq = %s WHERE id = %s", [b.seq, a.pk])
    return 2, "link"


def _insert(events):
    forged = AuditEvent(
        shard=events[1].shard,
        seq=3,
        occurred_at=events[1].occurred_at,
        actor_label="system",
        action="tests.shard.write",
        prev_hash=events[1].hash,
        key_id=events[1].key_id,
        hash="f" * 64,
    )
    with triggers_disabled():
        for event in reversed(events[2:]):
            AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
        forged.save(force_insert=True)
    return 3, "edited"


@pytest.mark.parametrize("shard", [0, 7])
@pytest.mark.parametrize("tamper", [_edit, _delete, _reorder, _insert], ids=["edit", "delete", "reorder", "insert"])
def test_tampering_with_one_shard_is_named_with_its_shard_and_seq(shard, tamper):
    # given events in the tampered shard and in another
    events = events_in(shard, 4)
    events_in(3, 2)
    # when one kind of tampering is applied to the shard
    seq, words = tamper(events)
    # then the verifier names the shard and the row
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_shard == shard and result.first_bad_seq == seq
    assert words in result.reason
    with pytest.raises(CommandError, match=rf"broken at seq {seq} of shard {shard} "):
        call_command("verify_audit_chain")


def test_a_row_moved_to_another_shard_is_caught():
    events = events_in(7, 3)
    events_in(3, 2)
    # the last row of shard 7 relabelled as the next row of shard 3, both heads moved to match
    moved = events[-1]
    with triggers_disabled():
        AuditEvent.objects.filter(pk=moved.pk).update(shard=3, seq=3)
        AuditChainHead.objects.filter(pk=7).update(seq=2, hash=events[1].hash)
        AuditChainHead.objects.filter(pk=3).update(seq=3, hash=moved.hash)
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_shard == 3 and result.first_bad_seq == 3
    assert "does not link" in result.reason


def test_a_checkpoint_seals_every_shard_and_a_deleted_tail_in_any_shard_is_caught_back_to_it(settings):
    # given two shards sealed by a checkpoint, then more events in both
    shard_7 = events_in(7, 3)
    events_in(3, 2)
    checkpoint = audit_checkpoint_write()
    assert dict(checkpoint.heads) == {7: (3, shard_7[-1].hash), 3: (2, checkpoint.heads[3][1])}
    assert checkpoint.seq == 5
    events_in(7, 2)
    events_in(3, 1)
    assert audit_chain_verify().ok
    # when shard 7 loses rows from before the checkpoint, its head moved back to match
    with triggers_disabled():
        AuditEvent.objects.filter(shard=7, seq__gt=2).delete()
        AuditChainHead.objects.filter(pk=7).update(seq=2, hash=shard_7[1].hash)
    # then the rows left form a valid chain, but the checkpoint pins shard 7 at #3
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_shard == 7
    assert "pins shard 7 at #3 but the rows end at #2" in result.reason
    with pytest.raises(CommandError, match=r"shard 7 row #3 is gone or differs from the signed checkpoint"):
        call_command("audit_checkpoint")


def test_a_checkpoint_line_removed_from_the_middle_of_the_store_is_caught(settings):
    for n in range(3):
        events_in(n, 1)
        audit_checkpoint_write()
    lines = settings.AUDIT_CHECKPOINT_PATH.read_text().splitlines(keepends=True)
    assert [json.loads(line)["prev"] for line in lines[1:]] == [json.loads(line)["sig"] for line in lines[:-1]]
    settings.AUDIT_CHECKPOINT_PATH.write_text(lines[0] + lines[2])
    result = audit_chain_verify()
    assert not result.ok and "checkpoint line 2" in result.reason and "does not follow" in result.reason


def test_a_store_of_single_chain_checkpoints_still_verifies_and_is_continued(settings):
    # given the store as the release before the shards wrote it: v1 lines of the one chain
    events = events_in(0, 2)
    ring = audit_key_ring()
    v1 = {
        "format": "fintech.audit.checkpoint.v1",
        "chain": "main",
        "seq": 2,
        "hash": events[-1].hash,
        "key_id": ring.primary_id,
        "written_at": "2026-12-07T12:00:00+00:00",
    }
    v1["sig"] = Checkpoint(
        heads={0: (2, events[-1].hash)},
        key_id=ring.primary_id,
        written_at=v1["written_at"],
        format=CHECKPOINT_FORMAT_V1,
    ).signature(ring)
    settings.AUDIT_CHECKPOINT_PATH.parent.mkdir(parents=True, exist_ok=True)
    settings.AUDIT_CHECKPOINT_PATH.write_text(json.dumps(v1) + "\n")
    assert audit_chain_verify().ok
    # when the shards go on and a v2 checkpoint follows it
    events_in(5, 1)
    audit_checkpoint_write()
    result = audit_chain_verify()
    assert result.ok and result.checkpoints == 2 and result.anchored_seq == 3
