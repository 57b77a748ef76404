from __future__ import annotations

import uuid

from django.db import models

from banking.models.items import BankAccount
from fintech.models import Customer
from fintech.money import CURRENCY_CHOICES


class Transfer(models.Model):
    """An ACH transfer with a customer's linked account, through Plaid Transfer.

    `debit` pulls money from the customer's account, `credit` pushes money to it (a payout
    from the customer's balance with us, held from the checks until it settles). A
    transfer is created only after every pre-flight check (`TransferCheck`) passed;
    `reference` is the idempotency key we send to Plaid, so a retried call never moves
    money twice.
    """

    class Direction(models.TextChoices):
        DEBIT = "debit", "Debit (pull from the customer's account)"
        CREDIT = "credit", "Credit (push to the customer's account)"

    class Status(models.TextChoices):
        CHECKING = "checking", "Pre-flight checks running"
        REFUSED = "refused", "Refused by a pre-flight check"
        AUTHORIZING = "authorizing", "Authorizing at Plaid"
        DECLINED = "declined", "Declined by Plaid"
        FAILED = "failed", "Failed"
        PENDING = "pending", "Pending"
        POSTED = "posted", "Posted"
        SETTLED = "settled", "Settled"
        FUNDS_AVAILABLE = "funds_available", "Funds available"
        CANCELLED = "cancelled", "Cancelled"
        RETURNED = "returned", "Returned"

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bank_transfers")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="transfers")
    direction = models.CharField(max_length=6, choices=Direction.choices)
    amount = models.BigIntegerField(help_text="Minor units, positive.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    description = models.CharField(max_length=15, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    idempotency_key = models.CharField(max_length=100)
    link_institution_id = models.CharField(max_length=50, blank=True)
    plaid_authorization_id = models.CharField(max_length=100, blank=True)
    plaid_transfer_id = models.CharField(max_length=100, blank=True, db_index=True)
    failure_reason = models.TextField(blank=True)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="banking_transfer_idempotency"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="banking_transfer_amount_positive"),
        ]
        # The limits sum a customer's recent transfers each way.
        indexes = [models.Index(fields=["customer", "direction", "created_at"], name="banking_transfer_velocity")]

    def __str__(self) -> str:
        return f"{self.direction} {self.amount} {self.currency} ({self.status})"


class TransferCheck(models.Model):
    """One pre-flight check and its outcome: the evidence of why a transfer went or not."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=50)
    passed = models.BooleanField()
    detail = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["transfer", "name"], name="banking_transfercheck_once")]

    def __str__(self) -> str:
        return f"{self.name}: {'passed' if self.passed else 'failed'}"


class TransferEventCursor(models.Model):
    """Where `/transfer/event/sync` left off (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    after_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"transfer events after #{self.after_id}"
