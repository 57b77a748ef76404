"""Payments: creation at the gateway, state transitions and their ledger entries.

Transitions are conditional updates (`filter(status__in=allowed).update(...)`): a
duplicate or stale event changes zero rows and so has no effect. Money moves only
with a transition, in the same transaction, through an entry whose idempotency key
is derived from the payment, so it is posted at most once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fintech.events import publish_transaction_event
from fintech.models import Customer
from fintech.money import MoneyError, normalise_currency
from fintech.outbox import outbox_task_enqueue
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.models import LedgerAccount
from ledger.services.holds import ledger_hold_capture
from ledger.services.journal import PostingLine, customer_balance_account_get, journal_entry_post, ledger_account_get
from payments import conf
from payments.errors import GatewayError, GatewayUnavailableError, PaymentsNotConfiguredError, StateConflictError
from payments.gateways import gateway_for
from payments.gateways.base import GatewayPaymentIntent
from payments.models import Payment, Refund
from payments.models.money_movements import Gateway

Status = Payment.Status
# new status -> the statuses it may be reached from. A failed attempt can be retried
# by the customer, so FAILED is not final; SUCCEEDED and CANCELED are.
ALLOWED_FROM = {
    Status.PROCESSING: {Status.PENDING, Status.FAILED},
    Status.SUCCEEDED: {Status.PENDING, Status.PROCESSING, Status.FAILED},
    Status.FAILED: {Status.PENDING, Status.PROCESSING},
    Status.CANCELED: {Status.PENDING, Status.PROCESSING, Status.FAILED},
}
# Stripe PaymentIntent statuses -> ours (the others leave the payment pending).
STRIPE_INTENT_STATUS = {
    "processing": Status.PROCESSING,
    "succeeded": Status.SUCCEEDED,
    "canceled": Status.CANCELED,
}


def refund_hold_reference(refund_id: int) -> str:
    """The ledger hold that reserves a refund's money from its request until it settles."""
    return f"payments-refund-{refund_id}"


def _snapshot(payment: Payment) -> dict:
    return {
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "amount_refunded": payment.amount_refunded,
        "gateway_reference": payment.gateway_reference,
    }


@transaction.atomic
def payment_create(
    *, customer: Customer | None, amount: int, currency: str, actor=None, gateway: str = Gateway.STRIPE
) -> Payment:
    """A pending payment of our own; `payment_submit` (Stripe) or `braintree_sale_submit`
    then creates it at the gateway."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise MoneyError("a payment amount is a positive int of minor units")
    payment = Payment.objects.create(
        customer=customer, amount=amount, currency=normalise_currency(currency), gateway=Gateway(gateway)
    )
    audit_event_record(action="payments.payment.created", actor=actor, target=payment, after=_snapshot(payment))
    return payment


@transaction.atomic
def payment_request(*, customer: Customer, amount: int, currency: str, actor=None) -> Payment:
    """A customer's (or its API client's) payment: created pending here, sent to the
    gateway by the Celery task `payments.submit_payment` after commit, so no gateway
    call ever runs inside a database transaction."""
    payment = payment_create(customer=customer, amount=amount, currency=currency, actor=actor)
    outbox_task_enqueue("payments.submit_payment", payment.pk)
    return payment


def _require_configured(gateway: str) -> None:
    if not conf.gateway_configured(gateway):
        raise PaymentsNotConfiguredError(
            f"payments are not configured: {conf.GATEWAY_KEYS.get(gateway, gateway)} not set"
        )


def payment_submit_pending(*, payment_id: int, last_attempt: bool = True) -> str:
    """The task body: submit a payment that is still pending and not yet at the gateway."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.gateway_reference or payment.status != Payment.Status.PENDING:
        return "nothing to do"
    payment_submit(payment=payment, last_attempt=last_attempt)
    return "submitted"


