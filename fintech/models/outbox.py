from __future__ import annotations

from django.db import models

from fintech.fields import EncryptedJSONField


class OutboxMessage(models.Model):
    """An effect that must follow a committed write: a Celery task to run or an event to
    put on a Redis stream (docs/outbox.md).

    Written in the same transaction as the change it follows, so it exists if and only if
    the change committed; the relay (`run_outbox_relay`) sends it and sets `sent_at`.
    Sending is at least once (a relay that dies after sending and before marking sends
    again), so every consumer is idempotent; `pk` is the message's identity downstream
    (the Celery task id `outbox-<pk>`, the `outbox_id` field of a stream entry).
    """

    class Kind(models.TextChoices):
        TASK = "task", "Celery task"
        STREAM = "stream", "Redis stream entry"

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The Celery task's registered name (sent by name: the writer never imports the task),
    # or the stream's key.
    destination = models.CharField(max_length=200)
    # task: {"args": [...], "kwargs": {...}, "headers": {...}}; stream: the event itself.
    payload = models.JSONField()
    # The part of the message that is secret or personal (a single-use payment nonce, a Plaid
    # public token, a counterparty's account number): merged into the task's keyword arguments
    # or the event's fields when sent, sealed at rest like other secrets, erased once sent.
    sealed = EncryptedJSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The relay's queue: only unsent rows, in commit-ish order; stays small however
            # many sent rows wait for the purge.
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="fintech_outbox_unsent"),
            models.Index(fields=["sent_at"], condition=models.Q(sent_at__isnull=False), name="fintech_outbox_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.destination} #{self.pk}"
