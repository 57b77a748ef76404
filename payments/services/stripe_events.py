"""What each Stripe event type does. Called by `webhook_delivery_apply` inside its
transaction (after `stripe_event_prefetch`, which does any gateway reads first, outside
the transaction, so no row lock is held across a network call).

Every effect is guarded twice: the delivery is applied once (row lock + status), and
each state change is a conditional update whose money movement carries an
idempotency key, so a different event reporting the same change has no second effect.

Where an event's order or content leaves the state uncertain, the prefetch reads the
object's current state through the SDK and the handler applies that instead:
- `charge.refunded` for a payment not yet succeeded: the PaymentIntent;
- `charge.dispute.closed` for a dispute we have not recorded, or whose funds we have
  not seen move (it closed before `created` or `funds_withdrawn` reached us): the
  dispute, whose balance transactions say which funds moved;
- `payout.paid` for a payout we hold as failed (a paid event delivered after the
  failure): the payout.
And fees: `payment_intent.succeeded` (and `charge.updated`, when Stripe makes a
charge's balance transaction available later) read the charge's balance transaction
for the fee it reports, posted once per payment (`payments.services.fees`). Every
dispute event carries the dispute's balance transactions: the fee taken with its
withdrawal (or given back with its reinstatement) is posted once each way, whichever
event shows it first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from payments.errors import GatewayError, GatewayUnavailableError, StateConflictError
from payments.gateways import gateway_for
from payments.gateways.base import GatewayPaymentIntent
from payments.gateways.stripe_gateway import (
    StripeBalanceTransaction,
    StripeDispute,
    StripePayout,
    stripe_dispute_from,
)
from payments.models import Dispute, Payment, Payout
from payments.models.money_movements import Gateway
from payments.services.disputes import dispute_close, dispute_funds_reinstated, dispute_funds_withdrawn, dispute_record
from payments.services.fees import dispute_fee_record, payment_fee_record, payment_fee_recorded
from payments.services.payments import payment_apply_intent, payment_refunded_total_apply
from payments.services.payouts import payout_failed, payout_paid, payout_record
from payments.services.refunds import refund_gateway_failure_record

logger = logging.getLogger(__name__)
APPLIED, IGNORED = "applied", "ignored"
DISPUTE_CLOSED_STATUSES = frozenset({"won", "lost", "warning_closed", "prevented"})


@dataclass(frozen=True)
class Prefetched:
    """What the gateway says now, read before the apply transaction (None: not asked)."""

    intent: GatewayPaymentIntent | None = None
    fee: StripeBalanceTransaction | None = None
    dispute: StripeDispute | None = None
    payout: StripePayout | None = None


NOTHING = Prefetched()


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
        reference=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        amount_received=int(obj.get("amount_received") or 0),
        latest_charge=charge if isinstance(charge, str) else charge.get("id", ""),
        metadata=obj.get("metadata") or {},
    )


def _id(value) -> str:
    if not value:
        return ""
    return value if isinstance(value, str) else str(value.get("id", ""))


def _fee_prefetch(*, charge: str, balance_transaction: str = "") -> StripeBalanceTransaction | None:
    """The charge's balance transaction (its fee), unless the fee is booked or not yet known.

    A permanent error leaves the fee for later (`charge.updated`, reconciliation) rather
    than failing the payment's success; a transient one propagates (the task retries).
    """
    gateway = gateway_for(Gateway.STRIPE)
    try:
        if not balance_transaction:
            balance_transaction = gateway.charge_retrieve(reference=charge).balance_transaction
        if not balance_transaction:
            return None  # Stripe has not settled the charge to our balance yet
        return gateway.balance_transaction_retrieve(reference=balance_transaction)
    except GatewayUnavailableError:
        raise
    except GatewayError as exc:
        logger.warning("fee of charge %s not read: %s", charge, exc.detail)
        return None


def _prefetch_succeeded(obj: dict) -> Prefetched:
    payment = _payment_for(intent=obj["id"], metadata=obj.get("metadata"))
    charge = _id(obj.get("latest_charge"))
    if (
        payment is None
        or not charge
        or (payment.gateway_charge_reference == charge and payment_fee_recorded(payment=payment))
    ):
        return NOTHING
    return Prefetched(fee=_fee_prefetch(charge=charge))


def _prefetch_charge_updated(obj: dict) -> Prefetched:
    payment = _payment_for(intent=_id(obj.get("payment_intent")), charge=obj["id"])
    balance_transaction = _id(obj.get("balance_transaction"))
    if (
        payment is None
        or payment.status != Payment.Status.SUCCEEDED
        or not balance_transaction
        or payment.gateway_charge_reference != obj["id"]
        or payment_fee_recorded(payment=payment)
    ):
        return NOTHING  # not yet succeeded: its success event reads the fee
    return Prefetched(fee=_fee_prefetch(charge=obj["id"], balance_transaction=balance_transaction))


def _prefetch_refunded(obj: dict) -> Prefetched:
    """A refund reported before the payment's success (deliveries out of order) needs
    the payment's real state first: we ask the gateway rather than guess."""
    payment = _payment_for(intent=obj.get("payment_intent") or "", charge=obj["id"])
    if payment is None or payment.status == Payment.Status.SUCCEEDED or not payment.gateway_reference:
        return NOTHING
    return Prefetched(intent=gateway_for(Gateway.STRIPE).payment_intent_retrieve(reference=payment.gateway_reference))


