from __future__ import annotations

from django.conf import settings
from django.db import models

from fintech.fields import EncryptedJSONField, EncryptedTextField
from fintech.models import Customer
from fintech.money import CURRENCY_CHOICES, format_money


class PlaidItem(models.Model):
    """A customer's login at one institution, as Plaid calls it (an "Item").

    The access token is a bearer credential for the customer's bank data: encrypted at
    rest, never shown, never logged. `public_token_sha256` remembers which Link session
    produced the item, so a re-run of the exchange task finds its own work.
    """

    class Status(models.TextChoices):
        HEALTHY = "healthy", "Healthy"
        NEEDS_UPDATE = "needs_update", "Needs the customer to log in again"
        PENDING_EXPIRATION = "pending_expiration", "Consent expires soon"
        REVOKED = "revoked", "Revoked by the customer"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="plaid_items")
    item_id = models.CharField(max_length=100, unique=True)
    access_token = EncryptedTextField()
    public_token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    institution_id = models.CharField(max_length=50, blank=True)
    institution_name = models.CharField(max_length=200, blank=True)
    link_institution_id = models.CharField(
        max_length=50, blank=True, help_text="The institution the Link session said it connected (its metadata)."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HEALTHY)
    error_code = models.CharField(max_length=100, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    new_accounts_available = models.BooleanField(default=False)
    transactions_cursor = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    accounts_loaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.institution_name or self.institution_id or 'Bank'} ({self.item_id[-6:]})"


class BankAccount(models.Model):
    """One account of an item. Account and routing numbers are encrypted; pages, admin
    and API show `mask` (the last digits) only."""

    class OwnerReview(models.TextChoices):
        NONE = "", "Not needed"
        PENDING = "pending", "Waiting for staff review"
        VERIFIED = "verified", "Verified by staff"

    item = models.ForeignKey(PlaidItem, on_delete=models.PROTECT, related_name="accounts")
    account_id = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    official_name = models.CharField(max_length=200, blank=True)
    mask = models.CharField(max_length=8, blank=True)
    type = models.CharField(max_length=30)
    subtype = models.CharField(max_length=50, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    current_balance = models.BigIntegerField(null=True, blank=True, help_text="Minor units.")
    available_balance = models.BigIntegerField(null=True, blank=True, help_text="Minor units.")
    account_number = EncryptedTextField(blank=True)
    routing_number = EncryptedTextField(blank=True)
    # The account holders' names as the bank reports them: personal data, encrypted at rest.
    owner_names = EncryptedJSONField(default=list, blank=True)
    # An owner name that only plausibly matches the customer (an initial, a short form,
    # other middle names) stops transfers until a staff member checked documents and
    # verified that name for this account.
    owner_review = models.CharField(max_length=10, choices=OwnerReview.choices, blank=True, default="")
    owner_review_name = EncryptedTextField(blank=True)  # a person's name: encrypted like owner_names
    owner_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_reviewed_at = models.DateTimeField(null=True, blank=True)
    balances_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("verify_owner", "Can verify a bank account's owner name after review")]

    def __str__(self) -> str:
        return f"{self.name} ••••{self.mask}"

    @property
    def available_display(self) -> str:
        return "" if self.available_balance is None else format_money(self.available_balance, self.currency)
