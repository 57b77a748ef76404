"""Case management: alerts and confirmed screening hits grouped per customer, decided by officers.

A customer has at most one open case (new, in review, escalated); new alerts and
confirmed hits join it. Every state change is a `CaseTransition` row and an audit
event. Closing an escalated case and filing a SAR are `CaseDecision`s: one officer
proposes, a different officer approves (the database refuses the same person twice).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from fintech.fields import EncryptedTextField

REFERENCE_PREFIX = "CASE-"


class Case(models.Model):
    class State(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        ESCALATED = "escalated", "Escalated"
        SAR_FILED = "sar_filed", "SAR filed"
        CLOSED_NO_ACTION = "closed_no_action", "Closed: no action"
        CLOSED_FALSE_POSITIVE = "closed_false_positive", "Closed: false positive"

    OPEN_STATES = (State.NEW, State.IN_REVIEW, State.ESCALATED)

    # Set from the primary key right after insert (`assign_references`); never blank once saved.
    reference = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey("fintech.Customer", on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=24, choices=State.choices, default=State.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    sla_due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["state", "opened_at"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["sla_due_at"]),
        ]
        constraints = [
            # One open case per customer: concurrent alerts for a customer cannot open two.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(state__in=["new", "in_review", "escalated"]),
                name="case_one_open_per_customer",
            ),
        ]
        permissions = [
            ("triage_case", "Can triage and comment on cases"),
            ("decide_case", "Can decide cases and file SARs"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def age(self) -> datetime.timedelta:
        return (self.closed_at or timezone.now()) - self.opened_at

    @property
    def is_sla_breached(self) -> bool:
        return (self.closed_at or timezone.now()) > self.sla_due_at

    @classmethod
    def assign_references(cls, ids) -> None:
        """Set `reference` = CASE-<zero-padded id> for freshly inserted rows (one UPDATE)."""
        cls.objects.filter(pk__in=list(ids)).update(
            reference=Concat(
                models.Value(REFERENCE_PREFIX),
                LPad(Cast("id", models.CharField()), 6, models.Value("0")),
                output_field=models.CharField(),
            )
        )


class CaseTransition(models.Model):
    """One state change of a case, with its reason: the case's history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=24, choices=Case.State.choices)
    to_state = models.CharField(max_length=24, choices=Case.State.choices)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="case_transition_reason_required")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} -> {self.to_state}"


class CaseComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on case {self.case_id}"


class CaseAttachment(models.Model):
    """An evidence file. `content` is AES-256-GCM ciphertext (fintech.crypto) of the bytes,
    bound to this case and the file's SHA-256; the plaintext is never stored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class CaseDecision(models.Model):
    """A four-eyes decision: proposed by one Compliance Officer, approved by another."""

    class Kind(models.TextChoices):
        CLOSE_NO_ACTION = "close_no_action", "Close: no action"
        CLOSE_FALSE_POSITIVE = "close_false_positive", "Close: false positive"
        FILE_SAR = "file_sar", "File a SAR"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    proposal_reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("proposed_by")),
                name="case_decision_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="case_decision_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class SarDraft(models.Model):
    """The Suspicious Activity Report drafted from a case. Personal data (subject, narrative)
    is encrypted at rest. Filing records the date and the BSA ID FinCEN returned."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="sar_draft")
    subject = EncryptedTextField(help_text="JSON: the subject's identifying information.")
    amount_total = models.BigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    activity_from = models.DateField()
    activity_to = models.DateField()
    categories = models.JSONField(default=list, help_text="FinCEN SAR activity categories.")
    narrative = EncryptedTextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    filed_on = models.DateField(null=True, blank=True)
    bsa_id = models.CharField(max_length=32, blank=True, help_text="The BSA ID of the filed report.")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(filed_on__isnull=True) | ~models.Q(bsa_id=""),
                name="sar_filed_has_bsa_id",
            ),
        ]

    def __str__(self) -> str:
        return f"SAR draft for case {self.case_id}"
