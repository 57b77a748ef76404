"""Writing to and verifying the tamper-evident audit trail."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from fintech import request_context
from fintech.audit_chain import (
    GENESIS_HASH,
    MAIN_CHAIN,
    AuditKeyRing,
    Checkpoint,
    CheckpointFile,
    CheckpointInvalid,
    UnknownAuditKey,
    audit_key_ring,
    canonical_fields,
    checkpoint_parse,
    checkpoint_sign,
    checkpoint_store,
    event_mac,
)
from fintech.models import AuditChainHead, AuditEvent


def _json_safe(value: Any) -> Any:
    """What the database will give back for `value`: JSON types only."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def compute_hash(event: AuditEvent, *, ring: AuditKeyRing | None = None) -> str:
    """The keyed hash `event` should carry, under the key its `key_id` names."""
    ring = ring or audit_key_ring()
    return event_mac(key=ring.key(event.key_id), prev_hash=event.prev_hash, fields=canonical_fields(event))


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
    ring = audit_key_ring()
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
            key_id=ring.primary_id,
        )
        event.hash = compute_hash(event, ring=ring)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class KeySegment:
    """A run of consecutive events chained under one key."""

    key_id: str
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""
    segments: tuple[KeySegment, ...] = ()
    checkpoints: int = 0
    anchored_seq: int | None = None


class AuditChainBroken(Exception):
    def __init__(self, verification: ChainVerification):
        super().__init__(verification.reason)
        self.verification = verification


@dataclass
class _Walk:
    """Walks events in `seq` order from a trusted point, stopping at the first that does not hold."""

    ring: AuditKeyRing
    expected_seq: int = 1
    expected_prev: str = GENESIS_HASH
    # seq -> {hash: first checkpoint pinning it}; one row's checkpoints normally agree.
    pinned: dict[int, dict[str, Checkpoint]] = field(default_factory=dict)
    checked: int = 0
    segments: list[KeySegment] = field(default_factory=list)
    failure: ChainVerification | None = None

    def run(self, rows: Iterable[AuditEvent]) -> _Walk:
        for event in rows:
            problem = self._problem(event)
            if problem:
                self.failure = ChainVerification(
                    False, self.checked, event.seq, event.pk, problem, tuple(self.segments)
                )
                return self
            self.checked += 1
            self.expected_seq, self.expected_prev = event.seq + 1, event.hash
            last = self.segments[-1] if self.segments else None
            if last is not None and last.key_id == event.key_id:
                self.segments[-1] = KeySegment(last.key_id, last.first_seq, event.seq)
            else:
                self.segments.append(KeySegment(event.key_id, event.seq, event.seq))
        return self

    def _problem(self, event: AuditEvent) -> str:
        if event.seq != self.expected_seq:
            return f"expected seq {self.expected_seq}, found {event.seq} (a row is missing, inserted or moved)"
        if event.prev_hash != self.expected_prev:
            return "prev_hash does not link to the previous row"
        for checkpoint in self.pinned.get(event.seq, {}).values():
            if checkpoint.hash != event.hash:
                return (
                    f"hash differs from the signed checkpoint written at {checkpoint.written_at} "
                    "(the chain was rewritten)"
                )
        try:
            expected = compute_hash(event, ring=self.ring)
        except UnknownAuditKey as exc:
            return f"{exc} (the row was forged or its key retired too early)"
        if not hmac.compare_digest(expected, event.hash):
            return (
                f"hash does not match the row's content under key {event.key_id} "
                "(the row was edited, or the chain recomputed without the audit key)"
            )
        return ""

    @property
    def last_seq(self) -> int:
        return self.expected_seq - 1


def _checkpoints(ring: AuditKeyRing, store: CheckpointFile) -> list[Checkpoint]:
    """Every checkpoint of the main chain; CheckpointInvalid names the first line that does not hold."""
    checkpoints = []
    for number, line in enumerate(store.read_lines(), start=1):
        try:
            checkpoint = checkpoint_parse(line, ring=ring)
        except CheckpointInvalid as exc:
            raise CheckpointInvalid(f"checkpoint line {number} of {store.path}: {exc}") from exc
        if checkpoint.chain == MAIN_CHAIN:
            checkpoints.append(checkpoint)
    return checkpoints


