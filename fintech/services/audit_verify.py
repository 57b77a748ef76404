"""Verifying the audit trail's shard chains, and sealing their heads in signed checkpoints.

Each shard's chain is walked in `seq` order from its genesis; every row must carry the
next `seq`, link to its predecessor's hash, match its keyed hash, and agree with every
signed checkpoint that pins it. The checkpoints live outside the database, each sealing
the heads of all shards and naming the signature of the line before it.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from fintech.audit_chain import (
    CHECKPOINT_FORMAT_V1,
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
    shard_genesis,
)
from fintech.models import AuditChainHead, AuditEvent

CHUNK = 2000


def compute_hash(event: AuditEvent, *, ring: AuditKeyRing | None = None) -> str:
    """The keyed hash `event` should carry, under the key its `key_id` names."""
    ring = ring or audit_key_ring()
    return event_mac(key=ring.key(event.key_id), prev_hash=event.prev_hash, fields=canonical_fields(event))


@dataclass(frozen=True)
class KeySegment:
    """A run of consecutive events of one shard chained under one key."""

    key_id: str
    first_seq: int
    last_seq: int
    shard: int = 0


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""
    segments: tuple[KeySegment, ...] = ()
    checkpoints: int = 0
    # How many events the latest checkpoint seals, over all shards.
    anchored_seq: int | None = None
    first_bad_shard: int | None = None


class AuditChainBroken(Exception):
    def __init__(self, verification: ChainVerification):
        super().__init__(verification.reason)
        self.verification = verification


# shard -> seq -> {hash: first checkpoint pinning it}; one row's checkpoints normally agree.
Pins = dict[int, dict[int, dict[str, Checkpoint]]]


@dataclass
class _ShardWalk:
    """Walks one shard's events in `seq` order from a trusted point, stopping at the first that does not hold."""

    ring: AuditKeyRing
    shard: int
    expected_seq: int = 1
    expected_prev: str = ""
    pinned: dict[int, dict[str, Checkpoint]] = field(default_factory=dict)
    checked: int = 0
    segments: list[KeySegment] = field(default_factory=list)
    problem: str = ""
    bad_event: AuditEvent | None = None

    def __post_init__(self):
        self.expected_prev = self.expected_prev or shard_genesis(self.shard)

    def step(self, event: AuditEvent) -> bool:
        problem = self._problem(event)
        if problem:
            self.problem, self.bad_event = problem, event
            return False
        self.checked += 1
        self.expected_seq, self.expected_prev = event.seq + 1, event.hash
        last = self.segments[-1] if self.segments else None
        if last is not None and last.key_id == event.key_id:
            self.segments[-1] = KeySegment(last.key_id, last.first_seq, event.seq, self.shard)
        else:
            self.segments.append(KeySegment(event.key_id, event.seq, event.seq, self.shard))
        return True

    def _problem(self, event: AuditEvent) -> str:
        if event.seq != self.expected_seq:
            return f"expected seq {self.expected_seq}, found {event.seq} (a row is missing, inserted or moved)"
        if event.prev_hash != self.expected_prev:
            return "prev_hash does not link to the previous row of its shard"
        for checkpoint in self.pinned.get(event.seq, {}).values():
            if checkpoint.heads[self.shard][1] != event.hash:
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

    def failure(self, checked: int, segments: tuple[KeySegment, ...]) -> ChainVerification:
        event = self.bad_event
        return ChainVerification(
            False, checked, event.seq, event.pk, self.problem, segments, first_bad_shard=self.shard
        )


def _checkpoints(ring: AuditKeyRing, store: CheckpointFile) -> list[tuple[Checkpoint, str]]:
    """Every checkpoint with its signature, in store order; CheckpointInvalid names the first
    line that does not hold: a bad signature, or a v2 line that does not name its
    predecessor's signature (a line was removed or moved)."""
    checkpoints: list[tuple[Checkpoint, str]] = []
    previous_signature = ""
    for number, line in enumerate(store.read_lines(), start=1):
        try:
            checkpoint = checkpoint_parse(line, ring=ring)
        except CheckpointInvalid as exc:
            raise CheckpointInvalid(f"checkpoint line {number} of {store.path}: {exc}") from exc
        if checkpoint.format != CHECKPOINT_FORMAT_V1 and checkpoint.prev != previous_signature:
            raise CheckpointInvalid(
                f"checkpoint line {number} of {store.path} does not follow the line before it "
                "(a checkpoint was removed or moved)"
            )
        previous_signature = checkpoint.signature(ring)
        checkpoints.append((checkpoint, previous_signature))
    return checkpoints


def _pins(checkpoints: list[Checkpoint]) -> Pins:
    pins: Pins = defaultdict(dict)
    for checkpoint in checkpoints:
        for shard, (seq, head_hash) in checkpoint.heads.items():
            pins[shard].setdefault(seq, {}).setdefault(head_hash, checkpoint)
    return pins


