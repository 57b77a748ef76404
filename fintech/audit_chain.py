"""The audit chain's keyed hash and its signed checkpoints: pure functions, no database.

An event's hash is an HMAC-SHA256, under a key that lives outside the database, of its
predecessor's hash and its canonical fields:

    hash = HMAC(key, "fintech.audit.event.v2" NUL prev_hash NUL canonical JSON of the fields)

The fields include `seq` and the `key_id`, so a row cannot be renumbered or claim another
key. Whoever owns (or administers) the database can rewrite rows, but cannot produce the
hashes without the key, and a rewrite is caught by `audit_chain_verify`.

A checkpoint pins one chain's head (its `seq` and hash) outside the database, signed with
the same key ring, as one JSON line appended to a store that is never rewritten. A chain
whose tail was deleted, or which was rebuilt from scratch, disagrees with its checkpoints.

The trail is a set of independent chains, one per shard (`AUDIT_SHARDS` of them), so that
concurrent writers append to different chains instead of queueing on one head. Each shard's
chain starts from its own genesis value (`shard_genesis`), which binds every row to its
shard: a row moved to another shard no longer links. Shard 0 starts from the all-zero
genesis of the single chain that preceded the shards, so that chain continues as shard 0.
A checkpoint seals the heads of every shard at once and names its predecessor's signature,
so the checkpoints form a chain of their own that links the shards.

Keys come from `settings.AUDIT_CHAIN_KEYS` (base64, 32 bytes or more each), newest first:
the first keys new events and signs checkpoints, every listed key verifies. A key's id is
the first 8 hex digits of its SHA-256, so the environment only lists keys.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
EVENT_DOMAIN = b"fintech.audit.event.v2"
CHECKPOINT_FORMAT_V1 = "fintech.audit.checkpoint.v1"  # one chain; read, no longer written
CHECKPOINT_FORMAT = "fintech.audit.checkpoint.v2"  # every shard's head, linked to the previous line
MAIN_CHAIN = "main"  # the single chain of v1 checkpoints, now shard 0
MIN_KEY_BYTES = 32
# Enough that a few dozen concurrent writers rarely find every head taken (a writer skips a
# locked head and takes the next), few enough that a checkpoint stays one short line.
# Changing it needs a migration that adds head rows (new shards start at their own genesis).
AUDIT_SHARDS = 16

# The fields an event's hash covers (its own `hash` aside; `prev_hash` enters the HMAC apart).
HASHED_FIELDS = (
    "seq",
    "key_id",
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
)


class UnknownAuditKey(Exception):
    """A row or checkpoint names a key id that AUDIT_CHAIN_KEYS does not hold."""


class CheckpointInvalid(Exception):
    """A checkpoint line is malformed, names an unknown key, or its signature does not hold."""


@dataclass(frozen=True)
class AuditKeyRing:
    primary_id: str
    keys: Mapping[str, bytes]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownAuditKey(f"key id {key_id!r} is not in AUDIT_CHAIN_KEYS") from None


def audit_key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def build_audit_key_ring(encoded_keys: list[str] | tuple[str, ...]) -> AuditKeyRing:
    if not encoded_keys:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEYS is empty")
    keys: dict[str, bytes] = {}
    for encoded in encoded_keys:
        try:
            raw = base64.urlsafe_b64decode(encoded.strip().encode("ascii"))
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured("AUDIT_CHAIN_KEYS holds a value that is not base64") from exc
        if len(raw) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(f"every AUDIT_CHAIN_KEYS key must be at least {MIN_KEY_BYTES} bytes")
        keys.setdefault(audit_key_id(raw), raw)
    return AuditKeyRing(primary_id=next(iter(keys)), keys=keys)


@lru_cache(maxsize=4)
def _cached_ring(encoded_keys: tuple[str, ...]) -> AuditKeyRing:
    return build_audit_key_ring(encoded_keys)


def audit_key_ring() -> AuditKeyRing:
    """The audit key ring of the current settings (cached per distinct key list)."""
    return _cached_ring(tuple(settings.AUDIT_CHAIN_KEYS))


def shard_genesis(shard: int) -> str:
    """The `prev_hash` of a shard's first event.

    Distinct per shard, so a row (or a whole chain) relabelled to another shard stops
    linking. Shard 0 keeps the all-zero genesis of the chain that preceded the shards.
    """
    if shard == 0:
        return GENESIS_HASH
    return hashlib.sha256(f"fintech.audit.shard.{shard}".encode()).hexdigest()


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder).encode(
        "utf-8"
    )


def canonical_fields(event: Any) -> dict[str, Any]:
    """The hashed fields of an event (a model instance, current or historical)."""
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["occurred_at"] = event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return fields


def event_mac(*, key: bytes, prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The keyed hash of one event, from its predecessor's hash and its canonical fields."""
    message = EVENT_DOMAIN + b"\x00" + prev_hash.encode("ascii") + b"\x00" + _canonical_json(dict(fields))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- Checkpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The heads of every shard at one moment, signed with the audit key ring.

    `heads` maps a shard to its (seq, hash); `prev` is the previous line's signature
    (empty for the first v2 line), so a line removed from or moved within the store breaks
    the links. A v1 line (one chain) reads as the head of shard 0 with no link.
    """

    heads: Mapping[int, tuple[int, str]]
    key_id: str
    written_at: str
    prev: str = ""
    format: str = CHECKPOINT_FORMAT

    @property
    def seq(self) -> int:
        """How many events the checkpoint seals, over all shards."""
        return sum(seq for seq, _ in self.heads.values())

    @property
    def hash(self) -> str:
        """Shard 0's head hash (the single chain's, for a v1 line)."""
        return self.heads.get(0, (0, GENESIS_HASH))[1]

    def _signed_body(self) -> bytes:
        if self.format == CHECKPOINT_FORMAT_V1:
            seq, head = self.heads[0]
            body = {"chain": MAIN_CHAIN, "seq": seq, "hash": head, "key_id": self.key_id, "written_at": self.written_at}
        else:
            body = {
                "heads": _heads_json(self.heads),
                "prev": self.prev,
                "key_id": self.key_id,
                "written_at": self.written_at,
            }
        return self.format.encode() + b"\x00" + _canonical_json(body)

    def signature(self, ring: AuditKeyRing) -> str:
        return hmac.new(ring.key(self.key_id), self._signed_body(), hashlib.sha256).hexdigest()

    def to_line(self, ring: AuditKeyRing) -> str:
        record = {
            "format": CHECKPOINT_FORMAT,
            "heads": _heads_json(self.heads),
            "prev": self.prev,
            "key_id": self.key_id,
            "written_at": self.written_at,
            "sig": self.signature(ring),
        }
        return json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


def _heads_json(heads: Mapping[int, tuple[int, str]]) -> dict[str, list]:
    return {str(shard): [seq, head] for shard, (seq, head) in sorted(heads.items())}


def checkpoint_sign(
    *, ring: AuditKeyRing, heads: Mapping[int, tuple[int, str]], prev: str, at: datetime.datetime
) -> Checkpoint:
    """A checkpoint of the shards' `heads`, following the line signed `prev`, under the primary key."""
    return Checkpoint(
        heads=dict(heads),
        key_id=ring.primary_id,
        prev=prev,
        written_at=at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
    )


