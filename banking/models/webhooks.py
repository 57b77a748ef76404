from __future__ import annotations

from django.db import models

from fintech.fields import EncryptedJSONField


class PlaidWebhookEvent(models.Model):
    """A verified Plaid webhook, stored before its effect runs.

    Plaid webhooks carry no event id, so a delivery is recognised by the SHA-256 of its
    canonical JSON: the same content delivered twice has its effect once.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored"

    content_sha256 = models.CharField(max_length=64, unique=True)
    webhook_type = models.CharField(max_length=50)
    webhook_code = models.CharField(max_length=80)
    item_id = models.CharField(max_length=100, blank=True, db_index=True)
    payload = EncryptedJSONField(help_text="The webhook as received; encrypted at rest.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    result = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.webhook_type}.{self.webhook_code} ({self.content_sha256[:8]})"
