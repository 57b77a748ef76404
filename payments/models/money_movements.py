"""Money movements through a gateway: payments, refunds, disputes, payouts.

State changes happen only in `payments.services`, as conditional updates
(`filter(pk=..., status=OLD).update(status=NEW)`), so that two deliveries of the
same gateway event cannot both move a record. No card number or CVV is stored: the
gateway holds the card, we hold its references.
"""

from __future__ import annotations

from django.db import models

from fintech.fields import EncryptedTextField
from fintech.models import Customer
from fintech.money import CURRENCY_CHOICES, format_money


class Gateway(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    BRAINTREE = "braintree", "Braintree"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveBigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount_refunded = models.PositiveBigIntegerField(default=0, help_text="Minor units, cumulative.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway = models.CharField(max_length=10, choices=Gateway.choices, default=Gateway.STRIPE)
    gateway_reference = models.CharField(max_length=100, null=True, blank=True, help_text="e.g. pi_...")
    gateway_charge_reference = models.CharField(max_length=100, blank=True, help_text="e.g. ch_...")
    # Whoever holds it can confirm the payment intent from a browser: encrypted at rest.
    client_secret = EncryptedTextField(blank=True, help_text="Handed to the browser to confirm.")
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], name="payments_payment_gateway_ref"),
            models.CheckConstraint(
                condition=models.Q(amount_refunded__lte=models.F("amount")),
                name="payments_payment_refund_not_above_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["gateway_charge_reference"])]
        permissions = [("refund_payment", "Can refund a payment")]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {format_money(self.amount, self.currency)} {self.status}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_reference = models.CharField(max_length=100, null=True, blank=True, unique=True, help_text="e.g. re_...")
    reason = models.CharField(max_length=200, blank=True)
    request_key = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        help_text="The caller's idempotency key: the same request twice is one refund.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "request_key"], name="payments_refund_request_once"),
        ]
        # Reconciliation reads the succeeded refunds of its date window (ledger_side.py).
        indexes = [
            models.Index(
                fields=["updated_at"], condition=models.Q(status="succeeded"), name="payments_refund_succeeded_at"
            )
        ]

    def __str__(self) -> str:
        return f"Refund #{self.pk} {format_money(self.amount, self.currency)} {self.status}"


class Dispute(models.Model):
    class FundsState(models.TextChoices):
        NONE = "none", "Not withdrawn"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REINSTATED = "reinstated", "Reinstated"

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes")
    gateway = models.CharField(max_length=10, choices=Gateway.choices, default=Gateway.STRIPE)
    gateway_reference = models.CharField(max_length=100, help_text="e.g. dp_...")
    amount = models.PositiveBigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=40, help_text="The gateway's dispute status, e.g. needs_response, won, lost.")
    reason = models.CharField(max_length=60, blank=True)
    funds_state = models.CharField(max_length=10, choices=FundsState.choices, default=FundsState.NONE)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], name="payments_dispute_gateway_ref"),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.gateway_reference} {self.status}"


class Payout(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    gateway = models.CharField(max_length=10, choices=Gateway.choices, default=Gateway.STRIPE)
    gateway_reference = models.CharField(max_length=100, help_text="e.g. po_...")
    amount = models.PositiveBigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], name="payments_payout_gateway_ref"),
        ]

    def __str__(self) -> str:
        return f"Payout {self.gateway_reference} {format_money(self.amount, self.currency)} {self.status}"