def _checkpoint_record(record: dict) -> tuple[Checkpoint, str]:
    fmt = record.get("format")
    if fmt == CHECKPOINT_FORMAT_V1:
        if record["chain"] != MAIN_CHAIN:
            raise CheckpointInvalid(f"unknown chain {record['chain']!r}")
        heads = {0: (int(record["seq"]), str(record["hash"]))}
        prev = ""
    elif fmt == CHECKPOINT_FORMAT:
        heads = {int(shard): (int(seq), str(head)) for shard, (seq, head) in dict(record["heads"]).items()}
        prev = str(record["prev"])
    else:
        raise CheckpointInvalid(f"unknown checkpoint format {fmt!r}")
    checkpoint = Checkpoint(
        heads=heads, key_id=str(record["key_id"]), written_at=str(record["written_at"]), prev=prev, format=fmt
    )
    return checkpoint, str(record["sig"])


def checkpoint_parse(line: str, *, ring: AuditKeyRing) -> Checkpoint:
    """One stored line back to a checkpoint; raises CheckpointInvalid unless its signature holds."""
    try:
        checkpoint, signature = _checkpoint_record(json.loads(line))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointInvalid("not a checkpoint record") from exc
    try:
        expected = checkpoint.signature(ring)
    except UnknownAuditKey as exc:
        raise CheckpointInvalid(str(exc)) from exc
    if not hmac.compare_digest(expected, signature):
        raise CheckpointInvalid("signature does not match (forged or altered)")
    return checkpoint


class CheckpointFile:
    """An append-only file of checkpoint lines.

    Lines are only ever appended (O_APPEND, one write per line, then fsync), under an
    exclusive lock so that concurrent writers (beat, an operator's command) stay in order.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def read_lines(self) -> list[str]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [line for line in handle if line.strip()]

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def locked(self):
        """An exclusive lock over read-then-append (a sidecar lock file: the store stays append-only)."""
        return _FileLock(self.path.with_name(self.path.name + ".lock"))


class _FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o640)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def checkpoint_store() -> CheckpointFile:
    return CheckpointFile(settings.AUDIT_CHECKPOINT_PATH)