def _prefetch_dispute_closed(obj: dict) -> Prefetched:
    known = Dispute.objects.filter(gateway=Gateway.STRIPE, gateway_reference=obj["id"]).first()
    if known is not None and known.funds_state != Dispute.FundsState.NONE:
        return NOTHING
    return Prefetched(dispute=gateway_for(Gateway.STRIPE).dispute_retrieve(reference=obj["id"]))


def _prefetch_payout_paid(obj: dict) -> Prefetched:
    known = Payout.objects.filter(gateway=Gateway.STRIPE, gateway_reference=obj["id"]).first()
    if known is None or known.status != Payout.Status.FAILED:
        return NOTHING
    return Prefetched(payout=gateway_for(Gateway.STRIPE).payout_retrieve(reference=obj["id"]))


PREFETCHERS: dict[str, Callable[[dict], Prefetched]] = {
    "payment_intent.succeeded": _prefetch_succeeded,
    "charge.updated": _prefetch_charge_updated,
    "charge.refunded": _prefetch_refunded,
    "charge.dispute.closed": _prefetch_dispute_closed,
    "payout.paid": _prefetch_payout_paid,
}


def stripe_event_prefetch(event: dict) -> Prefetched:
    """The gateway's current state where the event alone leaves it uncertain (see the
    module docstring); NOTHING for every other event. Runs outside any transaction."""
    prefetch = PREFETCHERS.get(event["type"])
    return prefetch(event["data"]["object"]) if prefetch else NOTHING


def _fee_apply(payment: Payment, fee: StripeBalanceTransaction | None) -> bool:
    """Post the fee the prefetched balance transaction reports, once (False: nothing posted now)."""
    payment.refresh_from_db()
    if fee is None or payment.status != Payment.Status.SUCCEEDED or fee.source != payment.gateway_charge_reference:
        return False
    if payment_fee_recorded(payment=payment):
        return False
    entry = payment_fee_record(
        payment=payment,
        fee_minor=fee.fee,
        currency=fee.currency,
        source_reference=fee.source,
        exchange_rate=fee.exchange_rate,
    )
    return entry is not None


def _intent_event(to: str) -> Callable[[dict, Prefetched], Outcome]:
    def handle(obj: dict, prefetched: Prefetched) -> Outcome:
        payment = _payment_for(intent=obj["id"], metadata=obj.get("metadata"))
        if payment is None:
            return Outcome(IGNORED, f"no payment for {obj['id']}")
        if payment.gateway_reference is None:
            Payment.objects.filter(pk=payment.pk, gateway_reference__isnull=True).update(gateway_reference=obj["id"])
        intent = _intent_from_event(obj)
        reason = ((obj.get("last_payment_error") or {}).get("message") or "") if to == Payment.Status.FAILED else ""
        moved = payment_apply_intent(payment=payment, intent=intent, to=to, reason=reason)
        fee_posted = to == Payment.Status.SUCCEEDED and _fee_apply(payment, prefetched.fee)
        if moved or fee_posted:
            return Outcome(APPLIED)
        return Outcome(IGNORED, f"payment {payment.pk} is already {payment.status}")

    return handle


def _charge_updated(obj: dict, prefetched: Prefetched) -> Outcome:
    """Only the fee: Stripe updates a charge when its balance transaction becomes available."""
    payment = _payment_for(intent=_id(obj.get("payment_intent")), charge=obj["id"])
    if payment is None:
        return Outcome(IGNORED, f"no payment for charge {obj['id']}")
    if _fee_apply(payment, prefetched.fee):
        return Outcome(APPLIED)
    return Outcome(IGNORED, "no fee to record")


def _charge_refunded(obj: dict, prefetched: Prefetched) -> Outcome:
    payment = _payment_for(intent=obj.get("payment_intent") or "", charge=obj["id"])
    if payment is None:
        return Outcome(IGNORED, f"no payment for charge {obj['id']}")
    if payment.status != Payment.Status.SUCCEEDED and prefetched.intent is not None:
        payment_apply_intent(payment=payment, intent=prefetched.intent)
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
        gateway=Gateway.STRIPE,
        reference=obj["id"],
        payment=payment,
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        status=obj.get("status") or "",
        reason=obj.get("reason") or "",
    )


def _dispute_fees(dispute: Dispute, current: StripeDispute) -> bool:
    """Post the fees `current`'s balance transactions show, each way once; whether any was new."""
    posted = False
    for reinstated in (False, True):
        fee = current.fee_moved(reinstated=reinstated)
        if fee is None:
            continue
        fee_minor, currency = fee
        posted = (
            dispute_fee_record(dispute=dispute, fee_minor=fee_minor, currency=currency, reinstated=reinstated) or posted
        )
    return posted