def audit_chain_verify(*, events: Iterable[AuditEvent] | None = None) -> ChainVerification:
    """Walk the chain in `seq` order and report the first row that does not hold.

    Catches an edited row (its keyed hash no longer matches), a chain recomputed without
    the audit key, a deleted or inserted row (a gap in `seq`, or a broken `prev_hash`
    link), reordered rows, and a deleted tail: the chain head row is ahead of the last
    row, or a signed checkpoint outside the database pins a row that is gone or differs.
    Reports which key chained each segment of the chain.
    """
    ring = audit_key_ring()
    try:
        checkpoints = _checkpoints(ring, checkpoint_store())
    except CheckpointInvalid as exc:
        return ChainVerification(False, 0, None, None, str(exc))
    walk = _Walk(ring=ring)
    for checkpoint in checkpoints:
        walk.pinned.setdefault(checkpoint.seq, {}).setdefault(checkpoint.hash, checkpoint)
    rows = events if events is not None else AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    walk.run(rows)
    if walk.failure is not None:
        return walk.failure
    checked, segments = walk.checked, tuple(walk.segments)
    anchor = max(checkpoints, key=lambda c: c.seq, default=None)
    anchored_seq = anchor.seq if anchor is not None else None

    def broken(seq: int | None, reason: str) -> ChainVerification:
        return ChainVerification(False, checked, seq, None, reason, segments, len(checkpoints), anchored_seq)

    if anchor is not None and anchor.seq > walk.last_seq:
        return broken(
            walk.last_seq + 1,
            f"the signed checkpoint written at {anchor.written_at} pins #{anchor.seq} "
            f"but the rows end at #{walk.last_seq} (rows were deleted)",
        )
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return broken(None, "the chain head is missing (rows may have been deleted)")
    if head is not None and (head.seq, head.hash) != (walk.last_seq, walk.expected_prev):
        return broken(
            walk.expected_seq,
            f"chain head is at #{head.seq} but the rows end at #{walk.last_seq} (rows were deleted)",
        )
    return ChainVerification(True, checked, None, None, "", segments, len(checkpoints), anchored_seq)


def audit_checkpoint_write() -> Checkpoint:
    """Append a signed checkpoint of the chain's head to the store outside the database.

    Before signing, the events written since the last checkpoint are verified to extend
    it (keyed hashes, links, the checkpointed row unchanged), so a checkpoint never
    vouches for a chain that was already broken: AuditChainBroken is raised instead and
    nothing is appended. Writes nothing to the database.
    """
    ring = audit_key_ring()
    store = checkpoint_store()
    with store.locked():
        try:
            checkpoints = _checkpoints(ring, store)
        except CheckpointInvalid as exc:
            raise AuditChainBroken(ChainVerification(False, 0, None, None, str(exc))) from exc
        walk = _Walk(ring=ring)
        last = max(checkpoints, key=lambda c: c.seq, default=None)
        if last is not None and last.seq > 0:
            pinned = AuditEvent.objects.filter(seq=last.seq).first()
            if pinned is None or pinned.hash != last.hash:
                raise AuditChainBroken(ChainVerification(
                    False, 0, last.seq, getattr(pinned, "pk", None),
                    f"row #{last.seq} is gone or differs from the signed checkpoint written at {last.written_at}",
                ))
            walk.expected_seq, walk.expected_prev = last.seq + 1, last.hash
        rows = AuditEvent.objects.filter(seq__gte=walk.expected_seq).order_by("seq").iterator(chunk_size=2000)
        walk.run(rows)
        if walk.failure is not None:
            raise AuditChainBroken(walk.failure)
        checkpoint = checkpoint_sign(
            ring=ring, chain=MAIN_CHAIN, seq=walk.last_seq, hash=walk.expected_prev, at=timezone.now()
        )
        store.append(checkpoint.to_line(ring))
    return checkpoint