def payment_submit(*, payment: Payment, actor=None, last_attempt: bool = True) -> Payment:
    """Create the payment's PaymentIntent at the gateway, once.

    The idempotency key is derived from our payment id, so a retry (after a timeout,
    a crash, a redelivered task) gets the same PaymentIntent back, never a second one.
    The gateway call happens outside any transaction; only its result is written.

    A submission that fails for good (the gateway refused it, no credentials, or a
    transient failure on the `last_attempt`) leaves the payment failed with the reason,
    then re-raises: a payment never waits in pending for a submission that will not come.
    Nothing was charged: the customer never confirmed a PaymentIntent.
    """
    try:
        _require_configured(payment.gateway)
        intent = gateway_for(payment.gateway).payment_intent_create(
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=f"payment-{payment.pk}-create",
            metadata={"payment_id": str(payment.pk)},
        )
    except GatewayError as exc:
        if last_attempt or not isinstance(exc, GatewayUnavailableError):
            with transaction.atomic():
                payment_transition(payment=payment, to=Status.FAILED, reason=exc.detail, actor=actor)
            payment.refresh_from_db()
        raise
    with transaction.atomic():
        updated = Payment.objects.filter(pk=payment.pk, gateway_reference__isnull=True).update(
            gateway_reference=intent.reference, client_secret=intent.client_secret, updated_at=timezone.now()
        )
        payment.refresh_from_db()
        if not updated and payment.gateway_reference != intent.reference:
            raise StateConflictError(f"payment {payment.pk} is already linked to {payment.gateway_reference}")
        if updated:
            audit_event_record(
                action="payments.payment.submitted",
                actor=actor,
                target=payment,
                before={"gateway_reference": None},
                after={"gateway_reference": intent.reference},
            )
    return payment


