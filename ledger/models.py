"""The double-entry ledger: accounts, journal entries and their postings.

Invariants (kept by `ledger.services.journal` and, on PostgreSQL, by triggers):
- the postings of an entry sum to zero per currency (a deferred constraint trigger
  checks it at commit);
- a posted entry and its postings never change: UPDATE and DELETE are refused by a
  trigger; a correction is a reversing entry that points at the entry it reverses.
Sign convention: a posting's `amount` is in minor units, positive for a debit and
negative for a credit.

Customer balances are a sub-ledger: each customer has their own `customer_balances`
account per currency (`LedgerAccount.customer` set); the account without a customer
holds only money not (yet) attributed to anyone (e.g. a reconciliation adjustment).
Reports that want the total sum over the code, whoever the customer.
A `LedgerHold` earmarks part of a customer's balance for money on its way out, so the
available balance (settled balance minus active holds) cannot be spent twice.

The tables keep the names they had when the ledger lived inside `payments` (the move to
its own app changed only Django's state, not the database), so each model names its table.
"""

from __future__ import annotations

from django.db import models

from fintech.models import Customer
from fintech.money import CURRENCY_CHOICES


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    # The accounts the payment flows post to (one per currency; customer balances one per
    # customer and currency). Refunds and withdrawn dispute funds come out of the customer's
    # balance; `refunds` and `disputes` hold only entries booked before that, and adjustments.
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
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
        help_text="Set on a customer's own sub-account of customer balances.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "payments_ledgeraccount"
        ordering = ["code", "currency", "customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "currency"],
                condition=models.Q(customer__isnull=True),
                name="payments_ledgeraccount_code_currency",
            ),
            models.UniqueConstraint(
                fields=["code", "currency", "customer"],
                condition=models.Q(customer__isnull=False),
                name="payments_ledgeraccount_customer_subaccount",
            ),
        ]

    def __str__(self) -> str:
        owner = f", customer {self.customer_id}" if self.customer_id else ""
        return f"{self.code} ({self.currency}{owner})"


class JournalEntry(models.Model):
    """A posted, balanced set of postings. Exists only once posted; never changes."""

    description = models.CharField(max_length=200)
    # Derived from the business event (e.g. "payment-42-succeeded"): the same effect
    # posted twice hits this constraint instead of doubling the money.
    idempotency_key = models.CharField(max_length=120, unique=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text="The entry this one corrects, by posting its exact opposite.",
    )
    posted_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "payments_journalentry"
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
        db_table = "payments_posting"
        ordering = ["entry_id", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="payments_posting_amount_nonzero")]
        indexes = [models.Index(fields=["account", "currency"], name="payments_po_account_454036_idx")]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount:+d} {self.currency}"


class LedgerHold(models.Model):
    """Part of a customer's balance earmarked for money on its way out (a payout-type
    bank transfer), so it cannot be spent twice while the money is in flight.

    Placed only under the customer account's row lock and only up to the available
    balance; captured when the settlement entry moves the money, released when the
    movement fails before settling. One hold per `reference` (the business event).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CAPTURED = "captured", "Captured (the money moved)"
        RELEASED = "released", "Released (the money did not move)"

    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField(help_text="Minor units, positive.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reference = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "payments_ledgerhold"
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_ledgerhold_positive")]
        indexes = [models.Index(fields=["account", "status"], name="payments_le_account_3c6220_idx")]

    def __str__(self) -> str:
        return f"hold {self.reference} {self.amount} {self.currency} ({self.status})"
