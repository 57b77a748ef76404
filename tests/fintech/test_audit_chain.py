import json
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from fintech.audit_chain import shard_genesis
from fintech.models import AuditChainHead, AuditEvent
from fintech.services.audit import audit_chain_verify, audit_checkpoint_write, audit_event_record
from fintech.tasks import audit_checkpoint_write as audit_checkpoint_write_task
from fintech.tasks import verify_audit_chain as verify_audit_chain_task
from tests.factories import CustomerFactory
from tests.helpers import thread_race


@contextmanager
def triggers_disabled():
    """What an attacker with DDL rights does before editing history (restored after)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire pending FK checks before DDL
        cursor.execute("ALTER TABLE fintech_auditevent DISABLE TRIGGER USER")
        yield
        cursor.execute("ALTER TABLE fintech_auditevent ENABLE TRIGGER USER")


def other_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
    )


@contextmanager
def in_shard(shard: int):
    """Every other shard's head held by another connection, as busy concurrent writers
    would hold them, so the events this connection writes meanwhile go to `shard`."""
    with other_connection() as other:
        other.execute("SELECT id FROM fintech_auditchainhead WHERE id <> %s FOR UPDATE", [shard])
        yield
        other.rollback()


def write_events(n: int) -> list[AuditEvent]:
    customer = CustomerFactory()
    return [
        audit_event_record(action="tests.thing.done", target=customer, after={"n": i, "note": "café"}) for i in range(n)
    ]


@pytest.mark.django_db
def test_an_untouched_chain_verifies():
    write_events(5)
    result = audit_chain_verify()
    assert result.ok and result.checked == 5
    call_command("verify_audit_chain", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.django_db
def test_rows_link_to_their_predecessor():
    events = write_events(3)
    assert events[0].seq == 1 and events[0].prev_hash == shard_genesis(events[0].shard)
    assert {e.shard for e in events} == {events[0].shard}
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE fintech_auditevent SET action = 'x'",
        "DELETE FROM fintech_auditevent",
    ],
)
def test_the_database_refuses_update_and_delete(statement):
    write_events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(action="tests.thing.done").count() == 1


@pytest.mark.django_db
def test_an_edited_row_is_named_by_verify_audit_chain():
    events = write_events(5)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE fintech_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[2].pk])
    with pytest.raises(CommandError, match=r"broken at seq 3 .*edited"):
        call_command("verify_audit_chain")


@pytest.mark.django_db
def test_a_deleted_row_is_caught():
    events = write_events(5)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM fintech_auditevent WHERE id = %s", [events[1].pk])
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_seq == 3


@pytest.mark.django_db
def test_a_deleted_tail_is_caught():
    events = write_events(4)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM fintech_auditevent WHERE id = %s", [events[-1].pk])
    result = audit_chain_verify()
    assert not result.ok and "deleted" in result.reason


@pytest.mark.django_db
def test_a_deleted_chain_head_is_caught():
    write_events(2)
    AuditChainHead.objects.all().delete()
    result = audit_chain_verify()
    assert not result.ok and "chain head of shard" in result.reason and "is missing" in result.reason


@pytest.mark.django_db
def test_reordered_rows_are_caught():
    events = write_events(4)
    a, b = events[1], events[2]
    with triggers_disabled(), connection.cursor() as cursor:
        # swap the sequence numbers of two rows (through a free value: seq is unique)
        cursor.execute("UPDATE fintech_auditevent SET seq = 1000000 WHERE id = %s", [a.pk])
        cursor.execute("UPDATE fintech_auditevent SET seq = %s WHERE id = %s", [a.seq, b.pk])
        cursor.execute("UPDATE fintech_auditevent SET seq = %s WHERE id = %s", [b.seq, a.pk])
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_seq == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    writers, per_writer = 6, 15

    def write():
        for i in range(per_writer):
            with transaction.atomic():
                audit_event_record(action="tests.concurrent.write", after={"i": i})

    assert thread_race([write] * writers, timeout=60) == [None] * writers
    assert AuditEvent.objects.count() == writers * per_writer
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_an_inserted_row_is_caught():
    events = write_events(4)
    forged = AuditEvent(
        shard=events[1].shard,
        seq=3,
        occurred_at=events[1].occurred_at,
        actor_label="system",
        action="tests.thing.done",
        prev_hash=events[1].hash,
        key_id=events[1].key_id,
        hash="f" * 64,
    )
    with triggers_disabled():
        # make room at #3 (highest first: seq is unique), then slip the forged row in
        for event in reversed(events[2:]):
            AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
        forged.save(force_insert=True)
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_seq == 3 and result.first_bad_id == forged.pk


@pytest.mark.django_db
def test_checkpoints_are_signed_and_appended_never_rewritten(settings):
    write_events(2)
    first = audit_checkpoint_write()
    first_line = settings.AUDIT_CHECKPOINT_PATH.read_text()
    write_events(1)
    assert verify_audit_chain_task() == {"ok": True, "checked": 3, "first_bad_seq": None}
    assert audit_checkpoint_write_task() == {"ok": True, "seq": 3, "key_id": first.key_id}
    lines = settings.AUDIT_CHECKPOINT_PATH.read_text().splitlines(keepends=True)
    assert lines[0] == first_line and len(lines) == 2
    shard = str(first.heads and next(iter(first.heads)))
    assert [json.loads(line)["heads"][shard][0] for line in lines] == [2, 3]
    # each line names the signature of the line before it
    assert json.loads(lines[0])["prev"] == "" and json.loads(lines[1])["prev"] == json.loads(lines[0])["sig"]
    result = audit_chain_verify()
    assert result.ok and result.checkpoints == 2 and result.anchored_seq == 3


@pytest.mark.django_db
def test_no_checkpoint_is_written_over_a_broken_chain(settings):
    events = write_events(3)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE fintech_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[2].pk])
    assert audit_checkpoint_write_task() == {"ok": False, "first_bad_seq": 3}
    with pytest.raises(CommandError, match=r"checkpoint refused: audit chain broken at seq 3"):
        call_command("audit_checkpoint")
    assert not settings.AUDIT_CHECKPOINT_PATH.exists()
