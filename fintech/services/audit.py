"""Appending to the tamper-evident audit trail.

The trail is `AUDIT_SHARDS` keyed hash chains (see `fintech.audit_chain`). A writer takes
whichever shard head no other transaction holds, so concurrent audited writes proceed in
parallel instead of queueing on one row; within a shard the head's row lock keeps the
chain from forking. Verification and checkpoints: `fintech.services.audit_verify`.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from fintech import request_context
from fintech.audit_chain import AUDIT_SHARDS, audit_key_ring, shard_genesis
from fintech.db_cursor import server_binding_cursor
from fintech.models import AuditEvent
from fintech.services.audit_verify import (
    AuditChainBroken,
    ChainVerification,
    KeySegment,
    audit_chain_verify,
    audit_checkpoint_write,
    compute_hash,
)

__all__ = [
    "AuditChainBroken",
    "ChainVerification",
    "KeySegment",
    "audit_chain_verify",
    "audit_checkpoint_write",
    "audit_event_record",
    "compute_hash",
]

# Any free head, starting from the one this backend prefers (its pid modulo the shard count),
# so one process's events mostly stay in one chain and two processes rarely try the same head.
# SKIP LOCKED: a head held by another transaction is passed over, never waited for; a head
# this transaction already holds is not skipped, so it always finds one.
_TAKE_FREE_HEAD = """
    SELECT id, seq, hash FROM fintech_auditchainhead
    ORDER BY (id + %(shards)s - pg_backend_pid() %% %(shards)s) %% %(shards)s
    FOR UPDATE SKIP LOCKED LIMIT 1
"""
# Every head is held by other transactions (and none by this one): wait for the preferred head.
# Holding no head while waiting, this transaction cannot close a cycle of head waits.
_WAIT_FOR_HEAD = "SELECT id, seq, hash FROM fintech_auditchainhead WHERE id = pg_backend_pid() %% %(shards)s FOR UPDATE"
_CREATE_HEAD = "INSERT INTO fintech_auditchainhead (id, seq, hash) VALUES (%s, 0, %s) ON CONFLICT DO NOTHING"

_EVENT_COLUMNS = (
    "shard",
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
    "key_id",
    "hash",
)
_JSON_PARAMS = (_EVENT_COLUMNS.index("before"), _EVENT_COLUMNS.index("after"))
# The event and its head's move in one statement: one round trip once the head is taken.
_APPEND = """
    WITH event AS (
        INSERT INTO fintech_auditevent (
            shard, seq, occurred_at, actor_id, actor_label, action, target_type, target_id, target_repr,
            before, after, ip, request_id, outcome, prev_hash, key_id, hash
        )
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        RETURNING id, shard, seq, hash
    )
    UPDATE fintech_auditchainhead AS head SET seq = event.seq, hash = event.hash
    FROM event WHERE head.id = event.shard
    RETURNING event.id
"""
# Head, event and the head's move in one statement, for a connection that expects a head:
# the head this connection moved last, if it still stands where this connection left it
# (same seq, same hash) and no other transaction holds it. Otherwise nothing is written
# and the append takes a free head as `_APPEND` does. The casts type the parameters as
# VALUES would through the target columns.
_APPEND_TO_EXPECTED_HEAD = """
    WITH head AS (
        SELECT id FROM fintech_auditchainhead
        WHERE id = %s AND seq = %s AND hash = %s
        FOR UPDATE SKIP LOCKED
    ), event AS (
        INSERT INTO fintech_auditevent (
            shard, seq, occurred_at, actor_id, actor_label, action, target_type, target_id, target_repr,
            before, after, ip, request_id, outcome, prev_hash, key_id, hash
        )
        SELECT %s::smallint, %s::bigint, %s::timestamptz, %s::integer, %s::text, %s::text, %s::text, %s::text,
            %s::text, %s::jsonb, %s::jsonb, %s::inet, %s::text, %s::text, %s::text, %s::text, %s::text
        FROM head
        RETURNING id, shard, seq, hash
    )
    UPDATE fintech_auditchainhead AS head SET seq = event.seq, hash = event.hash
    FROM event WHERE head.id = event.shard
    RETURNING event.id
