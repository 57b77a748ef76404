"""The double-entry ledger: accounts, journal entries and their postings.

Invariants (kept by `payments.services.ledger` and, on PostgreSQL, by triggers):
- the postings of an entry sum to zero per currency (a deferred constraint trigger
  checks it at commit);
- a posted entry and its postings never change: UPDATE and DELETE are refused by a
  trigger; a correction is a reversing entry that points at the entry it reverses.
Sign convention: a posting's `amount` is in minor units, positive for a debit and
negative for a credit.
"""

from __future__ import annotations

from django.db import models

from fintech.money import CURRENCY_CHOICES


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    # The accounts the payment flows post to (one per currency).
    CUSTOMER_BALANCES = "customer_balances"
    GATEWAY_CLEARING = "gateway_clearing"
    FEES = "fees"
    REFUNDS = "refunds"
    DISPUTES = "disputes"
    PAYOUTS = "payouts"
    # Money in flight on the bank (ACH) network for Plaid transfers.
    BANK_CLEARING = "bank_clearing"
    STANDARD_KINDS = {
        CUSTOMER_BALANCES: Kind.LIABILITY,
        GATEWAY_CLEARING: Kind.ASSET,
        FEES: Kind.EXPENSE,
        REFUNDS: Kind.EXPENSE,
        DISPUTES: Kind.EXPENSE,
        PAYOUTS: Kind.ASSET,
        BANK_CLEARING: Kind.ASSET,
    }

    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["code", "currency"], name="payments_ledgeraccount_code_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.currency})"


class JournalEntry(models.Model):
    """A posted, balanced set of postings. Exists only once posted; never changes."""

    description = models.CharField(max_length=200)
    # Derived from the business event (e.g. "payment-42-succeeded"): the same effect
    # posted twice hits this constraint instead of doubling the money.
    idempotency_key = models.CharField(max_length=120, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
        help_text="The entry this one corrects, by posting its exact opposite.",
    )
    posted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-posted_at", "-pk"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"JE#{self.pk} {self.description}"


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(help_text="Minor units: positive debits, negative credits.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    class Meta:
        ordering = ["entry_id", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="payments_posting_amount_nonzero")]
        indexes = [models.Index(fields=["account", "currency"])]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount:+d} {self.currency}"
