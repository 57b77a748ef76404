from __future__ import annotations

from django.db import models

from banking.models.items import BankAccount
from fintech.money import CURRENCY_CHOICES


class BankTransaction(models.Model):
    """A transaction Plaid reports on a linked account.

    `amount` keeps Plaid's sign: positive is money leaving the account, negative money
    arriving. Removed transactions are flagged, not deleted: monitoring may have seen them.
    """

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="transactions")
    transaction_id = models.CharField(max_length=100, unique=True)
    amount = models.BigIntegerField(help_text="Minor units; positive = out of the account.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    date = models.DateField()
    name = models.CharField(max_length=300)
    merchant_name = models.CharField(max_length=200, blank=True)
    pending = models.BooleanField(default=False)
    removed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["account", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.name} {self.amount} {self.currency}"
