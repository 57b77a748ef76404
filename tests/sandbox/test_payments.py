"""`make run`'s sandbox end to end: the real Stripe SDK against the sandbox, the sandbox's
signed webhooks through the real endpoint, the ledger and AML monitoring reacting."""

from __future__ import annotations

import pytest
import stripe
from django.conf import settings

from compliance.monitoring.models import MonitoredTransaction
from compliance.monitoring.stream import EventStream
from fintech.models import AuditEvent
from ledger.models import JournalEntry
from payments.models import Dispute, Payment, WebhookDelivery
from payments.services.payments import payment_create, payment_submit
from sandbox.in_process import deliver_in_process
from tests.factories import CustomerFactory
from tests.payments.conftest import eager_tasks  # noqa: F401  (shared fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def _submitted(amount: int = 2500, currency: str = "USD") -> Payment:
    payment = payment_create(customer=CustomerFactory(), amount=amount, currency=currency)
    return payment_submit(payment=payment)


@pytest.mark.usefixtures("eager_tasks")
def test_a_payment_with_4242_succeeds_is_booked_and_monitored(sandbox, redis_url, relay):
    # given a payment whose PaymentIntent the sandbox holds
    payment = _submitted()
    stream = EventStream.from_url(redis_url)
    stream.ensure_group()
    # when the customer pays with Stripe's 4242 test card and the sandbox's webhooks arrive
    sandbox.stripe.confirm(payment.gateway_reference, "4242 4242 4242 4242")
    sandbox.poster.drain(deliver_in_process)
    # then the payment succeeded, with its fee from the sandbox's balance transaction
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert WebhookDelivery.objects.get(event_type="payment_intent.succeeded").status == WebhookDelivery.Status.APPLIED
    assert JournalEntry.objects.filter(idempotency_key__contains=str(payment.pk)).exists()
    assert AuditEvent.objects.filter(action__startswith="payments.payment", target_id=str(payment.pk)).exists()
    # and the outbox relay and the AML stream consumer decide on it, as the product runs them
    relay()
    while stream.consume_once("test-sandbox", block_ms=100):
        pass
    assert MonitoredTransaction.objects.filter(source="payments", source_id=f"payment:{payment.pk}").exists()


def test_a_payment_with_0002_is_declined_with_the_reason(sandbox):
    payment = _submitted()
    client = stripe.StripeClient(settings.STRIPE_API_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    # when the customer's card is declined (Stripe's test PaymentMethod for 4000000000000002)
    with pytest.raises(stripe.CardError) as declined:
        client.payment_intents.confirm(payment.gateway_reference, params={"payment_method": "pm_card_chargeDeclined"})
    assert declined.value.code == "card_declined"
    sandbox.poster.drain(deliver_in_process)
    # then the payment failed, with the bank's reason
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "Your card was declined."


def test_a_payment_with_0259_succeeds_then_is_disputed(sandbox):
    payment = _submitted(4000, "EUR")
    sandbox.stripe.confirm(payment.gateway_reference, "4000000000000259")
    sandbox.poster.drain(deliver_in_process)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    dispute = Dispute.objects.get(payment=payment)
    assert (dispute.amount, dispute.currency, dispute.reason) == (4000, "EUR", "fraudulent")
