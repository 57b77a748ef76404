"""Analysts' decisions on screening hits."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from compliance.screening.models import ScreeningHit
from compliance.screening.signals import screening_hit_confirmed
from fintech.errors import ConflictError, DomainError
from fintech.models import Customer
from fintech.services.audit import audit_event_record
from fintech.services.customers import customer_update


def _decide(*, hit: ScreeningHit, actor, reason: str, status: str) -> ScreeningHit:
    if not reason.strip():
        raise DomainError("A reason is required.")
    changed = ScreeningHit.objects.filter(pk=hit.pk, status=ScreeningHit.Status.PENDING).update(
        status=status,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        reason=reason.strip(),
    )
    if not changed:
        raise ConflictError(f"Screening hit {hit.pk} is no longer pending review.")
    return ScreeningHit.objects.get(pk=hit.pk)


@transaction.atomic
def screening_hit_confirm(*, hit: ScreeningHit, actor, reason: str) -> ScreeningHit:
    """A true match: freeze the customer's outgoing money and open a case (hook).

    The freeze goes through the core's customer service, so it is audited there too.
    """
    decided = _decide(hit=hit, actor=actor, reason=reason, status=ScreeningHit.Status.CONFIRMED)
    audit_event_record(
        action="compliance.screening_hit.confirmed",
        actor=actor,
        target=decided,
        before={"status": ScreeningHit.Status.PENDING},
        after={"status": decided.status, "reason": decided.reason, "entry_uid": decided.entry_uid},
    )
    if decided.party_type == Customer._meta.label:
        customer = Customer.objects.filter(pk=decided.party_id).first()
        if customer is not None and customer.status != Customer.Status.FROZEN:
            customer_update(customer=customer, actor=actor, changes={"status": Customer.Status.FROZEN})
    screening_hit_confirmed.send(sender=ScreeningHit, hit=decided, actor=actor)
    return decided


@transaction.atomic
def screening_hit_dismiss(*, hit: ScreeningHit, actor, reason: str) -> ScreeningHit:
    """A false positive: suppressed for this party and entry until the entry changes."""
    decided = _decide(hit=hit, actor=actor, reason=reason, status=ScreeningHit.Status.FALSE_POSITIVE)
    audit_event_record(
        action="compliance.screening_hit.dismissed",
        actor=actor,
        target=decided,
        before={"status": ScreeningHit.Status.PENDING},
        after={"status": decided.status, "reason": decided.reason, "entry_uid": decided.entry_uid},
    )
    return decided