"""


# Per database connection, the head it moved last: (shard, seq, hash). A guess only (another
# writer may have moved that head since, or the transaction rolled back), which the append
# checks in the database: a wrong guess costs one more statement, never a forked chain.
_expected_heads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _json_safe(value: Any) -> Any:
    """What the database will give back for `value`: JSON types only."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _heads_create(cursor) -> None:
    """The shard heads, at their geneses (a database emptied by a test's flush has none)."""
    for shard in range(AUDIT_SHARDS):
        cursor.execute(_CREATE_HEAD, [shard, shard_genesis(shard)])


def _head_take(cursor) -> tuple[int, int, str]:
    """Lock a shard head until the transaction ends: (shard, seq, hash)."""
    shards = {"shards": AUDIT_SHARDS}
    cursor.execute(_TAKE_FREE_HEAD, shards)
    row = cursor.fetchone()
    if row is None:
        cursor.execute(_WAIT_FOR_HEAD, shards)
        row = cursor.fetchone()
    if row is None:
        _heads_create(cursor)
        cursor.execute(_WAIT_FOR_HEAD, shards)
        row = cursor.fetchone()
    return row


def audit_event_record(
    *,
    action: str,
    actor=None,
    actor_label: str | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
) -> AuditEvent:
    """Append one event to a shard's chain, inside the caller's transaction.

    The shard's head row stays locked until the caller commits, so no other writer can
    link to the same predecessor; writers meanwhile take other shards, never waiting
    unless every head is held, so no caller needs to order its locks around this one.
    If the caller's transaction rolls back, the event and the head's move vanish with it.

    One statement when the head this connection moved last is still where it left it and
    free (the usual case: each backend prefers its own shard), else two: take a free head,
    then insert the event and move the head.
    """
    context = request_context.current()
    if actor is None and context.user_id is not None:
        actor_id, label = context.user_id, context.user_label
    elif actor is not None and getattr(actor, "pk", None) is not None:
        actor_id, label = actor.pk, actor.get_username()
    else:
        actor_id, label = None, ""
    if target is not None:
        target_type = target_type or target._meta.label
        target_id = target_id or str(target.pk)
    ring = audit_key_ring()
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor_label=(actor_label if actor_label is not None else label)[:150],
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        target_repr=(str(target) if target is not None else "")[:200],
        before=_json_safe(before),
        after=_json_safe(after),
        ip=context.ip,
        request_id=context.request_id,
        outcome=outcome,
        key_id=ring.primary_id,
    )
    # No savepoint: an event that cannot be written fails the caller's whole transaction.
    with transaction.atomic(savepoint=False):
        # A server-side-binding cursor on Django's own connection (so in the caller's
        # transaction): psycopg prepares the statements once per connection, which spares
        # the database a parse and plan, and this process the quoting, of every append.
        # Wrapped as Django wraps its own, so query logging and execute wrappers see it.
        with server_binding_cursor() as cursor:
            row = None
            wrapper = connections[DEFAULT_DB_ALIAS]
            expected = _expected_heads.get(wrapper)
            if expected is not None:
                _link(event, *expected, ring=ring)
                cursor.execute(_APPEND_TO_EXPECTED_HEAD, [*expected, *_append_params(event)])
                row = cursor.fetchone()
            if row is None:
                _link(event, *_head_take(cursor), ring=ring)
                cursor.execute(_APPEND, _append_params(event))
                row = cursor.fetchone()
            event.pk = row[0]
    _expected_heads[wrapper] = (event.shard, event.seq, event.hash)
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _link(event: AuditEvent, shard: int, seq: int, prev_hash: str, *, ring) -> None:
    """Place `event` after `prev_hash`, the head at `seq` of `shard`, and compute its keyed hash."""
    event.shard, event.seq, event.prev_hash = shard, seq + 1, prev_hash
    event.hash = compute_hash(event, ring=ring)


def _append_params(event: AuditEvent) -> list:
    values = [getattr(event, column) for column in _EVENT_COLUMNS]
    for index in _JSON_PARAMS:
        values[index] = None if values[index] is None else Jsonb(values[index])
    return values