def _dispute_created(obj: dict, prefetched: Prefetched) -> Outcome:
    dispute, created = _dispute(obj)
    moved = _dispute_fees(dispute, stripe_dispute_from(obj)) or created
    return Outcome(APPLIED) if moved else Outcome(IGNORED, "dispute already recorded")


def _dispute_step(step: Callable[..., bool], **kwargs) -> Callable[[dict, Prefetched], Outcome]:
    def handle(obj: dict, prefetched: Prefetched) -> Outcome:
        dispute, _ = _dispute(obj)
        extra = {"status": obj.get("status") or ""} if step is dispute_close else {}
        moved = step(dispute=dispute, **extra)
        moved = _dispute_fees(dispute, stripe_dispute_from(obj)) or moved
        return Outcome(APPLIED) if moved else Outcome(IGNORED, "dispute already there")

    return handle


def _dispute_closed(obj: dict, prefetched: Prefetched) -> Outcome:
    """Closed before we saw it open or its funds move: apply the dispute as Stripe holds
    it now (its funds, each move once, then its final status); else just close it."""
    current = prefetched.dispute
    if current is None:
        return _dispute_step(dispute_close)(obj, prefetched)
    dispute, created = _dispute(
        {
            "id": current.reference,
            "payment_intent": current.payment_intent,
            "charge": current.charge,
            "amount": current.amount,
            "currency": current.currency,
            "status": current.status,
            "reason": current.reason,
        }
    )
    moved = created
    if current.funds_withdrawn:
        moved = dispute_funds_withdrawn(dispute=dispute) or moved
    if current.funds_reinstated:
        moved = dispute_funds_reinstated(dispute=dispute) or moved
    moved = _dispute_fees(dispute, current) or moved
    status = current.status if current.status in DISPUTE_CLOSED_STATUSES else (obj.get("status") or current.status)
    moved = dispute_close(dispute=dispute, status=status) or moved
    return Outcome(APPLIED) if moved else Outcome(IGNORED, "dispute already there")


def _payout(obj: dict) -> Payout:
    return payout_record(
        gateway=Gateway.STRIPE, reference=obj["id"], amount=int(obj["amount"]), currency=str(obj["currency"]).upper()
    )


def _payout_paid(obj: dict, prefetched: Prefetched) -> Outcome:
    current = prefetched.payout
    if current is not None:
        # We hold it as failed, and failure is final at Stripe: the paid event is stale.
        if current.status == "paid":
            raise StateConflictError(f"payout {current.reference} is failed here but paid at the gateway")
        return Outcome(IGNORED, f"payout {current.reference} is {current.status} at the gateway")
    return Outcome(APPLIED) if payout_paid(payout=_payout(obj)) else Outcome(IGNORED, "payout already settled")


def _refund_updated(obj: dict, prefetched: Prefetched) -> Outcome:
    """A refund object's status changed; only a failure or cancellation after acceptance is
    news here (a success moves money through `charge.refunded`, with the charge's total)."""
    status = obj.get("status")
    if status not in ("failed", "canceled"):
        return Outcome(IGNORED, f"refund {obj['id']} is {status}")
    payment = _payment_for(intent=_id(obj.get("payment_intent")), charge=_id(obj.get("charge")))
    if payment is None:
        return Outcome(IGNORED, f"no payment for refund {obj['id']}")
    moved = refund_gateway_failure_record(
        payment=payment,
        reference=obj["id"],
        refund_id=str((obj.get("metadata") or {}).get("refund_id", "")),
        reason=str(obj.get("failure_reason") or status),
    )
    return Outcome(APPLIED) if moved else Outcome(IGNORED, f"refund {obj['id']} is not a pending refund of ours")


def _payout_failed(obj: dict, prefetched: Prefetched) -> Outcome:
    reason = obj.get("failure_message") or obj.get("failure_code") or "failed"
    moved = payout_failed(payout=_payout(obj), reason=reason)
    return Outcome(APPLIED) if moved else Outcome(IGNORED, "payout already failed")


HANDLERS: dict[str, Callable[[dict, Prefetched], Outcome]] = {
    "payment_intent.succeeded": _intent_event(Payment.Status.SUCCEEDED),
    "payment_intent.payment_failed": _intent_event(Payment.Status.FAILED),
    "payment_intent.processing": _intent_event(Payment.Status.PROCESSING),
    "payment_intent.canceled": _intent_event(Payment.Status.CANCELED),
    "charge.updated": _charge_updated,
    "charge.refunded": _charge_refunded,
    "charge.refund.updated": _refund_updated,
    "refund.updated": _refund_updated,
    "refund.failed": _refund_updated,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
    "charge.dispute.funds_withdrawn": _dispute_step(dispute_funds_withdrawn),
    "charge.dispute.funds_reinstated": _dispute_step(dispute_funds_reinstated),
    "payout.paid": _payout_paid,
    "payout.failed": _payout_failed,
}


def stripe_event_apply(event: dict, prefetched: Prefetched | None = None) -> Outcome:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return Outcome(IGNORED, f"event type {event['type']} is not handled")
    return handler(event["data"]["object"], prefetched or NOTHING)
