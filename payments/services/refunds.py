"""Refunds we ask the gateway for (an operator's action, a customer request).

Two steps, so that a crash between them is safe: `refund_request` records a pending
refund in our database (the amount reserved against the payment), then
`refund_submit` asks the gateway with an idempotency key derived from that refund's
id; submitting again, after a timeout or a crash, returns the gateway's first answer
instead of refunding twice. The money moves in the ledger when the gateway reports
the refund (`charge.refunded`), like any refund made from the gateway's dashboard.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fintech.money import MoneyError
from fintech.services.audit import audit_event_record
from payments.errors import GatewayError, GatewayUnavailableError, StateConflictError
from payments.gateways import gateway_for
from payments.models import Payment, Refund


@transaction.atomic
def refund_request(
    *, payment: Payment, amount: int | None = None, reason: str = "", actor=None, request_key: str | None = None
) -> Refund:
    """A pending refund of `amount` (default: all that is left) of a succeeded payment.

    With a `request_key`, asking again with the same key returns the first refund
    (the unique constraint decides, under the payment's row lock).
    """
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if request_key:
        existing = Refund.objects.filter(payment=locked, request_key=request_key).first()
        if existing is not None:
            return existing
    if locked.status != Payment.Status.SUCCEEDED or not locked.gateway_reference:
        raise StateConflictError(f"payment {locked.pk} is {locked.status}: only succeeded payments are refunded")
    pending = locked.refunds.filter(status=Refund.Status.PENDING).aggregate(total=Sum("amount"))["total"] or 0
    refundable = locked.amount - locked.amount_refunded - pending
    amount = refundable if amount is None else amount
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise MoneyError("a refund amount is a positive int of minor units")
    if amount > refundable:
        raise StateConflictError(f"payment {locked.pk} has {refundable} {locked.currency} left to refund")
    refund = Refund.objects.create(
        payment=locked, amount=amount, currency=locked.currency, reason=reason[:200], request_key=request_key or None
    )
    audit_event_record(
        action="payments.refund.requested", actor=actor, target=refund,
        after={"payment": locked.pk, "amount": amount, "currency": locked.currency, "reason": reason},
    )
    return refund


def refund_submit(*, refund: Refund, actor=None) -> Refund:
    """Send the pending refund to the gateway, once (see the module docstring)."""
    payment = refund.payment
    try:
        result = gateway_for(payment.gateway).refund_create(
            payment_intent=payment.gateway_reference, amount=refund.amount,
            idempotency_key=f"refund-{refund.pk}-create", metadata={"refund_id": str(refund.pk)},
        )
    except GatewayUnavailableError:
        raise  # still pending: submitting again is safe
    except GatewayError as exc:
        with transaction.atomic():
            if Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
                status=Refund.Status.FAILED, updated_at=timezone.now()
            ):
                audit_event_record(action="payments.refund.failed", actor=actor, target=refund, outcome="failure",
                                   before={"status": "pending"}, after={"status": "failed", "error": exc.detail})
        raise
    with transaction.atomic():
        # The webhook may have linked the reference first; then this changes nothing.
        if Refund.objects.filter(pk=refund.pk, gateway_reference__isnull=True).update(
            gateway_reference=result.reference, updated_at=timezone.now()
        ):
            audit_event_record(action="payments.refund.submitted", actor=actor, target=refund,
                               after={"gateway_reference": result.reference, "gateway_status": result.status})
    refund.refresh_from_db()
    return refund


def payment_refund(
    *, payment: Payment, amount: int | None = None, reason: str = "", actor=None, request_key: str | None = None
) -> Refund:
    """One door for operators and the API: request, then submit (again, harmlessly,
    for a repeated request whose refund is still pending)."""
    refund = refund_request(payment=payment, amount=amount, reason=reason, actor=actor, request_key=request_key)
    if refund.status != Refund.Status.PENDING:
        return refund
    return refund_submit(refund=refund, actor=actor)
