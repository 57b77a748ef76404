from __future__ import annotations

from django.conf import settings
from django.db import models

from fintech.audit_chain import GENESIS_HASH

__all__ = ["GENESIS_HASH", "AuditChainHead", "AuditEvent"]


class AuditEvent(models.Model):
    """One row of the tamper-evident audit trail.

    Append-only: written in the same transaction as the change it records, never
    updated or deleted (a database trigger refuses both, and the runtime role holds only
    SELECT and INSERT on the table). The rows of one `shard` form a keyed hash chain:
    `hash = HMAC(audit key, prev_hash, canonical fields)` (see `fintech.audit_chain`) under
    the key named by `key_id`, which lives outside the database; `seq` counts from 1
    without gaps within the shard. An edited, deleted, inserted or reordered row, or a
    chain rebuilt by someone without the key, is found by `manage.py verify_audit_chain`,
    and a deleted tail by the signed checkpoints of every shard's head kept outside the
    database. Shards have no order between them: `occurred_at` (and `id`) order the trail.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        DENIED = "denied", "Denied"

    shard = models.PositiveSmallIntegerField(default=0, editable=False)
    seq = models.PositiveBigIntegerField(editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    # PROTECT: a user who appears in the trail can be deactivated, never deleted.
    # No index of its own: the (actor, occurred_at) index below serves every look-up by actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    prev_hash = models.CharField(max_length=64)
    # Which AUDIT_CHAIN_KEYS key computed `hash` (the first 8 hex digits of its SHA-256).
    key_id = models.CharField(max_length=16, editable=False)
    # Not indexed: nothing looks an event up by its hash, and the unique (shard, seq) already
    # stops a chain from forking; an index of random HMACs would cost every append a write
    # to a random B-tree page.
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["shard", "seq"], name="fintech_auditevent_shard_seq_unique"),
        ]
        indexes = [
            # A plain B-tree (no LIKE twin): the admin filters on whole actions.
            models.Index(fields=["action"], name="fintech_auditevent_action"),
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.shard}#{self.seq} {self.action} by {self.actor_label or 'system'}"


class AuditChainHead(models.Model):
    """The last link of one shard's chain (`id` is the shard).

    A writer locks one head (whichever is free) until its transaction ends, so a shard's
    chain cannot fork; other writers take other heads meanwhile.
    """

    id = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit shard {self.id} head at #{self.seq}"
