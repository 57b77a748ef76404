"""Refunds we ask the gateway for (an operator's action, a customer request).

Two steps, so that a crash between them is safe: `refund_request` records a pending
refund in our database (the amount reserved against the payment), then
`refund_submit` asks the gateway with an idempotency key derived from that refund's
id; submitting again, after a timeout or a crash, returns the gateway's first answer
instead of refunding twice. The money moves in the ledger when the gateway reports
the refund: for Stripe by `charge.refunded`, like any refund made from its dashboard;
for Braintree, which sends no webhook that reliably reports a refund, by the
successful answer itself (`refund_confirmed_record`, once, whatever the retries).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from fintech.money import MoneyError
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.services.holds import ledger_hold_place, ledger_hold_release
from payments.errors import GatewayError, GatewayUnavailableError, RequestKeyReusedError, StateConflictError
from payments.gateways import gateway_for
from payments.gateways.base import GatewayRefund
from payments.gateways.braintree_records import (
    CANCELED_STATUSES,
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    SETTLED_STATUSES,
)
from payments.models import Payment, Refund
from payments.models.money_movements import Gateway
from payments.services.payments import payment_refunded_total_apply, refund_hold_reference

REFUND_LOCK_SECONDS = 120


@transaction.atomic
def refund_request(
    *, payment: Payment, amount: int | None = None, reason: str = "", actor=None, request_key: str | None = None
) -> Refund:
    """A pending refund of `amount` (default: all that is left) of a succeeded payment.

    With a `request_key`, asking again with the same key returns the first refund
    (the unique constraint decides, under the payment's row lock); the same key with
    another amount or reason is not a retry but a different request, refused with
    `RequestKeyReusedError` (409) and nothing written. An omitted amount means "all that
    was left", which the first refund under the key was.
    """
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if request_key:
        existing = Refund.objects.filter(payment=locked, request_key=request_key).first()
        if existing is not None:
            reason_kept = truncate_to_field(Refund, "reason", reason)
            if (amount is not None and amount != existing.amount) or reason_kept != existing.reason:
                raise RequestKeyReusedError(
                    f"idempotency key {request_key!r} was already used for refund {existing.pk} of "
                    f"{existing.amount} {existing.currency} (reason {existing.reason!r}); use a new key for a new "
                    "refund"
                )
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
        payment=locked,
        amount=amount,
        currency=locked.currency,
        reason=truncate_to_field(Refund, "reason", reason),
        request_key=request_key or None,
    )
    if locked.customer_id:
        # The refund pays the customer's money back to their card: hold it on their balance
        # now, so it cannot also leave by bank transfer (InsufficientFundsError refuses,
        # and the refund row rolls back with it). Captured when the gateway reports the
        # refund, released if it fails.
        ledger_hold_place(
            customer=locked.customer,
            amount=amount,
            currency=locked.currency,
            reference=refund_hold_reference(refund.pk),
            actor=actor,
            description=f"Refund {refund.pk} of payment #{locked.pk}",
        )
    audit_event_record(
        action="payments.refund.requested",
        actor=actor,
        target=refund,
        after={"payment": locked.pk, "amount": amount, "currency": locked.currency, "reason": reason},
    )
    return refund


class RefundInProgressError(GatewayUnavailableError):
    """Another request is submitting this refund right now: try again shortly."""

    code = "refund_in_progress"


def refund_submit(*, refund: Refund, actor=None) -> Refund:
    """Send the pending refund to the gateway, once (see the module docstring).

    Braintree has no idempotency key: its adapter finds an earlier credit by the order
    id derived from the refund, and submissions of one refund are serialised here by a
    short cache lock (Redis in production), so two requests at once cannot both pass
    that search before either credit exists (as for sales, `braintree_payments`).
    """
    payment = refund.payment
    lock = f"payments:refund-submit:{refund.pk}" if payment.gateway == Gateway.BRAINTREE else ""
    if lock and not cache.add(lock, "1", timeout=REFUND_LOCK_SECONDS):
        raise RefundInProgressError(f"refund {refund.pk} is being submitted by another request")
    try:
        result = gateway_for(payment.gateway).refund_create(
            payment_intent=payment.gateway_reference,
            amount=refund.amount,
            idempotency_key=f"refund-{refund.pk}-create",
            metadata={"refund_id": str(refund.pk)},
        )
    except GatewayUnavailableError:
        raise  # still pending: submitting again is safe
    except GatewayError as exc:
        with transaction.atomic():
            _refund_fail(refund=refund, detail=exc.detail, actor=actor)
        raise
    finally:
        if lock:
            cache.delete(lock)
    with transaction.atomic():
        # The webhook may have linked the reference first; then this changes nothing.
        if Refund.objects.filter(pk=refund.pk, gateway_reference__isnull=True).update(
            gateway_reference=result.reference, updated_at=timezone.now()
        ):
            audit_event_record(
                action="payments.refund.submitted",
                actor=actor,
                target=refund,
                after={"gateway_reference": result.reference, "gateway_status": result.status},
            )
    if payment.gateway == Gateway.BRAINTREE:
        refund_confirmed_record(refund=refund, answer=result, actor=actor)
    refund.refresh_from_db()
    return refund


def _refund_fail(*, refund: Refund, detail: str, actor=None) -> bool:
    if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
        status=Refund.Status.FAILED, updated_at=timezone.now()
    ):
        return False
    ledger_hold_release(reference=refund_hold_reference(refund.pk), actor=actor)
    audit_event_record(
        action="payments.refund.failed",
        actor=actor,
        target=refund,
        outcome="failure",
        before={"status": "pending"},
        after={"status": "failed", "error": detail},
    )
    return True


def refund_gateway_failure_record(*, payment: Payment, reference: str, refund_id: str, reason: str) -> bool:
    """The gateway failed (or canceled) a refund it had accepted: Stripe's
    `charge.refund.updated` / `refund.failed`, for instance when the card was closed.

    Our refund still pending: it fails here too and its hold is released, so the money
    is the customer's to use again. Already failed: nothing changes (a redelivery). Already
    succeeded (the money moved when the gateway reported it refunded): that entry is not
    reversed here; the refusal leaves the delivery failed for staff to resolve. A refund
    we never asked for (made at the gateway) held nothing here and is left to its events.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = locked.refunds.filter(gateway_reference=reference).first()
        if refund is None and refund_id.isdigit():
            unlinked = Q(gateway_reference__isnull=True) | Q(gateway_reference=reference)
            refund = locked.refunds.filter(unlinked, pk=int(refund_id)).first()
        if refund is None or refund.status == Refund.Status.FAILED:
            return False
        if refund.status == Refund.Status.SUCCEEDED:
            raise StateConflictError(
                f"refund {refund.pk} succeeded and the gateway now reports {reference} failed ({reason}): "
                "staff must reverse its entry"
            )
        return _refund_fail(refund=refund, detail=f"the gateway failed refund {reference}: {reason}")


def refund_confirmed_record(*, refund: Refund, answer: GatewayRefund, actor=None) -> bool:
    """Take the gateway's answer to our refund request as the refund's outcome (Braintree:
    a credit transaction submitted for settlement is the refund; a voided or declined one
    is a failure). Success marks the refund succeeded, raises the payment's refunded
    total and posts the refund entry (the customer's balance debited, gateway clearing credited), all
    in one transaction under the payment's row lock.

    Once only: a retried submit (the adapter finds the same credit by its order id) or
    a concurrent one finds the refund no longer pending and changes nothing; and the
    entry's key is the payment's cumulative refunded total, as for Stripe's refunds.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        current = Refund.objects.get(pk=refund.pk)
        if current.status != Refund.Status.PENDING:
            return False
        if answer.status in FAILED_STATUSES | CANCELED_STATUSES:
            return _refund_fail(
                refund=current, detail=f"the gateway's refund {answer.reference} is {answer.status}", actor=actor
            )
        if answer.status not in IN_FLIGHT_STATUSES | SETTLED_STATUSES:
            return False  # not final yet: still pending
        if (answer.amount, answer.currency) != (current.amount, current.currency):
            raise GatewayError(
                f"refund {current.pk} is {current.amount} {current.currency} but the gateway "
                f"refunded {answer.amount} {answer.currency}"
            )
        if current.gateway_reference not in (None, answer.reference):
            raise StateConflictError(
                f"refund {current.pk} is linked to {current.gateway_reference}, not {answer.reference}"
            )
        return payment_refunded_total_apply(
            payment=payment,
            amount_refunded=payment.amount_refunded + current.amount,
            refund_references=[(answer.reference, current.amount, str(current.pk))],
        )


def payment_refund(
    *, payment: Payment, amount: int | None = None, reason: str = "", actor=None, request_key: str | None = None
) -> Refund:
    """One door for operators and the API: request, then submit (again, harmlessly,
    for a repeated request whose refund is still pending)."""
    refund = refund_request(payment=payment, amount=amount, reason=reason, actor=actor, request_key=request_key)
    if refund.status != Refund.Status.PENDING:
        return refund
    return refund_submit(refund=refund, actor=actor)