def audit_chain_verify() -> ChainVerification:
    """Walk every shard's chain in `seq` order and report the first row that does not hold.

    Catches an edited row (its keyed hash no longer matches), a chain recomputed without
    the audit key, a deleted or inserted row (a gap in `seq`, or a broken `prev_hash`
    link), reordered rows or a row moved to another shard, and a deleted tail: a shard's
    head row is ahead of its last row, or a signed checkpoint outside the database pins a
    row that is gone or differs. Reports which key chained each segment of each shard.
    """
    ring = audit_key_ring()
    try:
        checkpoints = [checkpoint for checkpoint, _ in _checkpoints(ring, checkpoint_store())]
    except CheckpointInvalid as exc:
        return ChainVerification(False, 0, None, None, str(exc))
    pins = _pins(checkpoints)
    # Heads first: rows appended after this read only put a head behind its chain's end,
    # which is checked for (the head must still be on the chain), never mistaken for a gap.
    heads = {head.id: (head.seq, head.hash) for head in AuditChainHead.objects.all()}
    walks: dict[int, _ShardWalk] = {}
    head_seen: set[int] = set()
    checked = 0

    def segments() -> tuple[KeySegment, ...]:
        return tuple(s for shard in sorted(walks) for s in walks[shard].segments)

    for event in AuditEvent.objects.order_by("shard", "seq").iterator(chunk_size=CHUNK):
        walk = walks.get(event.shard)
        if walk is None:
            walk = walks[event.shard] = _ShardWalk(ring=ring, shard=event.shard, pinned=pins.get(event.shard, {}))
        if not walk.step(event):
            return walk.failure(checked, segments())
        checked += 1
        if heads.get(event.shard) == (event.seq, event.hash):
            head_seen.add(event.shard)
    anchor = checkpoints[-1] if checkpoints else None
    anchored_seq = anchor.seq if anchor is not None else None

    def broken(shard: int, seq: int | None, reason: str) -> ChainVerification:
        return ChainVerification(
            False, checked, seq, None, reason, segments(), len(checkpoints), anchored_seq, first_bad_shard=shard
        )

    for shard in sorted(set(walks) | set(pins) | set(heads)):
        walk = walks.get(shard) or _ShardWalk(ring=ring, shard=shard)
        pinned = max(pins.get(shard, {}), default=0)
        if pinned > walk.last_seq:
            checkpoint = next(iter(pins[shard][pinned].values()))
            return broken(
                shard,
                walk.last_seq + 1,
                f"the signed checkpoint written at {checkpoint.written_at} pins shard {shard} "
                f"at #{pinned} but the rows end at #{walk.last_seq} (rows were deleted)",
            )
        head = heads.get(shard)
        if head is None and walk.checked:
            return broken(shard, None, f"the chain head of shard {shard} is missing (rows may have been deleted)")
        if head is not None and head[0] > 0 and shard not in head_seen:
            return broken(
                shard,
                walk.expected_seq,
                f"chain head of shard {shard} is at #{head[0]} but the rows end at #{walk.last_seq} "
                "or differ (rows were deleted)",
            )
        if head is not None and head[0] == 0 and head[1] != shard_genesis(shard):
            return broken(shard, None, f"the chain head of shard {shard} does not start at its genesis")
    return ChainVerification(True, checked, None, None, "", segments(), len(checkpoints), anchored_seq)


def _shard_walk_from(ring: AuditKeyRing, shard: int, pin: tuple[int, str] | None, written_at: str) -> _ShardWalk:
    """A walk of `shard` from its last checkpointed row (checked to be still there and unchanged)."""
    walk = _ShardWalk(ring=ring, shard=shard)
    if pin is None:
        return walk
    seq, head_hash = pin
    pinned = AuditEvent.objects.filter(shard=shard, seq=seq).first()
    if pinned is None or pinned.hash != head_hash:
        raise AuditChainBroken(
            ChainVerification(
                False,
                0,
                seq,
                getattr(pinned, "pk", None),
                f"shard {shard} row #{seq} is gone or differs from the signed checkpoint written at {written_at}",
                first_bad_shard=shard,
            )
        )
    walk.expected_seq, walk.expected_prev = seq + 1, head_hash
    return walk


def audit_checkpoint_write() -> Checkpoint:
    """Append a signed checkpoint of every shard's head to the store outside the database.

    Before signing, each shard's events written since the last checkpoint are verified to
    extend it (keyed hashes, links, the checkpointed row unchanged), so a checkpoint never
    vouches for a chain that was already broken: AuditChainBroken is raised instead and
    nothing is appended. The new line names the last line's signature. Writes nothing to
    the database.
    """
    ring = audit_key_ring()
    store = checkpoint_store()
    with store.locked():
        try:
            checkpoints = _checkpoints(ring, store)
        except CheckpointInvalid as exc:
            raise AuditChainBroken(ChainVerification(False, 0, None, None, str(exc))) from exc
        last, last_signature = checkpoints[-1] if checkpoints else (None, "")
        last_heads = dict(last.heads) if last is not None else {}
        shards = set(last_heads) | set(AuditChainHead.objects.filter(seq__gt=0).values_list("id", flat=True))
        heads: dict[int, tuple[int, str]] = {}
        for shard in sorted(shards):
            walk = _shard_walk_from(ring, shard, last_heads.get(shard), last.written_at if last else "")
            rows = AuditEvent.objects.filter(shard=shard, seq__gte=walk.expected_seq).order_by("seq")
            for event in rows.iterator(chunk_size=CHUNK):
                if not walk.step(event):
                    raise AuditChainBroken(walk.failure(walk.checked, tuple(walk.segments)))
            if walk.last_seq > 0:
                heads[shard] = (walk.last_seq, walk.expected_prev)
        checkpoint = checkpoint_sign(ring=ring, heads=heads, prev=last_signature, at=timezone.now())
        store.append(checkpoint.to_line(ring))
    return checkpoint