def payment_transition(*, payment: Payment, to: str, charge_reference: str = "", reason: str = "", actor=None) -> bool:
    """Move `payment` to `to` if its current status allows; False if the move was stale.

    Runs inside the caller's transaction. Success posts the payment's entry
    (gateway clearing debited, the customer's own balance credited) and publishes a
    transaction event.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    before = _snapshot(payment)
    fields = {"status": to, "updated_at": timezone.now()}
    if charge_reference:
        fields["gateway_charge_reference"] = charge_reference
    if to == Status.FAILED:
        fields["failure_reason"] = truncate_to_field(Payment, "failure_reason", reason)
    if not Payment.objects.filter(pk=payment.pk, status__in=ALLOWED_FROM[to]).update(**fields):
        return False
    payment.refresh_from_db()
    after = _snapshot(payment)
    if to == Status.FAILED:
        after["failure_reason"] = payment.failure_reason
    audit_event_record(action=f"payments.payment.{to}", actor=actor, target=payment, before=before, after=after)
    if to == Status.SUCCEEDED:
        journal_entry_post(
            lines=[
                PostingLine(
                    ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency=payment.currency), payment.amount
                ),
                PostingLine(
                    customer_balance_account_get(customer=payment.customer, currency=payment.currency), -payment.amount
                ),
            ],
            description=f"Payment #{payment.pk} succeeded",
            idempotency_key=f"payment-{payment.pk}-succeeded",
        )
        publish_transaction_event(
            source="payments",
            kind="payment",
            reference=f"payment:{payment.pk}",
            amount=payment.amount,
            currency=payment.currency,
            customer_id=payment.customer_id,
            occurred_at=payment.updated_at.isoformat(),
            direction="in",
            channel="card",
            counterparty_name=f"{payment.gateway} card",
        )
    return True


def payment_apply_intent(
    *, payment: Payment, intent: GatewayPaymentIntent, to: str | None = None, reason: str = ""
) -> bool:
    """Bring `payment` to `to`, or to the state the gateway reports for its PaymentIntent."""
    if intent.amount != payment.amount or intent.currency != payment.currency:
        raise GatewayError(
            f"payment {payment.pk} is {payment.amount} {payment.currency} but the gateway says "
            f"{intent.amount} {intent.currency}"
        )
    to = to or STRIPE_INTENT_STATUS.get(intent.status)
    if to is None:
        return False
    return payment_transition(payment=payment, to=to, charge_reference=intent.latest_charge, reason=reason)


def payment_refunded_total_apply(
    *, payment: Payment, amount_refunded: int, refund_references: list[tuple[str, int, str]]
) -> bool:
    """Record that the gateway has refunded `amount_refunded` of `payment` in total.

    Cumulative, so deliveries in any order converge: only an increase moves money
    (the customer's own balance debited, gateway clearing credited, by the difference:
    money refunded to the card is no longer the business's debt to the customer). Runs inside the
    caller's transaction with the payment row locked.
    """
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Status.SUCCEEDED:
        raise StateConflictError(f"payment {locked.pk} is {locked.status}, a refund needs it succeeded")
    if amount_refunded > locked.amount:
        raise GatewayError(f"the gateway reports {amount_refunded} refunded of payment {locked.pk}'s {locked.amount}")
    delta = amount_refunded - locked.amount_refunded
    for reference, amount, refund_id in refund_references:
        _refund_mark_succeeded(payment=locked, reference=reference, amount=amount, refund_id=refund_id)
    if delta <= 0:
        return False
    before = _snapshot(locked)
    Payment.objects.filter(pk=locked.pk, amount_refunded=locked.amount_refunded).update(
        amount_refunded=amount_refunded, updated_at=timezone.now()
    )
    locked.refresh_from_db()
    if not refund_references:
        _refunds_attribute(payment=locked, delta=delta)
    audit_event_record(action="payments.payment.refunded", target=locked, before=before, after=_snapshot(locked))
    journal_entry_post(
        lines=[
            PostingLine(customer_balance_account_get(customer=locked.customer, currency=locked.currency), delta),
            PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency=locked.currency), -delta),
        ],
        description=f"Payment #{locked.pk} refunded to {amount_refunded}",
        idempotency_key=f"payment-{locked.pk}-refunded-to-{amount_refunded}",
    )
    publish_transaction_event(
        source="payments",
        kind="refund",
        reference=f"payment:{locked.pk}:refunded-to:{amount_refunded}",
        amount=delta,
        currency=locked.currency,
        customer_id=locked.customer_id,
        occurred_at=locked.updated_at.isoformat(),
        direction="out",
        channel="card",
        counterparty_name=f"{locked.gateway} card",
    )
    return True


def _refunds_attribute(*, payment: Payment, delta: int) -> None:
    """The event did not list its refunds (newer API versions leave them out): the
    increase settles our submitted pending refunds, oldest first, and any remainder
    (a refund made at the gateway directly) becomes a refund row of its own."""
    remaining = delta
    for refund in payment.refunds.filter(status=Refund.Status.PENDING, gateway_reference__isnull=False).order_by("pk"):
        if refund.amount <= remaining:
            _refund_mark_succeeded(payment=payment, reference=refund.gateway_reference, amount=refund.amount)
            remaining -= refund.amount
    if remaining > 0:
        refund = Refund.objects.create(
            payment=payment, amount=remaining, currency=payment.currency, status=Refund.Status.SUCCEEDED
        )
        audit_event_record(
            action="payments.refund.succeeded",
            target=refund,
            after={"amount": remaining, "currency": payment.currency, "gateway_reference": None},
        )


def _refund_mark_succeeded(*, payment: Payment, reference: str, amount: int, refund_id: str = "") -> None:
    """The gateway's refund `reference` is done: our pending row for it (found by its
    reference, or by the `refund_id` we sent as metadata) or a new row becomes succeeded."""
    refund = Refund.objects.filter(gateway_reference=reference).first()
    if refund is None and refund_id.isdigit():
        mine = Refund.objects.filter(pk=int(refund_id), payment=payment, gateway_reference__isnull=True)
        if mine.update(gateway_reference=reference, updated_at=timezone.now()):
            refund = Refund.objects.get(pk=int(refund_id))
    created = refund is None
    if created:
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            currency=payment.currency,
            gateway_reference=reference,
            status=Refund.Status.SUCCEEDED,
        )
    elif not Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
        status=Refund.Status.SUCCEEDED, updated_at=timezone.now()
    ):
        return
    else:  # our requested refund: its hold ends as the refund entry moves the money
        ledger_hold_capture(reference=refund_hold_reference(refund.pk))
    audit_event_record(
        action="payments.refund.succeeded",
        target=refund,
        before=None if created else {"status": Refund.Status.PENDING},
        after={"status": Refund.Status.SUCCEEDED, "amount": refund.amount, "gateway_reference": reference},
    )
