"""Writing to and verifying the tamper-evident audit trail."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from fintech import request_context
from fintech.models import AuditChainHead, AuditEvent
from fintech.models.audit import GENESIS_HASH

HASHED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_label", "action", "target_type", "target_id",
    "target_repr", "before", "after", "ip", "request_id", "outcome", "prev_hash",
)


def _json_safe(value: Any) -> Any:
    """What the database will give back for `value`: JSON types only."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical_row(event: AuditEvent) -> str:
    row = {name: getattr(event, name) for name in HASHED_FIELDS}
    row["occurred_at"] = event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode("ascii") + canonical_row(event).encode("utf-8")).hexdigest()


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
    """Append one event to the chain, inside the caller's transaction.

    The chain head row is locked (`SELECT ... FOR UPDATE`) until the caller commits,
    so two concurrent writers cannot both link to the same predecessor. If the
    caller's transaction rolls back, the event and the head move vanish with it.
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
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
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
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


def audit_chain_verify(*, events: Iterable[AuditEvent] | None = None) -> ChainVerification:
    """Walk the chain in `seq` order and report the first row that does not hold.

    Catches an edited row (its hash no longer matches), a deleted row (a gap in
    `seq`, or a broken `prev_hash` link), reordered rows (links out of order), and a
    deleted tail (the chain head is ahead of the last row).
    """
    rows = events if events is not None else AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
    for event in rows:
        problem = ""
        if event.seq != expected_seq:
            problem = f"expected seq {expected_seq}, found {event.seq} (a row is missing or moved)"
        elif event.prev_hash != expected_prev:
            problem = "prev_hash does not link to the previous row"
        elif compute_hash(event) != event.hash:
            problem = "hash does not match the row's content (the row was edited)"
        if problem:
            return ChainVerification(False, checked, event.seq, event.pk, problem)
        checked += 1
        expected_seq, expected_prev = event.seq + 1, event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return ChainVerification(False, checked, None, None, "the chain head is missing (rows may have been deleted)")
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        return ChainVerification(
            False, checked, expected_seq, None,
            f"chain head is at #{head.seq} but the rows end at #{expected_seq - 1} (rows were deleted)",
        )
    return ChainVerification(True, checked)
