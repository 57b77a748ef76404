from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from fintech.fields import BlindIndexField, EncryptedDateField, EncryptedEmailField, EncryptedTextField


def new_customer_reference() -> str:
    return f"cus_{secrets.token_hex(8)}"


class Customer(models.Model):
    """A person or organisation the business holds money for or moves money with.

    The legal name stays in clear text on purpose: sanctions screening and the
    officers' fuzzy search must read it. Identifiers that are not needed to search
    (email, date of birth, national id) are encrypted at rest; the email and the
    national id are found by equality through their blind indexes.
    """

    class EntityType(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        ORGANISATION = "organisation", "Organisation"

    class RiskRating(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FROZEN = "frozen", "Frozen (outgoing money blocked)"
        CLOSED = "closed", "Closed"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customer",
    )
    external_id = models.CharField(
        max_length=64,
        unique=True,
        default=new_customer_reference,
        help_text="Our public reference, or the id in the core-banking system it came from.",
    )
    legal_name = models.CharField(max_length=200)
    email = EncryptedEmailField(blank=True, help_text="Contact and sign-in email; encrypted at rest.")
    email_index = BlindIndexField(source="email", purpose="customer.email")
    entity_type = models.CharField(max_length=16, choices=EntityType.choices, default=EntityType.INDIVIDUAL)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 country of residence.")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    national_id = EncryptedTextField(blank=True, help_text="Tax or national identity number.")
    national_id_index = BlindIndexField(source="national_id", purpose="customer.national_id")
    risk_rating = models.CharField(max_length=8, choices=RiskRating.choices, default=RiskRating.LOW)
    risk_score = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["risk_rating", "status"])]
        constraints = [
            # One login per email (what the username did while it was the email); sign-up
            # checks first, this holds under a race. Customers without a login may share one.
            models.UniqueConstraint(
                fields=["email_index"],
                condition=models.Q(user__isnull=False) & ~models.Q(email_index=""),
                name="customer_login_email_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.external_id})"


def customer_email_index(email: str) -> str:
    """The blind index value under which a customer with this email is stored."""
    return Customer._meta.get_field("email_index").lookup_value(email)
