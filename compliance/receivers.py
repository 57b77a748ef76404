"""Receivers of the core's signals: screening at customer sign-up and profile change."""

from __future__ import annotations

from compliance.services.screening import customer_screen


def customer_profile_screen(sender, customer, created: bool = False, **kwargs) -> None:
    """Screen in the same transaction as the change, so a hit exists as soon as the profile does."""
    customer_screen(customer=customer)


def transaction_event_monitor(sender, payload: dict, **kwargs) -> None:
    """Payments (and banking) send this after commit: a monitoring event for the customer's movement."""
    from compliance.monitoring.events import event_from_signal_payload
    from compliance.monitoring.stream import events_publish

    if payload.get("customer_id") is None:
        return  # not attributable to a customer we hold: nothing to monitor per customer
    events_publish([event_from_signal_payload(payload)])
