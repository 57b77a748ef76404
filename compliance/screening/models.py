"""Screening hits: a party that matched a list entry, waiting for (or after) review."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ScreeningHit(models.Model):
    """A match above the threshold, for a party we hold (customer, counterparty).

    A pending or confirmed hit blocks the party's outgoing money. A false positive
    is suppressed for the same party and entry until the entry's content hash
    changes (the list changed what it says about the entry).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        CONFIRMED = "confirmed", "Confirmed true match"
        FALSE_POSITIVE = "false_positive", "False positive"

    party_type = models.CharField(max_length=100, help_text="Model label, e.g. fintech.Customer, or 'counterparty'.")
    party_id = models.CharField(max_length=64)
    party_name = models.CharField(max_length=400)
    list_code = models.CharField(max_length=32)
    entry_uid = models.CharField(max_length=64)
    entry_content_hash = models.CharField(max_length=64)
    snapshot = models.ForeignKey("compliance.ListSnapshot", on_delete=models.PROTECT, related_name="hits")
    matched_name = models.CharField(max_length=400)
    score = models.FloatField()
    score_parts = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # PROTECT: a reviewer appears in the decision record; staff are deactivated, never deleted.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    case = models.ForeignKey(
        "compliance.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="screening_hits"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["party_type", "party_id", "status"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            # At most one open (pending) hit per party and entry: re-screening the same
            # party raises nothing new while a review is open, whatever the entry's version.
            models.UniqueConstraint(
                fields=["party_type", "party_id", "list_code", "entry_uid"],
                condition=models.Q(status="pending"),
                name="uniq_pending_hit_per_party_entry",
            ),
        ]
        permissions = [("review_screeninghit", "Can confirm or dismiss screening hits")]

    def __str__(self) -> str:
        return f"{self.party_name} ~ {self.list_code}:{self.entry_uid} ({self.get_status_display()})"
