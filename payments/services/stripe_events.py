"""What each Stripe event type does. Called by `webhook_delivery_apply` inside its
transaction (after `stripe_event_prefetch`, which does any gateway reads first, outside
the transaction, so no row lock is held across a network call).

Every effect is guarded twice: the delivery is applied once (row lock + status), and
each state change is a conditional update whose money movement carries an
idempotency key, so a different event reporting the same change has no second effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from payments.errors import StateConflictError
from payments.gateways import gateway_for
from payments.gateways.base import GatewayPaymentIntent
from payments.models import Dispute, Payment, Payout
from payments.models.money_movements import Gateway
from payments.services.disputes import dispute_close, dispute_funds_reinstated, dispute_funds_withdrawn, dispute_record
from payments.services.payments import payment_apply_intent, payment_refunded_total_apply
from payments.services.payouts import payout_failed, payout_paid, payout_record

APPLIED, IGNORED = "applied", "ignored"


@dataclass(frozen=True)
class Outcome:
    status: str  # APPLIED or IGNORED
    note: str = ""


def _payment_for(*, intent: str = "", charge: str = "", metadata: dict | None = None) -> Payment | None:
    payments = Payment.objects.filter(gateway=Gateway.STRIPE)
    if intent:
        found = payments.filter(gateway_reference=intent).first()
        if found:
            return found
    if charge:
        found = payments.filter(gateway_charge_reference=charge).first()
        if found:
            return found
    payment_id = (metadata or {}).get("payment_id", "")
    if str(payment_id).isdigit():
        # Our own PaymentIntent whose id we never saved (the submit crashed after the call).
        return payments.filter(pk=int(payment_id), gateway_reference__isnull=True).first()
    return None


def _intent_from_event(obj: dict) -> GatewayPaymentIntent:
    charge = obj.get("latest_charge") or ""
    return GatewayPaymentIntent(
        reference=obj["id"], status=obj["status"], amount=int(obj["amount"]), currency=str(obj["currency"]).upper(),
        amount_received=int(obj.get("amount_received") or 0),
        latest_charge=charge if isinstance(charge, str) else charge.get("id", ""),
        metadata=obj.get("metadata") or {},
    )


def stripe_event_prefetch(event: dict) -> GatewayPaymentIntent | None:
    """The gateway's current PaymentIntent when the event alone leaves the state uncertain.

    A refund reported before the payment's success (deliveries out of order) needs
    the payment's real state first: we ask the gateway rather than guess.
    """
    if event["type"] != "charge.refunded":
        return None
    obj = event["data"]["object"]
    payment = _payment_for(intent=obj.get("payment_intent") or "", charge=obj["id"])
    if payment is None or payment.status == Payment.Status.SUCCEEDED or not payment.gateway_reference:
        return None
    return gateway_for(Gateway.STRIPE).payment_intent_retrieve(reference=payment.gateway_reference)


def _intent_event(to: str) -> Callable[[dict, GatewayPaymentIntent | None], Outcome]:
    def handle(obj: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
        payment = _payment_for(intent=obj["id"], metadata=obj.get("metadata"))
        if payment is None:
            return Outcome(IGNORED, f"no payment for {obj['id']}")
        if payment.gateway_reference is None:
            Payment.objects.filter(pk=payment.pk, gateway_reference__isnull=True).update(gateway_reference=obj["id"])
        intent = _intent_from_event(obj)
        reason = ((obj.get("last_payment_error") or {}).get("message") or "") if to == Payment.Status.FAILED else ""
        moved = payment_apply_intent(payment=payment, intent=intent, to=to, reason=reason)
        return Outcome(APPLIED) if moved else Outcome(IGNORED, f"payment {payment.pk} is already {payment.status}")

    return handle


def _charge_refunded(obj: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
    payment = _payment_for(intent=obj.get("payment_intent") or "", charge=obj["id"])
    if payment is None:
        return Outcome(IGNORED, f"no payment for charge {obj['id']}")
    if payment.status != Payment.Status.SUCCEEDED and prefetched is not None:
        payment_apply_intent(payment=payment, intent=prefetched)
        payment.refresh_from_db()
    if payment.status != Payment.Status.SUCCEEDED:
        raise StateConflictError(f"charge {obj['id']} refunded but payment {payment.pk} is {payment.status}")
    listed = [
        (refund["id"], int(refund["amount"]), str((refund.get("metadata") or {}).get("refund_id", "")))
        for refund in ((obj.get("refunds") or {}).get("data") or [])
        if refund.get("status") == "succeeded"
    ]
    moved = payment_refunded_total_apply(
        payment=payment, amount_refunded=int(obj["amount_refunded"]), refund_references=listed
    )
    return Outcome(APPLIED) if moved else Outcome(IGNORED, "refunded total already recorded")


def _dispute(obj: dict) -> tuple[Dispute, bool]:
    payment = _payment_for(intent=obj.get("payment_intent") or "", charge=obj.get("charge") or "")
    return dispute_record(
        gateway=Gateway.STRIPE, reference=obj["id"], payment=payment, amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(), status=obj.get("status") or "", reason=obj.get("reason") or "",
    )


def _dispute_created(obj: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
    _, created = _dispute(obj)
    return Outcome(APPLIED) if created else Outcome(IGNORED, "dispute already recorded")


def _dispute_step(step: Callable[..., bool], **kwargs) -> Callable[[dict, GatewayPaymentIntent | None], Outcome]:
    def handle(obj: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
        dispute, _ = _dispute(obj)
        extra = {"status": obj.get("status") or ""} if step is dispute_close else {}
        return Outcome(APPLIED) if step(dispute=dispute, **extra) else Outcome(IGNORED, "dispute already there")

    return handle


def _payout(obj: dict) -> Payout:
    return payout_record(gateway=Gateway.STRIPE, reference=obj["id"], amount=int(obj["amount"]),
                         currency=str(obj["currency"]).upper())


def _payout_paid(obj: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
    return Outcome(APPLIED) if payout_paid(payout=_payout(obj)) else Outcome(IGNORED, "payout already settled")


def _payout_failed(obj: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
    reason = obj.get("failure_message") or obj.get("failure_code") or "failed"
    moved = payout_failed(payout=_payout(obj), reason=reason)
    return Outcome(APPLIED) if moved else Outcome(IGNORED, "payout already failed")


HANDLERS: dict[str, Callable[[dict, GatewayPaymentIntent | None], Outcome]] = {
    "payment_intent.succeeded": _intent_event(Payment.Status.SUCCEEDED),
    "payment_intent.payment_failed": _intent_event(Payment.Status.FAILED),
    "payment_intent.processing": _intent_event(Payment.Status.PROCESSING),
    "payment_intent.canceled": _intent_event(Payment.Status.CANCELED),
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_step(dispute_close),
    "charge.dispute.funds_withdrawn": _dispute_step(dispute_funds_withdrawn),
    "charge.dispute.funds_reinstated": _dispute_step(dispute_funds_reinstated),
    "payout.paid": _payout_paid,
    "payout.failed": _payout_failed,
}


def stripe_event_apply(event: dict, prefetched: GatewayPaymentIntent | None) -> Outcome:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return Outcome(IGNORED, f"event type {event['type']} is not handled")
    return handler(event["data"]["object"], prefetched)
