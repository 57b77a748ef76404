"""Issue #17 item 13: whoever owns the audit tables could rewrite the chain undetected.

The pen-tester, as the table owner, disabled the append-only trigger, rewrote an event
and recomputed the unkeyed SHA-256 chain; `verify_audit_chain` said "intact". Each test
below replays one form of that attack on PostgreSQL and asserts it is now caught, or
refused by the database for the least-privilege runtime role.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from fintech.audit_chain import audit_key_id, canonical_fields, event_mac, shard_genesis
from fintech.models import AuditChainHead, AuditEvent
from fintech.services.audit import audit_chain_verify, audit_checkpoint_write, audit_event_record
from tests.config.test_production_settings import PRODUCTION, manage
from tests.fintech.test_audit_chain import triggers_disabled, write_events

upgrade = importlib.import_module("fintech.migrations.0004_audit_chain_keyed_hmac")


def rewrite_chain_from(seq: int, link) -> None:
    """What the attacker did after editing a row: re-link every later row and move the head.

    `link(event, prev_hash)` is the attacker's idea of the hash function.
    """
    shard = AuditEvent.objects.get(seq=seq).shard  # the test's events are all in one shard
    prev = AuditEvent.objects.get(shard=shard, seq=seq - 1).hash if seq > 1 else shard_genesis(shard)
    with triggers_disabled():
        for event in AuditEvent.objects.filter(shard=shard, seq__gte=seq).order_by("seq"):
            new_hash = link(event, prev)
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new_hash)
            prev = new_hash
        last = AuditEvent.objects.filter(shard=shard).order_by("-seq").first()
        AuditChainHead.objects.filter(pk=shard).update(seq=last.seq, hash=prev)


def edit_after(event: AuditEvent, after: dict) -> None:
    with triggers_disabled():
        AuditEvent.objects.filter(pk=event.pk).update(after=after)


@pytest.mark.django_db
def test_owner_rewrite_recomputed_with_unkeyed_sha256_is_reported_as_tampering():
    # given a chain, as the pen-tester found it
    events = write_events(5)
    # when the table owner disables the trigger, rewrites event #3 and recomputes the
    # chain the old way (SHA-256 of prev_hash and the row, no key)
    edit_after(events[2], {"n": 2, "note": "nothing to see"})
    rewrite_chain_from(3, upgrade.legacy_hash)
    # then verification names the rewritten row instead of reporting "intact"
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_seq == 3
    assert "recomputed without the audit key" in result.reason
    with pytest.raises(CommandError, match=r"broken at seq 3 "):
        call_command("verify_audit_chain", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.django_db
def test_superuser_recomputing_the_chain_with_a_guessed_key_is_detected():
    events = write_events(5)
    audit_checkpoint_write()
    # the attacker knows the algorithm and the key id (both are in the rows), not the key
    edit_after(events[1], {"n": 1, "note": "nothing to see"})
    rewrite_chain_from(2, lambda event, prev: event_mac(key=bytes(32), prev_hash=prev, fields=canonical_fields(event)))
    result = audit_chain_verify()
    assert not result.ok and result.first_bad_seq == 2
    # the signed checkpoint outside the database disagrees with the rewritten head as well
    refused = r"checkpoint refused: .*row #5 is gone or differs from the signed checkpoint"
    with pytest.raises(CommandError, match=refused):
        call_command("audit_checkpoint")


@pytest.mark.django_db
def test_deleting_the_tail_and_moving_the_head_back_is_caught_by_the_signed_checkpoint():
    events = write_events(5)
    audit_checkpoint_write()
    # when a superuser deletes the last two events and sets the chain head back to #3,
    # the rows left form a perfectly valid keyed chain
    with triggers_disabled():
        AuditEvent.objects.filter(seq__gt=3).delete()
        AuditChainHead.objects.filter(pk=events[0].shard).update(seq=3, hash=events[2].hash)
    # then only the checkpoint outside the database shows what is gone
    result = audit_chain_verify()
    assert not result.ok and result.checked == 3
    assert "signed checkpoint" in result.reason
    assert f"pins shard {events[0].shard} at #5 but the rows end at #3" in result.reason


@pytest.mark.django_db
def test_a_checkpoint_forged_without_the_audit_key_is_refused(settings):
    # given a superuser who deleted the tail and appended a checkpoint of the shortened
    # chain signed with a key of their own
    events = write_events(4)
    audit_checkpoint_write()
    with triggers_disabled():
        AuditEvent.objects.filter(seq=4).delete()
        AuditChainHead.objects.filter(pk=events[0].shard).update(seq=3, hash=events[2].hash)
    forged = {
        "format": "fintech.audit.checkpoint.v1",
        "chain": "main",
        "seq": 3,
        "hash": events[2].hash,
        "key_id": events[2].key_id,
        "written_at": "2026-12-07T12:00:00+00:00",
        "sig": "0" * 64,
    }
    with settings.AUDIT_CHECKPOINT_PATH.open("a") as store:
        store.write(json.dumps(forged) + "\n")
    # then the forged line is refused, and with it the store's word that all is well
    result = audit_chain_verify()
    assert not result.ok and "checkpoint line 2" in result.reason and "signature does not match" in result.reason


@pytest.mark.django_db
def test_events_chained_under_an_old_key_still_verify_after_rotation_and_report_their_key():
    old_key, new_key = (base64.urlsafe_b64encode(os.urandom(32)).decode() for _ in range(2))
    old_id, new_id = (audit_key_id(base64.urlsafe_b64decode(k)) for k in (old_key, new_key))
    with override_settings(AUDIT_CHAIN_KEYS=[old_key]):
        write_events(3)
        audit_checkpoint_write()
    # when a new key is put first and the old one kept
    with override_settings(AUDIT_CHAIN_KEYS=[new_key, old_key]):
        audit_event_record(action="tests.after.rotation", actor_label="system")
        audit_event_record(action="tests.after.rotation", actor_label="system")
        checkpoint = audit_checkpoint_write()
        result = audit_chain_verify()
        call_command("verify_audit_chain", stdout=(out := _Output()))
    # then both segments verify, each under the key that chained it
    assert result.ok and result.checked == 5 and result.anchored_seq == 5
    assert [(s.key_id, s.first_seq, s.last_seq) for s in result.segments] == [(old_id, 1, 3), (new_id, 4, 5)]
    assert checkpoint.key_id == new_id
    assert f"seq 1-3: key {old_id}" in out.text and f"seq 4-5: key {new_id}" in out.text
    # and dropping the old key too early is reported, not silently accepted
    with override_settings(AUDIT_CHAIN_KEYS=[new_key]):
        result = audit_chain_verify()
    assert not result.ok and f"key id {old_id!r} is not in AUDIT_CHAIN_KEYS" in result.reason


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_production_refuses_to_start_without_an_audit_chain_key():
    result = manage("check", **{**PRODUCTION, "AUDIT_CHAIN_KEYS": ""})
    assert result.returncode != 0
    assert "refuses to start without: AUDIT_CHAIN_KEYS" in result.stderr


# --- The least-privilege runtime role -----------------------------------------------------


def _current_role_may_create_roles() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _role_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def runtime_role(transactional_db):
    """The runtime role, granted on the test database by the grant command as the tables' owner.

    Roles are cluster-wide. A database role that may create roles makes a uniquely named
    one and drops it after; the CI role may not, so `.ci/run` creates `fintech_app` as the
    superuser with the same command, and here it is only granted on the test database.
    """
    if _current_role_may_create_roles():
        name = f"fintech_app_{uuid.uuid4().hex[:8]}"
        call_command("audit_grant_runtime_role", role=name, create=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        yield name
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE "{name}"')
        return
    name = os.environ.get("AUDIT_RUNTIME_ROLE", "fintech_app")
    if not _role_exists(name):
        pytest.fail(
            f"runtime role {name} does not exist: create it as .ci/run does "
            f"(manage.py audit_grant_runtime_role --role {name} --create, as a superuser); "
            "the embedded engines (python -m tools.engines) create it"
        )
    call_command("audit_grant_runtime_role", role=name, stdout=open(os.devnull, "w"))  # noqa: SIM115
    yield name


def _connect_as(role: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        dbname=db["NAME"],
        user=role,
        password=os.environ.get("AUDIT_RUNTIME_ROLE_PASSWORD") or None,
    )


ATTEMPTS = {
    "update": "UPDATE fintech_auditevent SET after = '{\"n\": 99}' WHERE seq = 2",
    "delete": "DELETE FROM fintech_auditevent WHERE seq = 3",
    "truncate": "TRUNCATE fintech_auditevent",
    "disable the trigger": "ALTER TABLE fintech_auditevent DISABLE TRIGGER fintech_auditevent_append_only",
    "disable all triggers": "ALTER TABLE fintech_auditevent DISABLE TRIGGER ALL",
}


def test_runtime_role_can_append_and_read_the_audit_table_but_never_change_it(runtime_role):
    events = write_events(3)
    with _connect_as(runtime_role) as conn:
        # it reads the trail and appends to it, taking a free shard head as the application does
        with conn.transaction(force_rollback=True), conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM fintech_auditevent")
            assert cursor.fetchone()[0] == 3
            cursor.execute(
                "SELECT id, seq, hash FROM fintech_auditchainhead ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1"
            )
            shard, seq, head_hash = cursor.fetchone()
            cursor.execute(
                "WITH event AS (INSERT INTO fintech_auditevent (shard, seq, occurred_at, actor_label, action, "
                "target_type, target_id, target_repr, request_id, outcome, prev_hash, key_id, hash) "
                "VALUES (%s, %s, now(), 'runtime', 'tests.runtime.append', '', '', '', '', 'success', %s, %s, %s) "
                "RETURNING shard, seq, hash) "
                "UPDATE fintech_auditchainhead AS head SET seq = event.seq, hash = event.hash FROM event "
                "WHERE head.id = event.shard RETURNING head.id",
                [shard, seq + 1, head_hash, events[0].key_id, hashlib.sha256(b"probe").hexdigest()],
            )
            assert cursor.fetchone()[0] == shard
        # and every way of changing history is refused by the database
        refused = {}
        for attempt, statement in ATTEMPTS.items():
            with conn.cursor() as cursor:
                try:
                    cursor.execute(statement)
                except psycopg.errors.InsufficientPrivilege as exc:
                    refused[attempt] = str(exc)
                conn.rollback()
    assert set(refused) == set(ATTEMPTS)
    assert "permission denied" in refused["update"] and "must be owner" in refused["disable the trigger"]
    assert audit_chain_verify().ok and AuditEvent.objects.count() == 3


def test_grant_command_refuses_to_make_a_powerful_role_the_runtime_role(transactional_db):
    # the CI role owns the tables and may create databases: it must never be the runtime role
    with pytest.raises(CommandError, match=r"too powerful|owns"):
        call_command("audit_grant_runtime_role", role=connection.settings_dict["USER"])
