"""Customer use-cases: sign-up and profile changes, each with its audit event."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from fintech.models import Customer
from fintech.models.customers import new_customer_reference
from fintech.services.audit import audit_event_record
from fintech.signals import customer_profile_changed

# Fields written to the audit trail in clear; encrypted ones appear only as "changed".
AUDITED_CLEAR_FIELDS = ("legal_name", "entity_type", "country", "risk_rating", "status")
AUDITED_SECRET_FIELDS = ("email", "date_of_birth", "national_id")


def customer_snapshot(customer: Customer) -> dict[str, Any]:
    snapshot: dict[str, Any] = {name: getattr(customer, name) for name in AUDITED_CLEAR_FIELDS}
    for name in AUDITED_SECRET_FIELDS:
        snapshot[name] = "<set>" if getattr(customer, name) else "<empty>"
    return snapshot


@transaction.atomic
def customer_sign_up(
    *,
    email: str,
    password: str,
    legal_name: str,
    country: str,
    date_of_birth: datetime.date | None = None,
    address_confirmed: bool = False,
) -> Customer | None:
    """Create the login and the customer profile together, and announce the new party.

    The login's username is the customer's opaque reference and the user row holds no
    email: the email lives only encrypted on the customer, and sign-in finds the login
    through its blind index (fintech.auth_backends.CustomerEmailBackend).

    The login stays inactive until the owner of the address follows the link mailed to
    it (`customer_address_confirm`); `address_confirmed` is for the operator's own seed
    data. An address that already has a customer creates nothing and returns None (the
    unique blind index decides, so two racing sign-ups cannot both win): the sign-up page
    answers exactly as for a new address and mails the address's owner instead.
    """
    email = email.lower()
    reference = new_customer_reference()
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=reference, email="", password=password, is_active=address_confirmed
            )
            customer = Customer.objects.create(
                user=user,
                external_id=reference,
                legal_name=legal_name,
                email=email,
                country=country.upper(),
                date_of_birth=date_of_birth,
            )
    except IntegrityError:
        return None
    audit_event_record(
        action="fintech.customer.signed_up", actor=user, target=customer, after=customer_snapshot(customer)
    )
    customer_profile_changed.send(sender=Customer, customer=customer, created=True)
    return customer


@transaction.atomic
def customer_address_confirm(*, user) -> bool:
    """Open a signed-up login once its owner has proved the address (the link's token
    is checked by the caller). Only a login that was never used and whose customer is
    not closed: a deactivated account is never reopened this way."""
    opened = (
        get_user_model()
        .objects.filter(pk=user.pk, is_active=False, last_login__isnull=True)
        .exclude(customer__status=Customer.Status.CLOSED)
        .update(is_active=True)
    )
    if opened:
        user.is_active = True
        audit_event_record(action="fintech.customer.address_confirmed", actor=user, target=user.customer)
    return bool(opened)


@transaction.atomic
def customer_password_reset(*, user, password: str) -> None:
    """Set a new password after a reset link was followed (the token is checked by the caller)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_event_record(action="fintech.auth.password_reset", actor=user, target=user)


# What sanctions screening compares a customer on: a change to any of these re-screens.
SCREENED_FIELDS = ("legal_name", "entity_type", "date_of_birth", "country")


@transaction.atomic
def customer_update(*, customer: Customer, actor, changes: dict[str, Any]) -> Customer:
    """Apply profile changes; audited with before/after. Screening listens to the signal,
    sent only when a field screening matches on changed (a risk rating, a status or an
    email change is no reason to screen the name again)."""
    # NO KEY UPDATE, as PostgreSQL's own UPDATE of non-key columns takes: it serialises
    # profile changes but, unlike FOR UPDATE, does not block the foreign-key checks of rows
    # that merely reference the customer (a monitoring batch committing its alerts while
    # another rerates the same customer would otherwise deadlock with it).
    locked = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    before = customer_snapshot(locked)
    screened_before = [getattr(locked, name) for name in SCREENED_FIELDS]
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    audit_event_record(
        action="fintech.customer.updated",
        actor=actor,
        target=locked,
        before=before,
        after=customer_snapshot(locked),
    )
    if [getattr(locked, name) for name in SCREENED_FIELDS] != screened_before:
        customer_profile_changed.send(sender=Customer, customer=locked, created=False)
    return locked
