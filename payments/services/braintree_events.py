"""What each Braintree webhook kind does. Called by `webhook_delivery_apply` inside its
transaction, after `braintree_event_prefetch` has read the subject's current state
from the gateway (outside the transaction, so no row lock is held across a network call).

A notification says only that something happened to a transaction or dispute; its
copy of the subject may be older than others delivered after it. So the subject is
always re-fetched (`transaction.find`, `dispute.find`) and its current state applied:
deliveries in any order converge on the gateway's state. Each effect is a conditional
update whose money movement carries an idempotency key, so a repeated or concurrent
delivery has no second effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from payments.gateways import braintree_adapter
from payments.gateways.braintree_records import BraintreeDispute, BraintreeNotification, BraintreeTransaction
from payments.models import Payment
from payments.models.money_movements import Gateway
from payments.services.braintree_payments import braintree_transaction_apply
from payments.services.disputes import dispute_close, dispute_funds_reinstated, dispute_funds_withdrawn, dispute_record

APPLIED, IGNORED = "applied", "ignored"
TRANSACTION_KINDS = {"transaction_settled", "transaction_settlement_declined"}
DISPUTE_KINDS = {"dispute_opened", "dispute_won", "dispute_lost"}


@dataclass(frozen=True)
class Outcome:
    status: str  # APPLIED or IGNORED
    note: str = ""


def braintree_notification_read(raw_body: str) -> BraintreeNotification:
    """The notification in a stored delivery (the form body as it was received and verified)."""
    fields = parse_qs(raw_body, keep_blank_values=True)
    payload = (fields.get("bt_payload") or [""])[0]
    if not payload:
        raise ValueError("the stored delivery has no bt_payload")
    return braintree_adapter().webhook_read(payload=payload)


def braintree_event_prefetch(notification: BraintreeNotification) -> BraintreeTransaction | BraintreeDispute | None:
    if notification.kind in TRANSACTION_KINDS and notification.transaction:
        return braintree_adapter().transaction_find(reference=notification.transaction)
    if notification.kind in DISPUTE_KINDS and notification.dispute:
        return braintree_adapter().dispute_find(reference=notification.dispute)
    return None


def _payment_for(*, reference: str, order_id: str = "") -> Payment | None:
    payments = Payment.objects.filter(gateway=Gateway.BRAINTREE)
    found = payments.filter(gateway_reference=reference).first()
    if found is None and order_id.startswith("payment-") and order_id[len("payment-") :].isdigit():
        # Our own sale whose id we never saved (the submit crashed after the call).
        found = payments.filter(pk=int(order_id[len("payment-") :]), gateway_reference__isnull=True).first()
        if found is not None:
            Payment.objects.filter(pk=found.pk, gateway_reference__isnull=True).update(gateway_reference=reference)
            found.refresh_from_db()
    return found


def _transaction_event(sale: BraintreeTransaction) -> Outcome:
    payment = _payment_for(reference=sale.reference, order_id=sale.order_id)
    if payment is None:
        return Outcome(IGNORED, f"no payment for braintree transaction {sale.reference}")
    moved = braintree_transaction_apply(payment=payment, sale=sale)
    return Outcome(APPLIED) if moved else Outcome(IGNORED, f"payment {payment.pk} is already {payment.status}")


def _dispute_event(kind: str, found: BraintreeDispute) -> Outcome:
    payment = _payment_for(reference=found.transaction)
    dispute, created = dispute_record(
        gateway=Gateway.BRAINTREE,
        reference=found.reference,
        payment=payment,
        amount=found.amount,
        currency=found.currency,
        status=found.status,
        reason=found.reason,
    )
    # Braintree takes a chargeback's money when the dispute opens and gives it back if
    # we win; a loss keeps it. The funds steps are once-only, in any order (a win that
    # arrives before the opening nets to nothing; see `dispute_funds_reinstated`).
    if kind == "dispute_opened":
        moved = dispute_funds_withdrawn(dispute=dispute)
    elif kind == "dispute_won":
        closed = dispute_close(dispute=dispute, status="won")
        moved = dispute_funds_reinstated(dispute=dispute) or closed
    else:
        closed = dispute_close(dispute=dispute, status="lost")
        moved = dispute_funds_withdrawn(dispute=dispute) or closed
    return Outcome(APPLIED) if (moved or created) else Outcome(IGNORED, "dispute already there")


def braintree_event_apply(
    notification: BraintreeNotification, prefetched: BraintreeTransaction | BraintreeDispute | None
) -> Outcome:
    if notification.kind in TRANSACTION_KINDS and isinstance(prefetched, BraintreeTransaction):
        return _transaction_event(prefetched)
    if notification.kind in DISPUTE_KINDS and isinstance(prefetched, BraintreeDispute):
        return _dispute_event(notification.kind, prefetched)
    return Outcome(IGNORED, f"notification kind {notification.kind} is not handled")
