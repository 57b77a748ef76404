"""Receivers of the core's signals: screening at customer sign-up and profile change."""

from __future__ import annotations

from compliance.screening.services import customer_screen


def customer_profile_screen(sender, customer, created: bool = False, **kwargs) -> None:
    """Screen in the same transaction as the change, so a hit exists as soon as the profile does."""
    customer_screen(customer=customer)
