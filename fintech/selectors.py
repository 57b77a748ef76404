"""Reads of the core's models that other modules share."""

from __future__ import annotations

from fintech.models import Customer
from fintech.models.customers import customer_email_index


def customer_by_email(email: str) -> Customer | None:
    """The customer with this email (compared case-insensitively), found by its blind index."""
    if not email:
        return None
    return Customer.objects.select_related("user").filter(email_index=customer_email_index(email)).first()
