from __future__ import annotations

from django.db import models

from fintech.fields import EncryptedTextField


class WebhookDelivery(models.Model):
    """One verified gateway event, stored raw before anything acts on it.

    Unique per (provider, event_key): a redelivered event hits the constraint and is
    acknowledged without a second row, so its effect can be applied only once.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=20)
    event_key = models.CharField(max_length=120, help_text="The provider's event id, e.g. evt_...")
    event_type = models.CharField(max_length=100, db_index=True)
    # Gateway events carry names, emails and billing addresses: encrypted at rest.
    raw_body = EncryptedTextField(help_text="The body exactly as received and verified; encrypted at rest.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_key"], name="payments_webhookdelivery_provider_event"),
        ]
        indexes = [models.Index(fields=["status", "received_at"])]
        permissions = [("retry_webhookdelivery", "Can retry a failed webhook delivery")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_key} ({self.status})"
