"""Braintree payments: a customer's Drop-in nonce becomes one sale, however often the
submitting task runs.

Braintree has no idempotency-key header, so a sale is made once by two guards:
- its `order_id` is derived from our payment id, and the adapter searches for a sale
  with that `order_id` before creating one (a task that crashed after the sale, or
  timed out waiting for the answer, finds the first sale on its retry);
- submissions of one payment are serialised by a short cache lock (Redis in
  production), so two workers running the same task at once cannot both pass the
  search before either sale exists.
The gateway is called outside any database transaction; only its answer is written.
The nonce is never stored: it is single-use, expires within hours, and travels only
in the task's message.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from fintech.models import Customer
from fintech.outbox import outbox_task_enqueue
from fintech.services.audit import audit_event_record
from payments.errors import GatewayError, GatewayUnavailableError, StateConflictError
from payments.gateways import braintree_adapter
from payments.gateways.braintree_records import (
    CANCELED_STATUSES,
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    SETTLED_STATUSES,
    BraintreeTransaction,
)
from payments.models import Payment
from payments.models.money_movements import Gateway
from payments.services.fees import payment_fee_record, payment_fee_recorded
from payments.services.payments import payment_create, payment_transition

SALE_LOCK_SECONDS = 120
Status = Payment.Status


class SaleInProgressError(GatewayUnavailableError):
    """Another worker is submitting this payment right now: try again shortly."""

    code = "sale_in_progress"


def braintree_order_id(payment: Payment) -> str:
    return f"payment-{payment.pk}"


def braintree_customer_id(customer: Customer) -> str:
    """Our customer's id in Braintree's vault (no personal data in it)."""
    return f"customer-{customer.pk}"


def braintree_status(status: str) -> str | None:
    """Our payment status for a Braintree transaction status (None: leave it)."""
    if status in SETTLED_STATUSES:
        return Status.SUCCEEDED
    if status in IN_FLIGHT_STATUSES:
        return Status.PROCESSING
    if status in FAILED_STATUSES:
        return Status.FAILED
    if status in CANCELED_STATUSES:
        return Status.CANCELED
    return None


@transaction.atomic
def braintree_payment_request(*, customer: Customer, amount: int, currency: str, nonce: str, actor=None) -> Payment:
    """A customer's Braintree payment: created pending here; the sale is made by the
    Celery task `payments.submit_braintree_sale` after commit."""
    if not nonce or len(nonce) > 200:
        raise GatewayError("a Braintree payment needs the payment-method nonce from the Drop-in")
    payment = payment_create(
        customer=customer, amount=amount, currency=currency, actor=actor, gateway=Gateway.BRAINTREE
    )
    # The nonce is single-use and short-lived: sealed in the outbox, erased once sent.
    outbox_task_enqueue("payments.submit_braintree_sale", payment.pk, sealed={"nonce": nonce})
    return payment


def braintree_transaction_apply(*, payment: Payment, sale: BraintreeTransaction) -> bool:
    """Bring `payment` to the state of its Braintree transaction, and post the service
    fee the settled transaction reports (once: `payments.services.fees`). Inside the
    caller's transaction; False if nothing changed (already there, or a stale report)."""
    if (sale.amount, sale.currency) != (payment.amount, payment.currency):
        raise GatewayError(
            f"payment {payment.pk} is {payment.amount} {payment.currency} but braintree says "
            f"{sale.amount} {sale.currency}"
        )
    to = braintree_status(sale.status)
    moved = False
    if to is not None and to != payment.status:
        moved = payment_transition(
            payment=payment, to=to, charge_reference=sale.reference, reason=sale.processor_response or sale.status
        )
    return _service_fee_apply(payment=payment, sale=sale) or moved


def _service_fee_apply(*, payment: Payment, sale: BraintreeTransaction) -> bool:
    if sale.service_fee is None:
        return False  # not reported (yet): a later settled notification or reconciliation books it
    payment.refresh_from_db()
    if payment.status != Status.SUCCEEDED or payment.gateway_charge_reference != sale.reference:
        return False
    if payment_fee_recorded(payment=payment):
        return False
    entry = payment_fee_record(
        payment=payment, fee_minor=sale.service_fee, currency=sale.currency, source_reference=sale.reference
    )
    return entry is not None


def braintree_sale_submit(*, payment_id: int, nonce: str) -> str:
    """The task body: make the payment's sale once and record its reference and state."""
    payment = Payment.objects.filter(pk=payment_id, gateway=Gateway.BRAINTREE).first()
    if payment is None or payment.gateway_reference or payment.status != Status.PENDING:
        return "nothing to do"
    lock = f"payments:braintree-sale:{payment.pk}"
    if not cache.add(lock, "1", timeout=SALE_LOCK_SECONDS):
        raise SaleInProgressError(f"payment {payment.pk} is being submitted by another worker")
    try:
        gateway = braintree_adapter()
        customer_id = ""
        if payment.customer_id:
            customer_id = gateway.customer_ensure(customer_id=braintree_customer_id(payment.customer))
        try:
            sale = gateway.transaction_sale(
                amount=payment.amount,
                currency=payment.currency,
                order_id=braintree_order_id(payment),
                nonce=nonce,
                customer_id=customer_id,
                store_in_vault=bool(customer_id),
            )
        except GatewayUnavailableError:
            raise
        except GatewayError as exc:  # refused (a bad or used nonce): the customer may try again
            with transaction.atomic():
                payment_transition(payment=payment, to=Status.FAILED, reason=exc.detail)
            return "refused"
    finally:
        cache.delete(lock)
    with transaction.atomic():
        updated = Payment.objects.filter(pk=payment.pk, gateway_reference__isnull=True).update(
            gateway_reference=sale.reference, updated_at=timezone.now()
        )
        payment.refresh_from_db()
        if not updated and payment.gateway_reference != sale.reference:
            raise StateConflictError(f"payment {payment.pk} is already linked to {payment.gateway_reference}")
        if updated:
            audit_event_record(
                action="payments.payment.submitted",
                target=payment,
                before={"gateway_reference": None},
                after={"gateway_reference": sale.reference, "gateway_status": sale.status},
            )
        braintree_transaction_apply(payment=payment, sale=sale)
    return sale.status
